// Panorama scenes, tours and share links as the server sends them
// (`routes/panoramas.rs`, `routes/tours.rs`). API paths are relative to the
// page, like the rest of the app; media URLs come absolute from the server.

import { ApiError } from '../api';
import type { Feature } from '../types';

export type SceneLayer = 'parks' | 'plots' | 'factories';

export interface Hotspot {
  id: number;
  yaw_deg: number;
  pitch_deg: number;
  /** The scene a link hotspot leads to. */
  target: number | null;
  /** Plain text shown at a note hotspot (never HTML). */
  note: string | null;
}

export interface Scene {
  id: number;
  layer: SceneLayer;
  feature: number;
  title: string;
  lon: number | null;
  lat: number | null;
  /** Compass heading of yaw 0 (the image's centre), degrees. */
  heading_deg: number;
  width: number;
  height: number;
  /** Smallest first; level 0 is one tile per face. */
  levels: { face_size: number; nb_tiles: number }[];
  /** Processing happens after the upload; only a ready scene has images. */
  status?: SceneStatus;
  /** Why processing failed. */
  error?: string | null;
  /** The view the scene opens at when no other is asked for. */
  initial_view?: InitialView | null;
  created_by?: string;
  created_at?: number;
  /** Shown scenes are ready, so these are set; a scene still processing has none. */
  thumbnail_url: string;
  preview_url: string;
  tile_url_template: string;
  hotspots: Hotspot[];
}

export type SceneStatus = 'processing' | 'ready' | 'failed';

export interface InitialView {
  yaw_deg: number;
  pitch_deg: number;
  /** PSV's zoom level 0..100. */
  zoom: number;
}

export interface TourStop {
  note: string;
  scene: Scene;
}

export interface Tour {
  id: number;
  title: string;
  stops: TourStop[];
}

export interface SharedTour {
  tour: Tour;
  expires_at: number;
}

/** A view of a scene: degrees, and PSV's zoom level 0..100. */
export interface SceneView {
  scene: number;
  yaw: number;
  pitch: number;
  zoom: number;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-cache', headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let code = '';
    try {
      const body = (await response.json()) as { error?: string; message?: string };
      if (body.message) message = body.message;
      if (typeof body.error === 'string') code = body.error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, message, code);
  }
  return (await response.json()) as T;
}

/** A feature's scenes, oldest first. */
export function fetchScenes(layer: SceneLayer, id: number): Promise<Scene[]> {
  return getJson<Scene[]>(`api/${layer}/${id}/panoramas`);
}

/** One scene (the server counts it as a panorama view). */
export function fetchScene(id: number): Promise<Scene> {
  return getJson<Scene>(`api/panoramas/${id}`);
}

/** The feature a scene belongs to, for the map inset's outline. */
export function fetchSceneFeature(layer: SceneLayer, id: number): Promise<Feature> {
  return getJson<Feature>(`api/${layer}/${id}`);
}

/** A shared tour, for anyone holding the link: 404 when forged, 410 when expired or revoked. */
export function fetchShared(token: string): Promise<SharedTour> {
  return getJson<SharedTour>(`api/shared/${encodeURIComponent(token)}`);
}

// ---- The staff back office: scenes, hotspots, tours and share links ----

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let code = '';
    try {
      const err = (await response.json()) as { error?: string; message?: string };
      if (err.message) message = err.message;
      if (typeof err.error === 'string') code = err.error;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, message, code);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Every scene staff may manage, in any state; of one feature when given. */
export function listScenes(site?: { layer: SceneLayer; id: number }): Promise<Scene[]> {
  return getJson<Scene[]>(site ? `api/panoramas?layer=${site.layer}&feature=${site.id}` : 'api/panoramas');
}

/** A scene's fields staff change: title, camera position and heading, the view it opens at. */
export interface ScenePatch {
  title?: string;
  lon?: number;
  lat?: number;
  heading_deg?: number;
  initial_view?: InitialView;
}

export function patchScene(id: number, patch: ScenePatch): Promise<Scene> {
  return send<Scene>('PATCH', `api/panoramas/${id}`, patch);
}

export function deleteScene(id: number): Promise<void> {
  return send<void>('DELETE', `api/panoramas/${id}`);
}

export function addHotspot(scene: number, hotspot: { yaw_deg: number; pitch_deg: number; target?: number; note?: string }): Promise<Scene> {
  return send<Scene>('POST', `api/panoramas/${scene}/hotspots`, hotspot);
}

export function deleteHotspot(scene: number, hotspot: number): Promise<void> {
  return send<void>('DELETE', `api/panoramas/${scene}/hotspots/${hotspot}`);
}

/**
 * Uploads one picture for a feature; `progress` hears the fraction sent.
 * Resolves with the scene, still processing: the server makes its images in the background.
 */
export function uploadScene(site: { layer: SceneLayer; id: number }, file: File, progress: (fraction: number) => void): Promise<Scene> {
  const form = new FormData();
  form.append('layer', site.layer);
  form.append('feature', String(site.id));
  // The file's name without its extension is a first title, changed later.
  form.append('title', file.name.replace(/\.[^.]*$/, '').slice(0, 200));
  form.append('image', file, file.name);
  return new Promise((resolve, reject) => {
    // XMLHttpRequest, not fetch: only it reports how much of the upload has gone.
    const xhr = new XMLHttpRequest();
    xhr.open('POST', 'api/panoramas');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) progress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let body: { message?: string; error?: string } & Partial<Scene> = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Scene);
      else reject(new ApiError(xhr.status, body.message ?? `${xhr.status} ${xhr.statusText}`, typeof body.error === 'string' ? body.error : ''));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network error')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted')));
    xhr.send(form);
  });
}

/** A tour as listed: its stops name their scenes only. */
export interface TourSummary {
  id: number;
  title: string;
  created_by: string;
  created_at: number;
  stops: { panorama: number; note: string }[];
}

export function listTours(): Promise<TourSummary[]> {
  return getJson<TourSummary[]>('api/tours');
}

export function fetchTour(id: number): Promise<Tour> {
  return getJson<Tour>(`api/tours/${id}`);
}

export interface TourInput {
  title: string;
  stops: { panorama: number; note: string }[];
}

/** Saves a tour: a new one when `id` is null. */
export function saveTour(id: number | null, tour: TourInput): Promise<Tour> {
  return id === null ? send<Tour>('POST', 'api/tours', tour) : send<Tour>('PUT', `api/tours/${id}`, tour);
}

export interface ShareLink {
  id: number;
  token: string;
  /** `/t/{token}`, absolute from the server's root. */
  url: string;
  expires_at: number;
  revoked_at: number | null;
  state: 'live' | 'expired' | 'revoked';
  views: number;
  created_by: string;
  created_at: number;
}

export function listLinks(tour: number): Promise<ShareLink[]> {
  return getJson<ShareLink[]>(`api/tours/${tour}/links`);
}

export function createLink(tour: number, days: number): Promise<{ id: number; token: string; url: string; expires_at: number }> {
  return send('POST', `api/tours/${tour}/links`, { days });
}

export function revokeLink(tour: number, link: number): Promise<void> {
  return send<void>('DELETE', `api/tours/${tour}/links/${link}`);
}

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

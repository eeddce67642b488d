// Typed access to the Site Atlas HTTP API. Paths are relative to the page, so
// the app works wherever the server (or a proxy in front of it) mounts it.

import type {
  ClientConfig,
  Feature,
  HistoryEntry,
  LayerName,
  SearchResponse,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The TileJSON fields the map uses. */
export interface TileJson {
  tiles: string[];
  minzoom?: number;
  maxzoom?: number;
  bounds?: [number, number, number, number];
  center?: [number, number, number];
  attribution?: string;
}

export const TILEJSON_PATH = 'tiles/parks,plots,factories,pois.json';

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init?.headers } });
  if (!response.ok) {
    // The API answers errors as {"error", "message"}; anything else keeps the status text.
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { message?: string };
      if (body.message) message = body.message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

/** Like `request`, but a 404 (an endpoint not deployed yet) answers `null`. */
async function optional<T>(path: string): Promise<T | null> {
  try {
    return await request<T>(path);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export function fetchTileJson(): Promise<TileJson> {
  return request<TileJson>(TILEJSON_PATH);
}

export function fetchConfig(): Promise<ClientConfig | null> {
  return optional<ClientConfig>('api/config');
}

export function fetchContext(): Promise<{ type: 'FeatureCollection'; features: Feature[] } | null> {
  return optional('context.geojson');
}

export function search(body: Record<string, unknown>, signal?: AbortSignal): Promise<SearchResponse> {
  // POST carries every field, the polygon included, in one shape.
  return request<SearchResponse>('api/search', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
    signal,
  });
}

export function fetchFeature(layer: LayerName, id: number): Promise<Feature> {
  return request<Feature>(`api/${layer}/${id}`, { cache: 'no-cache' });
}

/** A feature's change history, newest first; `null` where the server has no history endpoint. */
export function fetchHistory(layer: LayerName, id: number): Promise<HistoryEntry[] | null> {
  return request<HistoryEntry[]>(`api/${layer}/${id}/history`, { cache: 'no-cache' }).catch((e: unknown) => {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  });
}

/** Every park, with its geometry (for label points) as well as its code and name. */
export async function fetchParks(): Promise<Feature[]> {
  const result = await search({ layer: 'parks', limit: 1000 });
  return result.features;
}

/** A feature with the ETag an edit must send back in `If-Match`. */
export interface VersionedFeature {
  feature: Feature;
  etag: string;
}

export async function fetchVersionedFeature(layer: LayerName, id: number): Promise<VersionedFeature> {
  const response = await fetch(`api/${layer}/${id}`, { cache: 'no-cache', headers: { Accept: 'application/geo+json' } });
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  return { feature: (await response.json()) as Feature, etag: response.headers.get('ETag') ?? '' };
}

/** Someone else changed the feature first; `current` is how it now is. */
export class StaleError extends Error {
  constructor(readonly current: VersionedFeature) {
    super('changed by someone else first');
  }
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: string };
    if (body.message) return body.message;
  } catch {
    /* not JSON */
  }
  return `${response.status} ${response.statusText}`;
}

/**
 * Changes a plot or factory (the session cookie says who). Resolves with the
 * feature as it now is; rejects with `StaleError` when the ETag is stale and
 * `ApiError` for anything else.
 */
export async function patchFeature(layer: LayerName, id: number, etag: string, body: Record<string, unknown>): Promise<VersionedFeature> {
  const response = await fetch(`api/${layer}/${id}`, {
    method: 'PATCH',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Accept: 'application/geo+json', 'If-Match': etag },
  });
  if (response.status === 412) {
    throw new StaleError({ feature: (await response.json()) as Feature, etag: response.headers.get('ETag') ?? '' });
  }
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  return { feature: (await response.json()) as Feature, etag: response.headers.get('ETag') ?? '' };
}

/** Who is signed in, as `GET /api/session` tells. */
export interface SessionInfo {
  name: string;
  role: 'officer' | 'promoter' | 'admin';
  parks: string[];
  all_parks: boolean;
  /** For each plot status, the statuses this role may move a plot to. */
  plot_transitions: Record<string, string[]>;
}

/** The signed-in actor, or `null` when no one is. */
export async function fetchSession(): Promise<SessionInfo | null> {
  const response = await fetch('api/session', { cache: 'no-store', headers: { Accept: 'application/json' } });
  if (response.status === 401 || response.status === 404) return null;
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  return (await response.json()) as SessionInfo;
}

/** Trades a token for a session cookie; with 429 the error says how long to wait. */
export async function signIn(token: string): Promise<SessionInfo> {
  const response = await fetch('api/session', {
    method: 'POST',
    body: JSON.stringify({ token }),
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  return (await response.json()) as SessionInfo;
}

export async function signOut(): Promise<void> {
  await fetch('api/session', { method: 'DELETE' });
}

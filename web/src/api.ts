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

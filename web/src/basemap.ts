// The optional external basemap from /api/config, merged under our layers.
//
// Our data is WGS84. CGCS2000 (Tianditu) differs from it by centimetres and is
// accepted. GCJ-02, used by most other Chinese web maps, is shifted 300-500 m
// by a non-linear offset: drawn under our plots it would put every plot beside
// its true place, so it is refused with a visible notice rather than shown wrong.

import type { LayerSpecification, SourceSpecification, StyleSpecification } from 'maplibre-gl';
import type { StringKey } from './i18n';
import { LAYERS } from './style';
import type { BasemapConfig } from './types';

export type BasemapVerdict = { ok: true } | { ok: false; reason: StringKey };

export function judgeBasemap(basemap: BasemapConfig): BasemapVerdict {
  switch (basemap.datum) {
    case 'wgs84':
    case 'cgcs2000':
      return { ok: true };
    case 'gcj02':
      return { ok: false, reason: 'basemapRefusedGcj' };
    default:
      // Without a stated datum there is no way to know the plots would line up.
      return { ok: false, reason: 'basemapRefusedUnknown' };
  }
}

const PREFIX = 'basemap-';

/** Adds a raster basemap, and its annotation layer if any, just above the background. */
function withRaster(style: StyleSpecification, basemap: Extract<BasemapConfig, { type: 'raster' }>): StyleSpecification {
  const layers = [...style.layers];
  const at = layers.findIndex((l) => l.id === LAYERS.background) + 1;
  const sources: Record<string, SourceSpecification> = {};
  const added: LayerSpecification[] = [];
  const raster = (id: string, tiles: string[], attribution?: string) => {
    sources[PREFIX + id] = {
      type: 'raster',
      tiles,
      tileSize: basemap.tileSize ?? 256,
      maxzoom: basemap.maxzoom,
      attribution: attribution || undefined,
    };
    added.push({ id: PREFIX + id, type: 'raster', source: PREFIX + id });
  };
  raster('raster', basemap.tiles, basemap.attribution);
  if (basemap.labels?.length) raster('labels', basemap.labels);
  layers.splice(at, 0, ...added);
  return { ...style, sources: { ...style.sources, ...sources }, layers: dimContext(layers) };
}

/** The context districts are opaque on the plain background; over a basemap they must not hide it. */
function dimContext(layers: LayerSpecification[]): LayerSpecification[] {
  return layers.map((l) =>
    l.id === LAYERS.contextFirst && l.type === 'fill' ? { ...l, paint: { ...l.paint, 'fill-opacity': 0 } } : l,
  );
}

/** Resolves a URL of an external style against the style's own URL, keeping `{placeholders}`. */
function absolute(url: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return new URL(url.replace(/\{/g, '%7B').replace(/\}/g, '%7D'), base).href.replace(/%7B/gi, '{').replace(/%7D/gi, '}');
}

/** Puts an external style's sources and layers under ours (ids prefixed so none collide). */
function withStyle(style: StyleSpecification, external: StyleSpecification, styleUrl: string): StyleSpecification {
  const sources: Record<string, SourceSpecification> = {};
  for (const [id, source] of Object.entries(external.sources ?? {})) {
    const s = { ...source } as SourceSpecification & { url?: string; tiles?: string[] };
    if (s.url) s.url = absolute(s.url, styleUrl);
    if (s.tiles) s.tiles = s.tiles.map((t) => absolute(t, styleUrl));
    sources[PREFIX + id] = s;
  }
  const theirs = (external.layers ?? []).map(
    (l) => ({ ...l, id: PREFIX + l.id, ...('source' in l && typeof l.source === 'string' ? { source: PREFIX + l.source } : {}) }) as LayerSpecification,
  );
  const ours = style.layers.filter((l) => l.id !== LAYERS.background);
  return {
    ...style,
    // Their labels need their glyphs; ours then fall back to local fonts where those lack a glyph.
    glyphs: external.glyphs ? absolute(external.glyphs, styleUrl) : undefined,
    sprite: typeof external.sprite === 'string' ? absolute(external.sprite, styleUrl) : external.sprite,
    sources: { ...sources, ...style.sources },
    layers: [...theirs, ...dimContext(ours)],
  };
}

/**
 * Our style with the configured basemap under it, or our style alone with the
 * reason it was left out.
 */
export async function styleWithBasemap(
  style: StyleSpecification,
  basemap: BasemapConfig | null,
): Promise<{ style: StyleSpecification; refused: StringKey | null }> {
  if (!basemap) return { style, refused: null };
  const verdict = judgeBasemap(basemap);
  if (!verdict.ok) return { style, refused: verdict.reason };
  if (basemap.type === 'raster') return { style: withRaster(style, basemap), refused: null };
  try {
    const url = new URL(basemap.url, location.href).href;
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(String(response.status));
    return { style: withStyle(style, (await response.json()) as StyleSpecification, url), refused: null };
  } catch {
    return { style, refused: 'basemapFailed' };
  }
}

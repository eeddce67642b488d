// One label per plot and factory. A polygon label drawn straight from vector
// tiles is placed once per tile the polygon crosses, so a plot on a tile edge
// shows its code twice. Here the tile pieces of each feature are gathered
// (tiles carry the model id) and labelled once, at a point inside the polygon.

import type { GeoJSONSource, Map as MapLibreMap, GeoJSONFeature } from 'maplibre-gl';
import type { Feature as GeoFeature, FeatureCollection } from 'geojson';
import { labelPoint } from './geo';
import { SOURCE } from './style';
import type { Geometry, Position } from './types';

interface LabelSet {
  sourceLayer: 'plots' | 'factories';
  target: string;
  minzoom: number;
}

function insideAny(point: Position, pieces: GeoJSONFeature[]): boolean {
  return pieces.some((f) => {
    const g = f.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    return polygons.some((rings) => {
      let inside = false;
      const ring = rings[0] as Position[];
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > point[1] !== yj > point[1] && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    });
  });
}

/** Where to label a feature given its pieces: the middle of their joint extent if inside, else inside the largest piece. */
function anchor(pieces: GeoJSONFeature[]): Position | null {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      w = Math.min(w, c[0] as number);
      e = Math.max(e, c[0] as number);
      s = Math.min(s, c[1] as number);
      n = Math.max(n, c[1] as number);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  pieces.forEach((f) => visit((f.geometry as { coordinates: unknown }).coordinates));
  const middle: Position = [(w + e) / 2, (s + n) / 2];
  if (insideAny(middle, pieces)) return middle;
  return labelPoint(pieces[0].geometry as unknown as Geometry);
}

function collect(map: MapLibreMap, set: LabelSet): FeatureCollection {
  if (map.getZoom() < set.minzoom || !map.getSource(SOURCE)) return { type: 'FeatureCollection', features: [] };
  const byId = new Map<number, GeoJSONFeature[]>();
  for (const f of map.querySourceFeatures(SOURCE, { sourceLayer: set.sourceLayer })) {
    if (typeof f.id !== 'number' || f.properties.cluster === true) continue;
    const pieces = byId.get(f.id);
    if (pieces) pieces.push(f);
    else byId.set(f.id, [f]);
  }
  const features: GeoFeature[] = [];
  for (const [id, pieces] of byId) {
    const at = anchor(pieces);
    if (at) features.push({ type: 'Feature', id, properties: { ...pieces[0].properties }, geometry: { type: 'Point', coordinates: at } });
  }
  return { type: 'FeatureCollection', features };
}

/** Keeps the label sources in step with the loaded tiles. */
export function trackLabels(map: MapLibreMap, sets: LabelSet[]): () => void {
  const last = new Map<string, string>();
  const update = () => {
    for (const set of sets) {
      const data = collect(map, set);
      // Setting data makes the map go idle again: only set what changed.
      const signature = data.features.map((f) => `${f.id}:${(f.geometry as { coordinates: number[] }).coordinates.map((c) => c.toFixed(6))}:${JSON.stringify(f.properties)}`).join('|');
      if (last.get(set.target) === signature) continue;
      last.set(set.target, signature);
      map.getSource<GeoJSONSource>(set.target)?.setData(data);
    }
  };
  map.on('idle', update);
  return update;
}

// Parks as the panels and the map need them: a code → name list for the
// filter and the card, and one label point per park for the map.

import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import { labelPoint } from './geo';
import { PARK_LABEL_SOURCE } from './style';
import type { Feature, ParkSummary } from './types';

export function parkSummaries(parks: Feature[]): ParkSummary[] {
  return parks
    .map((f) => ({ code: String(f.properties.code ?? ''), name: String(f.properties.name ?? '') }))
    .filter((p) => p.code)
    .sort((a, b) => a.code.localeCompare(b.code));
}

export function showParkLabels(map: MapLibreMap, parks: Feature[]): void {
  const data: FeatureCollection = {
    type: 'FeatureCollection',
    features: parks.flatMap((f) => {
      const at = labelPoint(f.geometry);
      return at ? [{ type: 'Feature' as const, properties: { name: f.properties.name, level: f.properties.level }, geometry: { type: 'Point' as const, coordinates: at } }] : [];
    }),
  };
  map.getSource<GeoJSONSource>(PARK_LABEL_SOURCE)?.setData(data);
}

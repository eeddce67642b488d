// The offline context layer: district boundaries, rivers and main roads of the
// demo areas, so the map reads as a place even with no external basemap.

import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import { fetchContext } from './api';
import { labelPoint } from './geo';
import { CONTEXT_LABEL_SOURCE, CONTEXT_SOURCE } from './style';
import type { Feature } from './types';

/** One label point per district: a polygon labelled from tiles would be named once per tile. */
function districtLabels(features: Feature[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: features.flatMap((f) => {
      const at = f.properties.kind === 'district' ? labelPoint(f.geometry) : null;
      return at ? [{ type: 'Feature' as const, properties: { name: f.properties.name }, geometry: { type: 'Point' as const, coordinates: at } }] : [];
    }),
  };
}

/** Loads /context.geojson into the context sources; without it (404) the map simply has no context. */
export async function loadContext(map: MapLibreMap): Promise<boolean> {
  try {
    const data = await fetchContext();
    if (!data) return false;
    map.getSource<GeoJSONSource>(CONTEXT_SOURCE)?.setData(data as FeatureCollection);
    map.getSource<GeoJSONSource>(CONTEXT_LABEL_SOURCE)?.setData(districtLabels(data.features));
    return true;
  } catch (e) {
    console.warn('context layer unavailable', e);
    return false;
  }
}

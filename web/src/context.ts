// The offline context layer: district boundaries, rivers and main roads of the
// demo areas, so the map reads as a place even with no external basemap.

import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import { fetchContext } from './api';
import { insideRing, labelPoint } from './geo';
import { CONTEXT_LABEL_SOURCE, CONTEXT_SOURCE } from './style';
import type { Feature, Position } from './types';

/**
 * One label point per district: a polygon labelled from tiles would be named
 * once per tile. A district holding one of the parks is `primary`: its label
 * shows at every zoom, while its neighbours' wait until the map is close
 * enough that they cannot be read as the parks' district.
 */
function districtLabels(features: Feature[], parkPoints: Position[]): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: features.flatMap((f) => {
      const at = f.properties.kind === 'district' ? labelPoint(f.geometry) : null;
      if (!at) return [];
      const coordinates = f.geometry.coordinates as unknown;
      const rings = f.geometry.type === 'Polygon' ? [(coordinates as Position[][])[0]] : f.geometry.type === 'MultiPolygon' ? (coordinates as Position[][][]).map((p) => p[0]) : [];
      const primary = parkPoints.some((p) => rings.some((r) => insideRing(p, r)));
      return [{ type: 'Feature' as const, properties: { name: f.properties.name, primary }, geometry: { type: 'Point' as const, coordinates: at } }];
    }),
  };
}

let districts: Feature[] = [];
let parkPoints: Position[] = [];

function showDistrictLabels(map: MapLibreMap): void {
  map.getSource<GeoJSONSource>(CONTEXT_LABEL_SOURCE)?.setData(districtLabels(districts, parkPoints));
}

/** Tells the district labels where the parks are (see `districtLabels`). */
export function setContextParks(map: MapLibreMap, parks: Feature[]): void {
  parkPoints = parks.flatMap((p) => {
    const at = labelPoint(p.geometry);
    return at ? [at] : [];
  });
  showDistrictLabels(map);
}

/** Loads /context.geojson into the context sources; without it (404) the map simply has no context. */
export async function loadContext(map: MapLibreMap): Promise<boolean> {
  try {
    const data = await fetchContext();
    if (!data) return false;
    map.getSource<GeoJSONSource>(CONTEXT_SOURCE)?.setData(data as FeatureCollection);
    districts = data.features;
    showDistrictLabels(map);
    return true;
  } catch (e) {
    console.warn('context layer unavailable', e);
    return false;
  }
}

// Filters as the two things they drive: MapLibre filter expressions for the
// drawn layers, and /api/search parameters for the list. Both come from the
// same Filters value so map and list always agree.

import type { FilterSpecification } from 'maplibre-gl';
import type { Filters, NumRange, Spatial } from './state';
import { layerSpec } from './schema';
import type { SearchLayer } from './types';

type Expr = unknown[];

/** Detail plots only: below zoom 12 the plots layer holds cluster points. */
export const NOT_CLUSTER: Expr = ['!=', ['get', 'cluster'], true];

function inList(field: string, values: readonly string[]): Expr | null {
  return values.length ? ['in', ['get', field], ['literal', [...values]]] : null;
}

// A missing value fails a bound, as on the server ("a missing value matches only an open range").
function atLeast(field: string, min: number | null): Expr | null {
  return min === null ? null : ['all', ['has', field], ['>=', ['to-number', ['get', field]], min]];
}

function atMost(field: string, max: number | null): Expr | null {
  return max === null ? null : ['all', ['has', field], ['<=', ['to-number', ['get', field]], max]];
}

function range(field: string, [min, max]: NumRange): Expr[] {
  return [atLeast(field, min), atMost(field, max)].filter((e): e is Expr => e !== null);
}

function all(parts: (Expr | null)[]): FilterSpecification {
  return ['all', ...parts.filter((e): e is Expr => e !== null)] as FilterSpecification;
}

export function plotFilter(f: Filters): FilterSpecification {
  return all([
    NOT_CLUSTER,
    inList('status', f.status),
    inList('land_use', f.landUse),
    ...range('area_mu', f.areaMu),
    ...range('price_wan_per_mu', f.price),
    ...moreExpressions('plots', f),
    f.park ? ['==', ['get', 'park'], f.park] : null,
  ]);
}

/**
 * The map's expression for a layer's declared filters (`more`), for the
 * fields its tiles carry; the server's filtered tiles apply the rest.
 */
function moreExpressions(layer: SearchLayer, f: Filters): Expr[] {
  const spec = layerSpec(layer);
  const params = f.more[layer] ?? {};
  const out: Expr[] = [];
  for (const field of spec?.fields ?? []) {
    const filter = field.filter;
    if (!filter || !field.tile) continue;
    const number = (name: string) => (params[name] !== undefined ? Number(params[name]) : null);
    switch (filter.kind) {
      case 'choice': {
        const e = inList(field.name, (params[filter.param] ?? '').split(',').filter(Boolean));
        if (e) out.push(e);
        break;
      }
      case 'range':
        out.push(...range(field.name, [number(filter.min), number(filter.max)]));
        break;
      case 'at_least': {
        const e = atLeast(field.name, number(filter.param));
        if (e) out.push(e);
        break;
      }
      case 'at_most': {
        const e = atMost(field.name, number(filter.param));
        if (e) out.push(e);
        break;
      }
      case 'flag':
        if (params[filter.param]) out.push(['==', ['get', field.name], params[filter.param] === 'true']);
        break;
    }
  }
  return out;
}

/** Office buildings of one geometry type (footprints and markers are drawn apart) that pass the filters. */
export function officeFilter(f: Filters, geometry: 'Polygon' | 'Point'): FilterSpecification {
  return all([['==', ['geometry-type'], geometry], ...moreExpressions('offices', f), f.park ? ['==', ['get', 'park'], f.park] : null]);
}

export function factoryFilter(f: Filters): FilterSpecification {
  return all([
    inList('status', f.factoryStatus),
    atLeast('clear_height_m', f.minClearHeight),
    atLeast('floor_load_kn_m2', f.minFloorLoad),
    ...range('available_area_m2', f.availableArea),
    atMost('rent_yuan_m2_month', f.maxRent),
    ...moreExpressions('factories', f),
    f.park ? ['==', ['get', 'park'], f.park] : null,
  ]);
}

/** Whether any filter narrows the plots (clusters cannot show that). */
export function plotFiltersActive(f: Filters): boolean {
  return (
    f.status.length > 0 ||
    f.landUse.length > 0 ||
    f.areaMu.some((v) => v !== null) ||
    f.price.some((v) => v !== null) ||
    Object.keys(f.more.plots ?? {}).length > 0 ||
    f.park !== null
  );
}

/**
 * The tiles' query string for these filters (`?status=…&land_use=…`, or '' for
 * none): the server draws, and counts in its aggregates, only what matches, at
 * every zoom. The same names as the search's, so map and list agree.
 */
export function tileQuery(f: Filters): string {
  const plots = searchBody('plots', f, null);
  const factories = searchBody('factories', f, null);
  const params = new URLSearchParams();
  const statuses = [plots.status, factories.status].filter((s) => typeof s === 'string' && s !== '');
  if (statuses.length) params.set('status', statuses.join(','));
  for (const body of [plots, factories]) {
    for (const [name, value] of Object.entries(body)) {
      if (name === 'layer' || name === 'status') continue;
      params.set(name, String(value));
    }
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The search request body: filters of one layer plus the spatial constraint. */
export function searchBody(layer: SearchLayer, f: Filters, spatial: Spatial | null): Record<string, unknown> {
  const body: Record<string, unknown> = { layer };
  const put = (name: string, value: number | string | null) => {
    if (value !== null && value !== '') body[name] = value;
  };
  if (layer === 'plots') {
    if (f.status.length) body.status = f.status.join(',');
    if (f.landUse.length) body.land_use = f.landUse.join(',');
    put('min_area_mu', f.areaMu[0]);
    put('max_area_mu', f.areaMu[1]);
    put('min_price', f.price[0]);
    put('max_price', f.price[1]);
  } else if (layer === 'factories') {
    if (f.factoryStatus.length) body.status = f.factoryStatus.join(',');
    put('min_clear_height_m', f.minClearHeight);
    put('min_floor_load_kn_m2', f.minFloorLoad);
    put('min_available_area_m2', f.availableArea[0]);
    put('max_available_area_m2', f.availableArea[1]);
    put('max_rent', f.maxRent);
  }
  for (const [name, value] of Object.entries(f.more[layer] ?? {})) put(name, value);
  put('park', f.park);
  if (spatial?.kind === 'radius') {
    body.lon = spatial.center[0];
    body.lat = spatial.center[1];
    body.radius_m = Math.round(spatial.radiusM);
  } else if (spatial?.kind === 'polygon') {
    body.polygon = { type: 'Polygon', coordinates: [[...spatial.ring, spatial.ring[0]]] };
  }
  return body;
}

// The view, filters, spatial search, selection and language live in the URL
// hash, so a shared link reopens exactly what the sender saw.
//
//   #map=14/30.72/103.86/0/0&tab=plots&st=available&area=10~80&sel=plots/12&q=r/103.86,30.72/3000&lang=en
//   &cmp=plots/12,factories/3&cmpv=1   (sites chosen for comparison; the table open)

import type { Lang } from './i18n';
import { COMPARE_MAX, emptyFilters, type AppState, type Filters, type NumRange, type SelectedLayer, type Selection, type Spatial } from './state';
import {
  FACTORY_STATUSES,
  LAND_USES,
  PLOT_STATUSES,
  SEARCH_LAYERS,
  type Position,
  type SearchLayer,
} from './types';

export interface View {
  center: Position;
  zoom: number;
  bearing: number;
  pitch: number;
}

export interface UrlState {
  view: View | null;
  app: AppState;
  lang: Lang;
}

const num = (s: string | null | undefined): number | null => {
  if (s === null || s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

function oneOf<T extends string>(allowed: readonly T[], text: string | null): T[] {
  return (text ?? '').split(',').filter((v): v is T => (allowed as readonly string[]).includes(v));
}

const rangeText = ([min, max]: NumRange) => (min === null && max === null ? null : `${min ?? ''}~${max ?? ''}`);

function parseRange(text: string | null): NumRange {
  if (!text) return [null, null];
  const [a, b] = text.split('~');
  return [num(a), num(b)];
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

function spatialText(s: Spatial | null): string | null {
  if (!s) return null;
  if (s.kind === 'radius') return `r/${round(s.center[0], 6)},${round(s.center[1], 6)}/${Math.round(s.radiusM)}`;
  return `p/${s.ring.map(([x, y]) => `${round(x, 6)},${round(y, 6)}`).join(';')}`;
}

function parsePosition(text: string | undefined): Position | null {
  const [x, y] = (text ?? '').split(',').map(num);
  return x !== null && y !== null && x !== undefined && y !== undefined && Math.abs(x) <= 180 && Math.abs(y) <= 90
    ? [x, y]
    : null;
}

function parseSpatial(text: string | null): Spatial | null {
  if (!text) return null;
  const [kind, a, b] = text.split('/');
  if (kind === 'r') {
    const center = parsePosition(a);
    const radiusM = num(b);
    return center && radiusM && radiusM > 0 && radiusM <= 100_000 ? { kind: 'radius', center, radiusM } : null;
  }
  if (kind === 'p') {
    const ring = (a ?? '').split(';').map(parsePosition);
    return ring.length >= 3 && ring.every((p) => p) ? { kind: 'polygon', ring: ring as Position[] } : null;
  }
  return null;
}

function filtersToParams(f: Filters, p: URLSearchParams): void {
  const set = (k: string, v: string | number | null) => {
    if (v !== null && v !== '') p.set(k, String(v));
  };
  set('st', f.status.join(','));
  set('lu', f.landUse.join(','));
  set('area', rangeText(f.areaMu));
  set('price', rangeText(f.price));
  set('park', f.park);
  set('fst', f.factoryStatus.join(','));
  set('ch', f.minClearHeight);
  set('fl', f.minFloorLoad);
  set('aa', rangeText(f.availableArea));
  set('rent', f.maxRent);
  // The declared filters as `m.<layer>.<param>=value`.
  for (const [layer, params] of Object.entries(f.more)) {
    for (const [name, value] of Object.entries(params ?? {})) set(`m.${layer}.${name}`, value);
  }
}

function paramsToMore(p: URLSearchParams): Filters['more'] {
  const more: Filters['more'] = {};
  for (const [key, value] of p) {
    const [m, layer, name] = key.split('.');
    if (m !== 'm' || !name || !value || !(SEARCH_LAYERS as readonly string[]).includes(layer)) continue;
    (more[layer as SearchLayer] ??= {})[name] = value;
  }
  return more;
}

function paramsToFilters(p: URLSearchParams): Filters {
  return {
    ...emptyFilters(),
    status: oneOf(PLOT_STATUSES, p.get('st')),
    landUse: oneOf(LAND_USES, p.get('lu')),
    areaMu: parseRange(p.get('area')),
    price: parseRange(p.get('price')),
    park: p.get('park') || null,
    factoryStatus: oneOf(FACTORY_STATUSES, p.get('fst')),
    minClearHeight: num(p.get('ch')),
    minFloorLoad: num(p.get('fl')),
    availableArea: parseRange(p.get('aa')),
    maxRent: num(p.get('rent')),
    more: paramsToMore(p),
  };
}

export function encode(view: View, app: AppState, lang: Lang): string {
  const p = new URLSearchParams();
  p.set('map', [round(view.zoom, 2), round(view.center[1], 5), round(view.center[0], 5), round(view.bearing, 1), round(view.pitch, 1)].join('/'));
  if (app.tab !== 'plots') p.set('tab', app.tab);
  filtersToParams(app.filters, p);
  const q = spatialText(app.spatial);
  if (q) p.set('q', q);
  if (app.selected) p.set('sel', `${app.selected.layer}/${app.selected.id}`);
  if (app.compare.length) p.set('cmp', app.compare.map((s) => `${s.layer}/${s.id}`).join(','));
  if (app.comparing && app.compare.length) p.set('cmpv', '1');
  if (lang !== 'zh') p.set('lang', lang);
  // Commas, slashes and tildes stay readable in the link.
  return '#' + p.toString().replace(/%2C/g, ',').replace(/%2F/g, '/').replace(/%7E/gi, '~').replace(/%3B/g, ';');
}

export function decode(hash: string): UrlState {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  let view: View | null = null;
  const m = (p.get('map') ?? '').split('/').map(num);
  if (m.length >= 3 && m.slice(0, 3).every((v) => v !== null)) {
    const [zoom, lat, lon, bearing, pitch] = m as number[];
    if (Math.abs(lat) <= 85 && Math.abs(lon) <= 180 && zoom >= 0 && zoom <= 24) {
      view = { center: [lon, lat], zoom, bearing: bearing ?? 0, pitch: pitch ?? 0 };
    }
  }
  const tabText = p.get('tab') ?? '';
  const tab: SearchLayer = (SEARCH_LAYERS as readonly string[]).includes(tabText) ? (tabText as SearchLayer) : 'plots';
  const selected = parseSelection(p.get('sel') ?? '', true);
  const compare: Selection[] = [];
  for (const text of (p.get('cmp') ?? '').split(',')) {
    const s = parseSelection(text, false);
    if (s && compare.length < COMPARE_MAX && !compare.some((c) => c.layer === s.layer && c.id === s.id)) compare.push(s);
  }
  return {
    view,
    app: { tab, filters: paramsToFilters(p), spatial: parseSpatial(p.get('q')), selected, compare, comparing: p.get('cmpv') === '1' && compare.length > 0 },
    lang: p.get('lang') === 'en' ? 'en' : 'zh',
  };
}

/** A site as `layer/id` (`plots/12`), or null when it names none. */
/** A `layer/id` of a site (and of a park, where `parks` allows it). */
function parseSelection(text: string, parks: boolean): Selection | null {
  const [layer, idText] = text.split('/');
  const id = num(idText);
  const layers: readonly string[] = parks ? [...SEARCH_LAYERS, 'parks'] : SEARCH_LAYERS;
  return layers.includes(layer) && id !== null && id > 0 && Number.isInteger(id) ? { layer: layer as SelectedLayer, id } : null;
}

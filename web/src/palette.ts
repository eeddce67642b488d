// Colours and fonts shared by the map style and the legend, so the two never disagree.

import type { FactoryStatus, LandUse, ParkLevel, PlotStatus, PoiKind } from './types';

export const STATUS_COLOURS: Record<PlotStatus, string> = {
  available: '#1f9d55',
  reserved: '#f0a020',
  negotiating: '#2f74d0',
  transferred: '#8a94a0',
  withdrawn: '#c8cdd3',
};

export const LAND_USE_COLOURS: Record<LandUse, string> = {
  industrial: '#7a4a1e',
  logistics: '#7b3fb0',
  rnd: '#00838f',
  commercial: '#d1343a',
  mixed: '#37474f',
};

export const PARK_COLOURS: Record<ParkLevel, string> = {
  national: '#c8102e',
  provincial: '#e67700',
  municipal: '#1864ab',
  county: '#2b8a3e',
};

export const FACTORY_COLOURS: Record<FactoryStatus, string> = {
  vacant: '#2b8a9e',
  partial: '#5c7cfa',
  occupied: '#868e96',
};

export const POI_COLOURS: Record<PoiKind, string> = {
  highway_exit: '#1c6dd0',
  rail_freight: '#6d4c41',
  port: '#00838f',
  airport: '#3949ab',
  substation: '#e8a000',
  wastewater: '#2e7d32',
};

export const CLUSTER_COLOUR = '#1f9d55';
export const SELECT_COLOUR = '#ffcc00';
export const SEARCH_COLOUR = '#c8102e';

/**
 * Font stacks for map labels. With no `glyphs` URL in the style, MapLibre
 * draws every glyph in the browser from these CSS families, so they name
 * fonts found on Chinese desktops, phones and Linux; the weight is read from
 * the first name ("Bold").
 */
const FAMILIES = ['PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei'];
export const FONT_REGULAR = ['Noto Sans CJK SC Regular', ...FAMILIES, 'sans-serif'];
export const FONT_BOLD = ['Noto Sans CJK SC Bold', ...FAMILIES, 'sans-serif'];

/** A MapLibre `match` expression over a property, from a colour table. */
export function matchColour(field: string, table: Record<string, string>, fallback: string): unknown[] {
  return ['match', ['get', field], ...Object.entries(table).flat(), fallback];
}

/** The ring of office buildings (楼宇), apart from the factories' dark outline. */
export const OFFICE_COLOUR = '#6741d9';

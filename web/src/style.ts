// The map's own MapLibre style, built in code from the TileJSON. It needs no
// glyphs URL (labels are drawn from local fonts) and no sprite (icons are
// drawn on canvases), so nothing is fetched from outside the server.

import type {
  DataDrivenPropertyValueSpecification,
  ExpressionSpecification,
  LayerSpecification,
  StyleSpecification,
} from 'maplibre-gl';
import type { TileJson } from './api';
import { NOT_CLUSTER } from './filters';
import {
  CLUSTER_COLOUR,
  FACTORY_COLOURS,
  FONT_BOLD,
  FONT_REGULAR,
  LAND_USE_COLOURS,
  OFFICE_COLOUR,
  PARK_COLOURS,
  SEARCH_COLOUR,
  SELECT_COLOUR,
  STATUS_COLOURS,
  matchColour,
} from './palette';

export const SOURCE = 'siteatlas';
export const CONTEXT_SOURCE = 'context';
export const CONTEXT_LABEL_SOURCE = 'context-labels';
export const SEARCH_SOURCE = 'search-area';
export const DRAW_SOURCE = 'draw';
export const PLOT_LABEL_MINZOOM = 14.5;
export const FACTORY_LABEL_MINZOOM = 16;

/** Layer ids other modules refer to. */
export const LAYERS = {
  background: 'background',
  contextFirst: 'context-district-fill',
  parksFill: 'parks-fill',
  parksOutline: 'parks-outline',
  parksLabel: 'parks-label',
  plotsFill: 'plots-fill',
  plotsOutline: 'plots-outline',
  plotsSelected: 'plots-selected',
  plotsLabel: 'plots-label',
  clusters: 'plot-clusters',
  clusterLabels: 'plot-cluster-labels',
  factoriesFill: 'factories-fill',
  factoriesOutline: 'factories-outline',
  factories3d: 'factories-3d',
  factoriesLabel: 'factories-label',
  officesFill: 'offices-fill',
  officesOutline: 'offices-outline',
  officesPoint: 'offices-point',
  officesLabel: 'offices-label',
  pois: 'pois',
} as const;

/**
 * Layers that draw detail plots / factories: the ones the filters apply to at once, while tiles
 * filtered by the server load. The label layers are not among them: their points carry only
 * what is printed, and the server labels only what the filters keep.
 */
export const PLOT_LAYERS = [LAYERS.plotsFill, LAYERS.plotsOutline, LAYERS.plotsSelected];
export const FACTORY_LAYERS = [LAYERS.factoriesFill, LAYERS.factoriesOutline, LAYERS.factories3d];

/** Zoom from which the tiles hold single plots instead of clusters (server's PLOT_DETAIL_MINZOOM). */
export const PLOT_DETAIL_MINZOOM = 12;
export const FACTORY_MINZOOM = 12;
export const EXTRUSION_MINZOOM = 15;
/** Zoom from which the tiles carry office buildings (the server's offices minzoom). */
export const OFFICE_MINZOOM = 10;

type Expr = ExpressionSpecification;
const hover: Expr = ['boolean', ['feature-state', 'hover'], false];
const selected: Expr = ['boolean', ['feature-state', 'selected'], false];
const colour = (field: string, table: Record<string, string>, fallback: string) =>
  matchColour(field, table, fallback) as DataDrivenPropertyValueSpecification<string>;
const halo = { 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.6 };

function contextLayers(): LayerSpecification[] {
  const kind = (k: string): Expr => ['==', ['get', 'kind'], k];
  return [
    {
      id: LAYERS.contextFirst, type: 'fill', source: CONTEXT_SOURCE, filter: kind('district'),
      paint: { 'fill-color': '#f8f9fb', 'fill-opacity': 0.85 },
    },
    {
      id: 'context-river', type: 'line', source: CONTEXT_SOURCE, filter: kind('river'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#a5c8ec', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.2, 14, 5] },
    },
    {
      id: 'context-district-line', type: 'line', source: CONTEXT_SOURCE, filter: kind('district'),
      paint: { 'line-color': '#98a4b3', 'line-width': 1.2, 'line-dasharray': [4, 2] },
    },
    {
      id: 'context-road-casing', type: 'line', source: CONTEXT_SOURCE, filter: kind('road'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'class'], 'highway', '#d49a2a', '#c9ced6'],
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 1.5, 12, 4, 16, 12],
      },
    },
    {
      id: 'context-road', type: 'line', source: CONTEXT_SOURCE, filter: kind('road'),
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'class'], 'highway', '#fcd27b', '#ffffff'],
        'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 12, 2.5, 16, 9],
      },
    },
  ];
}

function contextLabels(): LayerSpecification[] {
  const kind = (k: string): Expr => ['==', ['get', 'kind'], k];
  return [
    // The parks' districts at every zoom, moved off the parks' own symbols
    // when they meet; their neighbours only from zoom 10, so that a park is
    // never read as lying in the district next door.
    {
      id: 'context-district-label', type: 'symbol', source: CONTEXT_LABEL_SOURCE, maxzoom: 14, filter: ['==', ['get', 'primary'], true],
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_BOLD,
        'text-size': 15,
        'text-letter-spacing': 0.3,
        'text-variable-anchor': ['center', 'top', 'bottom', 'left', 'right'],
        'text-radial-offset': 0.8,
      },
      paint: { 'text-color': '#8a94a3', ...halo },
    },
    {
      id: 'context-district-label-other', type: 'symbol', source: CONTEXT_LABEL_SOURCE, minzoom: 10, maxzoom: 14, filter: ['!=', ['get', 'primary'], true],
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_BOLD, 'text-size': 15, 'text-letter-spacing': 0.3 },
      paint: { 'text-color': '#8a94a3', ...halo },
    },
    {
      id: 'context-river-label', type: 'symbol', source: CONTEXT_SOURCE, filter: kind('river'), minzoom: 11,
      layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': 12 },
      paint: { 'text-color': '#3d7cc9', ...halo },
    },
    {
      id: 'context-road-label', type: 'symbol', source: CONTEXT_SOURCE, filter: kind('road'), minzoom: 11,
      layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': 11 },
      paint: { 'text-color': '#5c4a1f', ...halo },
    },
  ];
}

function parkLayers(): LayerSpecification[] {
  return [
    {
      id: LAYERS.parksFill, type: 'fill', source: SOURCE, 'source-layer': 'parks',
      paint: { 'fill-color': colour('level', PARK_COLOURS, '#5c7080'), 'fill-opacity': 0.07 },
    },
    {
      id: LAYERS.parksOutline, type: 'line', source: SOURCE, 'source-layer': 'parks',
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': colour('level', PARK_COLOURS, '#5c7080'),
        'line-width': ['interpolate', ['linear'], ['zoom'], 9, 1.2, 15, 2.5],
        'line-dasharray': [3, 1.5],
        'line-opacity': 0.85,
      },
    },
  ];
}

function plotLayers(): LayerSpecification[] {
  return [
    {
      id: LAYERS.plotsFill, type: 'fill', source: SOURCE, 'source-layer': 'plots', filter: NOT_CLUSTER as Expr,
      paint: {
        'fill-color': colour('status', STATUS_COLOURS, '#999'),
        'fill-opacity': ['case', selected, 0.92, hover, 0.88, 0.72],
      },
    },
    {
      id: LAYERS.plotsOutline, type: 'line', source: SOURCE, 'source-layer': 'plots', filter: NOT_CLUSTER as Expr,
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': colour('land_use', LAND_USE_COLOURS, '#37474f'),
        'line-width': ['interpolate', ['linear'], ['zoom'], 12, ['case', hover, 2, 1], 16, ['case', hover, 3.5, 2]],
      },
    },
    {
      // A bright ring around the selected plot, drawn only through feature-state.
      id: LAYERS.plotsSelected, type: 'line', source: SOURCE, 'source-layer': 'plots', filter: NOT_CLUSTER as Expr,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': SELECT_COLOUR, 'line-width': 4, 'line-opacity': ['case', selected, 1, 0], 'line-gap-width': 1 },
    },
    {
      id: LAYERS.clusters, type: 'circle', source: SOURCE, 'source-layer': 'plots',
      filter: ['==', ['get', 'cluster'], true],
      paint: {
        'circle-color': CLUSTER_COLOUR,
        'circle-opacity': ['case', hover, 0.95, 0.82],
        // The server sizes each disc and keeps discs of this radius and outline apart.
        'circle-radius': ['coalesce', ['get', 'radius'], 12],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
  ];
}

function factoryLayers(): LayerSpecification[] {
  const fill = colour('status', FACTORY_COLOURS, '#868e96');
  return [
    {
      id: LAYERS.factoriesFill, type: 'fill', source: SOURCE, 'source-layer': 'factories',
      minzoom: FACTORY_MINZOOM, maxzoom: EXTRUSION_MINZOOM,
      paint: { 'fill-color': fill, 'fill-opacity': ['case', selected, 0.95, hover, 0.9, 0.75] },
    },
    {
      id: LAYERS.factoriesOutline, type: 'line', source: SOURCE, 'source-layer': 'factories',
      minzoom: FACTORY_MINZOOM,
      paint: {
        'line-color': ['case', selected, SELECT_COLOUR, '#1f2d3d'],
        'line-width': ['case', selected, 3.5, hover, 2, 0.8],
      },
    },
    {
      id: LAYERS.factories3d, type: 'fill-extrusion', source: SOURCE, 'source-layer': 'factories',
      minzoom: EXTRUSION_MINZOOM,
      paint: {
        'fill-extrusion-color': ['case', selected, SELECT_COLOUR, hover, '#ffe066', fill] as DataDrivenPropertyValueSpecification<string>,
        // About 6 m a storey, 4 m for a single-storey shed's eaves.
        'fill-extrusion-height': ['*', ['coalesce', ['get', 'floors'], 1], 6],
        'fill-extrusion-opacity': 0.85,
      },
    },
  ];
}

/** Office buildings: footprints where surveyed, else a marker; ringed in violet to tell them from factories. */
function officeLayers(): LayerSpecification[] {
  const polygon: Expr = ['==', ['geometry-type'], 'Polygon'];
  const point: Expr = ['==', ['geometry-type'], 'Point'];
  const fill = colour('status', FACTORY_COLOURS, '#868e96');
  return [
    {
      id: LAYERS.officesFill, type: 'fill', source: SOURCE, 'source-layer': 'offices', minzoom: OFFICE_MINZOOM, filter: polygon,
      paint: { 'fill-color': fill, 'fill-opacity': ['case', selected, 0.95, hover, 0.9, 0.78] },
    },
    {
      id: LAYERS.officesOutline, type: 'line', source: SOURCE, 'source-layer': 'offices', minzoom: OFFICE_MINZOOM, filter: polygon,
      paint: { 'line-color': ['case', selected, SELECT_COLOUR, OFFICE_COLOUR], 'line-width': ['case', selected, 3.5, hover, 2.5, 1.6] },
    },
    {
      id: LAYERS.officesPoint, type: 'circle', source: SOURCE, 'source-layer': 'offices', minzoom: OFFICE_MINZOOM, filter: point,
      paint: {
        'circle-color': fill,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 4, 15, 8],
        'circle-stroke-color': ['case', selected, SELECT_COLOUR, OFFICE_COLOUR],
        'circle-stroke-width': ['case', selected, 3.5, hover, 3, 2],
      },
    },
  ];
}

function poiAndLabelLayers(): LayerSpecification[] {
  return [
    {
      id: LAYERS.pois, type: 'symbol', source: SOURCE, 'source-layer': 'pois', minzoom: 9,
      layout: {
        'icon-image': ['concat', 'poi-', ['get', 'kind']],
        'icon-allow-overlap': true,
        'text-field': ['step', ['zoom'], '', 12, ['get', 'name']],
        'text-font': FONT_REGULAR,
        'text-size': 11,
        'text-offset': [0, 1.3],
        'text-anchor': 'top',
        'text-optional': true,
      },
      paint: { 'text-color': '#2b3a4a', ...halo },
    },
    {
      // From zoom 9: below it the plot clusters matter more than park names. Below the plot and
      // factory names, so MapLibre places those first and drops a park name that would cover them.
      // The server's label points: one per park, inside it, as far from its edges as can be.
      id: LAYERS.parksLabel, type: 'symbol', source: SOURCE, 'source-layer': 'park_labels', minzoom: 9,
      layout: {
        'text-field': ['get', 'name'],
        'text-font': FONT_BOLD,
        'text-size': ['interpolate', ['linear'], ['zoom'], 9, 12, 14, 15],
        'text-max-width': 10,
        'symbol-sort-key': ['match', ['get', 'level'], 'national', 0, 'provincial', 1, 'municipal', 2, 3],
        // Never over a plot's or factory's name: those are placed first (drawn above) and win collisions.
        'text-allow-overlap': false,
        'text-padding': 6,
      },
      paint: { 'text-color': colour('level', PARK_COLOURS, '#5c7080'), 'text-halo-color': '#ffffff', 'text-halo-width': 2 },
    },
    {
      id: LAYERS.plotsLabel, type: 'symbol', source: SOURCE, 'source-layer': 'plot_labels', minzoom: PLOT_LABEL_MINZOOM,
      layout: { 'text-field': ['get', 'code'], 'text-font': FONT_REGULAR, 'text-size': 11, 'text-max-width': 8 },
      paint: { 'text-color': '#1f2d3d', ...halo },
    },
    {
      id: LAYERS.factoriesLabel, type: 'symbol', source: SOURCE, 'source-layer': 'factory_labels', minzoom: FACTORY_LABEL_MINZOOM,
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': 11, 'text-max-width': 8 },
      paint: { 'text-color': '#1f2d3d', ...halo },
    },
    {
      // Footprints are named at their label points, markers at themselves.
      id: LAYERS.officesLabel, type: 'symbol', source: SOURCE, 'source-layer': 'office_labels', minzoom: FACTORY_LABEL_MINZOOM - 1,
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT_REGULAR, 'text-size': 11, 'text-max-width': 8, 'text-offset': [0, 1.1], 'text-anchor': 'top' },
      paint: { 'text-color': OFFICE_COLOUR, ...halo },
    },
    {
      id: LAYERS.clusterLabels, type: 'symbol', source: SOURCE, 'source-layer': 'plots',
      filter: ['==', ['get', 'cluster'], true],
      layout: {
        'text-field': ['to-string', ['get', 'count']],
        'text-font': FONT_BOLD,
        'text-size': 13,
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#ffffff' },
    },
  ];
}

function searchLayers(): LayerSpecification[] {
  return [
    {
      id: 'search-area-fill', type: 'fill', source: SEARCH_SOURCE,
      paint: { 'fill-color': SEARCH_COLOUR, 'fill-opacity': 0.06 },
    },
    {
      id: 'search-area-line', type: 'line', source: SEARCH_SOURCE,
      paint: { 'line-color': SEARCH_COLOUR, 'line-width': 2, 'line-dasharray': [3, 2] },
    },
    {
      id: 'draw-line', type: 'line', source: DRAW_SOURCE,
      paint: { 'line-color': SEARCH_COLOUR, 'line-width': 2 },
    },
    {
      id: 'draw-vertex', type: 'circle', source: DRAW_SOURCE, filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 5, 'circle-color': '#fff', 'circle-stroke-color': SEARCH_COLOUR, 'circle-stroke-width': 2 },
    },
  ];
}

const EMPTY = { type: 'FeatureCollection' as const, features: [] };

export function buildStyle(tilejson: TileJson): StyleSpecification {
  return {
    version: 8,
    name: 'Site Atlas',
    // No `glyphs`: MapLibre then draws all label text locally (see palette.ts).
    sources: {
      [CONTEXT_SOURCE]: { type: 'geojson', data: EMPTY },
      [CONTEXT_LABEL_SOURCE]: { type: 'geojson', data: EMPTY },
      [SOURCE]: {
        type: 'vector',
        tiles: tilejson.tiles,
        minzoom: tilejson.minzoom ?? 0,
        maxzoom: tilejson.maxzoom ?? 22,
        bounds: tilejson.bounds,
        attribution: tilejson.attribution,
      },
      [SEARCH_SOURCE]: { type: 'geojson', data: EMPTY },
      [DRAW_SOURCE]: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: LAYERS.background, type: 'background', paint: { 'background-color': '#eef1f5' } },
      ...contextLayers(),
      ...parkLayers(),
      ...plotLayers(),
      ...factoryLayers(),
      ...officeLayers(),
      ...searchLayers(),
      ...contextLabels(),
      ...poiAndLabelLayers(),
    ],
  };
}

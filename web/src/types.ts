// The server's vocabulary, as served in tiles and the API (see tiles/src/model.rs).

export const PLOT_STATUSES = ['available', 'reserved', 'negotiating', 'transferred', 'withdrawn'] as const;
export type PlotStatus = (typeof PLOT_STATUSES)[number];

export const LAND_USES = ['industrial', 'logistics', 'rnd', 'commercial', 'mixed'] as const;
export type LandUse = (typeof LAND_USES)[number];

export const PARK_LEVELS = ['national', 'provincial', 'municipal', 'county'] as const;
export type ParkLevel = (typeof PARK_LEVELS)[number];

export const FACTORY_STATUSES = ['vacant', 'partial', 'occupied'] as const;
export type FactoryStatus = (typeof FACTORY_STATUSES)[number];

export const POI_KINDS = ['highway_exit', 'rail_freight', 'port', 'airport', 'substation', 'wastewater'] as const;
export type PoiKind = (typeof POI_KINDS)[number];

/** Layers a user can search and open a card for. */
export type SearchLayer = 'plots' | 'factories' | 'offices';
export type LayerName = 'parks' | 'plots' | 'factories' | 'offices' | 'pois';

/** The layers investors search, in tab order. */
export const SEARCH_LAYERS: readonly SearchLayer[] = ['plots', 'factories', 'offices'];

export type Position = [number, number];

export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}

export interface Geometry {
  type: 'Point' | 'LineString' | 'Polygon' | 'MultiPolygon' | 'MultiLineString';
  coordinates: unknown;
}

/** Properties are open-ended: the server keeps unknown attributes as extras. */
export type Properties = Record<string, unknown>;

export interface Feature<P extends Properties = Properties> {
  type: 'Feature';
  id?: number | string;
  geometry: Geometry;
  properties: P;
}

export interface SearchResponse {
  type: 'FeatureCollection';
  numberMatched: number;
  numberReturned: number;
  features: Feature[];
}

/** One change of a feature, from its history (newest first). */
export interface HistoryEntry {
  at: string;
  actor: string;
  old_status?: string | null;
  new_status?: string | null;
  /** The changed fields before and after, such as a factory's rent. */
  old_values?: Record<string, unknown>;
  new_values?: Record<string, unknown>;
  note?: string | null;
}

/** A change notice from `/api/events`. */
export interface ChangeEvent {
  layer?: LayerName;
  id?: number;
  version?: number;
}

export type Datum = 'wgs84' | 'cgcs2000' | 'gcj02';

export type BasemapConfig =
  | {
      type: 'raster';
      tiles: string[];
      /** An annotation layer drawn over the tiles (Tianditu's place names). */
      labels?: string[];
      tileSize?: number;
      maxzoom?: number;
      datum?: Datum;
      attribution?: string;
    }
  | { type: 'style'; url: string; datum?: Datum; attribution?: string };

export interface ClientConfig {
  basemap: BasemapConfig | null;
}

/** A park as offered in the park filter. */
export interface ParkSummary {
  code: string;
  name: string;
}

// The app's state in one place: filters, spatial search, selection, tab.
// Modules read it and subscribe; only user actions write it. The URL mirrors it.

import type { FactoryStatus, LandUse, PlotStatus, Position, SearchLayer } from './types';

/** A closed or half-open range; `null` leaves that end open. */
export type NumRange = [number | null, number | null];

export interface Filters {
  status: PlotStatus[];
  landUse: LandUse[];
  areaMu: NumRange;
  price: NumRange;
  park: string | null;
  factoryStatus: FactoryStatus[];
  minClearHeight: number | null;
  minFloorLoad: number | null;
  availableArea: NumRange;
  maxRent: number | null;
  /**
   * The layers' other declared filters (see schema.ts), as query parameters:
   * a plot's supply method, an office's grade. Per layer, as offices and
   * factories share parameter names.
   */
  more: Partial<Record<SearchLayer, Record<string, string>>>;
}

export type Spatial =
  | { kind: 'radius'; center: Position; radiusM: number }
  | { kind: 'polygon'; ring: Position[] };

/** What a card can show: a site, or a park (its 园区名片). */
export type SelectedLayer = SearchLayer | 'parks';

export interface Selection {
  layer: SelectedLayer;
  id: number;
}

export interface AppState {
  tab: SearchLayer;
  filters: Filters;
  spatial: Spatial | null;
  selected: Selection | null;
  /** Sites chosen for comparison, in the order chosen (at most COMPARE_MAX). */
  compare: Selection[];
  /** Whether the comparison table is open. */
  comparing: boolean;
}

/** Most sites compared side by side. */
export const COMPARE_MAX = 4;

export function emptyFilters(): Filters {
  return {
    status: [],
    landUse: [],
    areaMu: [null, null],
    price: [null, null],
    park: null,
    factoryStatus: [],
    minClearHeight: null,
    minFloorLoad: null,
    availableArea: [null, null],
    maxRent: null,
    more: {},
  };
}

/** What changed in an update, so listeners do only the work they must. */
export interface Change {
  tab: boolean;
  filters: boolean;
  spatial: boolean;
  selected: boolean;
  compare: boolean;
}

type Listener = (state: AppState, change: Change) => void;

export class Store {
  private current: AppState;
  private listeners: Listener[] = [];

  constructor(initial: AppState) {
    this.current = initial;
  }

  get state(): AppState {
    return this.current;
  }

  update(patch: Partial<AppState>): void {
    const next = { ...this.current, ...patch };
    const change: Change = {
      tab: 'tab' in patch && patch.tab !== this.current.tab,
      filters: 'filters' in patch && patch.filters !== this.current.filters,
      spatial: 'spatial' in patch && patch.spatial !== this.current.spatial,
      selected: 'selected' in patch && !sameSelection(patch.selected ?? null, this.current.selected),
      compare: ('compare' in patch && patch.compare !== this.current.compare) || ('comparing' in patch && patch.comparing !== this.current.comparing),
    };
    this.current = next;
    if (change.tab || change.filters || change.spatial || change.selected || change.compare) {
      this.listeners.forEach((fn) => fn(next, change));
    }
  }

  updateFilters(patch: Partial<Filters>): void {
    this.update({ filters: { ...this.current.filters, ...patch } });
  }

  subscribe(fn: Listener): void {
    this.listeners.push(fn);
  }
}

export function sameSelection(a: Selection | null, b: Selection | null): boolean {
  return a === b || (a !== null && b !== null && a.layer === b.layer && a.id === b.id);
}

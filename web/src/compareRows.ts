// The rows of the comparison table, from the layers' own descriptions
// (GET /api/schema): every public field with its label and unit, in card
// order. What stays here is what the schema cannot say: which way is better
// for an investor, so that the best column of a row is marked.

import type { FieldSpec } from './schema';
import { fieldLabel, layerSpec } from './schema';
import type { SearchLayer } from './types';

export interface CompareRow {
  /** Property name. */
  key: string;
  /** Label in the reader's language. */
  label: string;
  /** The field as the layer describes it. */
  field: FieldSpec;
  /** How the value is written where the schema's own formatting is not enough. */
  show?: 'percent' | 'park' | 'st' | 'lu' | 'fs';
  /** For numbers: which end an investor prefers; the best column is marked. */
  better?: 'high' | 'low';
}

/** Which end of a figure an investor prefers. */
const BETTER: Record<string, 'high' | 'low'> = {
  price_wan_per_mu: 'low',
  starting_price_wan_per_mu: 'low',
  plot_ratio_max: 'high',
  building_density_max: 'high',
  height_limit_m: 'high',
  investment_intensity_wan_per_mu: 'low',
  tax_per_mu_wan: 'low',
  energy_per_mu_tce_max: 'high',
  power_kva: 'high',
  water_capacity_t_per_day: 'high',
  gas_capacity_m3_per_hour: 'high',
  steam_capacity_t_per_hour: 'high',
  sewage_capacity_t_per_day: 'high',
  supply_term_years: 'high',
  available_area_m2: 'high',
  clear_height_m: 'high',
  floor_load_kn_m2: 'high',
  crane_t: 'high',
  column_spacing_m: 'high',
  freight_lift_t: 'high',
  rent_yuan_m2_month: 'low',
  sale_price_yuan_m2: 'low',
  property_fee_yuan_m2_month: 'low',
  metro_distance_m: 'low',
  parking_spaces: 'high',
};

/** Fields the table leaves out: the header names the site, a plot's area in m² repeats its mu. */
const LEFT_OUT = new Set(['name', 'area_m2']);

function showOf(layer: SearchLayer, field: FieldSpec): CompareRow['show'] {
  if (field.name === 'park') return 'park';
  if (field.name === 'status') return layer === 'plots' ? 'st' : 'fs';
  if (field.name === 'land_use') return 'lu';
  if (field.name === 'building_density_max' || field.name === 'green_ratio_max') return 'percent';
  return undefined;
}

/** A layer's rows, as its schema lists its fields. */
export function layerRows(layer: SearchLayer): CompareRow[] {
  return (layerSpec(layer)?.fields ?? [])
    .filter((f) => f.public && f.type !== 'object' && !LEFT_OUT.has(f.name))
    .map((field) => {
      return { key: field.name, label: fieldLabel(field), field, show: showOf(layer, field), better: BETTER[field.name] };
    });
}

/** The rows of a table of sites of these layers: each property once, in the layers' order. */
export function rowsFor(layers: SearchLayer[]): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const layer of layers) {
    for (const row of layerRows(layer)) if (!rows.some((r) => r.key === row.key)) rows.push(row);
  }
  return rows;
}

/** A layer's own definition of a row, if the layer has that property. */
export function rowOf(layer: SearchLayer, key: string): CompareRow | undefined {
  return layerRows(layer).find((r) => r.key === key);
}

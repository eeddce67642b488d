// The rows of the comparison table, per site layer: which property, its label
// and unit (i18n keys), and which way is better for an investor. The one place
// to change when the server describes its layers itself (GET /api/schema):
// labels and units would come from there, the direction stays here.

import type { StringKey } from './i18n';
import type { SearchLayer } from './types';

export interface CompareRow {
  /** Property name. */
  key: string;
  label: StringKey;
  unit?: StringKey;
  digits?: number;
  /** How the value is written. */
  show?: 'number' | 'percent' | 'yesno' | 'park' | 'st' | 'lu' | 'fs';
  /** For numbers: which end an investor prefers; the best column is marked. */
  better?: 'high' | 'low';
}

export const COMPARE_ROWS: Record<SearchLayer, CompareRow[]> = {
  plots: [
    { key: 'park', label: 'f_park', show: 'park' },
    { key: 'status', label: 'f_status', show: 'st' },
    { key: 'land_use', label: 'f_land_use', show: 'lu' },
    { key: 'area_mu', label: 'f_area', unit: 'u_mu', digits: 2 },
    { key: 'price_wan_per_mu', label: 'f_price_wan_per_mu', unit: 'u_wan_per_mu', better: 'low' },
    { key: 'plot_ratio_min', label: 'f_plot_ratio_min', digits: 2 },
    { key: 'plot_ratio_max', label: 'f_plot_ratio_max', digits: 2, better: 'high' },
    { key: 'building_density_max', label: 'f_building_density_max', show: 'percent', better: 'high' },
    { key: 'green_ratio_max', label: 'f_green_ratio_max', show: 'percent' },
    { key: 'height_limit_m', label: 'f_height_limit_m', unit: 'u_m', digits: 1, better: 'high' },
    { key: 'investment_intensity_wan_per_mu', label: 'f_investment_intensity_wan_per_mu', unit: 'u_wan_per_mu', digits: 0, better: 'low' },
    { key: 'tax_per_mu_wan', label: 'f_tax_per_mu_wan', unit: 'u_wan_per_mu', digits: 1, better: 'low' },
    { key: 'power_kva', label: 'f_power_kva', unit: 'u_kva', digits: 0, better: 'high' },
    { key: 'water', label: 'f_water', show: 'yesno' },
    { key: 'gas', label: 'f_gas', show: 'yesno' },
    { key: 'steam', label: 'f_steam', show: 'yesno' },
  ],
  factories: [
    { key: 'park', label: 'f_park', show: 'park' },
    { key: 'status', label: 'f_status', show: 'fs' },
    { key: 'floors', label: 'f_floors', unit: 'u_floors', digits: 0 },
    { key: 'total_area_m2', label: 'f_total_area_m2', unit: 'u_m2', digits: 0 },
    { key: 'available_area_m2', label: 'f_available_area_m2', unit: 'u_m2', digits: 0, better: 'high' },
    { key: 'clear_height_m', label: 'f_clear_height_m', unit: 'u_m', digits: 1, better: 'high' },
    { key: 'floor_load_kn_m2', label: 'f_floor_load_kn_m2', unit: 'u_kn_m2', digits: 1, better: 'high' },
    { key: 'crane_t', label: 'f_crane_t', unit: 'u_t', digits: 1, better: 'high' },
    { key: 'rent_yuan_m2_month', label: 'f_rent_yuan_m2_month', unit: 'u_yuan_m2_month', digits: 1, better: 'low' },
  ],
};

/** The rows of a table of sites of these layers: each property once, in the layers' order. */
export function rowsFor(layers: SearchLayer[]): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const layer of layers) {
    for (const row of COMPARE_ROWS[layer]) if (!rows.some((r) => r.key === row.key)) rows.push(row);
  }
  return rows;
}

/** A layer's own definition of a row, if the layer has that property. */
export function rowOf(layer: SearchLayer, key: string): CompareRow | undefined {
  return COMPARE_ROWS[layer].find((r) => r.key === key);
}

// What each layer says about itself (GET /api/schema): its fields with type,
// unit, Chinese and English labels, card section and filters. The card, the
// "more filters" of the filter panel and the offices tab are built from it, so
// a field added on the server shows here without a change to this app.

import { request } from './api';
import { formatNumber, getLang, isKey, t } from './i18n';

export type FieldType = 'text' | 'number' | 'integer' | 'boolean' | 'choice' | 'list' | 'date' | 'object';

export type FieldFilter =
  | { kind: 'choice'; param: string }
  | { kind: 'range'; min: string; max: string }
  | { kind: 'at_least'; param: string }
  | { kind: 'at_most'; param: string }
  | { kind: 'flag'; param: string };

export interface FieldSpec {
  name: string;
  type: FieldType;
  unit?: string;
  unit_en?: string;
  label_zh: string;
  label_en: string;
  section: string;
  choices?: string[];
  choice_labels_zh?: string[];
  choice_labels_en?: string[];
  public: boolean;
  tile: boolean;
  searchable: boolean;
  filter?: FieldFilter;
  editable: boolean;
  derived: boolean;
}

export interface SectionSpec {
  id: string;
  label_zh: string;
  label_en: string;
}

export interface LayerSpec {
  layer: string;
  label_zh: string;
  label_en: string;
  geometry: 'polygon' | 'point' | 'polygon_or_point';
  carrier: boolean;
  sections: SectionSpec[];
  fields: FieldSpec[];
}

let schema: Record<string, LayerSpec> = {};

/** Loads the schema once; the app starts without it if the server is older. */
export async function loadSchema(): Promise<void> {
  try {
    schema = (await request<{ layers: Record<string, LayerSpec> }>('api/schema')).layers;
  } catch {
    schema = {};
  }
}

/** A layer's description, if the server gave one. */
export function layerSpec(layer: string): LayerSpec | undefined {
  return schema[layer];
}

/** Replaces the schema (tests of modules that read it). */
export function setSchema(layers: Record<string, LayerSpec>): void {
  schema = layers;
}

export function layerLabel(layer: string): string {
  const spec = schema[layer];
  if (!spec) return layer;
  return getLang() === 'zh' ? spec.label_zh : spec.label_en;
}

export function fieldLabel(field: FieldSpec): string {
  return getLang() === 'zh' ? field.label_zh : field.label_en;
}

export function sectionLabel(section: SectionSpec): string {
  return getLang() === 'zh' ? section.label_zh : section.label_en;
}

export function unitLabel(field: FieldSpec): string {
  return (getLang() === 'zh' ? field.unit : field.unit_en ?? field.unit) ?? '';
}

/** A choice's label in the reader's language (the word itself when none is given). */
export function choiceLabel(field: FieldSpec, value: string): string {
  const i = field.choices?.indexOf(value) ?? -1;
  if (i < 0) return value;
  const labels = getLang() === 'zh' ? field.choice_labels_zh : field.choice_labels_en;
  return labels?.[i] ?? value.replace(/_/g, ' ');
}

/** A value as the card shows it, with its unit; `null` when there is nothing to show. */
export function formatValue(field: FieldSpec, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  switch (field.type) {
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return String(value);
      const unit = unitLabel(field);
      const digits = field.type === 'integer' ? 0 : 2;
      return unit ? `${formatNumber(n, digits)} ${unit}` : formatNumber(n, digits);
    }
    case 'boolean':
      return value === true ? t('yes') : value === false ? t('no') : String(value);
    case 'choice':
      return choiceLabel(field, String(value));
    case 'list':
      return Array.isArray(value) ? (value.length ? value.map((v) => industryLabel(String(v))).join(getLang() === 'zh' ? '、' : ', ') : null) : String(value);
    case 'object':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    default:
      return String(value);
  }
}

/** An industry tag (biomedicine) in the reader's language. */
export function industryLabel(tag: string): string {
  const key = `ind_${tag}`;
  return isKey(key) ? t(key) : tag.replace(/_/g, ' ');
}

// Values with their units, as investors read them: 亩 and 万元/亩 for land,
// m² and 元/m²/月 for buildings.

import { formatNumber, getLang, t, type StringKey } from './i18n';

/**
 * An amount of 万元 as a reader of the current language writes it: 30 万元
 * in Chinese, ¥300k in English (¥1.2M, ¥0), never "30 × 10k CNY".
 */
export function money(wan: number): string {
  if (getLang() === 'zh') return `${formatNumber(wan)} 万元`;
  const yuan = wan * 10_000;
  const abs = Math.abs(yuan);
  if (abs >= 1e8) return `¥${formatNumber(yuan / 1e6, 0)}M`;
  if (abs >= 1e6) return `¥${formatNumber(yuan / 1e6, 2)}M`;
  if (abs >= 1e3) return `¥${formatNumber(yuan / 1e3, abs >= 1e5 ? 0 : 1)}k`;
  return `¥${formatNumber(yuan, 0)}`;
}

/** A number with its unit, or a dash when missing. */
export function withUnit(value: unknown, unit: StringKey | null, digits = 2): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return t('unknown');
  // English readers see land prices in yuan: ¥300k/mu rather than "30 × CNY 10,000/mu".
  if (unit === 'u_wan_per_mu' && getLang() === 'en') return `${money(n)}/mu`;
  const u = unit ? t(unit) : '';
  return u ? `${formatNumber(n, digits)} ${u}` : formatNumber(n, digits);
}

/** A 0-1 ratio as a percentage (建筑密度 60%). */
export function percent(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${formatNumber(value * 100, 1)}%` : t('unknown');
}

/** A min-max pair such as a plot ratio range (1.2 – 2.5). */
export function between(min: unknown, max: unknown): string {
  const f = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, 2) : null);
  const [a, b] = [f(min), f(max)];
  if (a && b) return `${a} – ${b}`;
  if (a) return `≥ ${a}`;
  if (b) return `≤ ${b}`;
  return t('unknown');
}

/** A utility connection flag: connected, not connected, or unknown. */
export function connected(value: unknown): string {
  return value === true ? t('yes') : value === false ? t('no') : t('unknown');
}

/** An RFC 3339 time in the reader's locale. */
export function dateTime(value: unknown): string {
  if (typeof value !== 'string' || !value) return t('unknown');
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString(getLang() === 'zh' ? 'zh-CN' : 'en-GB', { hour12: false });
}

// 标准地指标核验: a plan checked against a plot's standard-land indicators, as
// the policy estimate and the match results answer it. One compact list:
// ✓ or ✗ per indicator, planned against required with units, and on a
// failure how much is missing; a figure the plan lacks says so.

import type { ComplianceCheck } from './api';
import { h } from './dom';
import { formatNumber, t, type StringKey } from './i18n';

const LABELS: Record<ComplianceCheck['indicator'], StringKey> = {
  investment_intensity: 'comp_ind_investment_intensity',
  tax_per_mu: 'comp_ind_tax_per_mu',
  plot_ratio: 'comp_ind_plot_ratio',
  energy_per_mu: 'comp_ind_energy_per_mu',
};

const UNITS: Record<ComplianceCheck['indicator'], StringKey | null> = {
  investment_intensity: 'comp_u_investment_intensity',
  tax_per_mu: 'comp_u_tax_per_mu',
  plot_ratio: null,
  energy_per_mu: 'comp_u_energy_per_mu',
};

const MISSING: Record<ComplianceCheck['indicator'], StringKey> = {
  investment_intensity: 'comp_missing_investment',
  tax_per_mu: 'comp_missing_tax',
  plot_ratio: 'comp_missing_floor',
  energy_per_mu: 'comp_missing_energy',
};

/** The indicator's name in the reader's language. */
export function indicatorLabel(c: ComplianceCheck): string {
  const key = LABELS[c.indicator] as StringKey | undefined;
  return key ? t(key) : c.label_zh;
}

function withUnit(v: number, c: ComplianceCheck): string {
  const unit = UNITS[c.indicator];
  return unit ? `${formatNumber(v)} ${t(unit)}` : formatNumber(v);
}

/** What the plot requires: ≥ 450 万元/亩, ≤ 1.2 吨标准煤/亩/年, 1.2–2.5. */
function required(c: ComplianceCheck): string {
  const r = c.required;
  if (typeof r === 'number') return `${c.indicator === 'energy_per_mu' ? '≤' : '≥'} ${withUnit(r, c)}`;
  if (typeof r.min === 'number' && typeof r.max === 'number') return `${formatNumber(r.min)}–${formatNumber(r.max)}`;
  if (typeof r.min === 'number') return `≥ ${formatNumber(r.min)}`;
  if (typeof r.max === 'number') return `≤ ${formatNumber(r.max)}`;
  return '';
}

function shortfall(c: ComplianceCheck): string {
  if (c.pass !== false || typeof c.shortfall !== 'number') return '';
  const v = withUnit(c.shortfall, c);
  if (c.indicator === 'plot_ratio') return t(c.bound === 'max' ? 'comp_above_max' : 'comp_below_min', { v });
  if (c.indicator === 'energy_per_mu') return t('comp_over', { v });
  return t('comp_short', { v });
}

/** One check as a line: icon, indicator, planned vs required, the shortfall. */
function item(c: ComplianceCheck): HTMLElement {
  const state = c.pass === true ? 'pass' : c.pass === false ? 'fail' : 'unknown';
  const icon = c.pass === true ? '✓' : c.pass === false ? '✗' : '?';
  const verdict = t(c.pass === true ? 'comp_pass' : c.pass === false ? 'comp_fail' : 'comp_unknown');
  const detail =
    c.pass === null || c.planned === null
      ? [h('span', { class: 'comp_missing' }, t(MISSING[c.indicator]))]
      : [
          h('span', { class: 'comp_planned' }, t('comp_planned', { v: withUnit(c.planned, c) })),
          h('span', { class: 'comp_required' }, t('comp_required', { v: required(c) })),
          c.pass === false ? h('strong', { class: 'comp_shortfall', 'data-testid': 'comp_shortfall' }, shortfall(c)) : null,
        ];
  if (c.pass === null) detail.push(h('span', { class: 'comp_required' }, t('comp_required', { v: required(c) })));
  return h(
    'li',
    { class: `comp_item comp_${state}`, 'data-indicator': c.indicator, 'data-pass': String(c.pass), 'data-testid': `comp_${c.indicator}` },
    h('span', { class: 'comp_icon', 'aria-hidden': 'true', title: verdict }, icon),
    h('span', { class: 'visually-hidden' }, `${verdict}${t('colon')}`),
    h('span', { class: 'comp_name' }, indicatorLabel(c)),
    h('span', { class: 'comp_detail' }, ...detail),
  );
}

/** The verdict over all checks: 符合 / 不符合 / 待补充. */
export function verdictText(compliant: boolean | null): string {
  return t(compliant === true ? 'comp_compliant' : compliant === false ? 'comp_not_compliant' : 'comp_incomplete');
}

/**
 * The checks as a compact list with the overall verdict; null when there is
 * nothing to check (factories, plots that are not standard land).
 */
export function complianceList(checks: ComplianceCheck[] | undefined, compliant: boolean | null | undefined): HTMLElement | null {
  if (!checks?.length) return null;
  const state = compliant === true ? 'pass' : compliant === false ? 'fail' : 'unknown';
  return h(
    'div',
    { class: `comp_block comp_${state}`, 'data-testid': 'comp_block', 'data-compliant': String(compliant ?? null) },
    h('div', { class: 'comp_head' }, h('span', { class: 'comp_title' }, t('comp_title')), h('span', { class: `comp_verdict comp_${state}`, 'data-testid': 'comp_verdict' }, verdictText(compliant ?? null))),
    h('ul', { class: 'comp_list' }, ...checks.map(item)),
  );
}

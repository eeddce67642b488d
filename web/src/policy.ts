// 政策计算器: the card's incentive calculator. It reads the park's published
// rules; with none it says so. The investor's plan goes to
// `POST /api/policy/estimate`, which answers rule by rule with the reasoning.

import { ApiError, estimatePolicy, fetchPolicy, type PolicyEstimate, type PolicyPlan } from './api';
import { h, replaceChildren } from './dom';
import { money } from './format';
import { complianceList } from './compliance';
import { formatNumber, t } from './i18n';
import { policyExplanation } from './policyText';
import type { Selection } from './state';

/** The calculator for a site of a park; `park` null means the site has none. */
export function policySection(selection: Selection, park: string | null): HTMLElement {
  const body = h('div', { class: 'policy-body' }, h('p', { class: 'muted' }, t('pol_loading')));
  const section = h('section', { class: 'card-section policy', 'data-testid': 'card-policy' }, h('h3', {}, t('pol_title')), body);
  if (!park) {
    replaceChildren(body, h('p', { class: 'muted', 'data-testid': 'policy-none' }, t('pol_none')));
    return section;
  }
  fetchPolicy(park)
    .then((policy) => {
      if (!policy.rules.length) replaceChildren(body, h('p', { class: 'muted', 'data-testid': 'policy-none' }, t('pol_none')));
      else replaceChildren(body, h('p', { class: 'muted' }, t('pol_rules_count', { n: policy.rules.length })), calculator(selection));
    })
    .catch((e: unknown) => {
      // A server without the calculator: say nothing is published rather than fail.
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) replaceChildren(body, h('p', { class: 'muted', 'data-testid': 'policy-none' }, t('pol_none')));
      else replaceChildren(body, h('p', { class: 'card-message error' }, t('pol_failed', { msg: e instanceof Error ? e.message : String(e) })));
    });
  return section;
}

function numberField(text: string, name: string, required = false): [HTMLElement, HTMLInputElement] {
  const input = h('input', { type: 'number', inputmode: 'decimal', min: '0', step: 'any', name, required, 'data-testid': `policy-${name}` });
  return [h('label', {}, text, input), input];
}

function calculator(selection: Selection): HTMLElement {
  const [investmentLabel, investment] = numberField(t('pol_investment'), 'investment_wan', true);
  const [taxLabel, tax] = numberField(t('pol_tax'), 'expected_tax_wan');
  const [equipmentLabel, equipment] = numberField(t('pol_equipment'), 'equipment_wan');
  const [jobsLabel, jobs] = numberField(t('pol_jobs'), 'jobs');
  jobs.step = '1';
  const [leaseLabel, lease] = numberField(t('pol_lease'), 'lease_months');
  lease.step = '1';
  // Plots: what the standard-land indicators are checked on.
  const [floorLabel, floor] = numberField(t('comp_floor_area'), 'floor_area_m2');
  const [energyLabel, energy] = numberField(t('comp_energy'), 'energy_tce');
  floor.min = '1';
  floor.setAttribute('data-testid', 'comp_floor_area');
  energy.setAttribute('data-testid', 'comp_energy');
  const factories = selection.layer === 'factories';
  const result = h('div', { class: 'policy-result', 'aria-live': 'polite', 'data-testid': 'policy-result' });
  const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'policy-submit' }, t('pol_submit'));
  const form = h('form', { class: 'edit-form policy-form', 'data-testid': 'policy-form' }, h('div', { class: 'policy-grid' }, investmentLabel, taxLabel, equipmentLabel, jobsLabel, factories ? leaseLabel : floorLabel, factories ? null : energyLabel), submit, result);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const plan: PolicyPlan = { investment_wan: Number(investment.value) };
    if (tax.value !== '') plan.expected_tax_wan = Number(tax.value);
    if (equipment.value !== '') plan.equipment_wan = Number(equipment.value);
    if (jobs.value !== '') plan.jobs = Math.round(Number(jobs.value));
    if (factories && lease.value !== '') plan.lease_months = Math.round(Number(lease.value));
    if (!factories && floor.value !== '') plan.floor_area_m2 = Number(floor.value);
    if (!factories && energy.value !== '') plan.energy_tce = Number(energy.value);
    submit.disabled = true;
    estimatePolicy({ layer: selection.layer, id: selection.id }, plan)
      .then((estimate) => replaceChildren(result, showEstimate(estimate)))
      .catch((e: unknown) => replaceChildren(result, h('p', { class: 'card-message error', role: 'alert' }, t('pol_failed', { msg: e instanceof Error ? e.message : String(e) }))))
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}

/** An estimate rule by rule, with the figures it was computed from and the total. */
export function showEstimate(e: PolicyEstimate): HTMLElement {
  const facts = [
    e.land_mu !== null ? t('pol_land', { v: formatNumber(e.land_mu) }) : null,
    e.investment_intensity_wan_per_mu !== null ? t('pol_intensity', { v: money(e.investment_intensity_wan_per_mu) }) : null,
    e.tax_per_mu_wan !== null ? t('pol_tax_per_mu', { v: money(e.tax_per_mu_wan) }) : null,
  ].filter((x): x is string => x !== null);
  return h(
    'div',
    {},
    facts.length ? h('p', { class: 'policy-facts' }, facts.join(' · ')) : null,
    complianceList(e.compliance, e.compliant),
    h(
      'ul',
      { class: 'policy-rules' },
      ...e.rules.map((r) =>
        h(
          'li',
          { class: `policy-rule ${r.applies ? 'applies' : 'not-applies'}`, 'data-rule': r.id, 'data-amount': r.amount_wan },
          h(
            'div',
            { class: 'policy-rule-head' },
            h('span', { class: 'reason-icon', 'aria-hidden': 'true' }, r.applies ? '✓' : '✗'),
            h('strong', {}, r.name),
            h('span', { class: 'visually-hidden' }, r.applies ? t('pol_applies') : t('pol_not_applies')),
            h('span', { class: 'policy-amount' }, t('pol_amount', { v: money(r.amount_wan) })),
          ),
          h('p', { class: 'policy-explanation' }, policyExplanation(r.explanation)),
          r.source ? h('p', { class: 'policy-source', 'data-testid': 'policy-source' }, t('pol_source', { v: r.source })) : null,
        ),
      ),
    ),
    h('p', { class: 'policy-total', 'data-testid': 'policy-total', 'data-total': e.total_wan }, t('pol_total', { v: money(e.total_wan) })),
    h('p', { class: 'muted' }, t('pol_note')),
  );
}

// 帮我找地: an investor's needs as a form, sent to `POST /api/match`. Each need
// is a must-have (a filter) or a weighted preference; the ranked answer shows
// the score and, per need, whether the site meets it with what was wanted and
// what the site has. Matches are outlined on the map; a click selects one.
// Only what can be had is listed: "现在即可供地" (on by default) leaves out
// plots held for an investor or under negotiation; off, they are listed too,
// marked. Sold and withdrawn plots and fully let factories never are.

import type { ExpressionSpecification } from 'maplibre-gl';
import { fetchFeature, matchSites, type CriterionOutcome, type MatchCriterion, type MatchRequest as BaseRequest, type PolicyPlan, type SiteMatch as BaseMatch } from './api';
import { complianceList } from './compliance';
import { h, replaceChildren } from './dom';
import { NOT_CLUSTER } from './filters';
import { between, withUnit } from './format';
import { formatDistance } from './geo';
import { isKey, label, onLangChange, t, type StringKey } from './i18n';
import type { AtlasMap } from './map';
import type { Selection, Store } from './state';
import { LAYERS, SOURCE } from './style';
import { LAND_USES, type Feature, type SearchLayer } from './types';

/** The parks' industries, as the demo data and the advisor name them. */
export const INDUSTRIES = ['biomedicine', 'electronics', 'equipment', 'food', 'new_energy_vehicles', 'new_display', 'auto_electronics', 'low_altitude', 'logistics'] as const;

export function industryLabel(value: unknown): string {
  const key = `ind_${String(value)}`;
  return isKey(key) ? t(key) : String(value);
}

/** A match request, with the server's switch for held plots. */
export type MatchRequest = BaseRequest & { include_held?: boolean };
/** A ranked site, with its status and whether it is held for someone else. */
export type SiteMatch = BaseMatch & { status?: string; held?: boolean };

type Kind = 'range' | 'min' | 'max' | 'set' | 'near';

interface Spec {
  id: string;
  title: StringKey;
  kind: Kind;
  layers: SearchLayer[];
  field?: string;
  near?: string;
  unit?: StringKey;
  /** Choices of a set, as [value, text]. */
  options?: () => [string, string][];
}

const BOTH: SearchLayer[] = ['plots', 'factories', 'offices'];
/** Buildings let by the square metre. */
const BUILDINGS: SearchLayer[] = ['factories', 'offices'];

/** The units of the numeric fields, for reasons. */
const UNITS: Record<string, StringKey> = {
  area_mu: 'u_mu',
  price_wan_per_mu: 'u_wan_per_mu',
  power_kva: 'u_kva',
  height_limit_m: 'u_m',
  available_area_m2: 'u_m2',
  total_area_m2: 'u_m2',
  rent_yuan_m2_month: 'u_yuan_m2_month',
  clear_height_m: 'u_m',
  floor_load_kn_m2: 'u_kn_m2',
  crane_t: 'u_t',
  floors: 'u_floors',
};

interface Need {
  min: string;
  max: string;
  values: Set<string>;
  hard: boolean;
  weight: number;
}

type PlanField = 'investment_wan' | 'expected_tax_wan' | 'floor_area_m2' | 'energy_tce';

const PLAN_FIELDS: [PlanField, StringKey, StringKey][] = [
  ['investment_wan', 'comp_plan_investment', 'comp_u_wan'],
  ['expected_tax_wan', 'comp_plan_tax', 'comp_u_wan_year'],
  ['floor_area_m2', 'comp_plan_floor', 'u_m2'],
  ['energy_tce', 'comp_plan_energy', 'comp_u_tce_year'],
];

const blank = (): Need => ({ min: '', max: '', values: new Set(), hard: false, weight: 1 });

const HIGHLIGHT = { plots: 'match-plots', factories: 'match-factories' } as const;
const HIGHLIGHT_COLOUR = '#7b2ff7';

export class MatchPanel {
  readonly el: HTMLDetailsElement;
  private readonly form = h('form', { class: 'match-form', 'data-testid': 'match-form', novalidate: true });
  private readonly status = h('p', { class: 'match-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'match-status' });
  private readonly list = h('ol', { class: 'match-results', 'data-testid': 'match-results' });
  private readonly summary = h('summary', { class: 'match-summary', 'data-testid': 'match-open' });
  private kind: SearchLayer = 'plots';
  /** Only sites on offer now (the default); off, held plots are listed too. */
  private availableNow = true;
  private needs = new Map<string, Need>();
  /** The project's figures (plots): with an investment, results are checked against standard land. */
  private plan: Record<PlanField, string> = { investment_wan: '', expected_tax_wan: '', floor_area_m2: '', energy_tce: '' };
  private parks: { code: string; name: string; district: string }[] = [];
  private results: SiteMatch[] = [];
  private total = 0;
  private error: string | null = null;
  private controller: AbortController | null = null;
  private completed = 0;

  constructor(
    private readonly atlas: AtlasMap,
    private readonly store: Store,
  ) {
    this.el = h('details', { class: 'match', 'data-testid': 'match' }, this.summary, h('div', { class: 'match-body' }, this.form, this.status, this.list));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run();
    });
    store.subscribe((_, change) => {
      if (change.selected) this.markSelected();
    });
    onLangChange(() => this.render());
    this.render();
  }

  /** The parks (features from the park list): their codes, names and districts become choices. */
  setParks(parks: Feature[]): void {
    this.parks = parks
      .map((f) => ({ code: String(f.properties.code ?? ''), name: String(f.properties.name ?? f.properties.code ?? ''), district: String(f.properties.district ?? '') }))
      .filter((p) => p.code);
    this.renderForm();
  }

  private specs(): Spec[] {
    const districts = [...new Set(this.parks.map((p) => p.district).filter(Boolean))];
    return [
      { id: 'area_mu', title: 'mt_area_mu', kind: 'range', field: 'area_mu', unit: 'u_mu', layers: ['plots'] },
      { id: 'available_area_m2', title: 'mt_floor_area', kind: 'range', field: 'available_area_m2', unit: 'u_m2', layers: BUILDINGS },
      { id: 'price_wan_per_mu', title: 'mt_price', kind: 'max', field: 'price_wan_per_mu', unit: 'u_wan_per_mu', layers: ['plots'] },
      { id: 'rent_yuan_m2_month', title: 'mt_rent', kind: 'max', field: 'rent_yuan_m2_month', unit: 'u_yuan_m2_month', layers: BUILDINGS },
      { id: 'metro_distance_m', title: 'mt_metro', kind: 'max', field: 'metro_distance_m', unit: 'u_m', layers: ['offices'] },
      { id: 'power_kva', title: 'mt_power', kind: 'min', field: 'power_kva', unit: 'u_kva', layers: ['plots'] },
      { id: 'clear_height_m', title: 'mt_clear_height', kind: 'min', field: 'clear_height_m', unit: 'u_m', layers: ['factories'] },
      { id: 'floor_load_kn_m2', title: 'mt_floor_load', kind: 'min', field: 'floor_load_kn_m2', unit: 'u_kn_m2', layers: ['factories'] },
      { id: 'land_use', title: 'mt_land_use', kind: 'set', field: 'land_use', layers: ['plots'], options: () => LAND_USES.map((v) => [v, label('lu', v)]) },
      { id: 'industries', title: 'mt_industries', kind: 'set', field: 'industries', layers: BOTH, options: () => INDUSTRIES.map((v) => [v, industryLabel(v)]) },
      { id: 'district', title: 'mt_districts', kind: 'set', field: 'district', layers: BOTH, options: () => districts.map((d) => [d, d]) },
      { id: 'park', title: 'mt_parks', kind: 'set', field: 'park', layers: BOTH, options: () => this.parks.map((p) => [p.code, p.name]) },
      { id: 'near_highway_exit', title: 'mt_near_highway_exit', kind: 'near', near: 'highway_exit', unit: 'u_km', layers: BOTH },
      { id: 'near_rail_freight', title: 'mt_near_rail_freight', kind: 'near', near: 'rail_freight', unit: 'u_km', layers: BOTH },
      { id: 'near_port', title: 'mt_near_port', kind: 'near', near: 'port', unit: 'u_km', layers: BOTH },
    ];
  }

  private need(id: string): Need {
    let n = this.needs.get(id);
    if (!n) {
      n = blank();
      this.needs.set(id, n);
    }
    return n;
  }

  /** The request the form describes; criteria left empty are left out. */
  request(): MatchRequest {
    const criteria: MatchCriterion[] = [];
    const num = (s: string) => (s.trim() === '' || !Number.isFinite(Number(s)) ? undefined : Number(s));
    for (const spec of this.specs()) {
      if (!spec.layers.includes(this.kind)) continue;
      const n = this.need(spec.id);
      let c: MatchCriterion | null = null;
      const [lo, hi] = [num(n.min), num(n.max)];
      switch (spec.kind) {
        case 'range':
          if (lo !== undefined || hi !== undefined) c = { field: spec.field, ...(lo !== undefined && { min: lo }), ...(hi !== undefined && { max: hi }) };
          break;
        case 'min':
          if (lo !== undefined) c = { field: spec.field, min: lo };
          break;
        case 'max':
          if (hi !== undefined) c = { field: spec.field, max: hi };
          break;
        case 'set': {
          const values = (spec.options?.() ?? []).map(([v]) => v).filter((v) => n.values.has(v));
          if (values.length) c = { field: spec.field, any_of: values };
          break;
        }
        case 'near':
          if (hi !== undefined) c = { near: spec.near, max_m: Math.round(hi * 1000) };
          break;
      }
      if (!c) continue;
      if (n.hard) c.hard = true;
      else if (n.weight !== 1) c.weight = n.weight;
      criteria.push(c);
    }
    const plan = this.kind === 'plots' ? this.projectPlan() : null;
    return { layers: [this.kind], criteria, limit: 20, ...(!this.availableNow && { include_held: true }), ...(plan && { plan }) };
  }

  /** The project as the form gives it; none without an investment, which a plan needs. */
  private projectPlan(): PolicyPlan | null {
    const num = (s: string) => (s.trim() === '' || !Number.isFinite(Number(s)) || Number(s) < 0 ? undefined : Number(s));
    const investment = num(this.plan.investment_wan);
    if (investment === undefined) return null;
    const plan: PolicyPlan = { investment_wan: investment };
    const tax = num(this.plan.expected_tax_wan);
    const floor = num(this.plan.floor_area_m2);
    const energy = num(this.plan.energy_tce);
    if (tax !== undefined) plan.expected_tax_wan = tax;
    if (floor !== undefined && floor > 0) plan.floor_area_m2 = floor;
    if (energy !== undefined) plan.energy_tce = energy;
    return plan;
  }

  /** The project's figures, checked against each plot's standard-land indicators. */
  private planBlock(): HTMLElement | null {
    if (this.kind !== 'plots') return null;
    const inputs = PLAN_FIELDS.map(([field, title, unit]) => {
      const id = `comp_plan_${field}`;
      const input = h('input', { type: 'number', inputmode: 'decimal', min: '0', step: 'any', value: this.plan[field], id, 'data-testid': id });
      input.addEventListener('input', () => (this.plan[field] = input.value));
      return h('div', { class: 'comp_plan_field' }, h('label', { class: 'field-label', for: id }, t(title)), h('div', { class: 'range single' }, input, h('span', { class: 'unit' }, t(unit))));
    });
    return h(
      'fieldset',
      { class: 'match-row comp_plan', 'data-testid': 'comp_plan' },
      h('legend', { class: 'field-label' }, t('comp_plan_title')),
      h('p', { class: 'muted comp_plan_hint' }, t('comp_plan_hint')),
      h('div', { class: 'comp_plan_grid' }, ...inputs),
    );
  }

  private render(): void {
    replaceChildren(this.summary, h('span', { class: 'match-summary-title' }, t('mt_title')), h('span', { class: 'match-summary-hint' }, t('mt_intro')));
    this.renderForm();
    this.renderResults();
  }

  private renderForm(): void {
    const kinds = h(
      'div',
      { class: 'tabs', role: 'radiogroup', 'aria-label': t('mt_kind') },
      ...(['plots', 'factories', 'offices'] as const).map((k) =>
        h(
          'button',
          {
            class: `tab${k === this.kind ? ' active' : ''}`,
            type: 'button',
            role: 'radio',
            'aria-checked': String(k === this.kind),
            'data-testid': `match-kind-${k}`,
            onclick: () => {
              this.kind = k;
              this.renderForm();
            },
          },
          t(k === 'plots' ? 'mt_kind_plots' : k === 'factories' ? 'mt_kind_factories' : 'mt_kind_offices'),
        ),
      ),
    );
    const rows = this.specs()
      .filter((s) => s.layers.includes(this.kind))
      .filter((s) => s.kind !== 'set' || (s.options?.() ?? []).length > 0)
      .map((s) => this.row(s));
    const reset = h('button', { class: 'card-action', type: 'button', 'data-testid': 'match-reset' }, t('mt_reset'));
    reset.addEventListener('click', () => {
      this.needs.clear();
      this.availableNow = true;
      this.plan = { investment_wan: '', expected_tax_wan: '', floor_area_m2: '', energy_tce: '' };
      this.renderForm();
    });
    // One switch, not a criterion with its own must-have and weight: what
    // cannot be had is never listed, so the choice is only about held plots.
    const now = h('input', { type: 'checkbox', checked: this.availableNow, id: 'mt-available_now-on', 'data-testid': 'mt-available_now-on' });
    now.addEventListener('change', () => (this.availableNow = now.checked));
    const availability = h(
      'div',
      { class: 'match-row match-available', 'data-criterion': 'available_now' },
      h('label', { class: 'match-available-label', for: 'mt-available_now-on' }, now, h('span', { class: 'field-label' }, t('mt_available_now'))),
      h('p', { class: 'muted match-available-hint' }, t('mt_available_now_hint')),
    );
    replaceChildren(
      this.form,
      h('p', { class: 'muted' }, t('mt_intro')),
      kinds,
      h('div', { class: 'match-rows' }, ...rows, availability, this.planBlock()),
      h('div', { class: 'form-buttons' }, reset, h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'match-submit' }, t('mt_submit'))),
    );
  }

  /** One need: its values, the must-have toggle and the weight. */
  private row(spec: Spec): HTMLElement {
    const n = this.need(spec.id);
    const id = `mt-${spec.id}`;
    const numberInput = (key: 'min' | 'max', placeholder: string, aria: string) => {
      const input = h('input', { type: 'number', inputmode: 'decimal', min: '0', step: 'any', placeholder, value: n[key], 'aria-label': aria, 'data-testid': `${id}-${key}`, id: `${id}-${key}` });
      input.addEventListener('input', () => (n[key] = input.value));
      return input;
    };
    const unit = spec.unit ? h('span', { class: 'unit' }, t(spec.unit)) : null;
    let control: HTMLElement;
    let labelFor: string | undefined;
    const title = t(spec.title);
    switch (spec.kind) {
      case 'range':
        control = h('div', { class: 'range' }, numberInput('min', t('min'), `${title} ${t('min')}`), h('span', { class: 'range-sep' }, '–'), numberInput('max', t('max'), `${title} ${t('max')}`), unit);
        labelFor = `${id}-min`;
        break;
      case 'min':
        control = h('div', { class: 'range single' }, numberInput('min', t('mt_any'), title), unit);
        labelFor = `${id}-min`;
        break;
      case 'max':
      case 'near':
        control = h('div', { class: 'range single' }, numberInput('max', t('mt_any'), title), unit);
        labelFor = `${id}-max`;
        break;
      case 'set': {
        control = h('div', { class: 'chips', role: 'group', 'aria-label': title, 'data-testid': `${id}-values` });
        for (const [value, text] of spec.options?.() ?? []) {
          const chip = h('button', { class: `chip${n.values.has(value) ? ' on' : ''}`, type: 'button', 'aria-pressed': String(n.values.has(value)), 'data-value': value }, text);
          chip.addEventListener('click', () => {
            if (n.values.has(value)) n.values.delete(value);
            else n.values.add(value);
            chip.classList.toggle('on', n.values.has(value));
            chip.setAttribute('aria-pressed', String(n.values.has(value)));
          });
          control.appendChild(chip);
        }
        break;
      }
    }
    const hard = h('input', { type: 'checkbox', checked: n.hard, 'data-testid': `${id}-hard` });
    const weight = h(
      'select',
      { 'aria-label': `${title} ${t('mt_weight')}`, disabled: n.hard, 'data-testid': `${id}-weight` },
      ...[1, 2, 3].map((w) => h('option', { value: w, selected: n.weight === w }, t(`mt_weight_${w}` as StringKey))),
    );
    hard.addEventListener('change', () => {
      n.hard = hard.checked;
      weight.disabled = hard.checked;
    });
    weight.addEventListener('change', () => (n.weight = Number(weight.value)));
    return h(
      'div',
      { class: 'match-row', 'data-criterion': spec.id },
      h(
        'div',
        { class: 'match-row-head' },
        labelFor ? h('label', { class: 'field-label', for: labelFor }, title) : h('span', { class: 'field-label' }, title),
        h('label', { class: 'match-hard', title: t('mt_hard_title') }, hard, t('mt_hard')),
        weight,
      ),
      control,
    );
  }

  private async run(): Promise<void> {
    const body = this.request();
    this.controller?.abort();
    if (!body.criteria.length && !body.plan) {
      this.error = t('mt_no_criteria');
      this.results = [];
      this.renderResults();
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.status.textContent = t('mt_searching');
    try {
      const answer = await matchSites(body, controller.signal);
      if (controller !== this.controller) return;
      this.results = answer.results;
      this.total = answer.total;
      this.error = null;
    } catch (e) {
      if (controller.signal.aborted) return;
      this.results = [];
      this.total = 0;
      this.error = t('mt_failed', { msg: e instanceof Error ? e.message : String(e) });
    }
    this.completed += 1;
    this.list.dataset.completed = String(this.completed);
    this.renderResults();
    this.highlight();
  }

  private renderResults(): void {
    if (this.error) {
      this.status.textContent = this.error;
      this.status.className = 'match-status error';
    } else {
      this.status.className = 'match-status';
      this.status.textContent = this.completed === 0 ? '' : this.results.length ? `${t('mt_count', { total: this.total, n: this.results.length })}${t('sentenceSep')}${t('mt_matched_on_map')}` : t('mt_none');
    }
    replaceChildren(this.list, ...this.results.map((r, i) => this.resultRow(r, i + 1)));
    this.markSelected();
  }

  private parkName(code: string | null): string {
    if (!code) return '';
    return this.parks.find((p) => p.code === code)?.name ?? code;
  }

  private resultRow(r: SiteMatch, rank: number): HTMLElement {
    const sel: Selection = { layer: r.layer, id: r.id };
    const score = Math.max(0, Math.min(100, r.score));
    const tone = score >= 80 ? 'high' : score >= 50 ? 'mid' : 'low';
    const li = h(
      'li',
      { class: `match-result${r.held ? ' held' : ''}`, tabindex: 0, 'data-layer': r.layer, 'data-id': r.id, 'data-score': r.score, 'data-status': r.status ?? '', 'aria-label': `${rank}. ${r.name || r.code} ${t('mt_score', { score })}` },
      h(
        'div',
        { class: 'match-result-head' },
        h('span', { class: 'match-rank', 'aria-hidden': 'true' }, String(rank)),
        h(
          'div',
          { class: 'match-result-title' },
          h('strong', {}, r.name || r.code),
          h('div', { class: 'result-code' }, r.code, r.park ? ` · ${this.parkName(r.park)}` : ''),
          r.status ? h('span', { class: `match-site-status status-${r.status}${r.held ? ' held' : ''}`, 'data-testid': 'match-site-status', 'data-status': r.status }, label(r.layer === 'plots' ? 'st' : 'fs', r.status), r.held ? ` · ${t('mt_held')}` : '') : null,
        ),
        h(
          'div',
          { class: `match-score ${tone}`, title: t('mt_score', { score }), 'data-testid': 'match-score' },
          h('span', { class: 'match-score-value' }, String(r.score)),
          h('span', { class: 'match-score-bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': score, 'aria-label': t('mt_score', { score }) }, h('span', { style: `width:${score}%` })),
        ),
      ),
      h('ul', { class: 'match-reasons', 'data-testid': 'match-reasons' }, ...r.criteria.map((c) => (c.field === 'compliance' ? this.complianceReason(c, r) : this.reason(c, r.layer)))),
      complianceList(r.compliance, r.compliant),
    );
    const open = () => {
      // Selecting also marks the row in the ordinary list, which scrolls the
      // panel there; the ranking the investor is reading stays in view instead.
      const scroller = li.closest<HTMLElement>('.panel-scroll');
      const top = scroller?.scrollTop;
      this.store.update({ selected: sel });
      if (scroller && top !== undefined) scroller.scrollTop = top;
      void fetchFeature(r.layer, r.id)
        .then((f) => this.atlas.flyToGeometry(f.geometry))
        .catch(() => undefined);
    };
    li.addEventListener('click', open);
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    });
    li.addEventListener('mouseenter', () => this.atlas.setHovered(sel));
    li.addEventListener('mouseleave', () => this.atlas.setHovered(null));
    return li;
  }

  /** The score's compliance criterion: how many indicators the plan meets; the list follows. */
  private complianceReason(c: CriterionOutcome, r: SiteMatch): HTMLElement {
    const checks = r.compliance ?? [];
    const count = (pass: boolean | null) => checks.filter((k) => k.pass === pass).length;
    const icon = c.verdict === 'met' ? '✓' : c.verdict === 'partly' ? '~' : '✗';
    const verdict = t(c.verdict === 'met' ? 'mt_met' : c.verdict === 'partly' ? 'mt_partly' : 'mt_not_met');
    const detail = checks.length ? t('comp_reason', { pass: count(true), fail: count(false), unknown: count(null) }) : t('comp_reason_none');
    return h(
      'li',
      { class: `reason ${c.verdict}`, 'data-verdict': c.verdict, 'data-field': c.field },
      h('span', { class: 'reason-icon', 'aria-hidden': 'true', title: verdict }, icon),
      h('span', { class: 'visually-hidden' }, `${verdict}${t('colon')}`),
      h('span', { class: 'reason-field' }, t('comp_reason_title')),
      h('span', { class: 'reason-detail' }, detail),
    );
  }

  private fieldTitle(c: CriterionOutcome): string {
    if (c.field === 'near') {
      const kind = String((c.wanted as { kind?: string } | null)?.kind ?? '');
      return label('poi', kind);
    }
    if (c.field === 'available_now') return t('mt_f_available_now');
    if (c.field === 'area_mu') return t('f_area');
    if (c.field === 'plot_ratio_max') return t('f_plot_ratio');
    const key = `f_${c.field}`;
    return isKey(key) ? t(key) : c.field;
  }

  /** A value of a field as a reader would say it, with its unit. */
  private value(field: string, v: unknown, layer: SearchLayer): string {
    if (v === null || v === undefined) return t('mt_not_stated');
    if (Array.isArray(v)) return v.map((x) => this.value(field, x, layer)).join('、');
    if (typeof v === 'number') return withUnit(v, UNITS[field] ?? null);
    if (typeof v === 'string') {
      if (field === 'industries') return industryLabel(v);
      if (field === 'land_use') return label('lu', v);
      if (field === 'park') return this.parkName(v);
      if (field === 'available_now') return label(layer === 'plots' ? 'st' : 'fs', v);
      return v;
    }
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('distance_m' in o) {
        if (typeof o.distance_m === 'number') return `${o.name ? `${String(o.name)} ` : ''}${formatDistance(o.distance_m, t('u_km'))}`;
        return t('mt_none_within', { km: formatKm(o.none_within_m) });
      }
    }
    return String(v);
  }

  private wanted(c: CriterionOutcome, layer: SearchLayer): string {
    const w = c.wanted as Record<string, unknown> | boolean | null;
    if (w === true || w === null || typeof w !== 'object') return '';
    if ('any_of' in w) return this.value(c.field, w.any_of, layer);
    if ('max_m' in w) return `≤ ${formatKm(w.max_m)} ${t('u_km')}`;
    const unit = UNITS[c.field];
    if (unit === 'u_wan_per_mu') {
      // Prices as the site's own are written (¥400k/mu in English), so the two compare at a glance.
      const [lo, hi] = [w.min, w.max].map((v) => (typeof v === 'number' ? withUnit(v, unit) : null));
      return lo && hi ? `${lo} – ${hi}` : lo ? `≥ ${lo}` : hi ? `≤ ${hi}` : t('unknown');
    }
    return `${between(w.min, w.max)}${unit ? ` ${t(unit)}` : ''}`;
  }

  private reason(c: CriterionOutcome, layer: SearchLayer): HTMLElement {
    const icon = c.verdict === 'met' ? '✓' : c.verdict === 'partly' ? '~' : '✗';
    const verdict = t(c.verdict === 'met' ? 'mt_met' : c.verdict === 'partly' ? 'mt_partly' : 'mt_not_met');
    const wanted = this.wanted(c, layer);
    return h(
      'li',
      { class: `reason ${c.verdict}`, 'data-verdict': c.verdict, 'data-field': c.field },
      h('span', { class: 'reason-icon', 'aria-hidden': 'true', title: verdict }, icon),
      h('span', { class: 'visually-hidden' }, `${verdict}${t('colon')}`),
      h('span', { class: 'reason-field' }, this.fieldTitle(c)),
      c.hard ? h('span', { class: 'reason-tag' }, t('mt_must')) : null,
      h(
        'span',
        { class: 'reason-detail' },
        wanted ? t('mt_wanted', { v: wanted }) : '',
        wanted ? ' · ' : '',
        t('mt_actual', { v: this.value(c.field, c.actual, layer) }),
      ),
    );
  }

  private markSelected(): void {
    const sel = this.store.state.selected;
    for (const li of this.list.querySelectorAll<HTMLElement>('li.match-result')) {
      li.classList.toggle('selected', sel !== null && li.dataset.layer === sel.layer && Number(li.dataset.id) === sel.id);
    }
  }

  /** Outlines the matched sites on the map with a filter layer per layer. */
  private highlight(): void {
    const map = this.atlas.map;
    const apply = () => {
      for (const layer of ['plots', 'factories'] as const) {
        const id = HIGHLIGHT[layer];
        const ids = this.results.filter((r) => r.layer === layer).map((r) => r.id);
        const filter = ['all', NOT_CLUSTER, ['in', ['id'], ['literal', ids]]] as unknown as ExpressionSpecification;
        if (!map.getLayer(id)) {
          const before = layer === 'plots' ? LAYERS.plotsSelected : LAYERS.factories3d;
          map.addLayer(
            {
              id,
              type: 'line',
              source: SOURCE,
              'source-layer': layer,
              filter,
              paint: { 'line-color': HIGHLIGHT_COLOUR, 'line-width': 2.5, 'line-dasharray': [2, 1] },
            },
            map.getLayer(before) ? before : undefined,
          );
        } else {
          map.setFilter(id, filter);
        }
      }
    };
    if (map.getLayer(LAYERS.plotsFill)) apply();
    else map.once('load', apply);
  }
}

function formatKm(m: unknown): string {
  const n = typeof m === 'number' ? m : Number(m);
  return Number.isFinite(n) ? String(Math.round((n / 1000) * 10) / 10) : '?';
}

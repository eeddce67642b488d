// 政策设置: a park's incentive rules in a form, for admins. Rules are added,
// removed and reordered; each is checked here as the server checks it, the
// reason shown next to its field. "预览测算" estimates a sample plan on one of
// the park's sites under the rules in the form, before anything is saved
// (`POST /api/policy/estimate` with `rules`); "保存" then publishes them.

import { estimatePolicy, fetchPolicy, savePolicy, search, type PolicyPlan, type PolicyRule } from './api';
import { h, replaceChildren } from './dom';
import { label, serverMessage, t, type StringKey } from './i18n';
import { showEstimate } from './policy';
import type { ParkSummary } from './types';

const KINDS = ['land_price_discount', 'rent_free_months', 'per_job_subsidy', 'investment_share', 'tax_reward', 'equipment_subsidy'] as const;
type RuleKind = (typeof KINDS)[number];

/** A step's two numbers as typed: the threshold and what it grants. */
interface StepDraft {
  from: string;
  grant: string;
}

/** A rule as typed: every field text, so half-typed values survive a redraw. */
interface RuleDraft {
  id: string;
  name: string;
  kind: RuleKind;
  appliesTo: string[];
  cap: string;
  steps: StepDraft[];
  yuanPerJob: string;
  sharePct: string;
  minInvestment: string;
  /** Years a tax reward is paid. */
  years: string;
  /** Smallest tax per mu for a tax reward. */
  minTaxPerMu: string;
  /** Smallest equipment investment for an equipment subsidy. */
  minEquipment: string;
  /** The policy document and article the rule comes from. */
  source: string;
  /**
   * What the form does not edit, sent back as it came: the keys of the rule
   * outside the form (a `source`, say), or the whole rule when its kind is
   * not one the form knows.
   */
  kept: Record<string, unknown>;
  /** A kind the form does not know: the rule is shown, moved or removed, never changed. */
  foreign: boolean;
}

/** The keys the form edits; any other key of a stored rule is kept as it is. */
const EDITED_KEYS = new Set(['id', 'name', 'kind', 'applies_to', 'cap_wan', 'steps', 'yuan_per_job', 'share_pct', 'min_investment_wan', 'years', 'min_tax_per_mu_wan', 'min_equipment_wan', 'source']);

/** The layers a kind suits, as the advisor has it: land discounts for plots, free rent for factories. */
function kindLayers(kind: RuleKind): string[] {
  if (kind === 'land_price_discount') return ['plots'];
  if (kind === 'rent_free_months') return ['factories'];
  return ['plots', 'factories'];
}

/** Each kind's step fields: the API's names of the threshold and the grant. */
const STEP_FIELDS: Partial<Record<RuleKind, [string, string, StringKey, StringKey]>> = {
  land_price_discount: ['min_investment_intensity_wan_per_mu', 'discount_pct', 'pe_min_intensity', 'pe_discount_pct'],
  rent_free_months: ['min_tax_per_mu_wan', 'months', 'pe_min_tax', 'pe_months'],
};

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function toDraft(rule: PolicyRule): RuleDraft {
  const foreign = !(KINDS as readonly string[]).includes(rule.kind);
  const kind = foreign ? 'per_job_subsidy' : (rule.kind as RuleKind);
  const kept = foreign ? { ...rule } : Object.fromEntries(Object.entries(rule).filter(([key]) => !EDITED_KEYS.has(key)));
  const fields = STEP_FIELDS[kind];
  const steps = Array.isArray(rule.steps) ? (rule.steps as Record<string, unknown>[]) : [];
  return {
    id: rule.id,
    name: rule.name,
    kind,
    appliesTo: Array.isArray(rule.applies_to) ? (rule.applies_to as string[]) : [],
    cap: text(rule.cap_wan),
    steps: fields ? steps.map((s) => ({ from: text(s[fields[0]]), grant: text(s[fields[1]]) })) : [],
    yuanPerJob: text(rule.yuan_per_job),
    sharePct: text(rule.share_pct),
    minInvestment: text(rule.min_investment_wan),
    years: text(rule.years),
    minTaxPerMu: text(rule.min_tax_per_mu_wan),
    minEquipment: text(rule.min_equipment_wan),
    source: text(rule.source),
    kept,
    foreign,
  };
}

function newDraft(existing: RuleDraft[]): RuleDraft {
  let n = existing.length + 1;
  while (existing.some((r) => r.id === `rule-${n}`)) n += 1;
  return { id: `rule-${n}`, name: '', kind: 'per_job_subsidy', appliesTo: [], cap: '', steps: [{ from: '', grant: '' }], yuanPerJob: '', sharePct: '', minInvestment: '', years: '', minTaxPerMu: '', minEquipment: '', source: '', kept: {}, foreign: false };
}

/** Problems by `rule index.field` (`2.steps.0.from`, `0.id`). */
type Problems = Map<string, string>;

/** A number typed in a field; `''` is absent. */
function number(textValue: string, key: string, problems: Problems, { required = false, max = Infinity, integer = false } = {}): number | undefined {
  const v = textValue.trim();
  if (!v) {
    if (required) problems.set(key, t('office_err_required'));
    return undefined;
  }
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) problems.set(key, t('office_err_non_negative'));
  else if (n > max) problems.set(key, t('pe_err_pct'));
  else if (integer && !Number.isInteger(n)) problems.set(key, t('office_err_integer'));
  return n;
}

/** The rules as the API takes them, and the problems that keep them from being sent. */
function toRules(drafts: RuleDraft[]): { rules: PolicyRule[]; problems: Problems } {
  const problems: Problems = new Map();
  const rules = drafts.map((d, i) => {
    const key = (field: string) => `${i}.${field}`;
    const id = d.id.trim();
    if (!id) problems.set(key('id'), t('office_err_required'));
    else if (drafts.slice(0, i).some((o) => o.id.trim() === id)) problems.set(key('id'), t('pe_err_duplicate_id'));
    if (d.foreign) return d.kept as PolicyRule;
    if (!d.name.trim()) problems.set(key('name'), t('office_err_required'));
    const rule: PolicyRule = { ...d.kept, id, name: d.name.trim(), kind: d.kind };
    const suitable = kindLayers(d.kind);
    const applies = d.appliesTo.filter((l) => suitable.includes(l));
    if (applies.length && applies.length < suitable.length) rule.applies_to = applies;
    const cap = number(d.cap, key('cap'), problems);
    if (cap !== undefined) rule.cap_wan = cap;
    const fields = STEP_FIELDS[d.kind];
    if (fields) {
      if (!d.steps.length) problems.set(key('steps'), t('pe_err_no_steps'));
      let previous: number | undefined;
      rule.steps = d.steps.map((s, j) => {
        const from = number(s.from, key(`steps.${j}.from`), problems, { required: true });
        const grant = number(s.grant, key(`steps.${j}.grant`), problems, { required: true, max: d.kind === 'land_price_discount' ? 100 : Infinity, integer: d.kind === 'rent_free_months' });
        if (from !== undefined && previous !== undefined && from <= previous) problems.set(key(`steps.${j}.from`), t('pe_err_ascending'));
        if (from !== undefined) previous = from;
        return { [fields[0]]: from, [fields[1]]: grant };
      });
    } else if (d.kind === 'per_job_subsidy') {
      rule.yuan_per_job = number(d.yuanPerJob, key('yuanPerJob'), problems, { required: true });
    } else if (d.kind === 'tax_reward') {
      rule.share_pct = number(d.sharePct, key('sharePct'), problems, { required: true, max: 100 });
      const years = number(d.years, key('years'), problems, { required: true, integer: true });
      if (years !== undefined && (years < 1 || years > 10)) problems.set(key('years'), t('pe_err_years'));
      rule.years = years;
      const min = number(d.minTaxPerMu, key('minTaxPerMu'), problems);
      if (min !== undefined) rule.min_tax_per_mu_wan = min;
    } else if (d.kind === 'equipment_subsidy') {
      rule.share_pct = number(d.sharePct, key('sharePct'), problems, { required: true, max: 100 });
      const min = number(d.minEquipment, key('minEquipment'), problems);
      if (min !== undefined) rule.min_equipment_wan = min;
    } else {
      rule.share_pct = number(d.sharePct, key('sharePct'), problems, { required: true, max: 100 });
      const min = number(d.minInvestment, key('minInvestment'), problems);
      if (min !== undefined) rule.min_investment_wan = min;
    }
    const source = d.source.trim();
    if (source.length > 300) problems.set(key('source'), t('pe_err_source'));
    if (source) rule.source = source;
    return rule;
  });
  return { rules, problems };
}

/** The policies tab: pick a park, edit its rules, preview, save. */
export function policyTab(parks: ParkSummary[]): HTMLElement {
  const park = h('select', { name: 'park', 'data-testid': 'pe-park' }, ...parks.map((p) => h('option', { value: p.code }, `${p.name} (${p.code})`)));
  const list = h('ol', { class: 'pe-rules', 'data-testid': 'pe-rules' });
  const add = h('button', { class: 'card-action', type: 'button', 'data-testid': 'pe-add' }, t('pe_add'));
  const save = h('button', { class: 'primary-button', type: 'button', 'data-testid': 'pe-save' }, t('pe_save'));
  const message = h('div', { class: 'edit-message', role: 'status', 'data-testid': 'pe-message' });
  const previewBox = h('div', { class: 'pe-preview' });
  let drafts: RuleDraft[] = [];
  let problems: Problems = new Map();
  let loadedFor = '';

  const setMessage = (kind: 'ok' | 'error' | '', textValue: string) => {
    message.className = `edit-message ${kind}`;
    replaceChildren(message, textValue ? h('p', {}, textValue) : null);
  };

  const check = (): PolicyRule[] | null => {
    const result = toRules(drafts);
    problems = result.problems;
    render();
    if (problems.size) {
      setMessage('error', t('office_fix_fields'));
      return null;
    }
    return result.rules;
  };

  const field = (i: number, key: string, caption: string, value: string, onInput: (v: string) => void, attrs: Record<string, string | number> = {}) => {
    const input = h('input', { value, 'data-testid': `pe-${i}-${key}`, ...attrs });
    input.value = value;
    const problem = problems.get(`${i}.${key}`);
    if (problem) input.setAttribute('aria-invalid', 'true');
    input.addEventListener('input', () => onInput(input.value));
    return h('label', { class: 'site-field' }, caption, input, h('span', { class: 'field-error', 'data-testid': `pe-${i}-${key}-error` }, problem ?? ''));
  };
  const numeric = { type: 'number', inputmode: 'decimal', min: 0, step: 'any' };

  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= drafts.length) return;
    [drafts[i], drafts[j]] = [drafts[j], drafts[i]];
    problems = new Map();
    render();
  };

  /** Up, down and remove: the same for every rule. */
  function ruleHead(i: number): HTMLElement {
    return h(
      'div',
      { class: 'pe-rule-head' },
      h('strong', {}, t('pe_rule_n', { n: i + 1 })),
      h('button', { class: 'card-action pe-small', type: 'button', 'aria-label': t('pe_up'), title: t('pe_up'), disabled: i === 0, 'data-testid': `pe-${i}-up`, onclick: () => move(i, -1) }, '↑'),
      h('button', { class: 'card-action pe-small', type: 'button', 'aria-label': t('pe_down'), title: t('pe_down'), disabled: i === drafts.length - 1, 'data-testid': `pe-${i}-down`, onclick: () => move(i, 1) }, '↓'),
      h('button', { class: 'card-action pe-small', type: 'button', 'data-testid': `pe-${i}-remove`, onclick: () => (drafts.splice(i, 1), (problems = new Map()), render()) }, t('pe_remove')),
    );
  }

  function ruleView(d: RuleDraft, i: number): HTMLElement {
    if (d.foreign) {
      return h(
        'li',
        { class: 'pe-rule', 'data-testid': `pe-rule-${i}` },
        ruleHead(i),
        h('p', {}, h('strong', {}, String(d.kept.name ?? '')), ` (${String(d.kept.id ?? '')})`),
        h('p', { class: 'muted' }, t('pe_foreign', { kind: String(d.kept.kind ?? '') })),
      );
    }
    const kind = h('select', { 'data-testid': `pe-${i}-kind` }, ...KINDS.map((k) => h('option', { value: k }, t(`pe_kind_${k}` as StringKey))));
    kind.value = d.kind;
    kind.addEventListener('change', () => {
      d.kind = kind.value as RuleKind;
      if (STEP_FIELDS[d.kind] && !d.steps.length) d.steps = [{ from: '', grant: '' }];
      render();
    });
    const suitable = kindLayers(d.kind);
    const applies =
      suitable.length > 1
        ? h(
            'fieldset',
            { class: 'pe-applies' },
            h('legend', {}, t('pe_applies_to')),
            ...suitable.map((layer) => {
              const box = h('input', { type: 'checkbox', value: layer, checked: !d.appliesTo.length || d.appliesTo.includes(layer), 'data-testid': `pe-${i}-applies-${layer}` });
              box.addEventListener('change', () => {
                const all = d.appliesTo.length ? d.appliesTo : [...suitable];
                d.appliesTo = box.checked ? [...new Set([...all, layer])] : all.filter((l) => l !== layer);
              });
              return h('label', { class: 'pe-check' }, box, label('layer', layer));
            }),
          )
        : h('p', { class: 'muted' }, t('pe_applies_only', { layer: label('layer', suitable[0]) }));
    const stepFields = STEP_FIELDS[d.kind];
    const specific = stepFields
      ? h(
          'div',
          { class: 'pe-steps' },
          h('p', { class: 'muted' }, t('pe_steps_hint')),
          ...d.steps.map((s, j) =>
            h(
              'div',
              { class: 'pe-step' },
              field(i, `steps.${j}.from`, t(stepFields[2]), s.from, (v) => (s.from = v), numeric),
              field(i, `steps.${j}.grant`, t(stepFields[3]), s.grant, (v) => (s.grant = v), { ...numeric, step: d.kind === 'rent_free_months' ? 1 : 'any' }),
              h('button', { class: 'card-action pe-small', type: 'button', 'aria-label': t('pe_remove_step'), title: t('pe_remove_step'), onclick: () => (d.steps.splice(j, 1), render()) }, '−'),
            ),
          ),
          h('span', { class: 'field-error' }, problems.get(`${i}.steps`) ?? ''),
          h('button', { class: 'card-action pe-small', type: 'button', 'data-testid': `pe-${i}-add-step`, onclick: () => (d.steps.push({ from: '', grant: '' }), render()) }, t('pe_add_step')),
        )
      : d.kind === 'per_job_subsidy'
        ? h('div', { class: 'pe-grid' }, field(i, 'yuanPerJob', t('pe_yuan_per_job'), d.yuanPerJob, (v) => (d.yuanPerJob = v), numeric))
        : d.kind === 'tax_reward'
        ? h(
            'div',
            { class: 'pe-grid' },
            field(i, 'sharePct', t('pe_tax_share_pct'), d.sharePct, (v) => (d.sharePct = v), { ...numeric, max: 100 }),
            field(i, 'years', t('pe_years'), d.years, (v) => (d.years = v), { ...numeric, min: 1, max: 10, step: 1 }),
            field(i, 'minTaxPerMu', t('pe_min_tax_per_mu'), d.minTaxPerMu, (v) => (d.minTaxPerMu = v), numeric),
          )
        : d.kind === 'equipment_subsidy'
        ? h(
            'div',
            { class: 'pe-grid' },
            field(i, 'sharePct', t('pe_share_pct'), d.sharePct, (v) => (d.sharePct = v), { ...numeric, max: 100 }),
            field(i, 'minEquipment', t('pe_min_equipment'), d.minEquipment, (v) => (d.minEquipment = v), numeric),
          )
        : h('div', { class: 'pe-grid' }, field(i, 'sharePct', t('pe_share_pct'), d.sharePct, (v) => (d.sharePct = v), { ...numeric, max: 100 }), field(i, 'minInvestment', t('pe_min_investment'), d.minInvestment, (v) => (d.minInvestment = v), numeric));
    return h(
      'li',
      { class: 'pe-rule', 'data-testid': `pe-rule-${i}` },
      ruleHead(i),
      h(
        'div',
        { class: 'pe-grid' },
        field(i, 'name', t('pe_name'), d.name, (v) => (d.name = v), { maxlength: 100 }),
        field(i, 'id', t('pe_id'), d.id, (v) => (d.id = v), { maxlength: 60 }),
        h('label', { class: 'site-field' }, t('pe_kind'), kind),
        field(i, 'cap', t('pe_cap'), d.cap, (v) => (d.cap = v), numeric),
      ),
      applies,
      specific,
      h('div', { class: 'pe-source' }, field(i, 'source', t('pe_source'), d.source, (v) => (d.source = v), { maxlength: 300, placeholder: t('pe_source_hint') })),
    );
  }

  function render(): void {
    replaceChildren(list, ...(drafts.length ? drafts.map(ruleView) : [h('li', { class: 'muted' }, t('pe_empty'))]));
  }

  const load = () => {
    const code = park.value;
    loadedFor = code;
    setMessage('', '');
    replaceChildren(list, h('li', { class: 'muted' }, t('loading')));
    replaceChildren(previewBox, previewForm(code, () => check()));
    fetchPolicy(code)
      .then((policy) => {
        if (loadedFor !== code) return;
        drafts = policy.rules.map(toDraft);
        problems = new Map();
        render();
      })
      .catch((e: unknown) => setMessage('error', t('office_load_failed', { msg: serverMessage(e) })));
  };
  park.addEventListener('change', load);
  add.addEventListener('click', () => {
    drafts.push(newDraft(drafts));
    render();
    list.querySelector<HTMLInputElement>(`[data-testid=pe-${drafts.length - 1}-name]`)?.focus();
  });
  save.addEventListener('click', () => {
    const rules = check();
    if (!rules) return;
    save.disabled = true;
    savePolicy(park.value, rules)
      .then((saved) => {
        drafts = saved.rules.map(toDraft);
        render();
        setMessage('ok', t('pe_saved', { n: saved.rules.length }));
      })
      .catch((e: unknown) => setMessage('error', t('editFailed', { msg: serverMessage(e) })))
      .finally(() => (save.disabled = false));
  });
  if (parks.length) load();

  return h(
    'div',
    { class: 'office-policies', 'data-testid': 'office-policies' },
    h('div', { class: 'office-row' }, h('label', {}, t('f_park'), park)),
    list,
    h('div', { class: 'form-buttons pe-buttons' }, add),
    previewBox,
    message,
    h('div', { class: 'form-buttons' }, save),
  );
}

/** 预览测算: a sample plan on one of the park's sites, under the rules in the form. */
function previewForm(park: string, rules: () => PolicyRule[] | null): HTMLElement {
  const site = h('select', { 'data-testid': 'pe-site' }, h('option', { value: '' }, t('loading')));
  const input = (name: string, caption: StringKey, required = false) => {
    const el = h('input', { type: 'number', inputmode: 'decimal', min: 0, step: 'any', name, required, 'data-testid': `pe-plan-${name}` });
    return [h('label', { class: 'site-field' }, t(caption), el), el] as const;
  };
  const [investmentLabel, investment] = input('investment_wan', 'pol_investment', true);
  const [areaLabel, area] = input('area_mu', 'pe_plan_area');
  const [taxLabel, tax] = input('expected_tax_wan', 'pol_tax');
  const [equipmentLabel, equipment] = input('equipment_wan', 'pol_equipment');
  const [jobsLabel, jobs] = input('jobs', 'pol_jobs');
  const [floorLabel, floor] = input('floor_area_m2', 'pe_plan_floor');
  const [leaseLabel, lease] = input('lease_months', 'pol_lease');
  const run = h('button', { class: 'card-action', type: 'submit', 'data-testid': 'pe-preview' }, t('pe_preview'));
  const result = h('div', { class: 'policy-result', 'aria-live': 'polite', 'data-testid': 'pe-preview-result' });
  const form = h(
    'form',
    { class: 'edit-form pe-preview-form', 'data-testid': 'pe-preview-form' },
    h('h3', {}, t('pe_preview_title')),
    h('p', { class: 'muted' }, t('pe_preview_hint')),
    h('label', { class: 'site-field' }, t('pe_plan_site'), site),
    h('div', { class: 'pe-grid' }, investmentLabel, areaLabel, taxLabel, equipmentLabel, jobsLabel, floorLabel, leaseLabel),
    h('div', { class: 'form-buttons' }, run),
    result,
  );
  Promise.all(['plots', 'factories'].map((layer) => search({ layer, park, limit: 200, properties: 'code,name', skipGeometry: true }).then((r) => r.features.map((f) => ({ layer, f })))))
    .then((groups) => {
      const sites = groups.flat();
      replaceChildren(
        site,
        ...(sites.length
          ? sites.map(({ layer, f }) => h('option', { value: `${layer}/${String(f.id ?? f.properties.id)}` }, `${label('layer', layer)} · ${String(f.properties.code ?? '')} ${String(f.properties.name ?? '')}`))
          : [h('option', { value: '' }, t('pe_no_sites'))]),
      );
    })
    .catch(() => replaceChildren(site, h('option', { value: '' }, t('pe_no_sites'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const [layer, id] = site.value.split('/');
    if (!layer || !form.reportValidity()) {
      replaceChildren(result, h('p', { class: 'card-message error', role: 'alert' }, t('pe_preview_incomplete')));
      return;
    }
    const current = rules();
    if (!current) {
      replaceChildren(result);
      return;
    }
    const plan: PolicyPlan = { investment_wan: Number(investment.value) };
    if (area.value !== '') plan.area_mu = Number(area.value);
    if (tax.value !== '') plan.expected_tax_wan = Number(tax.value);
    if (equipment.value !== '') plan.equipment_wan = Number(equipment.value);
    if (jobs.value !== '') plan.jobs = Math.round(Number(jobs.value));
    if (floor.value !== '') plan.floor_area_m2 = Number(floor.value);
    if (lease.value !== '') plan.lease_months = Math.round(Number(lease.value));
    run.disabled = true;
    estimatePolicy({ layer, id: Number(id) }, plan, current)
      .then((estimate) => replaceChildren(result, showEstimate(estimate)))
      .catch((e: unknown) => replaceChildren(result, h('p', { class: 'card-message error', role: 'alert' }, t('pol_failed', { msg: serverMessage(e) }))))
      .finally(() => (run.disabled = false));
  });
  return form;
}

// The filter form: tabs for plots and factories, and the constraints of each.
// It writes the store; the map and the list follow from there.

import { h, replaceChildren } from './dom';
import { label, onLangChange, t, type StringKey } from './i18n';
import { FACTORY_COLOURS, STATUS_COLOURS } from './palette';
import { emptyFilters, type Filters, type NumRange, type Store } from './state';
import { choiceLabel, fieldLabel, layerSpec, unitLabel, type FieldFilter } from './schema';
import { FACTORY_STATUSES, LAND_USES, PLOT_STATUSES, type ParkSummary, type SearchLayer } from './types';

type NumberField = 'minClearHeight' | 'minFloorLoad' | 'maxRent';

/** Query parameters the fixed controls of each tab set; the schema's other filters go under "more". */
const FIXED_PARAMS: Record<SearchLayer, string[]> = {
  plots: ['status', 'land_use', 'min_area_mu', 'max_area_mu', 'min_price', 'max_price', 'park'],
  factories: ['status', 'min_clear_height_m', 'min_floor_load_kn_m2', 'min_available_area_m2', 'max_available_area_m2', 'max_rent', 'park'],
  offices: ['park'],
};

function filterParams(filter: FieldFilter): string[] {
  return filter.kind === 'range' ? [filter.min, filter.max] : [filter.param];
}
type RangeField = 'areaMu' | 'price' | 'availableArea';

export class FilterPanel {
  readonly el: HTMLElement;
  private parks: ParkSummary[] = [];
  private ownUpdate = false;

  constructor(private readonly store: Store) {
    this.el = h('section', { class: 'filters', 'aria-label': t('filters') });
    this.render();
    onLangChange(() => {
      this.el.setAttribute('aria-label', t('filters'));
      this.render();
    });
    store.subscribe((_, change) => {
      // Re-render only for changes that did not come from this form, so typing keeps its focus.
      if (change.tab || (change.filters && !this.ownUpdate)) this.render();
    });
  }

  setParks(parks: ParkSummary[]): void {
    this.parks = parks;
    this.render();
  }

  private write(patch: Partial<Filters>): void {
    this.ownUpdate = true;
    try {
      this.store.updateFilters(patch);
    } finally {
      this.ownUpdate = false;
    }
  }

  private render(): void {
    const { tab, filters } = this.store.state;
    const tabs = h(
      'div',
      { class: 'tabs', role: 'tablist' },
      this.tabButton('plots', 'tabPlots', tab),
      this.tabButton('factories', 'tabFactories', tab),
      this.tabButton('offices', 'tabOffices', tab),
    );
    const head = h(
      'div',
      { class: 'section-head' },
      h('h2', {}, t('filters')),
      h('button', { class: 'link-button', type: 'button', 'data-testid': 'reset-filters', onclick: () => this.reset() }, t('resetFilters')),
    );
    const body =
      tab === 'offices'
        ? [...this.declaredFilters('offices'), this.field('park', this.parkSelect(filters.park))]
        : tab === 'plots'
        ? [
            this.field('status', this.chips(PLOT_STATUSES, filters.status, 'st', STATUS_COLOURS, (v) => this.write({ status: v }), 'filter-status')),
            this.field('landUse', this.chips(LAND_USES, filters.landUse, 'lu', null, (v) => this.write({ landUse: v }), 'filter-land-use')),
            this.field('area', this.range('areaMu', filters.areaMu), 'u_mu'),
            this.field('price', this.range('price', filters.price), 'u_wan_per_mu'),
            this.field('park', this.parkSelect(filters.park)),
          ]
        : [
            this.field('factoryStatus', this.chips(FACTORY_STATUSES, filters.factoryStatus, 'fs', FACTORY_COLOURS, (v) => this.write({ factoryStatus: v }), 'filter-factory-status')),
            this.field('clearHeight', this.single('minClearHeight', filters.minClearHeight), 'u_m'),
            this.field('floorLoad', this.single('minFloorLoad', filters.minFloorLoad), 'u_kn_m2'),
            this.field('availableArea', this.range('availableArea', filters.availableArea), 'u_m2'),
            this.field('rent', this.single('maxRent', filters.maxRent), 'u_yuan_m2_month'),
            this.field('park', this.parkSelect(filters.park)),
          ];
    const more = tab === 'offices' ? null : this.moreFilters(tab);
    replaceChildren(this.el, tabs, head, h('div', { class: 'filter-grid' }, ...body), more);
  }

  /** The layer's other declared filters, folded away until asked for (or in use). */
  private moreFilters(layer: SearchLayer): HTMLElement | null {
    const controls = this.declaredFilters(layer);
    if (!controls.length) return null;
    const inUse = Object.keys(this.store.state.filters.more[layer] ?? {}).length;
    const summary = h('summary', { 'data-testid': 'more-filters' }, t('moreFilters'), inUse ? h('span', { class: 'more-count' }, ` (${inUse})`) : null);
    const details = h('details', { class: 'more-filters' }, summary, h('div', { class: 'filter-grid' }, ...controls));
    if (inUse) details.setAttribute('open', '');
    return details;
  }

  /** Controls for the filters the layer's schema declares, but those the fixed controls above cover. */
  private declaredFilters(layer: SearchLayer): HTMLElement[] {
    const spec = layerSpec(layer);
    const fixed = FIXED_PARAMS[layer];
    const params = this.store.state.filters.more[layer] ?? {};
    const set = (name: string, value: string | null) => {
      const next = { ...(this.store.state.filters.more[layer] ?? {}) };
      if (value === null || value === '') delete next[name];
      else next[name] = value;
      this.write({ more: { ...this.store.state.filters.more, [layer]: next } });
    };
    const out: HTMLElement[] = [];
    for (const field of spec?.fields ?? []) {
      const filter = field.filter;
      if (!filter || filterParams(filter).some((p) => fixed.includes(p))) continue;
      const unit = unitLabel(field);
      const testId = `more-${layer}-${field.name}`;
      const number = (name: string) => (params[name] !== undefined ? Number(params[name]) : null);
      let control: HTMLElement;
      let caption = fieldLabel(field);
      switch (filter.kind) {
        case 'choice': {
          const selected = new Set((params[filter.param] ?? '').split(',').filter(Boolean));
          control = h('div', { class: 'chips', role: 'group', 'data-testid': testId });
          for (const value of field.choices ?? []) {
            const chip = h('button', { class: `chip${selected.has(value) ? ' on' : ''}`, type: 'button', 'aria-pressed': String(selected.has(value)), 'data-value': value }, choiceLabel(field, value));
            chip.addEventListener('click', () => {
              if (selected.has(value)) selected.delete(value);
              else selected.add(value);
              chip.classList.toggle('on', selected.has(value));
              chip.setAttribute('aria-pressed', String(selected.has(value)));
              set(filter.param, (field.choices ?? []).filter((v) => selected.has(v)).join(','));
            });
            control.appendChild(chip);
          }
          out.push(h('div', { class: 'field' }, h('div', { class: 'field-label' }, caption), control));
          continue;
        }
        case 'flag': {
          const box = h('input', { type: 'checkbox', 'data-testid': testId, checked: params[filter.param] === 'true' });
          box.addEventListener('change', () => set(filter.param, box.checked ? 'true' : null));
          out.push(h('label', { class: 'field half check' }, box, ' ', caption));
          continue;
        }
        case 'range': {
          const lo = this.numberInput(number(filter.min), t('min'), `${testId}-min`, (v) => set(filter.min, v === null ? null : String(v)));
          const hi = this.numberInput(number(filter.max), t('max'), `${testId}-max`, (v) => set(filter.max, v === null ? null : String(v)));
          control = h('div', { class: 'range' }, lo, h('span', { class: 'range-sep' }, '–'), hi);
          break;
        }
        case 'at_least':
        case 'at_most': {
          const param = filter.param;
          caption = t(filter.kind === 'at_least' ? 'atLeastOf' : 'atMostOf', { field: caption });
          control = h('div', { class: 'range single' }, this.numberInput(number(param), '', testId, (v) => set(param, v === null ? null : String(v))));
          break;
        }
      }
      out.push(h('div', { class: 'field half' }, h('div', { class: 'field-label' }, caption, unit ? h('span', { class: 'field-unit' }, unit) : null), control));
    }
    return out;
  }

  private reset(): void {
    this.store.update({ filters: emptyFilters() });
  }

  private tabButton(layer: SearchLayer, text: StringKey, current: SearchLayer): HTMLElement {
    return h(
      'button',
      {
        class: `tab${layer === current ? ' active' : ''}`,
        type: 'button',
        role: 'tab',
        'aria-selected': String(layer === current),
        'data-testid': `tab-${layer}`,
        onclick: () => this.store.update({ tab: layer }),
      },
      t(text),
    );
  }

  /**
   * A labelled control. Number fields name their unit in the label and take half the width,
   * two to a row, so the list below starts within the first screen on a laptop.
   */
  private field(title: StringKey, control: HTMLElement, unit?: StringKey): HTMLElement {
    return h(
      'div',
      { class: unit ? 'field half' : 'field' },
      h('div', { class: 'field-label' }, t(title), unit ? h('span', { class: 'field-unit' }, t(unit)) : null),
      control,
    );
  }

  /** Multi-select as toggle chips; none selected means all. */
  private chips<T extends string>(
    values: readonly T[],
    selected: T[],
    prefix: 'st' | 'lu' | 'fs',
    colours: Record<T, string> | null,
    onChange: (v: T[]) => void,
    testId: string,
  ): HTMLElement {
    const current = new Set(selected);
    const group = h('div', { class: 'chips', role: 'group', 'data-testid': testId });
    for (const value of values) {
      const chip = h(
        'button',
        { class: `chip${current.has(value) ? ' on' : ''}`, type: 'button', 'aria-pressed': String(current.has(value)), 'data-value': value },
        colours ? h('span', { class: 'chip-dot', style: `background:${colours[value]}` }) : null,
        label(prefix, value),
      );
      chip.addEventListener('click', () => {
        if (current.has(value)) current.delete(value);
        else current.add(value);
        chip.classList.toggle('on', current.has(value));
        chip.setAttribute('aria-pressed', String(current.has(value)));
        onChange(values.filter((v) => current.has(v)));
      });
      group.appendChild(chip);
    }
    return group;
  }

  private numberInput(value: number | null, placeholder: string, testId: string, onChange: (v: number | null) => void): HTMLInputElement {
    const input = h('input', {
      type: 'number',
      inputmode: 'decimal',
      min: '0',
      step: 'any',
      placeholder,
      value: value ?? '',
      'data-testid': testId,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const commit = () => {
      clearTimeout(timer);
      const n = input.value.trim() === '' ? null : Number(input.value);
      onChange(n !== null && Number.isFinite(n) ? n : null);
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(commit, 450);
    });
    input.addEventListener('change', commit);
    return input;
  }

  private range(field: RangeField, [min, max]: NumRange): HTMLElement {
    const lo = this.numberInput(min, t('min'), `${field}-min`, (v) => this.write({ [field]: [v, this.store.state.filters[field][1]] }));
    const hi = this.numberInput(max, t('max'), `${field}-max`, (v) => this.write({ [field]: [this.store.state.filters[field][0], v] }));
    return h('div', { class: 'range' }, lo, h('span', { class: 'range-sep' }, '–'), hi);
  }

  private single(field: NumberField, value: number | null): HTMLElement {
    const input = this.numberInput(value, '', field, (v) => this.write({ [field]: v }));
    return h('div', { class: 'range single' }, input);
  }

  private parkSelect(current: string | null): HTMLElement {
    const select = h('select', { 'data-testid': 'filter-park' }, h('option', { value: '' }, t('allParks')));
    const parks = [...this.parks];
    // A park from a shared link shows even before the list has loaded.
    if (current && !parks.some((p) => p.code === current)) parks.push({ code: current, name: current });
    for (const p of parks) select.appendChild(h('option', { value: p.code, selected: p.code === current }, p.name || p.code));
    select.addEventListener('change', () => this.write({ park: select.value || null }));
    return select;
  }
}

// The filter form: tabs for plots and factories, and the constraints of each.
// It writes the store; the map and the list follow from there.

import { h, replaceChildren } from './dom';
import { label, onLangChange, t, type StringKey } from './i18n';
import { FACTORY_COLOURS, STATUS_COLOURS } from './palette';
import { emptyFilters, type Filters, type NumRange, type Store } from './state';
import { FACTORY_STATUSES, LAND_USES, PLOT_STATUSES, type ParkSummary, type SearchLayer } from './types';

type NumberField = 'minClearHeight' | 'minFloorLoad' | 'maxRent';
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
    );
    const head = h(
      'div',
      { class: 'section-head' },
      h('h2', {}, t('filters')),
      h('button', { class: 'link-button', type: 'button', 'data-testid': 'reset-filters', onclick: () => this.reset() }, t('resetFilters')),
    );
    const body =
      tab === 'plots'
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
    replaceChildren(this.el, tabs, head, h('div', { class: 'filter-grid' }, ...body));
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

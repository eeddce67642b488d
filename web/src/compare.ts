// Comparing sites side by side: the tray of chosen sites (at most four), the
// comparison table (sites as columns, figures as rows, the best value of a
// row marked) and the card's buttons that add a site or print its sheet.
// The choice lives in the URL (`cmp=plots/12,factories/3`, `cmpv=1` when the
// table is open), so a shared link opens the same comparison.

import { fetchFeature } from './api';
import { rowOf, rowsFor, type CompareRow } from './compareRows';
import { h, replaceChildren } from './dom';
import { percent } from './format';
import { label, onLangChange, t } from './i18n';
import { COMPARE_MAX, sameSelection, type Selection, type Store } from './state';
import { formatValue } from './schema';
import type { Feature, ParkSummary, SearchLayer } from './types';

const key = (s: Selection) => `${s.layer}/${s.id}`;

/** Where a site's sheet is printed from. */
export function sheetUrl(s: Selection): string {
  return `/api/${s.layer}/${s.id}/sheet.pdf`;
}

/** Adds a site to the comparison, or says why not: false when the tray is full. */
export function addToCompare(store: Store, s: Selection): boolean {
  const chosen = store.state.compare;
  if (chosen.some((c) => sameSelection(c, s))) return true;
  if (chosen.length >= COMPARE_MAX) return false;
  store.update({ compare: [...chosen, s] });
  return true;
}

export function removeFromCompare(store: Store, s: Selection): void {
  const compare = store.state.compare.filter((c) => !sameSelection(c, s));
  store.update({ compare, comparing: store.state.comparing && compare.length > 0 });
}

/** The card's "加入对比" and "打印推介书" buttons. */
export function cardButtons(store: Store, s: Selection, code: string): HTMLElement[] {
  const chosen = store.state.compare.some((c) => sameSelection(c, s));
  const compare = h(
    'button',
    { class: `card-action${chosen ? ' cmp_chosen' : ''}`, type: 'button', 'data-testid': 'cmp-add', 'aria-pressed': String(chosen) },
    chosen ? t('cmp_added') : t('cmp_add'),
  );
  compare.addEventListener('click', () => {
    if (store.state.compare.some((c) => sameSelection(c, s))) removeFromCompare(store, s);
    else if (!addToCompare(store, s)) tray?.refuse();
  });
  const sheet = h('a', { class: 'card-action', href: sheetUrl(s), download: `site-sheet-${code}.pdf`, 'data-testid': 'sheet-download', title: t('sheet_title') }, t('sheet_print'));
  return [compare, sheet];
}

let tray: CompareTray | null = null;

/** The chosen sites, as a bar over the map. */
export class CompareTray {
  readonly el: HTMLElement;
  private message = '';
  private names = new Map<string, string>();

  constructor(private readonly store: Store) {
    this.el = h('div', { class: 'cmp_tray', 'data-testid': 'cmp-tray', hidden: true });
    store.subscribe((_, change) => {
      if (change.compare) {
        this.message = '';
        this.render();
      }
    });
    onLangChange(() => this.render());
    tray = this;
    this.render();
  }

  /** Says that a fifth site cannot be added. */
  refuse(): void {
    this.message = t('cmp_full', { max: COMPARE_MAX });
    this.render();
  }

  private name(s: Selection): string {
    const known = this.names.get(key(s));
    if (known) return known;
    void fetchFeature(s.layer, s.id)
      .then((f) => {
        this.names.set(key(s), String(f.properties.code ?? f.properties.name ?? key(s)));
        this.render();
      })
      .catch(() => undefined);
    this.names.set(key(s), `${label('layer', s.layer)} ${s.id}`);
    return this.names.get(key(s)) ?? key(s);
  }

  private render(): void {
    const chosen = this.store.state.compare;
    this.el.hidden = chosen.length === 0;
    const chips = chosen.map((s) =>
      h(
        'span',
        { class: 'cmp_chip', 'data-testid': 'cmp-chip' },
        h('span', { class: 'cmp_chip_name' }, this.name(s)),
        h('button', { type: 'button', class: 'cmp_chip_remove', 'aria-label': t('cmp_remove'), title: t('cmp_remove'), onclick: () => removeFromCompare(this.store, s) }, '×'),
      ),
    );
    replaceChildren(
      this.el,
      h('span', { class: 'cmp_tray_title' }, t('cmp_tray', { n: chosen.length, max: COMPARE_MAX })),
      h('div', { class: 'cmp_chips' }, ...chips),
      h('button', { type: 'button', class: 'primary-button cmp_open', 'data-testid': 'cmp-open', disabled: chosen.length < 2, title: chosen.length < 2 ? t('cmp_need_two') : null, onclick: () => this.store.update({ comparing: true }) }, t('cmp_open')),
      h('button', { type: 'button', class: 'card-action', 'data-testid': 'cmp-clear', onclick: () => this.store.update({ compare: [], comparing: false }) }, t('cmp_clear')),
      this.message ? h('p', { class: 'cmp_message', role: 'alert', 'data-testid': 'cmp-message' }, this.message) : null,
    );
  }
}

/** The comparison table, over the whole page. */
export class CompareView {
  readonly el: HTMLElement;
  private features = new Map<string, Feature | Error>();
  private parks = new Map<string, string>();
  private request = 0;

  constructor(private readonly store: Store) {
    this.el = h('div', { class: 'cmp_view', 'data-testid': 'cmp-view', hidden: true, role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'cmp-title' });
    store.subscribe((_, change) => {
      if (change.compare) void this.open();
    });
    onLangChange(() => this.render());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.el.hidden) this.close();
    });
    void this.open();
  }

  setParks(parks: ParkSummary[]): void {
    this.parks = new Map(parks.map((p) => [p.code, p.name]));
    this.render();
  }

  private close(): void {
    this.store.update({ comparing: false });
  }

  private async open(): Promise<void> {
    const { compare, comparing } = this.store.state;
    this.el.hidden = !comparing;
    document.body.classList.toggle('cmp_open', comparing);
    if (!comparing) return;
    const ticket = ++this.request;
    const missing = compare.filter((s) => !this.features.has(key(s)));
    this.render();
    const loaded = await Promise.all(missing.map((s) => fetchFeature(s.layer, s.id).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    if (ticket !== this.request) return;
    missing.forEach((s, i) => this.features.set(key(s), loaded[i]));
    this.render();
    this.el.querySelector<HTMLElement>('.cmp_close')?.focus({ preventScroll: true });
  }

  private cell(row: CompareRow | undefined, f: Feature): string {
    if (!row) return '—';
    const v = f.properties[row.key];
    if (v === null || v === undefined) return t('unknown');
    switch (row.show) {
      case 'percent':
        return percent(v);
      case 'park':
        return this.parks.get(String(v)) ?? String(v);
      case 'st':
      case 'lu':
      case 'fs':
        return label(row.show, v);
      default:
        return formatValue(row.field, v) ?? t('unknown');
    }
  }

  private render(): void {
    if (this.el.hidden) return;
    const sites = this.store.state.compare;
    const layers = [...new Set(sites.map((s) => s.layer as SearchLayer))];
    const rows = rowsFor(layers);
    const feature = (s: Selection) => {
      const f = this.features.get(key(s));
      return f instanceof Error ? null : (f ?? null);
    };
    const head = h(
      'tr',
      {},
      h('th', { class: 'cmp_corner', scope: 'col' }, t('cmp_site')),
      ...sites.map((s) => {
        const f = feature(s);
        const failed = this.features.get(key(s)) instanceof Error;
        const name = f ? String(f.properties.name || f.properties.code || '') : failed ? t('cmp_missing') : t('cardLoading');
        return h(
          'th',
          { scope: 'col', class: 'cmp_site', 'data-testid': 'cmp-column', 'data-site': key(s) },
          h('span', { class: 'cmp_layer' }, label('layer', s.layer)),
          h('span', { class: 'cmp_name' }, name),
          h('span', { class: 'cmp_code' }, f ? String(f.properties.code ?? '') : ''),
          h(
            'span',
            { class: 'cmp_links' },
            h('a', { href: `#sel=${key(s)}`, 'data-testid': 'cmp-card-link', onclick: (e: Event) => {
              e.preventDefault();
              this.store.update({ selected: s, comparing: false });
            } }, t('cmp_card')),
            h('a', { href: sheetUrl(s), target: '_blank', rel: 'noopener', 'data-testid': 'cmp-sheet-link' }, t('sheet_short')),
            h('button', { type: 'button', class: 'cmp_drop', title: t('cmp_remove'), 'aria-label': t('cmp_remove'), onclick: () => removeFromCompare(this.store, s) }, '×'),
          ),
        );
      }),
    );
    const body = rows.map((row) => {
      const values = sites.map((s) => {
        const f = feature(s);
        const own = rowOf(s.layer as SearchLayer, row.key);
        const raw = f && own ? f.properties[row.key] : undefined;
        return { text: f ? this.cell(own, f) : '', has: Boolean(own), n: typeof raw === 'number' && Number.isFinite(raw) ? raw : null };
      });
      const numbers = values.map((v) => v.n).filter((n): n is number => n !== null);
      const best = row.better && numbers.length >= 2 && new Set(numbers).size > 1 ? (row.better === 'high' ? Math.max(...numbers) : Math.min(...numbers)) : null;
      // Sites of a layer without the property do not make a row differ.
      const own = values.filter((v) => v.has);
      const differ = own.length > 1 && new Set(own.map((v) => v.text)).size > 1;
      return h(
        'tr',
        { class: differ ? 'cmp_differs' : '', 'data-row': row.key },
        h('th', { scope: 'row', class: 'cmp_label' }, row.label, row.better ? h('small', { class: 'cmp_better' }, row.better === 'high' ? t('cmp_higher') : t('cmp_lower')) : null),
        ...values.map((v) =>
          h('td', { class: best !== null && v.n === best ? 'cmp_best' : '', 'data-testid': 'cmp-cell' }, v.text, best !== null && v.n === best ? h('span', { class: 'cmp_star', title: t('cmp_best') }, ' ★') : null),
        ),
      );
    });
    replaceChildren(
      this.el,
      h(
        'div',
        { class: 'cmp_panel' },
        h(
          'header',
          { class: 'cmp_header' },
          h('h2', { id: 'cmp-title' }, t('cmp_title', { n: sites.length })),
          h('p', { class: 'cmp_hint' }, t('cmp_hint')),
          h('button', { type: 'button', class: 'card-close cmp_close', 'aria-label': t('cardClose'), title: t('cardClose'), 'data-testid': 'cmp-close', onclick: () => this.close() }, '×'),
        ),
        h('div', { class: 'cmp_scroll' }, h('table', { class: 'cmp_table', 'data-testid': 'cmp-table' }, h('thead', {}, head), h('tbody', {}, ...body))),
      ),
    );
  }
}

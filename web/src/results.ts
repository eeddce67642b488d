// The result list: /api/search with the current filters and spatial search,
// sorted by distance when there is a centre. It stays in step with the map:
// hovering a row lights the feature, hovering the feature lights the row.

import { search } from './api';
import { debounce, h, replaceChildren } from './dom';
import { searchBody } from './filters';
import { formatDistance } from './geo';
import { label, onLangChange, t } from './i18n';
import { withUnit } from './format';
import type { AtlasMap } from './map';
import { FACTORY_COLOURS, STATUS_COLOURS } from './palette';
import type { Selection, Store } from './state';
import { PLOT_DETAIL_MINZOOM } from './style';
import { choiceLabel, layerSpec } from './schema';
import type { Feature, SearchLayer } from './types';

const PAGE = 50;

export class ResultList {
  readonly el: HTMLElement;
  private readonly summary = h('div', { class: 'result-summary', 'data-testid': 'result-count', 'aria-live': 'polite' });
  private readonly hint = h('p', { class: 'hint cluster-hint' });
  private readonly list = h('ol', { class: 'result-list', 'data-testid': 'result-list' });
  private readonly more = h('button', { class: 'load-more', type: 'button' });
  private features: Feature[] = [];
  private layer: SearchLayer = 'plots';
  private total = 0;
  private controller: AbortController | null = null;
  private error: string | null = null;
  private loading = false;
  private completed = 0;
  /** Told the summary line whenever it changes (the phone's folded sheet shows it). */
  onSummary: (text: string) => void = () => {};

  constructor(
    private readonly atlas: AtlasMap,
    private readonly store: Store,
  ) {
    this.el = h(
      'section',
      { class: 'results' },
      h('div', { class: 'section-head' }, h('h2', {}, t('results')), this.summary),
      this.hint,
      this.list,
      this.more,
    );
    this.more.addEventListener('click', () => void this.load(true));
    const rerun = debounce(() => void this.load(false), 120);
    store.subscribe((_, change) => {
      if (change.tab || change.filters || change.spatial) rerun();
      if (change.selected) this.markSelected();
    });
    atlas.onHover((sel) => this.markHovered(sel));
    atlas.map.on('zoomend', () => this.updateHint());
    onLangChange(() => {
      replaceChildren(this.el.querySelector('.section-head h2')!, t('results'));
      this.renderAll();
    });
    void this.load(false);
  }

  /** Runs the search again (after a live change), keeping how many rows are shown. */
  refresh(): void {
    void this.load(false, Math.max(PAGE, this.features.length));
  }

  private async load(append: boolean, limit = PAGE): Promise<void> {
    const { tab, filters, spatial } = this.store.state;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.loading = true;
    this.error = null;
    this.renderSummary();
    try {
      const body = { ...searchBody(tab, filters, spatial), limit, offset: append ? this.features.length : 0 };
      const answer = await search(body, controller.signal);
      if (controller !== this.controller) return;
      this.layer = tab;
      this.total = answer.numberMatched;
      this.features = append ? [...this.features, ...answer.features] : answer.features;
    } catch (e) {
      if (controller.signal.aborted) return;
      this.error = e instanceof Error ? e.message : String(e);
      this.features = [];
      this.total = 0;
    } finally {
      if (controller === this.controller) this.loading = false;
    }
    // Tests (and anyone watching) can tell a finished search from a pending one.
    this.completed += 1;
    this.list.dataset.completed = String(this.completed);
    this.renderAll();
  }

  private renderSummary(): void {
    const shown = this.features.length;
    this.summary.textContent = this.loading
      ? t('loading')
      : shown < this.total
        ? t('resultCountShown', { n: this.total, shown })
        : t('resultCount', { n: this.total });
    if (!this.loading) this.onSummary(t('resultCount', { n: this.total }));
  }

  private updateHint(): void {
    const clustered = this.store.state.tab === 'plots' && this.atlas.map.getZoom() < PLOT_DETAIL_MINZOOM;
    this.hint.textContent = clustered ? t('clusterHint') : '';
    this.hint.hidden = !clustered;
  }

  private renderAll(): void {
    this.renderSummary();
    this.updateHint();
    const rows = this.features.map((f) => this.row(f));
    if (this.error) replaceChildren(this.list, h('li', { class: 'empty error' }, t('searchFailed', { msg: this.error })));
    else if (!rows.length) replaceChildren(this.list, h('li', { class: 'empty' }, t('noResults')));
    else replaceChildren(this.list, ...rows);
    this.more.textContent = t('loadMore');
    this.more.hidden = this.features.length >= this.total;
    this.markSelected();
  }

  private row(f: Feature): HTMLElement {
    const p = f.properties;
    const id = Number(f.id ?? p.id);
    const sel: Selection = { layer: this.layer, id };
    const plots = this.layer === 'plots';
    const offices = this.layer === 'offices';
    const colour = plots ? STATUS_COLOURS[p.status as keyof typeof STATUS_COLOURS] : FACTORY_COLOURS[p.status as keyof typeof FACTORY_COLOURS];
    const metrics = plots
      ? [withUnit(p.area_mu, 'u_mu', 1), withUnit(p.price_wan_per_mu, 'u_wan_per_mu', 1)]
      : offices
        ? [withUnit(p.available_area_m2, 'u_m2', 0), withUnit(p.rent_yuan_m2_month, 'u_yuan_m2_month', 1)]
        : [withUnit(p.available_area_m2, 'u_m2', 0), withUnit(p.clear_height_m, 'u_m', 1), withUnit(p.rent_yuan_m2_month, 'u_yuan_m2_month', 1)];
    const kind = layerSpec('offices')?.fields.find((f) => f.name === 'kind');
    const tags = plots
      ? [label('st', p.status), label('lu', p.land_use)]
      : offices && kind
        ? [label('fs', p.status), choiceLabel(kind, String(p.kind ?? ''))]
        : [label('fs', p.status)];
    const distanceM = typeof p.distance_m === 'number' ? p.distance_m : null;
    const li = h(
      'li',
      { class: 'result', 'data-id': id, 'data-layer': this.layer, tabindex: 0, style: `--status:${colour ?? '#999'}` },
      h(
        'div',
        { class: 'result-main' },
        h('div', { class: 'result-title' }, String(p.name || p.code || id)),
        h('div', { class: 'result-code' }, String(p.code ?? '')),
        h('div', { class: 'result-metrics' }, ...metrics.map((m) => h('span', {}, m))),
      ),
      h(
        'div',
        { class: 'result-side' },
        h('span', { class: 'tag', style: `background:${colour ?? '#999'}` }, tags[0]),
        tags[1] ? h('span', { class: 'tag tag-plain' }, tags[1]) : null,
        distanceM !== null ? h('span', { class: 'result-distance', 'data-distance': distanceM }, formatDistance(distanceM, t('u_km'))) : null,
      ),
    );
    const open = () => {
      this.store.update({ selected: sel });
      this.atlas.flyToGeometry(f.geometry);
    };
    li.addEventListener('click', open);
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    li.addEventListener('mouseenter', () => this.atlas.setHovered(sel));
    li.addEventListener('mouseleave', () => this.atlas.setHovered(null));
    return li;
  }

  private rows(): HTMLElement[] {
    return [...this.list.querySelectorAll<HTMLElement>('li.result')];
  }

  private static matches(li: HTMLElement, sel: Selection | null): boolean {
    return sel !== null && li.dataset.layer === sel.layer && Number(li.dataset.id) === sel.id;
  }

  private markHovered(sel: Selection | null): void {
    for (const li of this.rows()) li.classList.toggle('hovered', ResultList.matches(li, sel));
  }

  private markSelected(): void {
    const sel = this.store.state.selected;
    for (const li of this.rows()) {
      const on = ResultList.matches(li, sel);
      if (on && !li.classList.contains('selected')) ResultList.reveal(li);
      li.classList.toggle('selected', on);
    }
  }

  /**
   * Scrolls the list's own scroller to show a row. Not scrollIntoView: that
   * also scrolls every ancestor, the page itself included, which shifts the
   * whole app when the panel is a folded sheet.
   */
  private static reveal(li: HTMLElement): void {
    const scroller = li.closest<HTMLElement>('.panel-scroll');
    if (!scroller) return;
    const row = li.getBoundingClientRect();
    const box = scroller.getBoundingClientRect();
    if (row.top < box.top) scroller.scrollTop -= box.top - row.top + 8;
    else if (row.bottom > box.bottom) scroller.scrollTop += row.bottom - box.bottom + 8;
  }
}


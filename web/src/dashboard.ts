// 数据看板: what the platform produced over a period, for promoters and
// admins, from `GET /api/stats`: totals, views per park per week (stacked bars
// drawn as inline SVG, with the same figures in a table for screen readers),
// the most viewed sites and the funnel from a view to a lead to a signing.

import { fetchStats, STAT_KINDS, type Stats } from './api';
import { h, replaceChildren } from './dom';
import { formatNumber, label, onLangChange, t, type StringKey } from './i18n';
import { overlay } from './leads';
import type { OfficerSession } from './officer';
import type { Store } from './state';

const SERIES_COLOURS = ['#1560bd', '#c8102e', '#2b8a3e', '#e67700', '#7b2ff7', '#00838f', '#8a5a00', '#d6336c', '#5c7cfa', '#868e96'];
const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** A round tick step (1, 2 or 5 times a power of ten, at least 1) for four steps up to `max`. */
function niceStep(max: number): number {
  const raw = Math.max(1, max / 4);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** The Mondays (YYYY-MM-DD) of the weeks from `from` to `to`, as the server names weeks. */
function mondays(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return [];
  const day = 86_400_000;
  const first = start - ((new Date(start).getUTCDay() + 6) % 7) * day;
  const weeks: string[] = [];
  for (let d = first; d <= end && weeks.length < 60; d += 7 * day) weeks.push(new Date(d).toISOString().slice(0, 10));
  return weeks;
}

export class Dashboard {
  private readonly dialog = overlay('dash_title', 'dashboard');
  private readonly from = h('input', { type: 'date', 'data-testid': 'dash-from' });
  private readonly to = h('input', { type: 'date', 'data-testid': 'dash-to' });
  private readonly apply = h('button', { class: 'card-action', type: 'button', 'data-testid': 'dash-apply' }, t('dash_apply'));
  private readonly fromLabel = h('label', { class: 'dash-date' });
  private readonly toLabel = h('label', { class: 'dash-date' });
  private readonly content = h('div', { class: 'dash', 'data-testid': 'dash-content' });
  private parks = new Map<string, string>();
  private loaded = 0;

  constructor(private readonly store: Store) {
    this.dialog.head.append(this.fromLabel, this.toLabel, this.apply);
    this.dialog.body.append(this.content);
    this.apply.addEventListener('click', () => void this.load());
  }

  setParks(parks: Map<string, string>): void {
    this.parks = parks;
  }

  open(): void {
    replaceChildren(this.fromLabel, t('dash_from'), this.from);
    replaceChildren(this.toLabel, t('dash_to'), this.to);
    this.apply.textContent = t('dash_apply');
    this.dialog.open();
    void this.load();
  }

  private parkName(code: string | null): string {
    if (!code || code === '(none)') return t('dash_no_park');
    return this.parks.get(code) ?? code;
  }

  private async load(): Promise<void> {
    try {
      const stats = await fetchStats(this.from.value || undefined, this.to.value || undefined);
      this.from.value = stats.from;
      this.to.value = stats.to;
      this.render(stats);
    } catch (e) {
      replaceChildren(this.content, h('p', { class: 'card-message error', role: 'alert' }, t('dash_failed', { msg: e instanceof Error ? e.message : String(e) })));
    }
    this.loaded += 1;
    this.content.dataset.loaded = String(this.loaded);
  }

  private render(s: Stats): void {
    replaceChildren(
      this.content,
      h('p', { class: 'muted', 'data-testid': 'dash-period' }, t('dash_period', { from: s.from, to: s.to })),
      h(
        'div',
        { class: 'dash-tiles' },
        ...STAT_KINDS.map((k) =>
          h('div', { class: 'dash-tile', 'data-testid': `stat-${k}`, 'data-value': s.totals[k] ?? 0 }, h('div', { class: 'dash-tile-value' }, formatNumber(s.totals[k] ?? 0, 0)), h('div', { class: 'dash-tile-caption' }, t(`stat_${k}` as StringKey))),
        ),
      ),
      h('div', { class: 'dash-grid' }, this.weekly(s), this.funnel(s)),
      this.topSites(s),
    );
  }

  /** Stacked bars: one bar per week, one colour per park. */
  private weekly(s: Stats): HTMLElement {
    const section = h('section', { class: 'dash-card', 'data-testid': 'dash-weekly' }, h('h3', {}, t('dash_weekly')));
    const seen = [...new Set(s.weekly_views_by_park.map((r) => r.week))];
    const weeks = [...new Set([...mondays(s.from, s.to), ...seen])].sort();
    const parks = [...new Set(s.weekly_views_by_park.map((r) => r.park))].sort();
    if (!seen.length) {
      section.append(h('p', { class: 'muted' }, t('dash_weekly_empty')));
      return section;
    }
    const value = (week: string, park: string) => s.weekly_views_by_park.find((r) => r.week === week && r.park === park)?.views ?? 0;
    const totals = weeks.map((w) => parks.reduce((sum, p) => sum + value(w, p), 0));
    const step = niceStep(Math.max(...totals));
    const top = step * 4;
    const [W, H, left, bottom, topPad, right] = [640, 260, 44, 34, 12, 8];
    const plotW = W - left - right;
    const plotH = H - bottom - topPad;
    const slot = plotW / weeks.length;
    const barW = Math.min(56, slot * 0.62);
    const y = (v: number) => topPad + plotH - (v / top) * plotH;
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'dash-chart', role: 'img', 'aria-label': t('dash_weekly') });
    for (let i = 0; i <= 4; i++) {
      const v = step * i;
      chart.append(
        svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'dash-grid-line' }),
        svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'dash-axis' }, formatNumber(v, 0)),
      );
    }
    weeks.forEach((week, i) => {
      const x = left + slot * i + (slot - barW) / 2;
      let base = 0;
      parks.forEach((park, j) => {
        const v = value(week, park);
        if (!v) return;
        const rect = svg('rect', { x, y: y(base + v), width: barW, height: Math.max(0, y(base) - y(base + v)), fill: SERIES_COLOURS[j % SERIES_COLOURS.length], 'data-park': park, 'data-week': week, 'data-views': v });
        rect.append(svg('title', {}, `${this.parkName(park)} · ${t('dash_week_of', { week })}：${v}`));
        chart.append(rect);
        base += v;
      });
      chart.append(svg('text', { x: x + barW / 2, y: H - bottom + 16, 'text-anchor': 'middle', class: 'dash-axis' }, week.slice(5)));
    });
    const legend = h('ul', { class: 'dash-legend' }, ...parks.map((p, j) => h('li', {}, h('span', { class: 'dash-swatch', style: `background:${SERIES_COLOURS[j % SERIES_COLOURS.length]}` }), this.parkName(p))));
    // The figures behind the chart, for screen readers.
    const table = h(
      'table',
      { class: 'visually-hidden' },
      h('caption', {}, t('dash_weekly')),
      h('thead', {}, h('tr', {}, h('th', {}, ''), ...parks.map((p) => h('th', { scope: 'col' }, this.parkName(p))))),
      h('tbody', {}, ...weeks.map((w) => h('tr', {}, h('th', { scope: 'row' }, t('dash_week_of', { week: w })), ...parks.map((p) => h('td', {}, String(value(w, p))))))),
    );
    section.append(chart, legend, table);
    return section;
  }

  private funnel(s: Stats): HTMLElement {
    const steps: [StringKey, number][] = [
      ['stat_card_view', s.funnel.card_views],
      ['stat_lead', s.funnel.leads],
      ['dash_signed', s.funnel.signed],
    ];
    const max = Math.max(1, ...steps.map(([, n]) => n));
    const rate = (a: number, b: number) => (b > 0 ? `${formatNumber((a / b) * 100, 1)}%` : '—');
    return h(
      'section',
      { class: 'dash-card', 'data-testid': 'dash-funnel' },
      h('h3', {}, t('dash_funnel')),
      h(
        'ol',
        { class: 'dash-funnel' },
        ...steps.map(([key, n], i) =>
          h(
            'li',
            { 'data-step': key, 'data-value': n },
            h('div', { class: 'dash-funnel-label' }, h('span', {}, t(key)), h('strong', {}, formatNumber(n, 0))),
            h('div', { class: 'dash-funnel-bar' }, h('span', { style: `width:${Math.max(2, (n / max) * 100)}%` })),
            i > 0 ? h('div', { class: 'dash-funnel-rate' }, t('dash_funnel_rate', { p: rate(n, steps[i - 1][1]) })) : null,
          ),
        ),
      ),
    );
  }

  private topSites(s: Stats): HTMLElement {
    return h(
      'section',
      { class: 'dash-card', 'data-testid': 'dash-top' },
      h('h3', {}, t('dash_top')),
      s.top_sites.length
        ? h(
            'div',
            { class: 'dash-table-wrap' },
            h(
              'table',
              { class: 'dash-table' },
              h('thead', {}, h('tr', {}, ...(['dash_rank', 'inbox_site', 'f_park', 'dash_views', 'dash_leads', 'dash_signed'] as StringKey[]).map((k) => h('th', { scope: 'col' }, t(k))))),
              h(
                'tbody',
                {},
                ...s.top_sites.map((site, i) => {
                  const selectable = site.layer === 'plots' || site.layer === 'factories';
                  const name = `${site.name ?? ''} ${site.code ?? ''}`.trim() || `${label('layer', site.layer)} ${site.id}`;
                  return h(
                    'tr',
                    { 'data-layer': site.layer, 'data-id': site.id },
                    h('td', {}, String(i + 1)),
                    h('td', {}, selectable ? h('button', { class: 'link-button', type: 'button', onclick: () => this.show(site.layer as 'plots' | 'factories', site.id) }, name) : name),
                    h('td', {}, this.parkName(site.park)),
                    h('td', { class: 'num', 'data-col': 'views' }, String(site.views)),
                    h('td', { class: 'num', 'data-col': 'leads' }, String(site.leads)),
                    h('td', { class: 'num', 'data-col': 'signed' }, String(site.signed)),
                  );
                }),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('dash_weekly_empty')),
    );
  }

  private show(layer: 'plots' | 'factories', id: number): void {
    this.dialog.close();
    this.store.update({ selected: { layer, id } });
  }
}

/** Top-bar buttons for the inbox and the dashboard, shown to promoters and admins only. */
export function promoterControls(session: OfficerSession, inbox: { open(): void }, projects: { open(): void }, dashboard: { open(): void }): HTMLElement {
  const el = h('div', { class: 'promoter-tools', 'data-testid': 'promoter-tools' });
  const render = () => {
    const role = session.info?.role;
    if (role !== 'promoter' && role !== 'admin') {
      replaceChildren(el);
      el.hidden = true;
      return;
    }
    el.hidden = false;
    replaceChildren(
      el,
      h('button', { class: 'signin-button', type: 'button', 'data-testid': 'inbox-open', onclick: () => inbox.open() }, t('inbox_open')),
      h('button', { class: 'signin-button', type: 'button', 'data-testid': 'projects-open', onclick: () => projects.open() }, t('projects_open')),
      h('button', { class: 'signin-button', type: 'button', 'data-testid': 'dash-open', onclick: () => dashboard.open() }, t('dash_open')),
    );
  };
  session.onChange(render);
  onLangChange(render);
  render();
  return el;
}

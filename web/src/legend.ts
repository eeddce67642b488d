// The legend, drawn from the same colour tables and icons as the map.

import { h, replaceChildren } from './dom';
import { label, onLangChange, t, type StringKey } from './i18n';
import { poiIconUrl } from './icons';
import { CLUSTER_COLOUR, FACTORY_COLOURS, LAND_USE_COLOURS, OFFICE_COLOUR, PARK_COLOURS, STATUS_COLOURS } from './palette';
import type { Store } from './state';
import { FACTORY_STATUSES, LAND_USES, PARK_LEVELS, PLOT_STATUSES, POI_KINDS, type SearchLayer } from './types';

function section(title: StringKey, ...items: HTMLElement[]): HTMLElement {
  return h('div', { class: 'legend-section' }, h('div', { class: 'legend-title' }, t(title)), h('ul', { class: 'legend-items' }, ...items));
}

function item(swatch: HTMLElement, text: string): HTMLElement {
  return h('li', {}, swatch, h('span', {}, text));
}

const fill = (colour: string) => h('span', { class: 'sw sw-fill', style: `background:${colour}` });
const outline = (colour: string, dashed = false) =>
  h('span', { class: `sw sw-outline${dashed ? ' sw-dashed' : ''}`, style: `border-color:${colour}` });

/** The statuses of the tab's sites: always in view, as they are what the tab is about. */
function renderStrip(strip: HTMLElement, tab: SearchLayer): void {
  replaceChildren(
    strip,
    ...(tab !== 'plots'
      ? [h('span', { class: 'legend-title' }, t(tab === 'offices' ? 'legendOffices' : 'legendFactories')), ...FACTORY_STATUSES.map((s) => h('span', { class: 'legend-chip' }, fill(FACTORY_COLOURS[s]), label('fs', s)))]
      : [h('span', { class: 'legend-title' }, t('legendPlotStatus')), ...PLOT_STATUSES.map((s) => h('span', { class: 'legend-chip' }, fill(STATUS_COLOURS[s]), label('st', s)))]),
  );
}

function renderBody(body: HTMLElement, tab: SearchLayer): void {
  replaceChildren(
    body,
    tab !== 'plots'
      ? section('legendPlotStatus', ...PLOT_STATUSES.map((s) => item(fill(STATUS_COLOURS[s]), label('st', s))))
      : section('legendFactories', ...FACTORY_STATUSES.map((s) => item(fill(FACTORY_COLOURS[s]), label('fs', s)))),
    section('legendOffices', item(h('span', { class: 'sw sw-fill', style: `background:${FACTORY_COLOURS.partial};border:2px solid ${OFFICE_COLOUR}` }), t('layer_offices'))),
    section('legendLandUse', ...LAND_USES.map((u) => item(outline(LAND_USE_COLOURS[u]), label('lu', u)))),
    section('legendParks', ...PARK_LEVELS.map((l) => item(outline(PARK_COLOURS[l], true), label('lv', l)))),
    section(
      'legendPois',
      ...POI_KINDS.map((k) => item(h('img', { class: 'sw sw-icon', src: poiIconUrl(k), alt: '' }), label('poi', k))),
    ),
    section('legendCluster', item(h('span', { class: 'sw sw-cluster', style: `background:${CLUSTER_COLOUR}` }, '12'), t('layer_plots'))),
  );
}

/** Mounts the legend: the status strip of the tab's sites with the rest folded away until asked for. */
export function mountLegend(parent: HTMLElement, store?: Store): void {
  const strip = h('div', { class: 'legend-strip' });
  const body = h('div', { class: 'legend-body', id: 'legend-body' });
  const toggle = h('button', { class: 'legend-toggle', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'legend-body' });
  const box = h('section', { class: 'legend collapsed', 'data-testid': 'legend' }, h('div', { class: 'legend-head' }, strip, toggle), body);
  const setOpen = (open: boolean) => {
    box.classList.toggle('collapsed', !open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  const render = () => {
    toggle.textContent = t('legend');
    const tab = store?.state.tab ?? 'plots';
    box.dataset.tab = tab;
    renderStrip(strip, tab);
    renderBody(body, tab);
  };
  store?.subscribe((_, change) => {
    if (change.tab) render();
  });
  toggle.addEventListener('click', () => setOpen(box.classList.contains('collapsed')));
  render();
  onLangChange(render);
  parent.appendChild(box);
}

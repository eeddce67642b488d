// 工作台: the staff back office, opened from the top bar by anyone signed in.
// Its tabs follow the role: sites (officers for their parks and admins edit,
// promoters read) and imports for officers and admins, incentive rules and
// accounts for admins.

import { search } from './api';
import { debounce, h, replaceChildren } from './dom';
import { accountsTab } from './accounts';
import { formatNumber, label, onLangChange, serverMessage, t, type StringKey } from './i18n';
import { overlay } from './leads';
import type { OfficerSession } from './officer';
import { importTab } from './officeImport';
import { policyTab } from './policyEditor';
import type { SiteForm } from './siteForm';
import type { Feature, LayerName, ParkSummary } from './types';

type Tab = 'sites' | 'import' | 'policies' | 'accounts';

/** The tabs a role sees, in order. */
function tabsFor(role: string | undefined): Tab[] {
  if (role === 'admin') return ['sites', 'import', 'policies', 'accounts'];
  if (role === 'officer') return ['sites', 'import'];
  if (role === 'promoter') return ['sites'];
  return [];
}

export class BackOffice {
  private readonly dialog = overlay('office_title', 'office');
  private readonly tabBar = h('div', { class: 'office-tabs', role: 'tablist' });
  private readonly panel = h('div', { class: 'office-panel', role: 'tabpanel', 'data-testid': 'office-panel' });
  private parks: ParkSummary[] = [];
  private tab: Tab = 'sites';
  /** Reloads the site list after a save, when it is shown. */
  private reloadSites: (() => void) | null = null;

  constructor(
    private readonly session: OfficerSession,
    private readonly siteForm: SiteForm,
  ) {
    this.dialog.body.append(this.tabBar, this.panel);
    session.onChange(() => {
      if (!session.info) this.dialog.close();
      else if (this.dialog.el.open) this.show(this.tab);
    });
  }

  setParks(parks: ParkSummary[]): void {
    this.parks = parks;
  }

  open(): void {
    this.dialog.open();
    this.show(tabsFor(this.session.info?.role).includes(this.tab) ? this.tab : 'sites');
  }

  /** A site was saved elsewhere (the form over this list, the card): show it. */
  siteSaved(): void {
    this.reloadSites?.();
  }

  private show(tab: Tab): void {
    const tabs = tabsFor(this.session.info?.role);
    if (!tabs.includes(tab)) tab = tabs[0] ?? 'sites';
    this.tab = tab;
    replaceChildren(
      this.tabBar,
      ...tabs.map((name) =>
        h(
          'button',
          { class: `office-tab${name === tab ? ' active' : ''}`, type: 'button', role: 'tab', 'aria-selected': String(name === tab), 'data-testid': `office-tab-${name}`, onclick: () => this.show(name) },
          t(`office_tab_${name}` as StringKey),
        ),
      ),
    );
    this.reloadSites = null;
    const parks = this.parks;
    const content =
      tab === 'sites'
        ? this.sitesTab()
        : tab === 'import'
          ? importTab(this.session, () => this.siteSaved())
          : tab === 'policies'
            ? policyTab(parks)
            : accountsTab(parks, this.session.info?.token_id);
    replaceChildren(this.panel, content);
  }

  /** The parks the signed-in actor answers for (all of them for admins and promoters). */
  private ownParks(): ParkSummary[] {
    const info = this.session.info;
    if (!info || info.all_parks || info.role !== 'officer') return this.parks;
    return this.parks.filter((p) => info.parks.includes(p.code));
  }

  /** 地块与厂房: a list searched by code or name; each row opens the attribute form. */
  private sitesTab(): HTMLElement {
    const own = this.ownParks();
    const officer = this.session.info?.role === 'officer';
    const layer = h('select', { 'data-testid': 'sites-layer', 'aria-label': t('office_layer') }, h('option', { value: 'plots' }, label('layer', 'plots')), h('option', { value: 'factories' }, label('layer', 'factories')));
    const park = h(
      'select',
      { 'data-testid': 'sites-park', 'aria-label': t('f_park') },
      officer && own.length === 1 ? null : h('option', { value: '' }, officer ? t('office_my_parks') : t('allParks')),
      ...own.map((p) => h('option', { value: p.code }, p.name)),
    );
    const query = h('input', { type: 'search', placeholder: t('office_search_hint'), 'data-testid': 'sites-query', 'aria-label': t('office_search_hint') });
    const list = h('ul', { class: 'office-sites', 'data-testid': 'sites-list' });
    const count = h('p', { class: 'muted', 'data-testid': 'sites-count' });
    let features: Feature[] = [];
    let loading = 0;

    const render = () => {
      const q = query.value.trim().toLowerCase();
      const matches = features.filter((f) => !q || String(f.properties.code ?? '').toLowerCase().includes(q) || String(f.properties.name ?? '').toLowerCase().includes(q));
      count.textContent = t('office_sites_count', { n: matches.length });
      const plots = layer.value === 'plots';
      replaceChildren(
        list,
        ...matches.slice(0, 200).map((f) => {
          const p = f.properties;
          const id = Number(f.id ?? p.id);
          const editable = this.session.info?.role !== 'promoter' && this.session.mayEdit(p.park);
          const figure = plots
            ? typeof p.price_wan_per_mu === 'number'
              ? `${formatNumber(p.price_wan_per_mu)} ${t('u_wan_per_mu')}`
              : ''
            : typeof p.rent_yuan_m2_month === 'number'
              ? `${formatNumber(p.rent_yuan_m2_month)} ${t('u_yuan_m2_month')}`
              : '';
          return h(
            'li',
            { class: 'office-site', 'data-id': id, 'data-code': String(p.code ?? '') },
            h('div', { class: 'office-site-main' }, h('strong', {}, String(p.name || p.code || id)), h('span', { class: 'muted' }, ` ${String(p.code ?? '')}`), h('div', { class: 'muted office-site-meta' }, [plots ? label('st', p.status) : label('fs', p.status), figure].filter(Boolean).join(' · '))),
            h('button', { class: 'card-action', type: 'button', 'data-testid': `sites-open-${String(p.code ?? id)}`, onclick: () => void this.siteForm.open(layer.value as LayerName, id) }, editable ? t('office_edit') : t('office_view')),
          );
        }),
      );
    };

    const load = () => {
      const request = ++loading;
      const body: Record<string, unknown> = { layer: layer.value, limit: 1000, skipGeometry: true, properties: 'code,name,status,park,price_wan_per_mu,rent_yuan_m2_month' };
      // The search takes one park: an officer's several parks are searched one by one.
      const parks = park.value ? [park.value] : officer ? own.map((p) => p.code) : [null];
      count.textContent = t('loading');
      Promise.all(parks.map((code) => search(code ? { ...body, park: code } : body)))
        .then((answers) => {
          if (request !== loading) return;
          features = answers.flatMap((a) => a.features);
          render();
        })
        .catch((e: unknown) => {
          if (request === loading) count.textContent = t('office_load_failed', { msg: serverMessage(e) });
        });
    };
    layer.addEventListener('change', load);
    park.addEventListener('change', load);
    query.addEventListener('input', debounce(render, 150));
    this.reloadSites = load;
    load();
    return h('div', { class: 'office-sites-tab' }, h('div', { class: 'office-row' }, layer, park, query), count, list);
  }
}

/** The top-bar button that opens the back office, for anyone signed in. */
export function officeControl(session: OfficerSession, office: BackOffice): HTMLElement {
  const el = h('div', { class: 'promoter-tools office-tools', 'data-testid': 'office-tools' });
  const render = () => {
    el.hidden = !session.info;
    replaceChildren(el, session.info ? h('button', { class: 'signin-button', type: 'button', 'data-testid': 'office-open', onclick: () => office.open() }, t('office_open')) : null);
  };
  session.onChange(render);
  onLangChange(render);
  render();
  return el;
}

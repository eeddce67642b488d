// The feature card: every attribute of the selected plot or factory with its
// unit, the standard-land indicators, utilities, the status history and the
// panorama section (a hook for the site-visit feature to come).

import { fetchHistory, fetchVersionedFeature } from './api';
import { h, replaceChildren } from './dom';
import { between, connected, dateTime, percent, withUnit } from './format';
import { getLang, isKey, label, onLangChange, t, type StringKey } from './i18n';
import { leadSection } from './leads';
import { editSection, type EditSection, type OfficerSession } from './officer';
import { FACTORY_COLOURS, STATUS_COLOURS } from './palette';
import { policySection } from './policy';
import type { Selection, Store } from './state';
import type { Feature, HistoryEntry, LayerName, ParkSummary, Properties } from './types';

/** A panorama the card can show; the panorama feature supplies them. */
export interface Panorama {
  thumbnail: string;
  title?: string;
}

/**
 * Hook for the site-visit (云看地) feature: supply panoramas for a feature and
 * what "start site visit" does. Until one is registered the section is empty
 * and the button disabled.
 */
export interface PanoramaProvider {
  panoramas(selection: Selection, feature: Feature): Panorama[] | Promise<Panorama[]>;
  startVisit(selection: Selection, feature: Feature): void;
}

let panoramaProvider: PanoramaProvider | null = null;

export function setPanoramaProvider(provider: PanoramaProvider | null): void {
  panoramaProvider = provider;
}

type Row = [StringKey, string];

/** Properties shown in named sections; everything else goes to "other attributes". */
const KNOWN = new Set([
  'id', 'code', 'name', 'park', 'status', 'land_use', 'area_m2', 'area_mu', 'price_wan_per_mu',
  'plot_ratio_min', 'plot_ratio_max', 'building_density_max', 'green_ratio_max', 'height_limit_m',
  'investment_intensity_wan_per_mu', 'tax_per_mu_wan', 'energy_per_mu_tce_max', 'power_kva', 'water', 'gas', 'steam',
  'floors', 'total_area_m2', 'available_area_m2', 'clear_height_m', 'floor_load_kn_m2', 'crane_t',
  'rent_yuan_m2_month', 'version', 'updated_at', 'distance_m',
]);

export class FeatureCard {
  readonly el: HTMLElement;
  private readonly body = h('div', { class: 'card-body' });
  private selection: Selection | null = null;
  private feature: Feature | null = null;
  private etag = '';
  /** The officer's edit section, kept across redraws of the same feature so a draft survives live changes. */
  private edit: { key: string; lang: string; section: EditSection } | null = null;
  private history: HistoryEntry[] | null = null;
  private error: string | null = null;
  private parks = new Map<string, string>();
  private request = 0;
  private advice: { key: string; sections: HTMLElement[] } | null = null;
  /** Opens the attribute form (编辑属性) of a site. */
  private attributeEditor: ((layer: LayerName, id: number) => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly onFlyTo: (feature: Feature) => void,
    private readonly session: OfficerSession | null = null,
  ) {
    session?.onChange(() => this.render());
    this.el = h('aside', { class: 'card', 'data-testid': 'feature-card', hidden: true, tabindex: -1, 'aria-live': 'polite' }, this.body);
    store.subscribe((state, change) => {
      if (change.selected) void this.open(state.selected);
    });
    onLangChange(() => this.render());
    if (store.state.selected) void this.open(store.state.selected);
  }

  setParks(parks: ParkSummary[]): void {
    this.parks = new Map(parks.map((p) => [p.code, p.name]));
    this.render();
  }

  /** Whether a change notice concerns the open card. */
  shows(layer: string | undefined, id: number | undefined): boolean {
    return this.selection !== null && (layer === undefined || (layer === this.selection.layer && (id === undefined || id === this.selection.id)));
  }

  /** Loads the open feature again (after a live change). */
  /** Offers "编辑属性" on the card to those who may edit the site, opening it with `open`. */
  setAttributeEditor(open: (layer: LayerName, id: number) => void): void {
    this.attributeEditor = open;
    this.render();
  }

  refresh(): void {
    if (this.selection) void this.open(this.selection, true);
  }

  private async open(selection: Selection | null, quiet = false): Promise<void> {
    const ticket = ++this.request;
    this.selection = selection;
    if (!selection) {
      this.feature = null;
      this.el.hidden = true;
      return;
    }
    if (!quiet) {
      this.edit = null;
      this.feature = null;
      this.history = null;
      this.advice = null;
    }
    this.error = null;
    this.el.hidden = false;
    this.render();
    try {
      const [{ feature, etag }, history] = await Promise.all([
        fetchVersionedFeature(selection.layer, selection.id),
        fetchHistory(selection.layer, selection.id).catch(() => null),
      ]);
      if (ticket !== this.request) return;
      this.feature = feature;
      this.etag = etag;
      this.history = history;
    } catch (e) {
      if (ticket !== this.request) return;
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.render();
  }

  private close(): void {
    this.store.update({ selected: null });
  }

  private render(): void {
    if (!this.selection) return;
    const close = h('button', { class: 'card-close', type: 'button', 'aria-label': t('cardClose'), title: t('cardClose'), 'data-testid': 'card-close', onclick: () => this.close() }, '×');
    if (this.error) {
      replaceChildren(this.body, close, h('p', { class: 'card-message error' }, t('cardLoadFailed', { msg: this.error })));
      return;
    }
    if (!this.feature) {
      replaceChildren(this.body, close, h('p', { class: 'card-message' }, t('cardLoading')));
      return;
    }
    const p = this.feature.properties;
    const plots = this.selection.layer === 'plots';
    // Sections kept across redraws (an officer's draft, the lead form) keep the focus too.
    const focused = document.activeElement;
    replaceChildren(
      this.body,
      close,
      this.header(p, plots),
      this.keyFigures(p, plots),
      ...(plots ? this.plotSections(p) : this.factorySections(p)),
      ...this.adviceSections(p),
      this.otherSection(p),
      this.editSection(),
      this.historySection(plots),
      this.panoramaSection(),
      h('p', { class: 'card-footer' }, t('cardUpdated', { at: dateTime(p.updated_at) }), p.version !== undefined ? ` · v${String(p.version)}` : ''),
    );
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.body.contains(focused)) focused.focus({ preventScroll: true });
  }

  private header(p: Properties, plots: boolean): HTMLElement {
    const colour = plots ? STATUS_COLOURS[p.status as keyof typeof STATUS_COLOURS] : FACTORY_COLOURS[p.status as keyof typeof FACTORY_COLOURS];
    const share = h('button', { class: 'card-action', type: 'button', 'data-testid': 'card-share' }, t('share'));
    share.addEventListener('click', () => {
      void navigator.clipboard?.writeText(location.href).then(() => {
        share.textContent = t('shareDone');
      });
    });
    return h(
      'header',
      { class: 'card-header' },
      h('span', { class: 'tag', style: `background:${colour ?? '#999'}`, 'data-testid': 'card-status' }, plots ? label('st', p.status) : label('fs', p.status)),
      h('h2', { class: 'card-title' }, String(p.name || p.code || '')),
      h('div', { class: 'card-subtitle' }, String(p.code ?? ''), p.park ? ` · ${this.parkName(p.park)}` : ''),
      h(
        'div',
        { class: 'card-actions' },
        h('button', { class: 'card-action', type: 'button', onclick: () => this.feature && this.onFlyTo(this.feature) }, t('flyTo')),
        share,
        this.editAttributesButton(p),
      ),
    );
  }

  /** "编辑属性", for officers of the site's park and admins. */
  private editAttributesButton(p: Properties): HTMLElement | null {
    const selection = this.selection;
    const open = this.attributeEditor;
    const info = this.session?.info;
    if (!selection || !open || !info || info.role === 'promoter' || !this.session?.mayEdit(p.park)) return null;
    return h('button', { class: 'card-action', type: 'button', 'data-testid': 'card-edit-attrs', onclick: () => open(selection.layer, selection.id) }, t('card_edit_attrs'));
  }

  /** Officer mode: the status form, for those who may edit this feature. */
  private editSection(): HTMLElement | null {
    if (!this.session || !this.selection || !this.feature) return null;
    const selection = this.selection;
    const current = { feature: this.feature, etag: this.etag };
    const key = `${selection.layer}/${selection.id}/${this.session.info?.name ?? ''}/${this.session.info?.role ?? ''}`;
    const lang = getLang();
    if (this.edit?.key === key && this.edit.lang === lang) {
      this.edit.section.update(current);
      return this.edit.section.el;
    }
    // A language switch redraws the form with the draft as it was.
    const previous = this.edit?.key === key ? this.edit.section.state : undefined;
    const section = editSection(
      this.session,
      selection.layer,
      current,
      () => {
        // Reload for the new history entry; the form already shows the new values.
        if (this.selection === selection) void this.open(selection, true);
      },
      previous,
    );
    if (previous) section?.update(current);
    this.edit = section ? { key, lang, section } : null;
    return section?.el ?? null;
  }

  /**
   * The policy calculator and the lead form. Kept across redraws of the same
   * feature (a live refresh, a sign-in) so what the investor typed stays.
   */
  private adviceSections(p: Properties): HTMLElement[] {
    if (!this.selection) return [];
    const key = `${this.selection.layer}/${this.selection.id}/${getLang()}/${String(p.park ?? '')}`;
    if (this.advice?.key !== key) {
      const park = typeof p.park === 'string' && p.park ? p.park : null;
      this.advice = { key, sections: [policySection(this.selection, park), leadSection(this.selection)] };
    }
    return this.advice.sections;
  }

  private parkName(code: unknown): string {
    return this.parks.get(String(code)) ?? String(code);
  }

  /** The three numbers an investor looks at first. */
  private keyFigures(p: Properties, plots: boolean): HTMLElement {
    const figure = (value: string, caption: StringKey) => h('div', { class: 'figure' }, h('div', { class: 'figure-value' }, value), h('div', { class: 'figure-caption' }, t(caption)));
    const figures = plots
      ? [figure(withUnit(p.area_mu, 'u_mu', 1), 'f_area'), figure(withUnit(p.price_wan_per_mu, 'u_wan_per_mu', 1), 'f_price_wan_per_mu'), figure(label('lu', p.land_use), 'f_land_use')]
      : [figure(withUnit(p.available_area_m2, 'u_m2', 0), 'f_available_area_m2'), figure(withUnit(p.clear_height_m, 'u_m', 1), 'f_clear_height_m'), figure(withUnit(p.rent_yuan_m2_month, 'u_yuan_m2_month', 1), 'f_rent_yuan_m2_month')];
    return h('div', { class: 'figures' }, ...figures);
  }

  private table(title: StringKey, rows: Row[], testId?: string): HTMLElement {
    return h(
      'section',
      { class: 'card-section', 'data-testid': testId },
      h('h3', {}, t(title)),
      h('dl', { class: 'attrs' }, ...rows.flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])),
    );
  }

  private plotSections(p: Properties): HTMLElement[] {
    const area = t('areaBoth', { mu: withUnit(p.area_mu, 'u_mu'), m2: withUnit(p.area_m2, 'u_m2', 0) });
    return [
      this.table('cardBasic', [
        ['f_code', String(p.code ?? t('unknown'))],
        ['f_name', String(p.name || t('unknown'))],
        ['f_park', p.park ? this.parkName(p.park) : t('unknown')],
        ['f_status', label('st', p.status)],
        ['f_land_use', label('lu', p.land_use)],
        ['f_area', area],
        ['f_price_wan_per_mu', withUnit(p.price_wan_per_mu, 'u_wan_per_mu')],
      ], 'card-basic'),
      this.table('cardStandardLand', [
        ['f_plot_ratio', between(p.plot_ratio_min, p.plot_ratio_max)],
        ['f_building_density_max', percent(p.building_density_max)],
        ['f_green_ratio_max', percent(p.green_ratio_max)],
        ['f_height_limit_m', withUnit(p.height_limit_m, 'u_m')],
        ['f_investment_intensity_wan_per_mu', withUnit(p.investment_intensity_wan_per_mu, 'u_wan_per_mu')],
        ['f_tax_per_mu_wan', withUnit(p.tax_per_mu_wan, 'u_wan_per_mu') + (typeof p.tax_per_mu_wan === 'number' ? t('perYear') : '')],
        ['comp_f_energy', withUnit(p.energy_per_mu_tce_max, 'comp_u_energy_per_mu')],
      ], 'card-standard-land'),
      this.utilities(p),
    ];
  }

  private utilities(p: Properties): HTMLElement {
    const badge = (key: StringKey, value: unknown) =>
      h('span', { class: `utility ${value === true ? 'on' : value === false ? 'off' : 'unknown'}` }, t(key), h('small', {}, connected(value)));
    return h(
      'section',
      { class: 'card-section', 'data-testid': 'card-utilities' },
      h('h3', {}, t('cardUtilities')),
      h('dl', { class: 'attrs' }, h('dt', {}, t('f_power_kva')), h('dd', {}, withUnit(p.power_kva, 'u_kva', 0))),
      h('div', { class: 'utilities' }, badge('f_water', p.water), badge('f_gas', p.gas), badge('f_steam', p.steam)),
    );
  }

  private factorySections(p: Properties): HTMLElement[] {
    return [
      this.table('cardBasic', [
        ['f_code', String(p.code ?? t('unknown'))],
        ['f_name', String(p.name || t('unknown'))],
        ['f_park', p.park ? this.parkName(p.park) : t('unknown')],
        ['f_status', label('fs', p.status)],
      ], 'card-basic'),
      this.table('cardBuilding', [
        ['f_floors', withUnit(p.floors, 'u_floors', 0)],
        ['f_total_area_m2', withUnit(p.total_area_m2, 'u_m2', 0)],
        ['f_available_area_m2', withUnit(p.available_area_m2, 'u_m2', 0)],
        ['f_clear_height_m', withUnit(p.clear_height_m, 'u_m')],
        ['f_floor_load_kn_m2', withUnit(p.floor_load_kn_m2, 'u_kn_m2')],
        ['f_crane_t', p.crane_t === 0 ? t('none') : withUnit(p.crane_t, 'u_t')],
        ['f_rent_yuan_m2_month', withUnit(p.rent_yuan_m2_month, 'u_yuan_m2_month')],
      ], 'card-building'),
    ];
  }

  /** Attributes the model does not know, kept by the server as given. */
  private otherSection(p: Properties): HTMLElement | null {
    const extras = Object.entries(p).filter(([k, v]) => !KNOWN.has(k) && v !== null && v !== undefined);
    if (!extras.length) return null;
    const show = (v: unknown) => (Array.isArray(v) ? v.join('、') : typeof v === 'object' ? JSON.stringify(v) : String(v));
    return h(
      'section',
      { class: 'card-section' },
      h('h3', {}, t('cardOther')),
      h('dl', { class: 'attrs' }, ...extras.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, show(v))])),
    );
  }

  /** What one change did: a status move, or the fields it changed (a factory's rent). */
  private change(e: HistoryEntry, plots: boolean): (HTMLElement | string)[] {
    const status = (v: unknown) => (plots ? label('st', v) : label('fs', v));
    if (e.new_status) return [e.old_status ? `${status(e.old_status)} → ` : '', h('strong', {}, status(e.new_status))];
    return Object.entries(e.new_values ?? {}).map(([k, v]) => {
      const name = `f_${k}`;
      return h('div', {}, t('fieldChange', { field: isKey(name) ? t(name) : k, old: String(e.old_values?.[k] ?? t('unknown')) }), h('strong', {}, String(v)));
    });
  }

  private historySection(plots: boolean): HTMLElement {
    const entries = this.history ?? [];
    return h(
      'section',
      { class: 'card-section', 'data-testid': 'card-history' },
      h('h3', {}, t('cardHistory')),
      entries.length
        ? h(
            'ol',
            { class: 'timeline' },
            ...entries.map((e) =>
              h(
                'li',
                {},
                h('div', { class: 'timeline-when' }, dateTime(e.at)),
                h('div', { class: 'timeline-what' }, ...this.change(e, plots)),
                h('div', { class: 'timeline-who' }, t('hist_by', { actor: e.actor }), e.note ? ` · ${e.note}` : ''),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('noHistory')),
    );
  }

  private panoramaSection(): HTMLElement {
    const thumbs = h('div', { class: 'panorama-thumbs', 'data-testid': 'panorama-thumbs' }, h('p', { class: 'muted' }, t('panoramaEmpty')));
    // A quiet, disabled button until the site has scenes; the tooltip says why.
    const start = h('button', { class: 'card-action visit-button', type: 'button', disabled: true, title: t('startVisitTitle'), 'data-testid': 'start-visit' }, t('startVisit'));
    const provider = panoramaProvider;
    const selection = this.selection;
    const feature = this.feature;
    if (provider && selection && feature) {
      start.title = t('panoNone');
      start.addEventListener('click', () => provider.startVisit(selection, feature));
      void Promise.resolve(provider.panoramas(selection, feature)).then((list) => {
        if (!list.length) return;
        replaceChildren(thumbs, ...list.map((p) => h('img', { src: p.thumbnail, alt: p.title ?? '', loading: 'lazy' })));
        start.removeAttribute('disabled');
        start.removeAttribute('title');
        start.className = 'primary-button';
      });
    }
    return h('section', { class: 'card-section panorama' }, h('h3', {}, t('cardPanorama')), thumbs, start);
  }
}

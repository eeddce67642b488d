// The feature card: every attribute of the selected plot or factory with its
// unit, the standard-land indicators, utilities, the status history and the
// panorama section (a hook for the site-visit feature to come).

import { fetchHistory, fetchVersionedFeature } from './api';
import { cardButtons } from './compare';
import { h, replaceChildren } from './dom';
import { between, dateTime, percent, withUnit } from './format';
import { getLang, isKey, label, onLangChange, t, type StringKey } from './i18n';
import { leadSection } from './leads';
import { editSection, type EditSection, type OfficerSession } from './officer';
import { FACTORY_COLOURS, STATUS_COLOURS } from './palette';
import { policySection } from './policy';
import { choiceLabel, fieldLabel, formatValue, layerSpec, sectionLabel, type FieldSpec } from './schema';
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

/** Properties shown in named sections; everything else goes to "other attributes". */
const KNOWN = new Set([
  'id', 'code', 'name', 'park', 'status', 'land_use', 'area_m2', 'area_mu', 'price_wan_per_mu',
  'plot_ratio_min', 'plot_ratio_max', 'building_density_max', 'green_ratio_max', 'height_limit_m',
  'investment_intensity_wan_per_mu', 'tax_per_mu_wan', 'power_kva', 'water', 'gas', 'steam',
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
      else if (change.compare) this.render();
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
    // A park has its own card (园区名片, parkCard.ts) in the same place.
    if (selection?.layer === 'parks') selection = null;
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
      ...this.schemaSections(this.selection.layer, p),
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
        ...(this.selection ? cardButtons(this.store, this.selection, String(p.code ?? this.selection.id)) : []),
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
    const kind = layerSpec('offices')?.fields.find((f) => f.name === 'kind');
    const figures = plots
      ? [figure(withUnit(p.area_mu, 'u_mu', 1), 'f_area'), figure(withUnit(p.price_wan_per_mu, 'u_wan_per_mu', 1), 'f_price_wan_per_mu'), figure(label('lu', p.land_use), 'f_land_use')]
      : this.selection?.layer === 'offices'
        ? [figure(withUnit(p.available_area_m2, 'u_m2', 0), 'f_available_area_m2'), figure(withUnit(p.rent_yuan_m2_month, 'u_yuan_m2_month', 1), 'f_rent_yuan_m2_month'), figure(kind ? choiceLabel(kind, String(p.kind ?? '')) : String(p.kind ?? ''), 'f_office_kind')]
        : [figure(withUnit(p.available_area_m2, 'u_m2', 0), 'f_available_area_m2'), figure(withUnit(p.clear_height_m, 'u_m', 1), 'f_clear_height_m'), figure(withUnit(p.rent_yuan_m2_month, 'u_yuan_m2_month', 1), 'f_rent_yuan_m2_month')];
    return h('div', { class: 'figures' }, ...figures);
  }

  /**
   * The layer's card sections as its schema lists them (概况, 规划指标, 供地条件 …),
   * each with the fields the site has; a section with none is left out.
   */
  private schemaSections(layer: LayerName, p: Properties): HTMLElement[] {
    const spec = layerSpec(layer);
    if (!spec) return [];
    const out: HTMLElement[] = [];
    for (const section of spec.sections) {
      const rows: [string, string][] = [];
      if (section.id === 'overview') rows.push([t('f_code'), String(p.code ?? t('unknown'))]);
      for (const field of spec.fields) {
        if (field.section !== section.id || !field.public) continue;
        const shown = this.display(layer, field, p);
        if (shown !== null) rows.push(shown);
      }
      if (rows.length > (section.id === 'overview' ? 1 : 0)) {
        out.push(
          h(
            'section',
            // The overview keeps the test id it always had.
            { class: 'card-section', 'data-testid': section.id === 'overview' ? 'card-basic' : `card-${section.id}` },
            h('h3', {}, sectionLabel(section)),
            h('dl', { class: 'attrs' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
          ),
        );
      }
    }
    return out;
  }

  /** One row of a card section, or `null` when the site has no value (or another row shows it). */
  private display(layer: LayerName, field: FieldSpec, p: Properties): [string, string] | null {
    const value = p[field.name];
    switch (field.name) {
      case 'area_mu':
      case 'plot_ratio_max':
        return null; // shown with area_m2 and plot_ratio_min
      case 'area_m2':
        return value === undefined ? null : [t('f_area'), t('areaBoth', { mu: withUnit(p.area_mu, 'u_mu'), m2: withUnit(value, 'u_m2', 0) })];
      case 'plot_ratio_min':
        return value === undefined && p.plot_ratio_max === undefined ? null : [t('f_plot_ratio'), between(value, p.plot_ratio_max)];
      case 'park':
        return value ? [fieldLabel(field), this.parkName(value)] : null;
      case 'status':
        return [fieldLabel(field), layer === 'plots' ? label('st', value) : label('fs', value)];
      case 'land_use':
        return [fieldLabel(field), label('lu', value)];
      case 'building_density_max':
      case 'green_ratio_max':
        return value === undefined ? null : [fieldLabel(field), percent(value)];
      case 'crane_t':
        return value === 0 ? [fieldLabel(field), t('none')] : this.plain(field, value);
      case 'price_wan_per_mu':
      case 'starting_price_wan_per_mu':
      case 'benchmark_price_wan_per_mu':
      case 'investment_intensity_wan_per_mu':
        return value === undefined ? null : [fieldLabel(field), withUnit(value, 'u_wan_per_mu')];
      default:
        return this.plain(field, value);
    }
  }

  private plain(field: FieldSpec, value: unknown): [string, string] | null {
    const shown = formatValue(field, value);
    return shown === null ? null : [fieldLabel(field), shown];
  }

  /** Attributes the model does not know, kept by the server as given. */
  private otherSection(p: Properties): HTMLElement | null {
    const declared = new Set(layerSpec(this.selection?.layer ?? '')?.fields.map((f) => f.name));
    const extras = Object.entries(p).filter(([k, v]) => !KNOWN.has(k) && !declared.has(k) && v !== null && v !== undefined);
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

// The park card (园区名片), in the place of the site card: what the park is
// (level, district, area, industries and chains), its key figures, resident
// enterprises with the chain leaders, services and the officer to call,
// amenities, its carriers at a glance with a way into the search, its
// panoramas and tours, and its incentive rules in a line each. Everything comes
// from `GET /api/parks/{id}/profile`, worked out live by the server.

import { ApiError, fetchFeature } from './api';
import { h, replaceChildren } from './dom';
import { money, percent, withUnit } from './format';
import { formatNumber, getLang, isKey, label, onLangChange, t, type StringKey } from './i18n';
import { industryLabel } from './match';
import { PARK_COLOURS } from './palette';
import type { Scene } from './panorama/api';
import { emptyFilters, type Selection, type Store } from './state';
import type { Feature } from './types';

interface Range {
  min: number;
  max: number;
}

interface Enterprise {
  name: string;
  industry?: string;
  output_yi?: number;
  leading?: boolean;
}

interface Amenity {
  kind: string;
  name: string;
  distance_km?: number;
}

/** `GET /api/parks/{id}/profile` (server/src/routes/park_profile.rs). */
export interface ParkProfile {
  id: number;
  code: string;
  park: {
    name: string;
    level?: string;
    district?: string;
    area_km2?: number;
    industries?: string[];
    industry_chains?: string[];
    enterprises?: Enterprise[];
    enterprise_count?: number;
    output_value_yi?: number;
    services?: string[];
    contact?: { name: string; phone: string };
    amenities?: Amenity[];
  };
  carriers: {
    plots: { available: number; total_area_mu: number; area_mu: Range | null; price_wan_per_mu: Range | null };
    factories: { with_space: number; available_area_m2: Range | null; rent_yuan_m2_month: Range | null };
  };
  occupancy: { rate: number | null; land_rate: number | null; floor_rate: number | null };
  panoramas: Scene[];
  tours: { id: number; title: string; stops: number; stops_in_park: number; scenes: Scene[] }[];
  policy: { id: string; name: string; kind: string; summary: string; source: string | null; terms: Record<string, unknown> }[];
}

async function fetchParkProfile(id: number): Promise<ParkProfile> {
  const r = await fetch(`api/parks/${id}/profile`, { cache: 'no-cache', headers: { Accept: 'application/json' } });
  const body = (await r.json().catch(() => null)) as (ParkProfile & { error?: string; message?: string }) | null;
  if (!r.ok || !body) throw new ApiError(r.status, body?.message ?? r.statusText, body?.error);
  return body;
}

const range = (r: Range | null, unit: StringKey, digits = 1): string => {
  if (!r) return t('unknown');
  return r.min === r.max ? withUnit(r.min, unit, digits) : `${withUnit(r.min, null, digits)} – ${withUnit(r.max, unit, digits)}`;
};

const yi = (v: number | undefined): string => (typeof v === 'number' ? (getLang() === 'zh' ? `${formatNumber(v, 1)} 亿元` : money(v * 10_000)) : t('unknown'));

/** An incentive rule in English, from its terms; Chinese readers get the server's line. */
function ruleLine(line: ParkProfile['policy'][number]): string {
  if (getLang() === 'zh') return line.summary;
  const n = (v: unknown) => formatNumber(Number(v));
  const x = line.terms;
  const steps = Array.isArray(x.steps) ? (x.steps as Record<string, unknown>[]) : [];
  let text: string;
  switch (line.kind) {
    case 'land_price_discount':
      text = steps.map((s) => `investment intensity ≥ ${money(Number(s.min_investment_intensity_wan_per_mu))}/mu: ${n(s.discount_pct)}% off the land price`).join('; ');
      break;
    case 'rent_free_months':
      text = steps.map((s) => `tax per mu ≥ ${money(Number(s.min_tax_per_mu_wan))}: ${n(s.months)} months rent-free`).join('; ');
      break;
    case 'per_job_subsidy':
      text = `CNY ${n(x.yuan_per_job)} per new job`;
      break;
    case 'investment_share':
      text = `${n(x.share_pct)}% of an investment of at least ${money(Number(x.min_investment_wan ?? 0))}`;
      break;
    case 'tax_reward':
      text = `${n(x.share_pct)}% of the yearly tax for ${n(x.years)} years, from ${money(Number(x.min_tax_per_mu_wan ?? 0))}/mu of tax`;
      break;
    case 'equipment_subsidy':
      text = `${n(x.share_pct)}% of equipment bought, from ${money(Number(x.min_equipment_wan ?? 0))}`;
      break;
    default:
      return line.summary;
  }
  if (typeof x.cap_wan === 'number') text += `; capped at ${money(x.cap_wan)}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export class ParkCard {
  readonly el: HTMLElement;
  private readonly body = h('div', { class: 'card-body' });
  private selection: Selection | null = null;
  private profile: ParkProfile | null = null;
  private feature: Feature | null = null;
  private error: string | null = null;
  private request = 0;

  constructor(
    private readonly store: Store,
    private readonly onFlyTo: (feature: Feature) => void,
  ) {
    this.el = h('aside', { class: 'card park_card', 'data-testid': 'park_card', hidden: true, tabindex: -1, 'aria-live': 'polite' }, this.body);
    store.subscribe((state, change) => {
      if (change.selected) void this.open(state.selected);
    });
    onLangChange(() => this.render());
    if (store.state.selected) void this.open(store.state.selected);
  }

  /** Loads the open park again (its figures are live). */
  refresh(): void {
    if (this.selection) void this.open(this.selection, true);
  }

  private async open(selection: Selection | null, quiet = false): Promise<void> {
    const ticket = ++this.request;
    this.selection = selection?.layer === 'parks' ? selection : null;
    if (!this.selection) {
      this.el.hidden = true;
      return;
    }
    const id = this.selection.id;
    if (!quiet) {
      this.profile = null;
      this.feature = null;
    }
    this.error = null;
    this.el.hidden = false;
    this.render();
    try {
      const [profile, feature] = await Promise.all([fetchParkProfile(id), fetchFeature('parks', id).catch(() => null)]);
      if (ticket !== this.request) return;
      this.profile = profile;
      this.feature = feature;
    } catch (e) {
      if (ticket !== this.request) return;
      this.error = e instanceof Error ? e.message : String(e);
    }
    this.render();
  }

  private render(): void {
    if (!this.selection) return;
    const close = h('button', { class: 'card-close', type: 'button', 'aria-label': t('cardClose'), title: t('cardClose'), 'data-testid': 'park_card_close', onclick: () => this.store.update({ selected: null }) }, '×');
    if (this.error) {
      replaceChildren(this.body, close, h('p', { class: 'card-message error' }, t('park_load_failed', { msg: this.error })));
      return;
    }
    const p = this.profile;
    if (!p) {
      replaceChildren(this.body, close, h('p', { class: 'card-message' }, t('cardLoading')));
      return;
    }
    replaceChildren(
      this.body,
      close,
      this.header(p),
      this.figures(p),
      this.industries(p),
      this.carriers(p),
      this.enterprises(p),
      this.services(p),
      this.amenities(p),
      this.media(p),
      this.policy(p),
    );
  }

  private header(p: ParkProfile): HTMLElement {
    const level = p.park.level;
    const colour = level ? PARK_COLOURS[level as keyof typeof PARK_COLOURS] : undefined;
    const facts = [p.park.district, typeof p.park.area_km2 === 'number' ? t('park_area', { km2: formatNumber(p.park.area_km2, 2) }) : null].filter(Boolean).join(' · ');
    const feature = this.feature;
    return h(
      'header',
      { class: 'card-header' },
      h('span', { class: 'tag park_kind', style: `background:${colour ?? '#5c7080'}` }, t('park_kind'), level ? ` · ${label('lv', level)}` : ''),
      h('h2', { class: 'card-title', 'data-testid': 'park_name' }, p.park.name || p.code),
      h('div', { class: 'card-subtitle', 'data-testid': 'park_facts' }, `${p.code}${facts ? ` · ${facts}` : ''}`),
      feature ? h('div', { class: 'card-actions' }, h('button', { class: 'card-action', type: 'button', onclick: () => this.onFlyTo(feature) }, t('flyTo'))) : null,
    );
  }

  private figures(p: ParkProfile): HTMLElement {
    const figure = (value: string, caption: StringKey, testId: string) =>
      h('div', { class: 'figure' }, h('div', { class: 'figure-value', 'data-testid': testId }, value), h('div', { class: 'figure-caption' }, t(caption)));
    const count = p.park.enterprise_count;
    return h(
      'div',
      { class: 'figures', 'data-testid': 'park_figures' },
      figure(typeof count === 'number' ? t('park_count', { n: formatNumber(count, 0) }) : t('unknown'), 'park_enterprise_count', 'park_fig_enterprises'),
      figure(yi(p.park.output_value_yi), 'park_output', 'park_fig_output'),
      figure(percent(p.occupancy.rate), 'park_occupancy', 'park_fig_occupancy'),
    );
  }

  private tagSection(title: StringKey, values: string[], testId: string, kind: string): HTMLElement | null {
    if (!values.length) return null;
    return h('div', { class: 'park_tag_row', 'data-testid': testId }, h('span', { class: 'park_tag_title' }, t(title)), ...values.map((v) => h('span', { class: `tag tag-plain park_tag park_tag_${kind}` }, v)));
  }

  private industries(p: ParkProfile): HTMLElement {
    return h(
      'section',
      { class: 'card-section park_industries' },
      this.tagSection('park_industries', (p.park.industries ?? []).map(industryLabel), 'park_industries', 'industry'),
      this.tagSection('park_chains', p.park.industry_chains ?? [], 'park_chains', 'chain'),
    );
  }

  private carriers(p: ParkProfile): HTMLElement {
    const { plots, factories } = p.carriers;
    const show = (tab: 'plots' | 'factories') => {
      const filters = { ...emptyFilters(), park: p.code, ...(tab === 'plots' ? { status: ['available' as const] } : { factoryStatus: ['vacant' as const, 'partial' as const] }) };
      this.store.update({ selected: null, tab, spatial: null, filters });
      // On a phone the list is in the folded sheet: unfold it.
      if (window.matchMedia('(max-width: 720px)').matches && !document.body.classList.contains('panel-open')) {
        document.querySelector<HTMLButtonElement>('[data-testid=panel-toggle]')?.click();
      }
    };
    const row = (title: StringKey, lines: string[], button: HTMLElement | null, testId: string) =>
      h('div', { class: 'park_carrier', 'data-testid': testId }, h('div', { class: 'park_carrier_title' }, t(title)), ...lines.map((l) => h('div', { class: 'park_carrier_line' }, l)), button);
    const plotLines = plots.available
      ? [t('park_plots_count', { n: plots.available, mu: formatNumber(plots.total_area_mu, 1) }), `${t('park_area_range')}：${range(plots.area_mu, 'u_mu')}`, `${t('park_price_range')}：${range(plots.price_wan_per_mu, 'u_wan_per_mu')}`]
      : [t('park_plots_none')];
    const factoryLines = factories.with_space
      ? [t('park_factories_count', { n: factories.with_space }), `${t('park_space_range')}：${range(factories.available_area_m2, 'u_m2', 0)}`, `${t('park_rent_range')}：${range(factories.rent_yuan_m2_month, 'u_yuan_m2_month')}`]
      : [t('park_factories_none')];
    const button = (text: StringKey, tab: 'plots' | 'factories', testId: string) => h('button', { class: 'card-action park_show', type: 'button', 'data-testid': testId, onclick: () => show(tab) }, t(text));
    return h(
      'section',
      { class: 'card-section', 'data-testid': 'park_carriers' },
      h('h3', {}, t('park_carriers')),
      h(
        'div',
        { class: 'park_carriers' },
        row('park_plots', plotLines, plots.available ? button('park_show_plots', 'plots', 'park_show_plots') : null, 'park_carriers_plots'),
        row('park_factories', factoryLines, factories.with_space ? button('park_show_factories', 'factories', 'park_show_factories') : null, 'park_carriers_factories'),
      ),
      h('p', { class: 'muted park_occupancy_note' }, t('park_occupancy_note', { land: percent(p.occupancy.land_rate), floor: percent(p.occupancy.floor_rate) })),
    );
  }

  private enterprises(p: ParkProfile): HTMLElement | null {
    const list = p.park.enterprises ?? [];
    if (!list.length) return null;
    // Chain leaders first, then by output.
    const sorted = [...list].sort((a, b) => Number(Boolean(b.leading)) - Number(Boolean(a.leading)) || (b.output_yi ?? -1) - (a.output_yi ?? -1));
    return h(
      'section',
      { class: 'card-section' },
      h('h3', {}, t('park_enterprises')),
      h(
        'ul',
        { class: 'park_enterprises', 'data-testid': 'park_enterprises' },
        ...sorted.map((e) =>
          h(
            'li',
            { class: `park_enterprise${e.leading ? ' park_leading' : ''}`, 'data-testid': 'park_enterprise' },
            h('div', { class: 'park_enterprise_name' }, e.leading ? h('span', { class: 'tag park_leader_tag', 'data-testid': 'park_leader' }, t('park_leader')) : null, e.name),
            h('div', { class: 'park_enterprise_meta' }, [e.industry, typeof e.output_yi === 'number' ? t('park_output_of', { v: yi(e.output_yi) }) : null].filter(Boolean).join(' · ')),
          ),
        ),
      ),
    );
  }

  private services(p: ParkProfile): HTMLElement | null {
    const services = p.park.services ?? [];
    const contact = p.park.contact;
    if (!services.length && !contact) return null;
    return h(
      'section',
      { class: 'card-section', 'data-testid': 'park_services' },
      h('h3', {}, t('park_services')),
      services.length ? h('div', { class: 'park_tags' }, ...services.map((s) => h('span', { class: 'tag tag-plain park_tag park_tag_service' }, s))) : null,
      contact
        ? h(
            'div',
            { class: 'park_contact' },
            h('span', {}, t('park_contact', { name: contact.name })),
            h('a', { class: 'park_call', href: `tel:${contact.phone.replace(/[^\d+]/g, '')}`, 'data-testid': 'park_call' }, `☎ ${contact.phone}`),
          )
        : null,
    );
  }

  private amenities(p: ParkProfile): HTMLElement | null {
    const list = p.park.amenities ?? [];
    if (!list.length) return null;
    const kind = (k: string) => {
      const key = `park_amenity_${k}`;
      return isKey(key) ? t(key) : k;
    };
    return h(
      'section',
      { class: 'card-section' },
      h('h3', {}, t('park_amenities')),
      h(
        'ul',
        { class: 'park_amenities', 'data-testid': 'park_amenities' },
        ...list.map((a) =>
          h('li', {}, h('span', { class: 'tag tag-plain park_amenity_kind' }, kind(a.kind)), h('span', { class: 'park_amenity_name' }, a.name), typeof a.distance_km === 'number' ? h('span', { class: 'park_amenity_distance' }, withUnit(a.distance_km, 'park_km', 1)) : null),
        ),
      ),
    );
  }

  private media(p: ParkProfile): HTMLElement {
    const feature = this.feature;
    const visit = (scenes: Scene[], index = 0) => {
      if (!feature || !scenes.length) return;
      void import('./panorama/visit').then((v) => v.openVisit(scenes, feature, index));
    };
    const thumbs = p.panoramas.length
      ? h(
          'div',
          { class: 'panorama-thumbs park_thumbs', 'data-testid': 'park_panoramas' },
          ...p.panoramas.map((s, i) =>
            h('button', { class: 'park_thumb', type: 'button', title: s.title, 'aria-label': s.title || t('park_panorama'), 'data-testid': 'park_panorama', onclick: () => visit(p.panoramas, i) }, h('img', { src: s.thumbnail_url ?? '', alt: '', loading: 'lazy' })),
          ),
        )
      : h('p', { class: 'muted' }, t('park_no_panoramas'));
    const tours = p.tours.map((tour) =>
      h(
        'button',
        { class: 'card-action park_tour', type: 'button', 'data-testid': 'park_tour', onclick: () => visit(tour.scenes) },
        h('strong', {}, tour.title),
        h('small', {}, t('park_tour_stops', { n: tour.stops, inside: tour.stops_in_park })),
      ),
    );
    return h('section', { class: 'card-section' }, h('h3', {}, t('park_media')), thumbs, tours.length ? h('div', { class: 'park_tours' }, ...tours) : null);
  }

  private policy(p: ParkProfile): HTMLElement {
    return h(
      'section',
      { class: 'card-section', 'data-testid': 'park_policy' },
      h('h3', {}, t('park_policy')),
      p.policy.length
        ? h(
            'ul',
            { class: 'park_policy' },
            ...p.policy.map((line) =>
              h('li', { 'data-testid': 'park_policy_line' }, h('strong', {}, line.name), h('div', {}, ruleLine(line)), line.source ? h('small', { class: 'park_source' }, t('park_source', { source: line.source })) : null),
            ),
          )
        : h('p', { class: 'muted' }, t('pol_none')),
    );
  }
}

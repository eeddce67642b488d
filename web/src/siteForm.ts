// 编辑属性: every attribute of a plot or factory in one form, for officers of
// its park and admins (promoters see it read-only). It sends only what changed,
// with the version it was loaded at (If-Match) and a mandatory note, as the
// card's status form does. Values are checked here first, each next to its
// field; what the server still refuses (a 400 names the field) is shown there
// too. When someone else saved first, the form takes their version as the new
// base and keeps what was typed, so the officer checks and saves again.

import { ApiError, fetchVersionedFeature, patchFeature, StaleError, type VersionedFeature } from './api';
import { h, replaceChildren } from './dom';
import { label, serverMessage, t, type StringKey } from './i18n';
import { overlay } from './leads';
import type { OfficerSession } from './officer';
import { FACTORY_STATUSES, LAND_USES, type LayerName, type ParkSummary } from './types';

type Kind = 'text' | 'number' | 'positive' | 'integer' | 'ratio' | 'yesno' | 'park' | 'status' | 'land_use';

/** One editable attribute: its property, how it is typed and where it is shown. */
interface FieldSpec {
  name: string;
  kind: Kind;
  label: StringKey;
  unit?: StringKey;
}

interface Group {
  title: StringKey;
  fields: FieldSpec[];
}

const CONTACT: Group = { title: 'office_contact_group', fields: [{ name: 'contact', kind: 'text', label: 'f_contact' }] };

/** The plot's attributes as the card groups them. */
const PLOT_GROUPS: Group[] = [
  {
    title: 'cardBasic',
    fields: [
      { name: 'name', kind: 'text', label: 'f_name' },
      { name: 'park', kind: 'park', label: 'f_park' },
      { name: 'status', kind: 'status', label: 'f_status' },
      { name: 'land_use', kind: 'land_use', label: 'f_land_use' },
      { name: 'area_m2', kind: 'positive', label: 'f_area_m2', unit: 'u_m2' },
      { name: 'price_wan_per_mu', kind: 'number', label: 'f_price_wan_per_mu', unit: 'u_wan_per_mu' },
    ],
  },
  {
    title: 'cardStandardLand',
    fields: [
      { name: 'plot_ratio_min', kind: 'number', label: 'f_plot_ratio_min' },
      { name: 'plot_ratio_max', kind: 'number', label: 'f_plot_ratio_max' },
      { name: 'building_density_max', kind: 'ratio', label: 'f_building_density_max' },
      { name: 'green_ratio_max', kind: 'ratio', label: 'f_green_ratio_max' },
      { name: 'height_limit_m', kind: 'number', label: 'f_height_limit_m', unit: 'u_m' },
      { name: 'investment_intensity_wan_per_mu', kind: 'number', label: 'f_investment_intensity_wan_per_mu', unit: 'u_wan_per_mu' },
      { name: 'tax_per_mu_wan', kind: 'number', label: 'f_tax_per_mu_wan', unit: 'u_wan_per_mu' },
      { name: 'energy_per_mu_tce_max', kind: 'number', label: 'comp_f_energy', unit: 'comp_u_energy_per_mu' },
    ],
  },
  {
    title: 'cardUtilities',
    fields: [
      { name: 'power_kva', kind: 'number', label: 'f_power_kva', unit: 'u_kva' },
      { name: 'water', kind: 'yesno', label: 'f_water' },
      { name: 'gas', kind: 'yesno', label: 'f_gas' },
      { name: 'steam', kind: 'yesno', label: 'f_steam' },
    ],
  },
  CONTACT,
];

const FACTORY_GROUPS: Group[] = [
  {
    title: 'cardBasic',
    fields: [
      { name: 'name', kind: 'text', label: 'f_name' },
      { name: 'park', kind: 'park', label: 'f_park' },
      { name: 'status', kind: 'status', label: 'f_status' },
      { name: 'floors', kind: 'integer', label: 'f_floors', unit: 'u_floors' },
      { name: 'total_area_m2', kind: 'number', label: 'f_total_area_m2', unit: 'u_m2' },
      { name: 'available_area_m2', kind: 'number', label: 'f_available_area_m2', unit: 'u_m2' },
      { name: 'rent_yuan_m2_month', kind: 'number', label: 'f_rent_yuan_m2_month', unit: 'u_yuan_m2_month' },
    ],
  },
  {
    title: 'office_building_group',
    fields: [
      { name: 'clear_height_m', kind: 'number', label: 'f_clear_height_m', unit: 'u_m' },
      { name: 'floor_load_kn_m2', kind: 'number', label: 'f_floor_load_kn_m2', unit: 'u_kn_m2' },
      { name: 'crane_t', kind: 'number', label: 'f_crane_t', unit: 'u_t' },
    ],
  },
  CONTACT,
];

/** Longest contact text the server keeps. */
const CONTACT_MAX = 200;

type Control = HTMLInputElement | HTMLSelectElement;

/** A value as the API writes it; `undefined` for "not set". */
type Value = string | number | boolean | null | undefined;

/** The dialog with the attribute form; one per page, reused for each site. */
export class SiteForm {
  private readonly dialog = overlay('office_edit_title', 'site-form');
  private readonly content = h('div', { class: 'site-form-body' });
  private parks: ParkSummary[] = [];
  private request = 0;

  /** `onSaved` hears of every saved change (the card and the site list refresh). */
  constructor(
    private readonly session: OfficerSession,
    private readonly onSaved: (layer: LayerName, saved: VersionedFeature) => void,
  ) {
    this.dialog.body.append(this.content);
  }

  setParks(parks: ParkSummary[]): void {
    this.parks = parks;
  }

  /** Loads the site as it now is and shows its form. */
  async open(layer: LayerName, id: number): Promise<void> {
    const request = ++this.request;
    replaceChildren(this.content, h('p', { class: 'muted' }, t('loading')));
    this.dialog.open();
    try {
      const current = await fetchVersionedFeature(layer, id);
      if (request !== this.request) return;
      replaceChildren(this.content, this.form(layer, current));
    } catch (e) {
      if (request !== this.request) return;
      replaceChildren(this.content, h('p', { class: 'card-message error', role: 'alert' }, t('office_load_failed', { msg: serverMessage(e) })));
    }
  }

  private form(layer: LayerName, loaded: VersionedFeature): HTMLElement {
    let base = loaded;
    const info = this.session.info;
    const editable = !!info && info.role !== 'promoter' && this.session.mayEdit(base.feature.properties.park);
    const groups = layer === 'plots' ? PLOT_GROUPS : FACTORY_GROUPS;
    const controls = new Map<string, Control>();
    const errors = new Map<string, HTMLElement>();
    const heading = h('p', { class: 'site-form-title', 'data-testid': 'site-form-title' });
    const message = h('div', { class: 'edit-message', role: 'status', 'data-testid': 'site-form-message' });
    const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-testid': 'site-form-note', placeholder: t('editNoteHint') });
    const noteError = h('span', { class: 'field-error', 'data-testid': 'site-form-error-note' });
    const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'site-form-save' }, t('editSave'));

    const current = (name: string): Value => base.feature.properties[name] as Value;
    const showHeading = () => {
      const p = base.feature.properties;
      heading.textContent = `${label('layer', layer)} · ${String(p.code ?? '')} ${String(p.name ?? '')} · v${String(p.version ?? '')}`;
    };

    /** Puts the base's values into the controls (all, or only those not changed by hand). */
    const fill = (keepTyped: Set<string>) => {
      for (const group of groups) {
        for (const spec of group.fields) {
          const control = controls.get(spec.name);
          if (!control || keepTyped.has(spec.name)) continue;
          if (spec.kind === 'status' || spec.kind === 'park') fillOptions(spec, control as HTMLSelectElement);
          control.value = shown(spec, current(spec.name));
        }
      }
      showHeading();
    };

    const fillOptions = (spec: FieldSpec, select: HTMLSelectElement) => {
      const now = String(current(spec.name) ?? '');
      if (spec.kind === 'status') {
        const prefix = layer === 'plots' ? 'st' : 'fs';
        const targets = layer === 'plots' ? (info?.plot_transitions[now] ?? []) : FACTORY_STATUSES.filter((s) => s !== now);
        replaceChildren(select, h('option', { value: now }, label(prefix, now)), ...targets.map((s) => h('option', { value: s }, label(prefix, s))));
      } else {
        // An officer may only hand a site to one of their own parks.
        const allowed = this.parks.filter((p) => p.code === now || !info || info.all_parks || info.parks.includes(p.code));
        const known = allowed.some((p) => p.code === now);
        replaceChildren(
          select,
          !known ? h('option', { value: now }, now || t('unknown')) : null,
          ...allowed.map((p) => h('option', { value: p.code }, `${p.name} (${p.code})`)),
        );
      }
    };

    const sections = groups.map((group) =>
      h(
        'fieldset',
        { class: 'site-form-group' },
        h('legend', {}, t(group.title)),
        ...group.fields.map((spec) => {
          const control = makeControl(spec);
          control.disabled = !editable;
          const error = h('span', { class: 'field-error', 'data-testid': `site-form-error-${spec.name}` });
          controls.set(spec.name, control);
          errors.set(spec.name, error);
          control.addEventListener('input', () => {
            error.textContent = '';
            control.removeAttribute('aria-invalid');
          });
          const unit = spec.unit ? t(spec.unit) : spec.kind === 'ratio' ? t('office_ratio_unit') : '';
          const caption = unit ? t('office_with_unit', { label: t(spec.label), unit }) : t(spec.label);
          return h('label', { class: 'site-field' }, caption, control, error);
        }),
      ),
    );

    const setMessage = (kind: 'ok' | 'error', text: string) => {
      message.className = `edit-message ${kind}`;
      replaceChildren(message, h('p', {}, text));
    };
    const fieldError = (name: string, text: string) => {
      const error = name === 'note' ? noteError : errors.get(name);
      if (!error) return false;
      error.textContent = text;
      const control = name === 'note' ? note : controls.get(name);
      control?.setAttribute('aria-invalid', 'true');
      return true;
    };

    /** The changed values, or null when a value is refused (shown by its field). */
    const changes = (): Record<string, unknown> | null => {
      const body: Record<string, unknown> = {};
      let ok = true;
      for (const group of groups) {
        for (const spec of group.fields) {
          const control = controls.get(spec.name);
          if (!control) continue;
          const read = readValue(spec, control.value);
          if ('error' in read) {
            fieldError(spec.name, read.error);
            ok = false;
            continue;
          }
          // Unchanged is what the control showed: a measured area shown rounded is not a change.
          if (control.value.trim() !== shown(spec, current(spec.name))) body[spec.name] = read.value;
        }
      }
      // Checks across fields, as the model makes them.
      const value = (name: string) => {
        const v = name in body ? body[name] : current(name);
        return typeof v === 'number' ? v : null;
      };
      const pairs: [string, string, StringKey][] =
        layer === 'plots' ? [['plot_ratio_min', 'plot_ratio_max', 'office_err_min_max']] : [['available_area_m2', 'total_area_m2', 'office_err_available']];
      for (const [low, high, key] of pairs) {
        const [lo, hi] = [value(low), value(high)];
        if (lo !== null && hi !== null && lo > hi) {
          fieldError(low, t(key));
          ok = false;
        }
      }
      return ok ? body : null;
    };

    let saving = false;
    const save = () => {
      errors.forEach((e) => (e.textContent = ''));
      noteError.textContent = '';
      replaceChildren(message);
      message.className = 'edit-message';
      const body = changes();
      if (!body) {
        setMessage('error', t('office_fix_fields'));
        return;
      }
      if (!Object.keys(body).length) {
        setMessage('error', t('editNothing'));
        return;
      }
      const text = note.value.trim();
      if (!text) {
        fieldError('note', t('editNoteRequired'));
        setMessage('error', t('editNoteRequired'));
        return;
      }
      saving = true;
      submit.disabled = true;
      const id = Number(base.feature.id ?? base.feature.properties.id);
      patchFeature(layer, id, base.etag, { ...body, note: text })
        .then((saved) => {
          base = saved;
          note.value = '';
          fill(new Set());
          setMessage('ok', t('editSaved'));
          this.onSaved(layer, saved);
        })
        .catch((e: unknown) => {
          if (e instanceof StaleError) {
            // Their version becomes the base; what was typed here stays for a second look.
            base = e.current;
            fill(new Set(Object.keys(body)));
            setMessage('error', t('office_stale', { version: String(base.feature.properties.version ?? '?') }));
            return;
          }
          if (e instanceof ApiError && e.status === 400) {
            const field = /^([a-z_0-9]+):/.exec(e.message)?.[1];
            if (field && fieldError(field, t('office_err_refused'))) {
              setMessage('error', t('office_fix_fields'));
              return;
            }
          }
          setMessage('error', t('editFailed', { msg: serverMessage(e) }));
        })
        .finally(() => {
          saving = false;
          submit.disabled = false;
        });
    };

    fill(new Set());
    const form = h(
      'form',
      { class: 'edit-form site-form', 'data-testid': 'site-form', novalidate: true },
      heading,
      editable ? null : h('p', { class: 'muted', 'data-testid': 'site-form-readonly' }, t('office_read_only')),
      h('div', { class: 'site-form-groups' }, ...sections),
      editable ? h('label', { class: 'site-field site-note' }, t('editNote'), note, noteError) : null,
      message,
      editable ? h('div', { class: 'form-buttons' }, submit) : null,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!saving) save();
    });
    return form;
  }
}

function makeControl(spec: FieldSpec): Control {
  const common = { name: spec.name, 'data-testid': `site-field-${spec.name}` };
  switch (spec.kind) {
    case 'text':
      return h('input', { ...common, type: 'text', maxlength: spec.name === 'contact' ? CONTACT_MAX : 200, autocomplete: 'off' });
    case 'yesno':
      return h('select', common, h('option', { value: '' }, t('unknown')), h('option', { value: 'true' }, t('yes')), h('option', { value: 'false' }, t('no')));
    case 'land_use':
      return h('select', common, ...LAND_USES.map((v) => h('option', { value: v }, label('lu', v))));
    case 'status':
    case 'park':
      return h('select', common);
    default:
      return h('input', { ...common, type: 'number', inputmode: 'decimal', min: 0, max: spec.kind === 'ratio' ? 1 : null, step: spec.kind === 'integer' ? 1 : 'any' });
  }
}

/** A stored value as the control shows it; areas measured from the outline to the hundredth. */
function shown(spec: FieldSpec, value: Value): string {
  if (value === null || value === undefined) return '';
  if (spec.kind === 'yesno') return value ? 'true' : 'false';
  if (spec.kind === 'positive' && typeof value === 'number') return String(Math.round(value * 100) / 100);
  return String(value);
}

/** What a control's text means for the API, or why it cannot be sent. */
function readValue(spec: FieldSpec, text: string): { value: Value } | { error: string } {
  const trimmed = text.trim();
  switch (spec.kind) {
    case 'text':
      if (spec.name === 'name' && !trimmed) return { error: t('office_err_required') };
      if (trimmed.length > CONTACT_MAX) return { error: t('office_err_too_long', { n: CONTACT_MAX }) };
      return { value: trimmed || null };
    case 'yesno':
      return { value: trimmed === '' ? null : trimmed === 'true' };
    case 'status':
    case 'land_use':
    case 'park':
      return { value: trimmed || null };
    default: {
      if (!trimmed) return spec.kind === 'positive' ? { error: t('office_err_required') } : { value: null };
      const n = Number(trimmed);
      if (!Number.isFinite(n) || n < 0) return { error: t('office_err_non_negative') };
      if (spec.kind === 'positive' && n <= 0) return { error: t('office_err_positive') };
      if (spec.kind === 'ratio' && n > 1) return { error: t('office_err_ratio') };
      if (spec.kind === 'integer' && !Number.isInteger(n)) return { error: t('office_err_integer') };
      return { value: n };
    }
  }
}

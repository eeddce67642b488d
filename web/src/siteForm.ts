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
import { choiceLabel, fieldLabel, layerSpec, sectionLabel, unitLabel, type FieldSpec as SchemaField } from './schema';
import { overlay } from './leads';
import type { OfficerSession } from './officer';
import { FACTORY_STATUSES, LAND_USES, type LayerName, type ParkSummary } from './types';

type Kind = 'text' | 'number' | 'positive' | 'integer' | 'ratio' | 'yesno' | 'park' | 'status' | 'land_use' | 'choice' | 'date' | 'list';

/** One editable attribute: its property, how it is typed and where it is shown. */
interface FieldSpec {
  name: string;
  kind: Kind;
  label: string;
  unit?: string;
  /** For a choice: its words and their labels. */
  choices?: [string, string][];
}

interface Group {
  title: string;
  fields: FieldSpec[];
}

/** How a field of the schema is edited. */
function kindOf(field: SchemaField): Kind {
  if (field.name === 'park' || field.name === 'status' || field.name === 'land_use') return field.name;
  if (field.name === 'area_m2') return 'positive';
  if (field.name === 'building_density_max' || field.name === 'green_ratio_max') return 'ratio';
  switch (field.type) {
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'yesno';
    case 'choice':
      return 'choice';
    case 'date':
      return 'date';
    case 'list':
      return 'list';
    default:
      return 'text';
  }
}

/** The layer's editable attributes as its card groups them (from /api/schema), then the contact. */
function groupsOf(layer: LayerName): Group[] {
  const spec = layerSpec(layer);
  const groups: Group[] = (spec?.sections ?? []).map((section) => ({
    title: sectionLabel(section),
    fields: spec!.fields
      .filter((f) => f.section === section.id && f.editable && !f.derived && f.type !== 'object')
      .map((f) => ({
        name: f.name,
        kind: kindOf(f),
        label: fieldLabel(f),
        unit: unitLabel(f) || undefined,
        choices: f.choices?.map((c) => [c, choiceLabel(f, c)] as [string, string]),
      })),
  }));
  return [...groups.filter((g) => g.fields.length), { title: t('office_contact_group'), fields: [{ name: 'contact', kind: 'text', label: t('f_contact') }] }];
}

/** Longest contact text the server keeps. */
const CONTACT_MAX = 200;

type Control = HTMLInputElement | HTMLSelectElement;

/** A value as the API writes it; `undefined` for "not set". */
type Value = string | number | boolean | string[] | null | undefined;

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
    const groups = groupsOf(layer);
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
        h('legend', {}, group.title),
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
          const unit = spec.unit ?? (spec.kind === 'ratio' ? t('office_ratio_unit') : '');
          const caption = unit ? t('office_with_unit', { label: spec.label, unit }) : spec.label;
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
    case 'choice':
      return h('select', common, h('option', { value: '' }, t('unknown')), ...(spec.choices ?? []).map(([v, text]) => h('option', { value: v }, text)));
    case 'date':
      return h('input', { ...common, type: 'text', placeholder: '2027-06', maxlength: 10, autocomplete: 'off' });
    case 'list':
      return h('input', { ...common, type: 'text', placeholder: t('office_list_hint'), maxlength: 400, autocomplete: 'off' });
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
  if (Array.isArray(value)) return value.join(', ');
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
    case 'choice':
      return { value: trimmed || null };
    case 'date':
      if (trimmed && !/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/.test(trimmed)) return { error: t('office_err_date') };
      return { value: trimmed || null };
    case 'list': {
      const words = trimmed.split(/[,，、;；\s]+/).filter(Boolean);
      return { value: words.length ? words : null };
    }
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

// Officer mode: a land officer signs in with an API token (the server answers
// with an HttpOnly session cookie, so the page never keeps the token), then
// changes a plot's or factory's status with a note from its card. When
// someone else changed the feature first, the form says so and shows the
// values as they now are before anything is sent again.

import { ApiError, fetchSession, patchFeature, signIn, signOut, StaleError, type SessionInfo, type VersionedFeature } from './api';
import { h, replaceChildren } from './dom';
import { label, t, type StringKey } from './i18n';
import { FACTORY_STATUSES, type Feature, type LayerName } from './types';

/** The signed-in actor, if any, and who wants to know when it changes. */
export class OfficerSession {
  info: SessionInfo | null = null;
  private readonly listeners = new Set<() => void>();

  /** Picks up a session the browser already holds. */
  async restore(): Promise<void> {
    this.set(await fetchSession().catch(() => null));
  }

  async signIn(token: string): Promise<void> {
    this.set(await signIn(token));
  }

  async signOut(): Promise<void> {
    await signOut().catch(() => undefined);
    this.set(null);
  }

  /** Whether the signed-in actor may edit features of this park. */
  mayEdit(park: unknown): boolean {
    const info = this.info;
    if (!info) return false;
    if (info.all_parks) return true;
    return info.role === 'officer' && typeof park === 'string' && info.parks.includes(park);
  }

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  private set(info: SessionInfo | null): void {
    this.info = info;
    this.listeners.forEach((fn) => fn());
  }
}

/** The top-bar control: "sign in" or who is signed in and "sign out". */
export function signInControl(session: OfficerSession): HTMLElement {
  const el = h('div', { class: 'signin', 'data-testid': 'signin' });
  const dialog = signInDialog(session);
  const render = () => {
    const info = session.info;
    if (!info) {
      replaceChildren(el, h('button', { class: 'signin-button', type: 'button', 'data-testid': 'signin-open', onclick: () => dialog.open() }, t('signIn')));
      return;
    }
    replaceChildren(
      el,
      h('span', { class: 'signin-who', 'data-testid': 'signin-who', title: info.parks.join('、') }, `${info.name} · ${t(`role_${info.role}` as StringKey)}`),
      h('button', { class: 'signin-button', type: 'button', 'data-testid': 'signout', onclick: () => void session.signOut() }, t('signOut')),
    );
  };
  session.onChange(render);
  render();
  document.body.append(dialog.el);
  return el;
}

function signInDialog(session: OfficerSession): { el: HTMLDialogElement; open(): void } {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false', 'data-testid': 'signin-token', placeholder: 'sa_…' });
  const message = h('p', { class: 'signin-message', role: 'alert', 'data-testid': 'signin-message' });
  const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'signin-submit' }, t('signIn'));
  const cancel = h('button', { class: 'card-action', type: 'button' }, t('cancel'));
  const form = h('form', { method: 'dialog', class: 'signin-form' }, h('h2', {}, t('signInTitle')), h('p', { class: 'muted' }, t('signInHint')), h('label', {}, t('signInToken'), token), message, h('div', { class: 'form-buttons' }, cancel, submit));
  const el = h('dialog', { class: 'signin-dialog', 'data-testid': 'signin-dialog' }, form);
  cancel.addEventListener('click', () => el.close());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    session
      .signIn(token.value.trim())
      .then(() => {
        token.value = '';
        el.close();
      })
      .catch((e: unknown) => {
        message.textContent = e instanceof ApiError && e.status === 401 ? t('signInRefused') : e instanceof ApiError && e.status === 429 ? t('signInTooMany', { msg: e.message }) : t('signInFailed', { msg: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return {
    el,
    open: () => {
      message.textContent = '';
      el.showModal();
      token.focus();
    },
  };
}

/** The statuses the form offers for a feature now in `status`. */
function targets(session: SessionInfo, layer: LayerName, status: string): string[] {
  if (layer === 'plots') return session.plot_transitions[status] ?? [];
  return FACTORY_STATUSES.filter((s) => s !== status);
}

/**
 * The card's edit section for a feature the signed-in actor may edit.
 * `onSaved` gets the feature as it is after the change.
 */
export function editSection(session: OfficerSession, layer: LayerName, current: VersionedFeature, onSaved: (saved: VersionedFeature) => void, savedNotice = false): HTMLElement | null {
  const info = session.info;
  if (!info || !session.mayEdit(current.feature.properties.park) || (layer !== 'plots' && layer !== 'factories')) return null;
  let base = current;
  const prefix = layer === 'plots' ? 'st' : 'fs';
  const status = h('select', { name: 'status', 'data-testid': 'edit-status' });
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-testid': 'edit-note', placeholder: t('editNoteHint') });
  const area = h('input', { type: 'number', name: 'available_area_m2', min: 0, step: 'any', 'data-testid': 'edit-area' });
  const rent = h('input', { type: 'number', name: 'rent_yuan_m2_month', min: 0, step: 'any', 'data-testid': 'edit-rent' });
  const message = h('div', { class: 'edit-message', role: 'status', 'data-testid': 'edit-message' });
  const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'edit-submit' }, t('editSave'));

  const fill = () => {
    const p = base.feature.properties;
    const now = String(p.status ?? '');
    const options = targets(info, layer, now);
    replaceChildren(
      status,
      h('option', { value: '' }, t('editKeepStatus', { status: label(prefix, now) })),
      ...options.map((s) => h('option', { value: s }, label(prefix, s))),
    );
    area.value = p.available_area_m2 == null ? '' : String(p.available_area_m2);
    rent.value = p.rent_yuan_m2_month == null ? '' : String(p.rent_yuan_m2_month);
  };
  fill();
  // The card draws itself anew after a save (for the new history entry); the confirmation stays.
  if (savedNotice) showMessage(message, 'ok', t('editSaved'));

  const form = h(
    'form',
    { class: 'edit-form', 'data-testid': 'edit-form' },
    h('label', {}, t('editStatus'), status),
    layer === 'factories' ? h('label', {}, t('f_available_area_m2'), area) : null,
    layer === 'factories' ? h('label', {}, t('f_rent_yuan_m2_month'), rent) : null,
    h('label', {}, t('editNote'), note),
    message,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = { note: note.value.trim() };
    if (status.value) body.status = status.value;
    if (layer === 'factories') {
      const p = base.feature.properties;
      if (area.value !== '' && Number(area.value) !== p.available_area_m2) body.available_area_m2 = Number(area.value);
      if (rent.value !== '' && Number(rent.value) !== p.rent_yuan_m2_month) body.rent_yuan_m2_month = Number(rent.value);
    }
    if (Object.keys(body).length === 1) {
      showMessage(message, 'error', t('editNothing'));
      return;
    }
    if (!body.note) {
      showMessage(message, 'error', t('editNoteRequired'));
      return;
    }
    submit.disabled = true;
    patchFeature(layer, Number(base.feature.id ?? base.feature.properties.id), base.etag, body)
      .then((saved) => {
        base = saved;
        note.value = '';
        fill();
        showMessage(message, 'ok', t('editSaved'));
        onSaved(saved);
      })
      .catch((e: unknown) => {
        if (e instanceof StaleError) {
          base = e.current;
          fill();
          showMessage(message, 'error', t('editStale', { status: label(prefix, e.current.feature.properties.status), version: String(e.current.feature.properties.version ?? '?') }), currentValues(e.current.feature, layer));
          return;
        }
        const reason = e instanceof ApiError && e.status === 401 ? t('editSignedOut') : e instanceof Error ? e.message : String(e);
        showMessage(message, 'error', t('editFailed', { msg: reason }));
        if (e instanceof ApiError && e.status === 401) void session.restore();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return h('section', { class: 'card-section officer', 'data-testid': 'card-edit' }, h('h3', {}, t('editTitle')), form);
}

/** The values someone else's change left, shown with the 412 message. */
function currentValues(feature: Feature, layer: LayerName): HTMLElement {
  const p = feature.properties;
  const rows: [string, string][] = [[t('f_status'), label(layer === 'plots' ? 'st' : 'fs', p.status)]];
  if (layer === 'factories') {
    rows.push([t('f_available_area_m2'), String(p.available_area_m2 ?? '')], [t('f_rent_yuan_m2_month'), String(p.rent_yuan_m2_month ?? '')]);
  }
  rows.push([t('editUpdatedAt'), String(p.updated_at ?? '')]);
  return h('dl', { class: 'attrs', 'data-testid': 'edit-current' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function showMessage(el: HTMLElement, kind: 'ok' | 'error', text: string, extra?: HTMLElement): void {
  el.className = `edit-message ${kind}`;
  replaceChildren(el, h('p', {}, text), extra);
}

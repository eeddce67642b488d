// Officer mode: a land officer signs in with an API token (the server answers
// with an HttpOnly session cookie, so the page never keeps the token), then
// changes a plot's or factory's status with a note from its card. When
// someone else changed the feature first, the form says so and shows the
// values as they now are before anything is sent again.

import { ApiError, fetchHistory, fetchProjects, fetchSession, fetchSiteProject, patchFeature, signIn, signOut, StaleError, type Project, type SessionInfo, type VersionedFeature } from './api';
import { h, replaceChildren } from './dom';
import { dateTime } from './format';
import { isKey, label, onLangChange, serverMessage, t, type StringKey } from './i18n';
import { FACTORY_STATUSES, type Feature, type HistoryEntry, type LayerName } from './types';

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
  // The label follows the language, whichever the page loaded in.
  onLangChange(() => {
    render();
    dialog.relabel();
  });
  render();
  document.body.append(dialog.el);
  return el;
}

function signInDialog(session: OfficerSession): { el: HTMLDialogElement; open(): void; relabel(): void } {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false', 'data-testid': 'signin-token', placeholder: 'sa_…' });
  const message = h('p', { class: 'signin-message', role: 'alert', 'data-testid': 'signin-message' });
  const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'signin-submit' });
  const cancel = h('button', { class: 'card-action', type: 'button' });
  const title = h('h2', {});
  const hint = h('p', { class: 'muted' });
  const tokenLabel = h('span', {});
  const relabel = () => {
    submit.textContent = t('signIn');
    cancel.textContent = t('cancel');
    title.textContent = t('signInTitle');
    hint.textContent = t('signInHint');
    tokenLabel.textContent = t('signInToken');
  };
  relabel();
  const form = h('form', { method: 'dialog', class: 'signin-form' }, title, hint, h('label', {}, tokenLabel, token), message, h('div', { class: 'form-buttons' }, cancel, submit));
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
        message.textContent = e instanceof ApiError && e.status === 401 ? t('signInRefused') : e instanceof ApiError && e.status === 429 ? t('signInTooMany', { msg: serverMessage(e) }) : t('signInFailed', { msg: serverMessage(e) });
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return {
    el,
    relabel,
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

/** What the officer has chosen and typed but not yet saved. */
interface Draft {
  status: string;
  note: string;
  area: string;
  rent: string;
}

/** Someone else's change that arrived while a draft was open. */
interface Conflict {
  /** The feature as the officer saw it when the draft was started. */
  before: Feature;
  /** Their changes, newest first (from the history), or null while loading or unknown. */
  changes: HistoryEntry[] | null;
}

/** The edit section's state, kept across redraws (a language switch) of the same feature. */
export interface EditState {
  base: VersionedFeature;
  draft: Draft;
  conflict: Conflict | null;
  message: { kind: 'ok' | 'error'; text: string } | null;
}

/** The card's edit section; `update` takes the feature as the card last loaded it. */
export interface EditSection {
  el: HTMLElement;
  state: EditState;
  update(current: VersionedFeature): void;
}

function versionOf(v: VersionedFeature): string {
  return v.etag || String(v.feature.properties.version ?? '');
}

/** The statuses in which a project holds a site (as the server's pipeline rules say). */
function holdsSite(layer: LayerName, status: string): boolean {
  return layer === 'plots' ? ['reserved', 'negotiating', 'transferred'].includes(status) : ['partial', 'occupied'].includes(status);
}

function idOf(f: Feature): number {
  return Number(f.id ?? f.properties.id);
}

/**
 * The card's edit section for a feature the signed-in actor may edit.
 * `onSaved` gets the feature as it is after the change. The draft (status
 * choice, note, figures) survives changes made by others meanwhile: the
 * section then shows who changed what, and the officer reapplies the draft
 * over the new version or discards it. A save over a version someone else
 * replaced first (412) leads to the same screen.
 */
export function editSection(session: OfficerSession, layer: LayerName, current: VersionedFeature, onSaved: (saved: VersionedFeature) => void, previous?: EditState): EditSection | null {
  const info = session.info;
  if (!info || !session.mayEdit(current.feature.properties.park) || (layer !== 'plots' && layer !== 'factories')) return null;
  const state: EditState = previous ?? { base: current, draft: { status: '', note: '', area: '', rent: '' }, conflict: null, message: null };
  const prefix = layer === 'plots' ? 'st' : 'fs';
  const status = h('select', { name: 'status', 'data-testid': 'edit-status' });
  const note = h('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-testid': 'edit-note', placeholder: t('editNoteHint') });
  const area = h('input', { type: 'number', name: 'available_area_m2', min: 0, step: 'any', 'data-testid': 'edit-area' });
  const rent = h('input', { type: 'number', name: 'rent_yuan_m2_month', min: 0, step: 'any', 'data-testid': 'edit-rent' });
  const message = h('div', { class: 'edit-message', role: 'status', 'data-testid': 'edit-message' });
  const conflictEl = h('div', { class: 'edit-conflict', role: 'alert', 'data-testid': 'edit-conflict', hidden: true });
  const submit = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'edit-submit' }, t('editSave'));
  // 所属项目: the project holding the site, and the one a reservation names.
  const project = h('select', { name: 'project', 'data-testid': 'edit-project' });
  const projectLabel = h('label', { hidden: true }, t('project_of_site'), project);
  let heldBy: number | null = null;
  let projects: Project[] = [];
  const fillProjects = () => {
    const status = state.draft.status || String(state.base.feature.properties.status ?? '');
    projectLabel.hidden = !holdsSite(layer, status) || (!projects.length && heldBy === null);
    const chosen = project.value || (heldBy === null ? '' : String(heldBy));
    replaceChildren(
      project,
      h('option', { value: '' }, t('project_none')),
      ...projects.filter((p) => p.stage !== 'lost' || p.id === heldBy).map((p) => h('option', { value: String(p.id) }, `${p.company}（${t(`pstage_${p.stage}` as StringKey)}）`)),
    );
    project.value = chosen;
  };
  void Promise.all([fetchProjects(), fetchSiteProject(layer, idOf(current.feature))])
    .then(([all, held]) => {
      projects = all;
      heldBy = held?.id ?? null;
      fillProjects();
    })
    .catch(() => undefined);

  const figure = (v: unknown) => (v == null ? '' : String(v));
  /** Whether the officer has started a change that is not saved. */
  const dirty = () => {
    const p = state.base.feature.properties;
    const d = state.draft;
    return d.note.trim() !== '' || d.status !== '' || (layer === 'factories' && ((d.area !== '' && d.area !== figure(p.available_area_m2)) || (d.rent !== '' && d.rent !== figure(p.rent_yuan_m2_month))));
  };

  const fill = () => {
    const p = state.base.feature.properties;
    const now = String(p.status ?? '');
    const options = targets(info, layer, now);
    const chosen = state.draft.status;
    const offered = !chosen || options.includes(chosen);
    replaceChildren(
      status,
      h('option', { value: '' }, t('editKeepStatus', { status: label(prefix, now) })),
      ...options.map((s) => h('option', { value: s }, label(prefix, s))),
      // A choice the new status no longer allows stays visible, marked, so the officer sees it and picks again.
      offered ? null : h('option', { value: chosen }, t('editNotAllowed', { status: label(prefix, chosen) })),
    );
    status.value = chosen;
    note.value = state.draft.note;
    area.value = state.draft.area !== '' ? state.draft.area : figure(p.available_area_m2);
    rent.value = state.draft.rent !== '' ? state.draft.rent : figure(p.rent_yuan_m2_month);
  };

  const showState = () => {
    if (state.message) showMessage(message, state.message.kind, state.message.text);
    else {
      message.className = 'edit-message';
      replaceChildren(message);
    }
    const c = state.conflict;
    conflictEl.hidden = !c;
    submit.hidden = !!c;
    if (c) replaceChildren(conflictEl, ...conflictView(c, state, layer, prefix, targets(info, layer, String(state.base.feature.properties.status ?? '')), reapply, discard));
  };

  const setMessage = (kind: 'ok' | 'error', text: string) => {
    state.message = { kind, text };
    showState();
  };

  let saving = false;
  const send = () => {
    const p = state.base.feature.properties;
    const d = state.draft;
    const body: Record<string, unknown> = { note: d.note.trim() };
    if (d.status) body.status = d.status;
    if (!projectLabel.hidden && project.value && Number(project.value) !== heldBy) body.project = Number(project.value);
    if (layer === 'factories') {
      if (d.area !== '' && Number(d.area) !== p.available_area_m2) body.available_area_m2 = Number(d.area);
      if (d.rent !== '' && Number(d.rent) !== p.rent_yuan_m2_month) body.rent_yuan_m2_month = Number(d.rent);
    }
    if (Object.keys(body).length === 1) {
      setMessage('error', t('editNothing'));
      return;
    }
    if (!body.note) {
      setMessage('error', t('editNoteRequired'));
      return;
    }
    submit.disabled = true;
    saving = true;
    conflictEl.querySelectorAll('button').forEach((b) => (b.disabled = true));
    patchFeature(layer, idOf(state.base.feature), state.base.etag, body)
      .then((saved) => {
        state.base = saved;
        state.draft = { status: '', note: '', area: '', rent: '' };
        state.conflict = null;
        state.message = { kind: 'ok', text: t('editSaved') };
        if (body.project) heldBy = Number(body.project);
        if (!holdsSite(layer, String(saved.feature.properties.status ?? ''))) heldBy = null;
        project.value = '';
        fill();
        fillProjects();
        showState();
        onSaved(saved);
      })
      .catch((e: unknown) => {
        if (e instanceof StaleError) {
          // Someone else saved first: keep the draft, show their change, offer to reapply.
          conflict(e.current);
          return;
        }
        const reason = e instanceof ApiError && e.status === 401 ? t('editSignedOut') : serverMessage(e);
        setMessage('error', t('editFailed', { msg: reason }));
        if (e instanceof ApiError && e.status === 401) void session.restore();
      })
      .finally(() => {
        saving = false;
        submit.disabled = false;
        conflictEl.querySelectorAll('button').forEach((b) => (b.disabled = false));
      });
  };

  /** The feature moved on to `now` under an open draft. */
  const conflict = (now: VersionedFeature) => {
    const before = state.conflict?.before ?? state.base.feature;
    const from = Number(before.properties.version ?? 0);
    const to = Number(now.feature.properties.version ?? 0);
    state.base = now;
    state.conflict = { before, changes: null };
    state.message = { kind: 'error', text: t('editStale', { status: label(prefix, now.feature.properties.status), version: String(now.feature.properties.version ?? '?') }) };
    fill();
    showState();
    const mine = state.conflict;
    void fetchHistory(layer, idOf(now.feature))
      .then((entries) => {
        if (state.conflict !== mine || !entries) return;
        // Each change is one version: the newest (to - from) entries are theirs.
        const n = to > from ? Math.min(to - from, entries.length) : Math.min(1, entries.length);
        mine.changes = entries.slice(0, n);
        showState();
      })
      .catch(() => undefined);
  };

  function reapply(): void {
    state.message = null;
    send();
  }

  function discard(): void {
    state.draft = { status: '', note: '', area: '', rent: '' };
    state.conflict = null;
    state.message = null;
    fill();
    showState();
  }

  status.addEventListener('change', () => {
    state.draft.status = status.value;
    fillProjects();
  });
  note.addEventListener('input', () => (state.draft.note = note.value));
  area.addEventListener('input', () => (state.draft.area = area.value));
  rent.addEventListener('input', () => (state.draft.rent = rent.value));

  fill();
  showState();

  const form = h(
    'form',
    { class: 'edit-form', 'data-testid': 'edit-form' },
    h('label', {}, t('editStatus'), status),
    projectLabel,
    layer === 'factories' ? h('label', {}, t('f_available_area_m2'), area) : null,
    layer === 'factories' ? h('label', {}, t('f_rent_yuan_m2_month'), rent) : null,
    h('label', {}, t('editNote'), note),
    message,
    conflictEl,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.conflict) return;
    state.message = null;
    send();
  });
  return {
    el: h('section', { class: 'card-section officer', 'data-testid': 'card-edit' }, h('h3', {}, t('editTitle')), form),
    state,
    update(now: VersionedFeature) {
      // Our own save's echo arrives while it is in flight; its answer settles the base.
      if (saving) return;
      if (versionOf(now) === versionOf(state.base)) return;
      if (Number(now.feature.properties.version ?? 0) < Number(state.base.feature.properties.version ?? 0)) return;
      if (dirty() || state.conflict) {
        conflict(now);
        return;
      }
      // Nothing typed yet: simply follow the feature.
      state.base = now;
      fill();
    },
  };
}

/** Who changed what meanwhile, the values now, the draft, and reapply or discard. */
function conflictView(c: Conflict, state: EditState, layer: LayerName, prefix: 'st' | 'fs', allowed: string[], reapply: () => void, discard: () => void): HTMLElement[] {
  const status = (v: unknown) => label(prefix, v);
  const theirs = c.changes?.length
    ? h(
        'ul',
        { class: 'edit-changes', 'data-testid': 'edit-changes' },
        ...c.changes.map((e) => {
          const what = e.new_status
            ? `${e.old_status ? `${status(e.old_status)} → ` : ''}${status(e.new_status)}`
            : Object.entries(e.new_values ?? {})
                .map(([k, v]) => `${isKey(`f_${k}`) ? t(`f_${k}` as StringKey) : k}: ${String(e.old_values?.[k] ?? t('unknown'))} → ${String(v)}`)
                .join('; ');
          return h('li', {}, h('strong', {}, e.actor), ` · ${dateTime(e.at)} · ${what}`, e.note ? h('div', { class: 'muted' }, t('editTheirNote', { note: e.note })) : null);
        }),
      )
    : h('p', { class: 'muted' }, c.changes ? t('editChangesUnknown') : t('loading'));
  const d = state.draft;
  const mine: string[] = [];
  if (d.status) mine.push(`${t('f_status')}: ${status(d.status)}`);
  if (layer === 'factories' && d.area !== '') mine.push(`${t('f_available_area_m2')}: ${d.area}`);
  if (layer === 'factories' && d.rent !== '') mine.push(`${t('f_rent_yuan_m2_month')}: ${d.rent}`);
  if (d.note.trim()) mine.push(t('editTheirNote', { note: d.note.trim() }));
  const blocked = d.status !== '' && !allowed.includes(d.status);
  return [
    h('h4', {}, t('editTheirChange')),
    theirs,
    h('h4', {}, t('editNow')),
    currentValues(state.base.feature, layer),
    h('h4', {}, t('editYourDraft')),
    h('p', { 'data-testid': 'edit-draft' }, mine.join(' · ') || t('unknown')),
    blocked ? h('p', { class: 'edit-warning' }, t('editPickAgain', { status: status(d.status) })) : null,
    h(
      'div',
      { class: 'form-buttons' },
      h('button', { class: 'card-action', type: 'button', 'data-testid': 'edit-discard', onclick: discard }, t('editDiscard')),
      h('button', { class: 'primary-button', type: 'button', 'data-testid': 'edit-reapply', onclick: reapply }, t('editReapply')),
    ),
  ].filter((x): x is HTMLElement => x !== null);
}

/** The values someone else's change left, shown with the 412 message. */
function currentValues(feature: Feature, layer: LayerName): HTMLElement {
  const p = feature.properties;
  const rows: [string, string][] = [[t('f_status'), label(layer === 'plots' ? 'st' : 'fs', p.status)]];
  if (layer === 'factories') {
    rows.push([t('f_available_area_m2'), String(p.available_area_m2 ?? '')], [t('f_rent_yuan_m2_month'), String(p.rent_yuan_m2_month ?? '')]);
  }
  rows.push([t('editUpdatedAt'), dateTime(p.updated_at)]);
  return h('dl', { class: 'attrs', 'data-testid': 'edit-current' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function showMessage(el: HTMLElement, kind: 'ok' | 'error', text: string, extra?: HTMLElement): void {
  el.className = `edit-message ${kind}`;
  replaceChildren(el, h('p', {}, text), extra);
}

// 账号管理: admins create, list and revoke API tokens, as `siteatlas token`
// does on the command line. A new token is shown once, with a copy button:
// the server keeps only its hash.

import { createToken, listTokens, revokeToken, type TokenInfo } from './api';
import { h, replaceChildren } from './dom';
import { dateTime } from './format';
import { serverMessage, t, type StringKey } from './i18n';
import type { ParkSummary } from './types';

const ROLES = ['officer', 'promoter', 'admin'] as const;

/** The accounts tab; `ownTokenId` is the token the admin is signed in with. */
export function accountsTab(parks: ParkSummary[], ownTokenId: number | undefined): HTMLElement {
  const name = h('input', { type: 'text', name: 'name', maxlength: 100, autocomplete: 'off', 'data-testid': 'acc-name' });
  const role = h('select', { name: 'role', 'data-testid': 'acc-role' }, ...ROLES.map((r) => h('option', { value: r }, t(`role_${r}` as StringKey))));
  const parkBoxes = parks.map((p) => h('input', { type: 'checkbox', value: p.code, 'data-testid': `acc-park-${p.code}` }));
  const parkSet = h(
    'fieldset',
    { class: 'acc-parks', 'data-testid': 'acc-parks' },
    h('legend', {}, t('acc_parks')),
    ...parks.map((p, i) => h('label', { class: 'pe-check' }, parkBoxes[i], `${p.name} (${p.code})`)),
  );
  const nameError = h('span', { class: 'field-error', 'data-testid': 'acc-name-error' });
  const parksError = h('span', { class: 'field-error', 'data-testid': 'acc-parks-error' });
  const create = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'acc-create' }, t('acc_create'));
  const created = h('div', { class: 'acc-created', 'aria-live': 'polite', 'data-testid': 'acc-created' });
  const table = h('tbody', {});
  const listMessage = h('p', { class: 'muted', 'data-testid': 'acc-list-message' });

  // Parks matter for officers only: the others see every park.
  const showParks = () => (parkSet.hidden = role.value !== 'officer');
  role.addEventListener('change', showParks);
  showParks();

  const load = () =>
    listTokens()
      .then((tokens) => {
        listMessage.textContent = tokens.length ? '' : t('acc_none');
        replaceChildren(table, ...tokens.slice().reverse().map(row));
      })
      .catch((e: unknown) => (listMessage.textContent = t('office_load_failed', { msg: serverMessage(e) })));

  const parkNames = (codes: string[]) => codes.map((c) => parks.find((p) => p.code === c)?.name ?? c).join(t('list_separator'));

  function row(token: TokenInfo): HTMLElement {
    const revoke = h('button', { class: 'card-action pe-small', type: 'button', 'data-testid': `acc-revoke-${token.id}` }, t('acc_revoke'));
    revoke.addEventListener('click', () => {
      if (!confirm(t('acc_revoke_confirm', { name: token.name }))) return;
      revoke.disabled = true;
      revokeToken(token.id)
        .then(load)
        .catch((e: unknown) => {
          revoke.disabled = false;
          listMessage.textContent = t('editFailed', { msg: serverMessage(e) });
        });
    });
    return h(
      'tr',
      { 'data-token': token.id, class: token.revoked ? 'revoked' : '' },
      h('td', { class: 'num' }, token.id),
      h('td', {}, token.name),
      h('td', {}, t(`role_${token.role}` as StringKey)),
      h('td', {}, token.role === 'officer' ? parkNames(token.parks) : t('acc_all_parks')),
      h('td', {}, dateTime(token.created_at)),
      // The token in hand cannot be revoked here: that would end this very session.
      h('td', { 'data-testid': `acc-state-${token.id}` }, token.revoked ? t('acc_revoked') : token.id === ownTokenId ? t('acc_yours') : revoke),
    );
  }

  const form = h(
    'form',
    { class: 'edit-form acc-form', 'data-testid': 'acc-form', novalidate: true },
    h('h3', {}, t('acc_new')),
    h('div', { class: 'pe-grid' }, h('label', { class: 'site-field' }, t('acc_name'), name, nameError), h('label', { class: 'site-field' }, t('acc_role'), role)),
    parkSet,
    parksError,
    h('div', { class: 'form-buttons' }, create),
    created,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    nameError.textContent = '';
    parksError.textContent = '';
    const chosen = role.value === 'officer' ? parkBoxes.filter((b) => b.checked).map((b) => b.value) : [];
    let ok = true;
    if (!name.value.trim()) {
      nameError.textContent = t('office_err_required');
      ok = false;
    }
    if (role.value === 'officer' && !chosen.length) {
      parksError.textContent = t('acc_err_parks');
      ok = false;
    }
    if (!ok) return;
    create.disabled = true;
    createToken({ role: role.value, name: name.value.trim(), parks: chosen })
      .then((answer) => {
        name.value = '';
        parkBoxes.forEach((b) => (b.checked = false));
        replaceChildren(created, shownOnce(answer));
        void load();
      })
      .catch((e: unknown) => replaceChildren(created, h('p', { class: 'card-message error', role: 'alert' }, t('editFailed', { msg: serverMessage(e) }))))
      .finally(() => (create.disabled = false));
  });

  void load();
  return h(
    'div',
    { class: 'office-accounts', 'data-testid': 'office-accounts' },
    form,
    h('h3', {}, t('acc_list')),
    listMessage,
    h(
      'div',
      { class: 'dash-table-wrap' },
      h(
        'table',
        { class: 'dash-table', 'data-testid': 'acc-list' },
        h('thead', {}, h('tr', {}, h('th', {}, 'ID'), h('th', {}, t('acc_name')), h('th', {}, t('acc_role')), h('th', {}, t('acc_parks')), h('th', {}, t('acc_created')), h('th', {}, t('acc_state')))),
        table,
      ),
    ),
  );
}

/** The new token, this once, with a copy button. */
function shownOnce(answer: TokenInfo & { token: string }): HTMLElement {
  const value = h('input', { type: 'text', readonly: true, value: answer.token, 'data-testid': 'acc-token', 'aria-label': t('acc_token') });
  value.value = answer.token;
  const copy = h('button', { class: 'card-action', type: 'button', 'data-testid': 'acc-copy' }, t('acc_copy'));
  copy.addEventListener('click', () => {
    value.select();
    const done = () => (copy.textContent = t('acc_copied'));
    if (navigator.clipboard) void navigator.clipboard.writeText(answer.token).then(done, () => document.execCommand('copy') && done());
    else if (document.execCommand('copy')) done();
  });
  return h(
    'div',
    { class: 'card-message ok' },
    h('p', {}, t('acc_created_for', { name: answer.name, role: t(`role_${answer.role}` as StringKey) })),
    h('div', { class: 'acc-token-row' }, value, copy),
    h('p', { class: 'edit-warning' }, t('acc_once')),
  );
}

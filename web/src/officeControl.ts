// The top-bar button of the staff's back office for panoramas and tours
// (全景管理), shown to every signed-in staffer. The office itself, with the
// panorama viewer, is loaded when first opened: investors never download it.

import { h, replaceChildren } from './dom';
import { onLangChange, t } from './i18n';
import type { OfficerSession } from './officer';
import type { Store } from './state';

export function mediaOfficeControl(session: OfficerSession, store: Store): HTMLElement {
  const el = h('div', { class: 'promoter-tools', 'data-testid': 'office-tools' });
  let office: Promise<{ open(): void }> | null = null;
  const open = () => {
    office ??= import('./mediaOffice').then((m) => new m.MediaOffice(store, session));
    office.then((o) => o.open()).catch((e: unknown) => {
      office = null;
      console.warn('back office unavailable', e);
    });
  };
  const render = () => {
    if (!session.info) {
      replaceChildren(el);
      el.hidden = true;
      return;
    }
    el.hidden = false;
    replaceChildren(el, h('button', { class: 'signin-button', type: 'button', 'data-testid': 'media-open', onclick: open }, t('media_open')));
  };
  session.onChange(render);
  onLangChange(render);
  render();
  return el;
}

// Notices over the map: things the user must know, such as a refused basemap.

import { h } from './dom';
import { onLangChange, t, type StringKey } from './i18n';

let container: HTMLElement | null = null;

export function mountNotices(parent: HTMLElement): void {
  container = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
  parent.appendChild(container);
}

/** Shows a notice that stays until dismissed; its text follows the language switch. */
export function showNotice(key: StringKey, kind: 'warning' | 'info' = 'warning'): HTMLElement {
  const text = h('span', { class: 'notice-text' }, t(key));
  const dismiss = h('button', { class: 'notice-dismiss', type: 'button' }, t('noticeDismiss'));
  const el = h('div', { class: `notice notice-${kind}`, 'data-notice': key }, h('span', { class: 'notice-icon', 'aria-hidden': 'true' }, '!'), text, dismiss);
  dismiss.addEventListener('click', () => el.remove());
  onLangChange(() => {
    text.textContent = t(key);
    dismiss.textContent = t('noticeDismiss');
  });
  container?.appendChild(el);
  return el;
}

// The live tour's chat: questions and answers typed by everyone present,
// kept with the tour by the server (at most 500 characters, a few a second).

import { h, replaceChildren } from '../dom';
import { getLang, t } from '../i18n';
import type { ChatMessage } from './live';

const MAX_CHARS = 500;

export class LiveChat {
  readonly el: HTMLElement;
  private readonly list = h('ol', { class: 'live-chat-list', 'data-testid': 'live-chat-list', 'aria-live': 'polite' });
  private readonly input = h('textarea', { rows: 2, maxlength: MAX_CHARS, placeholder: t('chatPlaceholder'), 'aria-label': t('chatPlaceholder'), 'data-testid': 'live-chat-input' });
  private readonly error = h('p', { class: 'live-chat-error', role: 'alert', hidden: true, 'data-testid': 'live-chat-error' });
  private readonly seen = new Set<number>();

  constructor(private readonly send: (text: string) => boolean) {
    const button = h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'live-chat-send' }, t('chatSend'));
    const form = h('form', { class: 'live-chat-form' }, this.input, button);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    // Enter sends, Shift+Enter starts a new line (as in chat apps).
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.el = h('section', { class: 'live-chat', 'data-testid': 'live-chat' }, h('h3', {}, t('chatTitle')), this.list, this.error, form);
    this.empty();
  }

  /** The session's recent messages (a welcome): replaces what is shown. */
  reset(messages: ChatMessage[]): void {
    this.seen.clear();
    this.empty();
    messages.forEach((m) => this.add(m));
  }

  add(m: ChatMessage): void {
    if (this.seen.has(m.id)) return;
    if (!this.seen.size) replaceChildren(this.list);
    this.seen.add(m.id);
    const time = new Date(m.at * 1000).toLocaleTimeString(getLang() === 'en' ? 'en-GB' : 'zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false });
    this.list.append(
      h(
        'li',
        { class: `live-chat-message ${m.role === 'guide' ? 'from-guide' : ''}`, 'data-testid': 'live-chat-message' },
        h('span', { class: 'live-chat-head' }, h('strong', {}, m.name), m.role === 'guide' ? h('span', { class: 'live-role live-role-guide' }, t('liveGuide')) : null, h('time', {}, time)),
        h('span', { class: 'live-chat-text' }, m.text),
      ),
    );
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** The server refused a message (too long, too many): shown under the list. */
  refused(message: string): void {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  private empty(): void {
    replaceChildren(this.list, h('li', { class: 'live-chat-empty muted' }, t('chatEmpty')));
  }

  private submit(): void {
    const text = this.input.value.trim();
    this.error.hidden = true;
    if (!text) return;
    if (text.length > MAX_CHARS) {
      this.refused(t('chatTooLong', { n: MAX_CHARS }));
      return;
    }
    if (this.send(text)) this.input.value = '';
    else this.refused(t('chatOffline'));
  }
}

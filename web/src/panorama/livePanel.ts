// The live panel of the tour page: join with a name, see who is here, who
// leads and where the tour is; the leader's stop and view drive everyone
// else's viewer, and guides hand control to an attendee and take it back.
// Guides speak to the attendees (`voice.ts`); everyone may write in the chat
// (`liveChat.ts`).
//
// Followers show a tour state only when its sequence number is above the
// last one shown: messages handled out of order (a scene still loading when
// the next arrives) never take anyone back to an older stop.

import { h, replaceChildren } from '../dom';
import { t } from '../i18n';
import type { SceneView } from './api';
import { LiveClient, liveUrl, type EndReason, type LiveStatus, type Person, type TourState } from './live';
import { LiveChat } from './liveChat';
import { GuideVoice, Listener, type GuideVoiceState, type ListenState } from './voice';

/** What the panel needs of the tour page. */
export interface LiveTarget {
  view(): SceneView | null;
  /** The tour stop on show, or null off the stops. */
  stop(): number | null;
  /** Shows the leader's state: its stop and view. */
  apply(state: TourState): void;
  /** Where the tour is, for the panel's line: the stop's name, or the scene's title off the stops. */
  describe(state: TourState): string;
}

const SEND_EVERY_MS = 100;
const NAME_KEY = 'siteatlas.liveName';

declare global {
  interface Window {
    /** The live session of the tour page, for tests. */
    siteAtlasLive?: LiveClient;
    /** The voice of the live session (the guide's microphone, or what an attendee hears), for tests. */
    siteAtlasVoice?: GuideVoice | Listener;
  }
}

export class LivePanel {
  readonly el: HTMLElement;
  private client: LiveClient | null = null;
  private you: number | null = null;
  private role: Person['role'] = 'attendee';
  private people: Person[] = [];
  private controller: number | null = null;
  /** The sequence number of the last state shown (followers) or received. */
  private applied = -1;
  private lastSent = 0;
  private pending: ReturnType<typeof setTimeout> | undefined;
  private readonly body = h('div', { class: 'live-body' });
  private readonly status = h('p', { class: 'live-status', 'data-testid': 'live-status', 'aria-live': 'polite' });
  private readonly leader = h('p', { class: 'live-leader', 'data-testid': 'live-leader' });
  private readonly where = h('p', { class: 'live-where', 'data-testid': 'live-where', hidden: true });
  private readonly list = h('ul', { class: 'live-people', 'data-testid': 'live-people' });
  private readonly error = h('p', { class: 'live-error', hidden: true, role: 'alert' });
  /** The voice's controls, redrawn; the attendee's audio element sits beside them, never moved. */
  private readonly voiceControls = h('div', { class: 'live-voice-controls' });
  private readonly voiceBox = h('div', { class: 'live-voice', 'data-testid': 'live-voice' }, this.voiceControls);
  private iceServers: RTCIceServer[] = [];
  private guideVoice: GuideVoice | null = null;
  private listener: Listener | null = null;
  private chat: LiveChat | null = null;

  constructor(
    private readonly token: string,
    private readonly target: LiveTarget,
  ) {
    this.el = h('section', { class: 'live-panel', 'data-testid': 'live-panel' }, h('h2', {}, t('liveTitle')), this.body);
    this.renderJoin();
  }

  /** The leader moved to another scene: sent at once, ahead of any pan still waiting. */
  go(stop: number | null, view: SceneView): void {
    if (!this.client || this.you === null || this.controller !== this.you) return;
    clearTimeout(this.pending);
    this.pending = undefined;
    if (this.client.sendGo(stop, view)) this.lastSent = Date.now();
    this.showWhere({ seq: this.applied, stop, view });
  }

  /** The local view changed: the leader sends it, at most ~10 times a second. */
  localView(): void {
    if (!this.client || this.you === null || this.controller !== this.you) return;
    const wait = this.lastSent + SEND_EVERY_MS - Date.now();
    if (wait <= 0) {
      this.sendNow();
    } else if (this.pending === undefined) {
      this.pending = setTimeout(() => this.sendNow(), wait);
    }
  }

  private sendNow(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
    const view = this.target.view();
    if (!view || !this.client || this.controller !== this.you) return;
    const v = { ...view, pitch: Math.max(-90, Math.min(90, view.pitch)), zoom: Math.max(0, Math.min(100, view.zoom)) };
    if (this.client.sendView(v)) this.lastSent = Date.now();
  }

  private renderJoin(): void {
    const name = h('input', { type: 'text', maxlength: 40, placeholder: t('liveName'), 'aria-label': t('liveName'), 'data-testid': 'live-name', autocomplete: 'nickname' });
    name.value = localStorage.getItem(NAME_KEY) ?? '';
    const form = h('form', { class: 'live-join' }, name, h('button', { class: 'primary-button', type: 'submit', 'data-testid': 'live-join' }, t('liveJoin')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = name.value.trim();
      try {
        if (value) localStorage.setItem(NAME_KEY, value);
      } catch {
        /* private mode */
      }
      this.join(value);
    });
    replaceChildren(this.body, h('p', { class: 'muted' }, t('liveHint')), form);
  }

  private join(name: string): void {
    const leave = h('button', { class: 'link-button', type: 'button', 'data-testid': 'live-leave' }, t('liveLeave'));
    leave.addEventListener('click', () => this.leave());
    this.chat = new LiveChat((text) => this.client?.sendChat(text) ?? false);
    replaceChildren(this.body, this.status, this.leader, this.where, this.list, this.voiceBox, this.error, this.chat.el, leave);
    this.client = new LiveClient(liveUrl(this.token, name), {
      onStatus: (s) => this.showStatus(s),
      onWelcome: ({ you, role, state, chat, iceServers }) => {
        this.you = you;
        this.role = role;
        this.el.dataset.role = role;
        this.iceServers = iceServers;
        this.chat?.reset(chat);
        this.setUpVoice();
        // The session as it is now, whatever was shown before: after a
        // reconnection it may be a new session whose numbers start again.
        this.applied = state.seq;
        if (state.view) {
          this.target.apply(state);
          this.showWhere(state);
        }
      },
      onPresence: (people, controller) => {
        const gained = controller === this.you && this.controller !== this.you;
        this.people = people;
        this.controller = controller;
        this.renderPeople();
        this.guideVoice?.sync(people, this.you);
        this.listener?.sync(people);
        if (this.listener) this.renderListening();
        // Taking the lead: bring everyone to what I see.
        const view = this.target.view();
        if (gained && view) this.go(this.target.stop(), view);
      },
      onState: (state) => {
        if (state.seq <= this.applied) return;
        this.applied = state.seq;
        if (this.controller !== this.you) this.target.apply(state);
        this.showWhere(state);
      },
      onEnded: (reason) => this.ended(reason),
      onError: (message) => {
        this.error.textContent = t('liveError', { msg: message });
        this.error.hidden = false;
      },
      onChat: (message) => this.chat?.add(message),
      onSignal: (signal) => {
        if (signal.type === 'offer') this.listener?.receive(signal);
        else if (this.guideVoice) this.guideVoice.receive(signal);
        else this.listener?.receive(signal);
      },
    });
    window.siteAtlasLive = this.client;
  }

  private showWhere(state: TourState): void {
    if (!state.view) return;
    this.where.hidden = false;
    this.where.textContent = t('liveWhere', { where: this.target.describe(state) });
    this.el.dataset.seq = String(state.seq);
  }

  private ended(reason: EndReason): void {
    this.stopVoice();
    this.client = null;
    this.you = null;
    this.controller = null;
    if (window.siteAtlasLive) delete window.siteAtlasLive;
    this.el.dataset.ended = reason;
    replaceChildren(
      this.body,
      h('p', { class: 'live-ended', role: 'alert', 'data-testid': 'live-ended' }, reason === 'revoked' ? t('liveRevoked') : t('liveExpired')),
    );
  }

  private leave(): void {
    this.stopVoice();
    this.client?.close();
    this.client = null;
    this.you = null;
    this.controller = null;
    delete this.el.dataset.role;
    if (window.siteAtlasLive) delete window.siteAtlasLive;
    this.renderJoin();
  }

  /** After a welcome: a guide gets the microphone button, an attendee the listening line. */
  private setUpVoice(): void {
    const send = (signal: Parameters<LiveClient['sendSignal']>[0]) => this.client?.sendSignal(signal) ?? false;
    if (this.role === 'guide') {
      this.listener?.hangUpAll();
      this.listener = null;
      if (this.guideVoice?.on) {
        // A reconnection: everyone has a new id, and the server forgot the microphone.
        this.guideVoice.hangUpAll();
        this.client?.send({ type: 'mic', on: true });
      } else if (!this.guideVoice) {
        this.guideVoice = new GuideVoice(send, (state) => this.renderMic(state));
        this.renderMic({ kind: 'off' });
      }
      window.siteAtlasVoice = this.guideVoice;
    } else {
      this.guideVoice?.stop();
      this.guideVoice = null;
      if (!this.listener) this.listener = new Listener(send, (state) => this.renderListening(state));
      this.listener.hangUpAll();
      this.listener.setIceServers(this.iceServers);
      window.siteAtlasVoice = this.listener;
      this.renderListening('idle');
    }
  }

  private stopVoice(): void {
    this.guideVoice?.stop();
    this.guideVoice = null;
    this.listener?.hangUpAll();
    this.listener = null;
    if (window.siteAtlasVoice) delete window.siteAtlasVoice;
    replaceChildren(this.voiceControls);
    replaceChildren(this.voiceBox, this.voiceControls);
    delete this.voiceBox.dataset.mic;
    delete this.voiceBox.dataset.listen;
  }

  private renderMic(state: GuideVoiceState): void {
    const on = state.kind === 'on';
    this.voiceBox.dataset.mic = state.kind;
    const button = h(
      'button',
      { class: on ? 'live-mic on' : 'live-mic', type: 'button', 'aria-pressed': String(on), disabled: state.kind === 'starting', 'data-testid': 'live-mic' },
      on ? t('voiceMicOff') : t('voiceMicOn'),
    );
    button.addEventListener('click', () => void this.toggleMic());
    const line =
      state.kind === 'on'
        ? t('voiceSpeaking', { n: state.listeners })
        : state.kind === 'starting'
          ? t('voiceStarting')
          : state.kind === 'failed'
            ? t('voiceMicFailed', { msg: state.message })
            : t('voiceMicHint');
    replaceChildren(this.voiceControls, button, h('span', { class: `live-voice-line ${state.kind === 'failed' ? 'error' : ''}`, 'data-testid': 'live-voice-line' }, line));
  }

  private async toggleMic(): Promise<void> {
    const voice = this.guideVoice;
    if (!voice) return;
    if (voice.on) {
      voice.stop();
      this.client?.send({ type: 'mic', on: false });
      return;
    }
    if (await voice.start(this.iceServers)) {
      this.client?.send({ type: 'mic', on: true });
      voice.sync(this.people, this.you);
    }
  }

  private listenState: ListenState = 'idle';

  private renderListening(state: ListenState = this.listenState): void {
    const listener = this.listener;
    if (!listener) return;
    this.listenState = state;
    const speaking = this.people.some((p) => p.role === 'guide' && p.mic);
    this.voiceBox.dataset.listen = state;
    const line =
      state === 'listening' ? t('voiceListening') : state === 'connecting' ? t('voiceConnecting') : speaking || state === 'blocked' ? t('voiceNotConnected') : t('voiceGuideSilent');
    const children: (HTMLElement | null)[] = [
      h('span', { class: `live-voice-dot ${state}`, 'aria-hidden': 'true' }),
      h('span', { class: 'live-voice-line', 'data-testid': 'live-listen-state' }, line),
    ];
    if (state === 'blocked') {
      children.push(h('button', { class: 'primary-button live-listen', type: 'button', 'data-testid': 'live-listen', onclick: () => void listener.play() }, t('voiceClickToListen')));
    } else if (state === 'listening') {
      const muted = listener.audio.muted;
      children.push(
        h(
          'button',
          {
            class: 'live-mute',
            type: 'button',
            'aria-pressed': String(muted),
            'data-testid': 'live-mute',
            onclick: () => {
              listener.audio.muted = !listener.audio.muted;
              this.renderListening();
            },
          },
          muted ? t('voiceUnmute') : t('voiceMute'),
        ),
      );
    }
    replaceChildren(this.voiceControls, ...children);
    if (listener.audio.parentNode !== this.voiceBox) this.voiceBox.append(listener.audio);
  }

  private showStatus(s: LiveStatus): void {
    this.el.dataset.status = s.kind;
    this.status.textContent =
      s.kind === 'connected' ? t('liveConnected') : s.kind === 'waiting' ? t('liveReconnecting', { s: s.seconds }) : s.kind === 'connecting' ? t('liveConnecting') : '';
  }

  private renderPeople(): void {
    const lead = this.people.find((p) => p.id === this.controller);
    const guidePresent = this.people.some((p) => p.role === 'guide');
    this.el.dataset.controller = this.controller === null ? '' : String(this.controller);
    this.el.dataset.leading = String(this.controller !== null && this.controller === this.you);
    this.el.dataset.guide = String(guidePresent);
    this.leader.textContent = !lead
      ? this.role === 'attendee'
        ? t('liveGuideGone')
        : t('liveNoLeader')
      : lead.id === this.you
        ? t('liveYouLead')
        : this.role === 'attendee'
          ? t('liveFollowing', { name: lead.name })
          : t('liveLeader', { name: lead.name });
    const guide = this.role === 'guide';
    const items = this.people.map((p) => {
      const hand =
        guide && p.role === 'attendee' && p.id !== this.controller
          ? h('button', { class: 'live-hand', type: 'button', 'data-testid': 'live-hand', onclick: () => this.client?.send({ type: 'hand_control', to: p.id }) }, t('liveHand'))
          : null;
      return h(
        'li',
        { class: p.id === this.controller ? 'leading' : '', 'data-person': p.id },
        h('span', { class: `live-role live-role-${p.role}` }, p.role === 'guide' ? t('liveGuide') : t('liveAttendee')),
        h('span', { class: 'live-name' }, p.name, p.id === this.you ? t('liveYou') : ''),
        p.id === this.controller ? h('span', { class: 'live-lead-mark', 'aria-label': t('liveLeader', { name: p.name }) }, '★') : null,
        hand,
      );
    });
    const take =
      guide && this.controller !== this.you
        ? h('li', { class: 'live-take' }, h('button', { class: 'live-hand', type: 'button', 'data-testid': 'live-take', onclick: () => this.client?.send({ type: 'take_control' }) }, t('liveTakeBack')))
        : null;
    replaceChildren(this.list, ...items, take);
  }
}

// A live guided tour over `/api/live/{token}` (server: `live.rs`).
// One socket; when it drops, connect again with a growing delay; the
// server's `welcome` then carries the session as it is. The tour's stop and
// view are one state numbered by the server (`seq`): see `LivePanel` for how
// followers use the number. The same socket carries the chat and the WebRTC
// signalling of the guide's voice (`voice.ts`).

import type { SceneView } from './api';

export interface Person {
  id: number;
  name: string;
  role: 'guide' | 'attendee';
  /** A guide's microphone is on. */
  mic?: boolean;
}

/** A chat message as the server stored it; `from` is set on live ones (a person id of this session). */
export interface ChatMessage {
  id: number;
  at: number;
  name: string;
  role: Person['role'];
  text: string;
  from?: number;
}

/** WebRTC signalling, addressed to me; `from` is stamped by the server. */
export type Signal =
  | { type: 'offer'; from: number; sdp: string }
  | { type: 'answer'; from: number; sdp: string }
  | { type: 'ice'; from: number; candidate: RTCIceCandidateInit | null };

/** What a welcome brings besides the tour state. */
export interface Welcome {
  you: number;
  role: Person['role'];
  state: TourState;
  chat: ChatMessage[];
  iceServers: RTCIceServer[];
}

export type LiveStatus = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'waiting'; seconds: number } | { kind: 'closed' };

/** The tour as the leader has it: which stop (index, or null off the stops) and view. */
export interface TourState {
  seq: number;
  stop: number | null;
  view: SceneView | null;
}

/** Why a session ended for good. */
export type EndReason = 'revoked' | 'expired';

export interface LiveHandlers {
  /** A (re)connection: who I am, and the session as it is. */
  onWelcome(welcome: Welcome): void;
  /** Who is here and who leads changed (after a welcome too). */
  onPresence(people: Person[], controller: number | null): void;
  /** The leader changed the tour's state. */
  onState(state: TourState): void;
  /** The link was revoked or expired: no reconnection follows. */
  onEnded(reason: EndReason): void;
  onError(message: string): void;
  onStatus(status: LiveStatus): void;
  /** A chat message, mine included. */
  onChat(message: ChatMessage): void;
  /** Voice signalling for me. */
  onSignal(signal: Signal): void;
}

type Incoming =
  | { type: 'welcome'; you: number; role: Person['role']; state: TourState; controller: number | null; people: Person[]; chat?: ChatMessage[]; ice_servers?: RTCIceServer[] }
  | ({ type: 'chat' } & ChatMessage)
  | Signal
  | ({ type: 'state'; from: number | null } & TourState)
  | { type: 'presence'; people: Person[]; controller: number | null }
  | { type: 'ended'; reason: EndReason }
  | { type: 'error'; message: string };

/** The close code of a session that ended (server: `ENDED_CLOSE_CODE`). */
const ENDED_CLOSE_CODE = 4410;

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

/** `api/live/{token}` as a ws(s) URL, resolved against the page's base. */
export function liveUrl(token: string, name: string): string {
  const url = new URL(`api/live/${encodeURIComponent(token)}`, document.baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (name) url.searchParams.set('name', name);
  return url.toString();
}

export class LiveClient {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly handlers: LiveHandlers,
  ) {
    this.connect();
  }

  send(message: Record<string, unknown>): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** A pan of the current scene. */
  sendView(view: SceneView): boolean {
    return this.send({ type: 'view', ...view });
  }

  /** A change of scene, to a stop of the tour (or off them, `stop` null). */
  sendGo(stop: number | null, view: SceneView): boolean {
    return this.send({ type: 'go', stop, ...view });
  }

  /** A chat message; false when not connected. */
  sendChat(text: string): boolean {
    return this.send({ type: 'chat', text });
  }

  /** Voice signalling to one person. */
  sendSignal(signal: { type: 'offer' | 'answer'; to: number; sdp: string } | { type: 'ice'; to: number; candidate: RTCIceCandidateInit | null }): boolean {
    return this.send(signal);
  }

  /** Leaves for good: no reconnection. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
    this.handlers.onStatus({ kind: 'closed' });
  }

  /** Drops the socket as a network failure would (tests use it through the page). */
  drop(): void {
    this.socket?.close(4000, 'dropped');
  }

  private connect(): void {
    if (this.stopped) return;
    this.handlers.onStatus({ kind: 'connecting' });
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('message', (e) => {
      let m: Incoming;
      try {
        m = JSON.parse(String(e.data)) as Incoming;
      } catch {
        return;
      }
      this.receive(m);
    });
    socket.addEventListener('close', (e) => {
      if (this.socket !== socket || this.stopped) return;
      if (e.code === ENDED_CLOSE_CODE) {
        this.stopped = true;
        this.socket = null;
        this.handlers.onStatus({ kind: 'closed' });
        return;
      }
      this.socket = null;
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt += 1;
      this.handlers.onStatus({ kind: 'waiting', seconds: Math.ceil(delay / 1000) });
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  private receive(m: Incoming): void {
    switch (m.type) {
      case 'welcome':
        this.attempt = 0;
        this.handlers.onStatus({ kind: 'connected' });
        this.handlers.onWelcome({ you: m.you, role: m.role, state: m.state, chat: m.chat ?? [], iceServers: m.ice_servers ?? [] });
        this.handlers.onPresence(m.people, m.controller);
        break;
      case 'presence':
        this.handlers.onPresence(m.people, m.controller);
        break;
      case 'state':
        this.handlers.onState({ seq: m.seq, stop: m.stop, view: m.view });
        break;
      case 'ended':
        this.stopped = true;
        this.handlers.onEnded(m.reason);
        break;
      case 'error':
        this.handlers.onError(m.message);
        break;
      case 'chat':
        this.handlers.onChat(m);
        break;
      case 'offer':
      case 'answer':
      case 'ice':
        this.handlers.onSignal(m);
        break;
    }
  }
}

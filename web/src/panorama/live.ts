// A live guided tour over `/api/live/{token}` (server: `routes/live.rs`).
// One socket; when it drops, connect again with a growing delay; the
// server's `welcome` then carries the session as it is.

import type { SceneView } from './api';

export interface Person {
  id: number;
  name: string;
  role: 'guide' | 'attendee';
}

export type LiveStatus = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'waiting'; seconds: number } | { kind: 'closed' };

export interface LiveHandlers {
  /** A (re)connection: who I am, and the session as it is. */
  onWelcome(you: number, role: Person['role'], view: SceneView | null): void;
  /** Who is here and who leads changed (after a welcome too). */
  onPresence(people: Person[], controller: number | null): void;
  /** The one in control moved. */
  onView(view: SceneView): void;
  onError(message: string): void;
  onStatus(status: LiveStatus): void;
}

type Incoming =
  | { type: 'welcome'; you: number; role: Person['role']; view: SceneView | null; controller: number | null; people: Person[] }
  | { type: 'view'; from: number | null; view: SceneView | null }
  | { type: 'presence'; people: Person[]; controller: number | null }
  | { type: 'error'; message: string };

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

  sendView(view: SceneView): boolean {
    return this.send({ type: 'view', ...view });
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
    socket.addEventListener('close', () => {
      if (this.socket !== socket || this.stopped) return;
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
        this.handlers.onWelcome(m.you, m.role, m.view);
        this.handlers.onPresence(m.people, m.controller);
        break;
      case 'presence':
        this.handlers.onPresence(m.people, m.controller);
        break;
      case 'view':
        if (m.view) this.handlers.onView(m.view);
        break;
      case 'error':
        this.handlers.onError(m.message);
        break;
    }
  }
}

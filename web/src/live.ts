// Live updates: the server announces every applied change on /api/events
// (server-sent events). The map reloads its tiles and the open card and list
// refresh, so a change shows within a moment without a page reload.

import type { ChangeEvent } from './types';

export type LiveStatus = 'connecting' | 'open' | 'unavailable';

export interface LiveOptions {
  /** Called once per burst of changes (they are gathered for `batchMs`). */
  onChanges: (changes: ChangeEvent[], reload: boolean) => void;
  onStatus: (status: LiveStatus) => void;
  batchMs?: number;
}

/** Retry a missing or failed endpoint this often: it may be deployed later. */
const RETRY_MS = 30_000;

export function subscribeLive({ onChanges, onStatus, batchMs = 150 }: LiveOptions): () => void {
  let source: EventSource | null = null;
  let pending: ChangeEvent[] = [];
  let reload = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let everOpen = false;

  const flush = () => {
    const changes = pending;
    const wasReload = reload;
    pending = [];
    reload = false;
    onChanges(changes, wasReload);
  };
  const queue = (change: ChangeEvent | null) => {
    if (change) pending.push(change);
    else reload = true;
    clearTimeout(timer);
    timer = setTimeout(flush, batchMs);
  };
  const parse = (e: MessageEvent<string>): ChangeEvent | null => {
    try {
      const data = JSON.parse(e.data) as ChangeEvent;
      return data && typeof data === 'object' ? data : null;
    } catch {
      return null;
    }
  };

  const connect = () => {
    if (stopped) return;
    onStatus('connecting');
    source = new EventSource('api/events');
    source.addEventListener('open', () => {
      // Changes may have been missed while the stream was down.
      if (everOpen) queue(null);
      everOpen = true;
      onStatus('open');
    });
    // The server names its events `change` and `reload`; plain messages are taken as changes too.
    source.addEventListener('change', (e) => queue(parse(e as MessageEvent<string>) ?? {}));
    source.addEventListener('message', (e) => queue(parse(e) ?? {}));
    source.addEventListener('reload', () => queue(null));
    source.addEventListener('error', () => {
      // A 404 or wrong content type closes the stream for good; a dropped
      // connection is retried by the browser itself (readyState CONNECTING).
      if (source?.readyState === EventSource.CLOSED) {
        onStatus('unavailable');
        source = null;
        retry = setTimeout(connect, RETRY_MS);
      }
    });
  };
  connect();

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(retry);
    source?.close();
  };
}

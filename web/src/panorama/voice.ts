// The guide's voice in a live tour, over WebRTC. The guide is the one who
// speaks: with the microphone on, the guide's page keeps one
// RTCPeerConnection per attendee (a mesh: fine for the few people of a
// tour, each costing the guide one upload of the voice) and offers each of
// them the microphone's track; attendees answer and play it. Offers,
// answers and ICE candidates travel over the tour's WebSocket, addressed to
// one person (`live.ts`); the audio goes between the browsers, directly or
// through the STUN/TURN servers the server names (`--ice-server`).

import type { Person, Signal } from './live';

type Send = (signal: { type: 'offer' | 'answer'; to: number; sdp: string } | { type: 'ice'; to: number; candidate: RTCIceCandidateInit | null }) => boolean;

/** Candidates that arrive before the description they belong to. */
class Early {
  private readonly queued: RTCIceCandidateInit[] = [];

  constructor(private readonly pc: RTCPeerConnection) {}

  add(candidate: RTCIceCandidateInit | null): void {
    // The end of candidates needs no action: connectivity checks run on what came.
    if (!candidate) return;
    if (this.pc.remoteDescription) void this.pc.addIceCandidate(candidate).catch((e: unknown) => console.warn('ice', e));
    else this.queued.push(candidate);
  }

  flush(): void {
    for (const c of this.queued.splice(0)) void this.pc.addIceCandidate(c).catch((e: unknown) => console.warn('ice', e));
  }
}

interface Call {
  pc: RTCPeerConnection;
  early: Early;
}

/** How a guide's voice stands: off, asking for the microphone, or on (with how many hear it). */
export type GuideVoiceState = { kind: 'off' } | { kind: 'starting' } | { kind: 'on'; listeners: number } | { kind: 'failed'; message: string };

/** The guide's side: the microphone and one call per attendee. */
export class GuideVoice {
  private stream: MediaStream | null = null;
  private readonly calls = new Map<number, Call>();
  private iceServers: RTCIceServer[] = [];

  constructor(
    private readonly send: Send,
    private readonly onState: (state: GuideVoiceState) => void,
  ) {}

  get on(): boolean {
    return this.stream !== null;
  }

  /** Asks for the microphone; the calls start with the next `sync`. */
  async start(iceServers: RTCIceServer[]): Promise<boolean> {
    this.iceServers = iceServers;
    this.onState({ kind: 'starting' });
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
      this.report();
      return true;
    } catch (e) {
      this.stream = null;
      // No microphone, no permission, or a page not served over HTTPS.
      this.onState({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  /** Hangs up everyone and lets the microphone go. */
  stop(): void {
    this.hangUpAll();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.onState({ kind: 'off' });
  }

  /** Calls every attendee present who is not called yet; hangs up on those who left. */
  sync(people: Person[], you: number | null): void {
    if (!this.stream) return;
    const attendees = new Set(people.filter((p) => p.role === 'attendee' && p.id !== you).map((p) => p.id));
    for (const [id, call] of this.calls) {
      if (!attendees.has(id)) {
        call.pc.close();
        this.calls.delete(id);
      }
    }
    for (const id of attendees) if (!this.calls.has(id)) void this.call(id);
    this.report();
  }

  /** After a reconnection everyone has a new id: start again from the presence that follows. */
  hangUpAll(): void {
    for (const call of this.calls.values()) call.pc.close();
    this.calls.clear();
  }

  receive(signal: Signal): void {
    const call = this.calls.get(signal.from);
    if (!call) return;
    if (signal.type === 'answer') {
      void call.pc
        .setRemoteDescription({ type: 'answer', sdp: signal.sdp })
        .then(() => call.early.flush())
        .catch((e: unknown) => console.warn('answer', e));
    } else if (signal.type === 'ice') {
      call.early.add(signal.candidate);
    }
  }

  /** The peer connections, for tests. */
  get peers(): RTCPeerConnection[] {
    return [...this.calls.values()].map((c) => c.pc);
  }

  private async call(to: number): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const call = { pc, early: new Early(pc) };
    this.calls.set(to, call);
    for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
    pc.addEventListener('icecandidate', (e) => this.send({ type: 'ice', to, candidate: e.candidate ? e.candidate.toJSON() : null }));
    pc.addEventListener('connectionstatechange', () => {
      this.report();
      // A lost path (a network change, say): call again while both are still here.
      if (pc.connectionState === 'failed' && this.calls.get(to) === call) {
        pc.close();
        this.calls.delete(to);
        setTimeout(() => {
          if (this.stream && !this.calls.has(to)) void this.call(to);
        }, 2000);
      }
    });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      if (pc.localDescription) this.send({ type: 'offer', to, sdp: pc.localDescription.sdp });
    } catch (e) {
      console.warn('offer', e);
    }
  }

  private report(): void {
    if (!this.stream) return;
    const listeners = [...this.calls.values()].filter((c) => c.pc.connectionState === 'connected').length;
    this.onState({ kind: 'on', listeners });
  }
}

/** How an attendee's listening stands. */
export type ListenState = 'idle' | 'connecting' | 'listening' | 'blocked';

/** The attendee's side: answers the guide's offer and plays the voice. */
export class Listener {
  /** Plays the voice; kept in the page so that tests and the mute button reach it. */
  readonly audio: HTMLAudioElement;
  private readonly calls = new Map<number, Call>();
  private iceServers: RTCIceServer[] = [];

  constructor(
    private readonly send: Send,
    private readonly onState: (state: ListenState) => void,
  ) {
    this.audio = document.createElement('audio');
    this.audio.autoplay = true;
    this.audio.dataset.testid = 'live-audio';
    this.audio.addEventListener('playing', () => this.onState('listening'));
  }

  setIceServers(servers: RTCIceServer[]): void {
    this.iceServers = servers;
  }

  receive(signal: Signal): void {
    if (signal.type === 'offer') void this.answer(signal.from, signal.sdp);
    else if (signal.type === 'ice') this.calls.get(signal.from)?.early.add(signal.candidate);
  }

  /** Hangs up on guides who left or whose microphone is off. */
  sync(people: Person[]): void {
    const speaking = new Set(people.filter((p) => p.role === 'guide' && p.mic).map((p) => p.id));
    for (const id of [...this.calls.keys()]) if (!speaking.has(id)) this.hangUp(id);
  }

  /** Playing was refused (autoplay rules): the click on "点击收听" calls this. */
  async play(): Promise<void> {
    try {
      await this.audio.play();
      this.onState('listening');
    } catch {
      this.onState('blocked');
    }
  }

  hangUpAll(): void {
    for (const id of [...this.calls.keys()]) this.hangUp(id);
  }

  /** The peer connections, for tests. */
  get peers(): RTCPeerConnection[] {
    return [...this.calls.values()].map((c) => c.pc);
  }

  private hangUp(id: number): void {
    this.calls.get(id)?.pc.close();
    this.calls.delete(id);
    if (!this.calls.size) {
      this.audio.srcObject = null;
      this.onState('idle');
    }
  }

  private async answer(from: number, sdp: string): Promise<void> {
    // A new offer from the same guide (their page reconnected, or called again) replaces the call.
    this.calls.get(from)?.pc.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const call = { pc, early: new Early(pc) };
    this.calls.set(from, call);
    this.onState('connecting');
    pc.addEventListener('icecandidate', (e) => this.send({ type: 'ice', to: from, candidate: e.candidate ? e.candidate.toJSON() : null }));
    pc.addEventListener('track', (e) => {
      this.audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      void this.play();
    });
    pc.addEventListener('connectionstatechange', () => {
      if (this.calls.get(from) !== call) return;
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.onState('idle');
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      call.early.flush();
      await pc.setLocalDescription(await pc.createAnswer());
      if (pc.localDescription) this.send({ type: 'answer', to: from, sdp: pc.localDescription.sdp });
    } catch (e) {
      console.warn('answer', e);
      this.onState('idle');
    }
  }
}

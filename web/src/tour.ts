// The shared tour page, served at `/t/{token}` (no account needed): the
// tour's title, its stops with the guide's notes, the panorama viewer and the
// live guided mode. `?scene=ID&yaw=DEG&pitch=DEG&zoom=0..100` opens a view.

import './style.css';
import { ApiError } from './api';
import { h, replaceChildren } from './dom';
import { serverMessage, setLang, t } from './i18n';
import { leadForm } from './leads';
import type { Geometry } from './types';
import { fetchSceneFeature, fetchShared, type Scene, type SceneView, type SharedTour } from './panorama/api';
import { LivePanel } from './panorama/livePanel';
import { PanoramaStage, sceneTitle } from './panorama/stage';
import { openingView, prefetchScene } from './panorama/viewer';

/** The token from `/t/{token}` (or `?token=` on a dev server). */
function tokenOf(): string {
  const m = /\/t\/([^/?#]+)/.exec(location.pathname);
  if (m) return decodeURIComponent(m[1]);
  return new URLSearchParams(location.search).get('token') ?? '';
}

/** The deep link's view, where given and sane. */
function linkedView(params: URLSearchParams): Partial<SceneView> {
  const num = (name: string, lo: number, hi: number) => {
    const raw = params.get(name);
    const v = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : undefined;
  };
  return { scene: num('scene', 1, Number.MAX_SAFE_INTEGER), yaw: num('yaw', -360, 360), pitch: num('pitch', -90, 90), zoom: num('zoom', 0, 100) };
}

const root = h('div', { class: 'tour', 'data-testid': 'tour' });

function message(title: string, hint: string, detail = ''): void {
  document.title = title;
  replaceChildren(
    root,
    h(
      'div',
      { class: 'tour-message', role: 'alert', 'data-testid': 'tour-message' },
      h('h1', {}, title),
      h('p', {}, hint),
      detail ? h('p', { class: 'muted' }, detail) : null,
    ),
  );
}

/** Outlines of the scenes' features, fetched once each. */
const outlines = new Map<string, Promise<Geometry | null>>();
function geometryOf(scene: Scene): Promise<Geometry | null> {
  const key = `${scene.layer}/${scene.feature}`;
  let g = outlines.get(key);
  if (!g) {
    g = fetchSceneFeature(scene.layer, scene.feature).then((f) => f.geometry ?? null, () => null);
    outlines.set(key, g);
  }
  return g;
}

function show(shared: SharedTour, token: string, params: URLSearchParams): void {
  const { tour } = shared;
  const scenes = tour.stops.map((s) => s.scene);
  document.title = t('tourDocTitle', { title: tour.title });
  const expires = new Date(shared.expires_at * 1000).toLocaleString(document.documentElement.lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
  const header = h(
    'header',
    { class: 'tour-top' },
    h('div', { class: 'tour-brand' }, t('tourBrand')),
    h('h1', { class: 'tour-title', 'data-testid': 'tour-title' }, tour.title),
    h('div', { class: 'tour-expires' }, t('tourExpires', { at: expires })),
  );
  if (!scenes.length) {
    replaceChildren(root, header, h('div', { class: 'tour-message', 'data-testid': 'tour-message' }, h('p', {}, t('tourEmpty'))));
    return;
  }

  let live: LivePanel | null = null;
  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  const stops = h('ol', { class: 'tour-stops', 'data-testid': 'tour-stops' });
  /** The scene last announced to the live session (or shown from it). */
  let sentScene = -1;
  const stopOfScene = (scene: number): number | null => {
    const i = tour.stops.findIndex((s) => s.scene.id === scene);
    return i >= 0 ? i : null;
  };
  const markStop = (stop: number | null) => {
    stops.querySelectorAll<HTMLElement>('li').forEach((li, i) => {
      li.classList.toggle('active', i === stop);
      li.querySelector('button')?.setAttribute('aria-current', i === stop ? 'step' : 'false');
    });
  };
  /** Goes to a stop: at once here, and to everyone following. */
  const goToStop = (i: number) => {
    const scene = tour.stops[i].scene;
    // The stop's own opening view where it has one; the zoom as it is otherwise.
    const opening = openingView(scene, {});
    const view = { scene: scene.id, yaw: opening.yaw ?? 0, pitch: opening.pitch ?? 0, zoom: opening.zoom ?? stage.view()?.zoom ?? 50 };
    sentScene = scene.id;
    markStop(i);
    live?.go(i, view);
    // No cross-fade: the guide sees the stop as soon as it is loaded, like everyone following.
    void stage.show(scene.id, view, false);
  };
  const stage = new PanoramaStage({
    scenes,
    strip: false,
    geometryOf,
    onScene: (scene) => {
      // A hotspot (not a stop button) took the leader to this scene: say so.
      if (scene.id !== sentScene) {
        const view = stage.view();
        const stop = stopOfScene(scene.id);
        if (view) live?.go(stop, view);
        sentScene = scene.id;
        markStop(stop);
      }
    },
    onView: () => {
      live?.localView();
      // Keep the address on the current view, so copying it shares what one sees.
      clearTimeout(urlTimer);
      urlTimer = setTimeout(() => {
        const v = stage.view();
        if (!v) return;
        const q = new URLSearchParams(location.search);
        q.set('scene', String(v.scene));
        q.set('yaw', v.yaw.toFixed(1));
        q.set('pitch', v.pitch.toFixed(1));
        q.set('zoom', v.zoom.toFixed(0));
        // Absolute: the page has <base href="/">.
        history.replaceState(history.state, '', `${location.pathname}?${q.toString()}`);
      }, 400);
    },
  });
  replaceChildren(
    stops,
    ...tour.stops.map((stop, i) =>
      h(
        'li',
        { 'data-scene': stop.scene.id },
        h(
          'button',
          { type: 'button', class: 'tour-stop', 'data-testid': 'tour-stop', onclick: () => goToStop(i) },
          h('img', { src: stop.scene.thumbnail_url, alt: '', loading: 'lazy' }),
          h('span', { class: 'tour-stop-text' }, h('strong', {}, `${i + 1}. ${sceneTitle(stop.scene, i)}`), stop.note ? h('span', { class: 'tour-stop-note' }, stop.note) : null),
        ),
      ),
    ),
  );
  live = new LivePanel(token, {
    view: () => stage.view(),
    stop: () => stopOfScene(sentScene),
    apply: (state) => {
      if (!state.view) return;
      sentScene = state.view.scene;
      markStop(state.stop);
      void stage.show(state.view.scene, state.view, false).catch((e: unknown) => console.warn('live view', e));
    },
    describe: (state) => {
      const stop = state.stop === null ? undefined : tour.stops[state.stop];
      if (stop) return t('tourStopOf', { n: (state.stop ?? 0) + 1, total: tour.stops.length, title: sceneTitle(stop.scene, state.stop ?? 0) });
      const scene = scenes.find((s) => s.id === state.view?.scene);
      return scene ? sceneTitle(scene, scenes.indexOf(scene)) : '';
    },
  });
  replaceChildren(
    root,
    header,
    h(
      'main',
      { class: 'tour-main' },
      h('section', { class: 'tour-stage' }, stage.el),
      h('aside', { class: 'tour-side' }, h('section', { class: 'tour-stops-section' }, h('h2', {}, t('tourStops')), stops), live.el, enquiry(token)),
    ),
  );
  const wanted = linkedView(params);
  const first = scenes.find((s) => s.id === wanted.scene) ?? scenes[0];
  sentScene = first.id;
  markStop(stopOfScene(first.id));
  stage.start(first, { yaw: wanted.yaw, pitch: wanted.pitch, zoom: wanted.zoom });
  // Every stop's first tiles, once the first scene has had the network to itself.
  setTimeout(() => scenes.forEach(prefetchScene), 1500);
}

/** The enquiry form, credited through the share link to the tour and its guide. */
function enquiry(token: string): HTMLElement {
  const details = h(
    'details',
    { class: 'lead-details' },
    h('summary', { class: 'lead-open', 'data-testid': 'lead-open' }, t('tourEnquiryTitle')),
    leadForm({ share_token: token }, t('tourEnquiryIntro')),
  );
  return h('section', { class: 'tour-enquiry lead', 'data-testid': 'tour-enquiry' }, details);
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  setLang(params.get('lang') === 'en' ? 'en' : 'zh');
  document.documentElement.classList.add('tour-html');
  document.body.appendChild(root);
  replaceChildren(root, h('p', { class: 'tour-loading' }, t('tourLoading')));
  const token = tokenOf();
  if (!token) {
    message(t('tourNotFound'), t('tourNotFoundHint'));
    return;
  }
  try {
    show(await fetchShared(token), token, params);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof ApiError && e.status === 404) message(t('tourNotFound'), t('tourNotFoundHint'));
    // Expired or revoked: the server's code says which, in the reader's language.
    else if (e instanceof ApiError && e.status === 410) message(t('tourGone'), t('tourGoneHint'), e.code ? serverMessage(e) : '');
    else message(t('tourFailed', { msg: e instanceof ApiError ? serverMessage(e) : msg }), '');
  }
}

void main();

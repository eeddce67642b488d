// The panorama viewer: Photo Sphere Viewer 5 on the server's cube-face tiles,
// with the scene's hotspots as markers. A link hotspot switches scene; a note
// hotspot hands its note to `onNote`, which shows it as text, never as HTML.

import { Viewer, type ViewerConfig } from '@photo-sphere-viewer/core';
import { CubemapTilesAdapter, type CubemapMultiTilesPanorama } from '@photo-sphere-viewer/cubemap-tiles-adapter';
import { MarkersPlugin, type MarkerConfig } from '@photo-sphere-viewer/markers-plugin';
import '@photo-sphere-viewer/core/index.css';
import '@photo-sphere-viewer/markers-plugin/index.css';
import { h } from '../dom';
import { t } from '../i18n';
import type { Hotspot, Scene, SceneView } from './api';

declare global {
  interface Window {
    /** The open panorama viewer (Photo Sphere Viewer), for tests and the console. */
    siteAtlasPanorama?: Viewer;
  }
}

const FACES = ['left', 'front', 'right', 'back', 'top', 'bottom'] as const;
type Face = (typeof FACES)[number];

const RAD = Math.PI / 180;

/** Degrees in -180..180 from PSV's radians in 0..2π. */
export function yawDeg(radians: number): number {
  const d = radians / RAD;
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

/**
 * The view to open a scene at: what was asked for, else the scene's own
 * initial view, else straight ahead. A view that names a direction or a zoom
 * is taken as asked; the initial view fills only a view asking for nothing.
 */
export function openingView(scene: Scene, view: Partial<SceneView>): Partial<SceneView> {
  const asked = view.yaw !== undefined || view.pitch !== undefined || view.zoom !== undefined;
  const initial = scene.initial_view;
  if (asked || !initial) return view;
  return { ...view, yaw: initial.yaw_deg, pitch: initial.pitch_deg, zoom: initial.zoom };
}

/** The tiles of a scene, as PSV's CubemapTilesAdapter asks for them. */
export function panoramaOf(scene: Scene): CubemapMultiTilesPanorama {
  const tile = (level: number, face: Face, row: number, col: number) =>
    scene.tile_url_template
      .replace('{level}', String(level))
      .replace('{face}', face)
      .replace('{row}', String(row))
      .replace('{col}', String(col));
  return {
    baseUrl: Object.fromEntries(FACES.map((f) => [f, tile(0, f, 0, 0)])) as Record<Face, string>,
    levels: scene.levels.map((l) => ({ faceSize: l.face_size, nbTiles: l.nb_tiles })),
    tileUrl: (face, col, row, level) => tile(level, face as Face, row, col),
  };
}

/**
 * Fetches the first level of a scene's faces into the HTTP cache (the tiles
 * are immutable), so that showing the scene later only decodes them: a
 * guide's next stop appears at once, for the guide and everyone following.
 */
export function prefetchScene(scene: Scene): void {
  const first = panoramaOf(scene).baseUrl as Record<string, string>;
  for (const url of Object.values(first)) {
    void fetch(url, { priority: 'low' } as RequestInit).catch(() => undefined);
  }
}

export interface ViewerHooks {
  /** A scene by id (a link hotspot's target), from what is known or the server. */
  resolveScene(id: number): Promise<Scene>;
  /** The title shown on a link hotspot leading to `id`, when known. */
  titleOf?(id: number): string | undefined;
  /** Called once a scene is shown (first scene included). */
  onScene?(scene: Scene): void;
  /** Called whenever the camera turns or zooms. */
  onView?(view: SceneView): void;
  /** A note hotspot was chosen. */
  onNote?(note: string): void;
}

export class PanoramaViewer {
  readonly psv: Viewer;
  private readonly markers: MarkersPlugin;
  private scene: Scene;
  private ticket = 0;
  /** Whether a scene is loading, and the view asked for meanwhile. */
  private loading = false;
  private later: Partial<SceneView> | null = null;
  /** The hotspot last followed, and when: one click may arrive twice. */
  private followed: { id: number; at: number } | null = null;

  constructor(
    readonly container: HTMLElement,
    first: Scene,
    view: Partial<SceneView>,
    private readonly hooks: ViewerHooks,
  ) {
    this.scene = first;
    view = openingView(first, view);
    const config: ViewerConfig = {
      container,
      adapter: [CubemapTilesAdapter, {}],
      plugins: [[MarkersPlugin, {}]],
      panorama: panoramaOf(first),
      defaultYaw: (view.yaw ?? 0) * RAD,
      defaultPitch: (view.pitch ?? 0) * RAD,
      defaultZoomLvl: view.zoom ?? 50,
      navbar: ['zoomOut', 'zoomRange', 'zoomIn', 'fullscreen'],
      lang: {
        zoom: t('panoZoom'),
        zoomOut: t('panoZoomOut'),
        zoomIn: t('panoZoomIn'),
        fullscreen: t('panoFullscreen'),
        loading: t('panoLoading'),
        loadError: t('panoLoadError'),
        webglError: t('panoWebgl'),
        close: t('cardClose'),
      },
      loadingTxt: t('panoLoading'),
      touchmoveTwoFingers: false,
      mousewheelCtrlKey: false,
    };
    this.psv = new Viewer(config);
    this.markers = this.psv.getPlugin(MarkersPlugin) as MarkersPlugin;
    this.markers.addEventListener('select-marker', ({ marker }) => {
      const hotspot = (marker.config.data as { hotspot?: Hotspot } | undefined)?.hotspot;
      if (hotspot) void this.follow(hotspot);
    });
    const changed = () => this.hooks.onView?.(this.view());
    this.psv.addEventListener('position-updated', changed);
    this.psv.addEventListener('zoom-updated', changed);
    this.psv.addEventListener('ready', () => {
      this.showMarkers();
      this.hooks.onScene?.(this.scene);
      this.marked();
    }, { once: true });
    window.siteAtlasPanorama = this.psv;
  }

  get current(): Scene {
    return this.scene;
  }

  /** The camera now, in degrees and PSV's zoom level. */
  view(): SceneView {
    const { yaw, pitch } = this.psv.getPosition();
    return { scene: this.scene.id, yaw: yawDeg(yaw), pitch: pitch / RAD, zoom: this.psv.getZoomLevel() };
  }

  /** Shows a scene (or just turns, if it is the one shown); `view` leaves unset parts as they are. */
  async show(scene: Scene, view: Partial<SceneView> = {}, transition = true): Promise<void> {
    // Another scene opens at its initial view unless a view is asked for.
    if (scene.id !== this.scene.id) view = openingView(scene, view);
    const position = view.yaw !== undefined || view.pitch !== undefined
      ? { yaw: (view.yaw ?? 0) * RAD, pitch: (view.pitch ?? 0) * RAD }
      : undefined;
    if (scene.id === this.scene.id) {
      // Still loading: the view applies once the scene is there. A turn
      // never cancels the loading scene's completion (markers, onScene).
      if (this.loading) this.later = { ...this.later, ...view };
      if (position) this.psv.rotate(position);
      if (view.zoom !== undefined) this.psv.zoom(view.zoom);
      return;
    }
    const ticket = ++this.ticket;
    // Whatever the camera was doing (a pan's inertia, an animation) must
    // not hold the new scene back.
    void this.psv.stopAnimation();
    this.scene = scene;
    this.later = null;
    this.loading = true;
    this.markers.clearMarkers();
    try {
      await this.psv.setPanorama(panoramaOf(scene), {
        position: position ?? { yaw: 0, pitch: 0 },
        zoom: view.zoom,
        transition: transition ? { speed: 600, rotation: false } : false,
        showLoader: true,
      });
    } finally {
      if (ticket === this.ticket) this.loading = false;
    }
    if (ticket !== this.ticket) return;
    const later = this.later as Partial<SceneView> | null;
    this.later = null;
    if (later?.yaw !== undefined || later?.pitch !== undefined) this.psv.rotate({ yaw: (later.yaw ?? 0) * RAD, pitch: (later.pitch ?? 0) * RAD });
    if (later?.zoom !== undefined) this.psv.zoom(later.zoom);
    this.showMarkers();
    this.hooks.onScene?.(scene);
    this.marked();
    this.hooks.onView?.(this.view());
  }

  /** Takes a newer copy of the shown scene (its hotspots changed) and redraws its markers. */
  update(scene: Scene): void {
    if (scene.id !== this.scene.id) return;
    this.scene = scene;
    if (!this.loading) this.showMarkers();
  }

  destroy(): void {
    this.ticket++;
    if (window.siteAtlasPanorama === this.psv) delete window.siteAtlasPanorama;
    this.psv.destroy();
  }

  /** The shown scene's id on the container once it is loaded, for tests and styling. */
  private marked(): void {
    this.container.dataset.sceneId = String(this.scene.id);
  }

  private async follow(hotspot: Hotspot): Promise<void> {
    const now = Date.now();
    if (this.followed?.id === hotspot.id && now - this.followed.at < 500) return;
    this.followed = { id: hotspot.id, at: now };
    if (hotspot.target !== null && hotspot.target !== undefined) {
      try {
        await this.show(await this.hooks.resolveScene(hotspot.target));
      } catch (e) {
        console.warn('scene unavailable', e);
      }
    } else if (hotspot.note) {
      this.hooks.onNote?.(hotspot.note);
    }
  }

  private showMarkers(): void {
    this.markers.setMarkers(this.scene.hotspots.map((hs) => this.marker(hs)));
  }

  private marker(hs: Hotspot): MarkerConfig {
    const link = hs.target !== null && hs.target !== undefined;
    const caption = link ? (this.hooks.titleOf?.(hs.target as number) ? t('panoGoTo', { title: this.hooks.titleOf?.(hs.target as number) ?? '' }) : t('panoNext')) : t('panoNote');
    // Built with text nodes only: a note is the user's text and never HTML.
    const element = h(
      'div',
      {
        class: `pano-hotspot ${link ? 'pano-hotspot-link' : 'pano-hotspot-note'}`,
        role: 'button',
        tabindex: 0,
        title: link ? caption : (hs.note ?? ''),
        'aria-label': link ? caption : `${t('panoNote')}: ${hs.note ?? ''}`,
        'data-testid': 'pano-hotspot',
        'data-hotspot': hs.id,
        'data-target': link ? hs.target : null,
      },
      h('span', { class: 'pano-hotspot-icon', 'aria-hidden': 'true' }, link ? '➜' : 'i'),
      h('span', { class: 'pano-hotspot-label' }, link ? caption : t('panoNote')),
    );
    // PSV's select-marker and a plain click (taps included) both lead here; `follow` takes the first.
    element.addEventListener('click', () => void this.follow(hs));
    element.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        void this.follow(hs);
      }
    });
    return {
      id: `hotspot-${hs.id}`,
      element,
      position: { yaw: hs.yaw_deg * RAD, pitch: hs.pitch_deg * RAD },
      anchor: 'center center',
      data: { hotspot: hs },
    };
  }
}

// A panorama stage: the viewer with the scene's title, the map inset, the
// note of a chosen hotspot and thumbnails of the other scenes. The site visit
// (full screen, in the app) and the tour page both show one.

import { h, replaceChildren } from '../dom';
import { t } from '../i18n';
import type { Geometry } from '../types';
import { fetchScene, type Scene, type SceneView } from './api';
import { MapInset } from './inset';
import { PanoramaViewer } from './viewer';

export interface StageOptions {
  /** The scenes offered as thumbnails (and known without asking the server). */
  scenes: Scene[];
  /** Whether to show the thumbnails strip. */
  strip?: boolean;
  /** The outline of a scene's feature, for the inset. */
  geometryOf(scene: Scene): Promise<Geometry | null> | Geometry | null;
  onScene?(scene: Scene): void;
  onView?(view: SceneView): void;
}

/** A scene's title, or its place in the list when it has none. */
export function sceneTitle(scene: Scene, index: number): string {
  return scene.title || t('panoUntitled', { n: index + 1 });
}

export class PanoramaStage {
  readonly el: HTMLElement;
  viewer: PanoramaViewer | null = null;
  private readonly known = new Map<number, Scene>();
  private readonly box = h('div', { class: 'pano-viewer', 'data-testid': 'pano-viewer' });
  private readonly title = h('h2', { class: 'pano-title', 'data-testid': 'pano-title' });
  private readonly counter = h('span', { class: 'pano-counter' });
  private readonly note = h('div', { class: 'pano-note', hidden: true, role: 'note', 'data-testid': 'pano-note' });
  private readonly strip = h('nav', { class: 'pano-strip', 'aria-label': t('panoOtherScenes'), 'data-testid': 'pano-strip' });
  private readonly inset = new MapInset();
  private sceneTicket = 0;
  private showTicket = 0;

  constructor(private readonly options: StageOptions) {
    for (const s of options.scenes) this.known.set(s.id, s);
    this.el = h(
      'div',
      { class: 'pano-stage' },
      this.box,
      h('div', { class: 'pano-head' }, this.title, this.counter),
      h('div', { class: 'pano-inset-wrap' }, this.inset.el),
      this.note,
      options.strip === false ? null : this.strip,
    );
    if (options.strip === false) this.strip.hidden = true;
  }

  /** Opens the viewer at a scene; call once the stage is in the page (PSV measures its box). */
  start(scene: Scene, view: Partial<SceneView> = {}): void {
    this.known.set(scene.id, scene);
    this.viewer = new PanoramaViewer(this.box, scene, view, {
      resolveScene: (id) => this.resolve(id),
      titleOf: (id) => {
        const s = this.known.get(id);
        return s ? sceneTitle(s, this.options.scenes.indexOf(s)) : undefined;
      },
      onScene: (s) => this.sceneShown(s),
      onView: (v) => {
        this.inset.turn(v.yaw);
        this.options.onView?.(v);
      },
      onNote: (note) => this.showNote(note),
    });
    this.header(scene);
  }

  /** Shows a scene by id (fetched if unknown), at a view. */
  async show(id: number, view: Partial<SceneView> = {}, transition = true): Promise<void> {
    if (!this.viewer) return;
    // Scenes fetched for two views can arrive in either order: only the
    // latest view asked for is shown, never an older one after it.
    const ticket = ++this.showTicket;
    const scene = await this.resolve(id);
    if (ticket !== this.showTicket || !this.viewer) return;
    await this.viewer.show(scene, view, transition);
  }

  view(): SceneView | null {
    return this.viewer?.view() ?? null;
  }

  destroy(): void {
    this.viewer?.destroy();
    this.viewer = null;
  }

  private async resolve(id: number): Promise<Scene> {
    const known = this.known.get(id);
    if (known) return known;
    const scene = await fetchScene(id);
    this.known.set(id, scene);
    return scene;
  }

  private header(scene: Scene): void {
    const index = this.options.scenes.findIndex((s) => s.id === scene.id);
    this.title.textContent = sceneTitle(scene, Math.max(index, 0));
    this.counter.textContent = index >= 0 && this.options.scenes.length > 1 ? t('panoSceneOf', { n: index + 1, total: this.options.scenes.length }) : '';
  }

  private sceneShown(scene: Scene): void {
    this.header(scene);
    this.note.hidden = true;
    this.renderStrip(scene);
    const ticket = ++this.sceneTicket;
    const at: [number, number] | null = scene.lon !== null && scene.lat !== null ? [scene.lon, scene.lat] : null;
    void Promise.resolve(this.options.geometryOf(scene))
      .catch(() => null)
      .then((geometry) => {
        if (ticket !== this.sceneTicket) return;
        this.inset.place(geometry, at, scene.heading_deg ?? 0);
        const v = this.viewer?.view();
        if (v) this.inset.turn(v.yaw);
      });
    this.options.onScene?.(scene);
  }

  private showNote(note: string): void {
    const close = h('button', { class: 'pano-note-close', type: 'button', 'aria-label': t('panoNoteClose'), title: t('panoNoteClose') }, '×');
    close.addEventListener('click', () => {
      this.note.hidden = true;
    });
    // textContent only: a note is someone's text, never markup.
    replaceChildren(this.note, h('strong', {}, t('panoNote')), h('p', {}, note), close);
    this.note.hidden = false;
  }

  private renderStrip(current: Scene): void {
    if (this.options.strip === false) return;
    const scenes = this.options.scenes;
    if (scenes.length < 2) {
      this.strip.hidden = true;
      return;
    }
    this.strip.hidden = false;
    replaceChildren(
      this.strip,
      ...scenes.map((s, i) =>
        h(
          'button',
          {
            type: 'button',
            class: `pano-thumb${s.id === current.id ? ' active' : ''}`,
            'aria-current': s.id === current.id ? 'true' : null,
            'data-testid': 'pano-thumb',
            'data-scene': s.id,
            title: sceneTitle(s, i),
            onclick: () => void this.show(s.id),
          },
          h('img', { src: s.thumbnail_url, alt: '', loading: 'lazy' }),
          h('span', {}, sceneTitle(s, i)),
        ),
      ),
    );
  }
}

// 全景与导览管理: the staff's back office for panoramas and tours, in one
// overlay with two tabs. Panoramas (promoters and admins everywhere, officers
// for their own parks): upload pictures for a plot, factory or park with a
// progress bar each, watch them being processed, place each scene on a small
// map (position, heading), set its title and the view it opens at, and place
// or remove hotspots by clicking in the viewer. Tours (promoters and admins):
// order scenes into a tour by drag and drop or with buttons, preview it, share
// it with expiring links, see how often each was opened, revoke them, and open
// a live guided tour.

import type { ClickData } from '@photo-sphere-viewer/core';
import { Map as MapLibreMap, Marker, NavigationControl, type StyleSpecification } from 'maplibre-gl';
import { ApiError, TILEJSON_PATH } from './api';
import { h, replaceChildren } from './dom';
import { getLang, label, serverMessage, t, type StringKey } from './i18n';
import { overlay, when } from './leads';
import type { OfficerSession } from './officer';
import {
  addHotspot,
  createLink,
  deleteHotspot,
  deleteScene,
  fetchSceneFeature,
  listLinks,
  listScenes,
  listTours,
  patchScene,
  revokeLink,
  saveTour,
  uploadScene,
  type Scene,
  type SceneLayer,
  type ShareLink,
  type TourSummary,
} from './panorama/api';
import { PanoramaStage, sceneTitle } from './panorama/stage';
import { PanoramaViewer, yawDeg } from './panorama/viewer';
import type { Store } from './state';
import type { Feature, Geometry } from './types';

/** The feature scenes are uploaded for. */
interface Site {
  layer: SceneLayer;
  id: number;
  /** Its name and code, as shown. */
  label: string;
}

const RAD = Math.PI / 180;

/** A message for a failed request: the reader's language, then the server's detail. */
function problem(e: unknown): string {
  const general = serverMessage(e);
  const detail = e instanceof ApiError ? e.message : '';
  return detail && detail !== general ? `${general}${paren(detail)}` : general;
}

/** Punctuation in the reader's language: Chinese text takes full-width marks. */
function colon(): string {
  return getLang() === 'zh' ? '：' : ': ';
}

function paren(text: string): string {
  return getLang() === 'zh' ? `（${text}）` : ` (${text})`;
}

function siteLabel(layer: SceneLayer, feature: Feature | null, id: number): string {
  const p = feature?.properties ?? {};
  const name = typeof p.name === 'string' ? p.name : '';
  const code = typeof p.code === 'string' ? p.code : '';
  return `${label('layer', layer)} ${`${name} ${code}`.trim() || `#${id}`}`;
}

/** Feature outlines and labels, fetched once each. */
const features = new Map<string, Promise<Feature | null>>();
function featureOf(layer: SceneLayer, id: number): Promise<Feature | null> {
  const key = `${layer}/${id}`;
  let f = features.get(key);
  if (!f) {
    f = fetchSceneFeature(layer, id).catch(() => null);
    features.set(key, f);
  }
  return f;
}

function geometryOf(scene: Scene): Promise<Geometry | null> {
  return featureOf(scene.layer, scene.feature).then((f) => f?.geometry ?? null);
}

/** A tag for a scene's processing state. */
function stateTag(scene: Scene): HTMLElement {
  const status = scene.status ?? 'ready';
  return h('span', { class: `scene-state scene-state-${status}`, 'data-testid': 'scene-state', 'data-status': status }, t(`office_state_${status}` as StringKey));
}

/** The back office overlay: the panoramas tab for every staffer, the tours tab for promoters and admins. */
export class MediaOffice {
  private readonly dialog = overlay('media_title', 'media-office');
  private readonly tabs = h('div', { class: 'media-tabs', role: 'tablist' });
  private readonly scenesTab = h('button', { type: 'button', role: 'tab', class: 'media-tab', 'data-testid': 'office-tab-scenes', onclick: () => this.showTab('scenes') });
  private readonly toursTab = h('button', { type: 'button', role: 'tab', class: 'media-tab', 'data-testid': 'office-tab-tours', onclick: () => this.showTab('tours') });
  private readonly scenesPane = h('div', { class: 'office-pane', role: 'tabpanel', 'data-testid': 'office-scenes' });
  private readonly toursPane = h('div', { class: 'office-pane', role: 'tabpanel', 'data-testid': 'office-tours', hidden: true });
  private tab: 'scenes' | 'tours' = 'scenes';

  private site: Site | null = null;
  private scenes: Scene[] = [];
  private onlySite = false;
  private poll: ReturnType<typeof setTimeout> | undefined;
  private editor: SceneEditor | null = null;
  private tours: TourBuilder;

  constructor(
    private readonly store: Store,
    private readonly session: OfficerSession,
  ) {
    this.tabs.append(this.scenesTab, this.toursTab);
    this.dialog.body.append(this.tabs, this.scenesPane, this.toursPane);
    this.dialog.el.classList.add('media-office');
    this.dialog.el.addEventListener('close', () => {
      clearTimeout(this.poll);
      this.editor?.destroy();
      this.editor = null;
      this.tours.close();
    });
    this.tours = new TourBuilder(this.toursPane, () => this.scenes);
  }

  /** Whether the signed-in actor builds tours (officers manage panoramas only). */
  private mayTour(): boolean {
    const role = this.session.info?.role;
    return role === 'promoter' || role === 'admin';
  }

  open(): void {
    this.dialog.open();
    this.scenesTab.textContent = t('office_tab_scenes');
    this.toursTab.textContent = t('office_tab_tours');
    this.toursTab.hidden = !this.mayTour();
    void this.useSelected(true);
    this.showTab(this.tab === 'tours' && this.mayTour() ? 'tours' : 'scenes');
  }

  private showTab(tab: 'scenes' | 'tours'): void {
    this.tab = tab;
    this.scenesTab.setAttribute('aria-selected', String(tab === 'scenes'));
    this.toursTab.setAttribute('aria-selected', String(tab === 'tours'));
    this.scenesPane.hidden = tab !== 'scenes';
    this.toursPane.hidden = tab !== 'tours';
    if (tab === 'scenes') {
      this.tours.close();
      this.renderScenesPane();
    } else {
      this.editor?.destroy();
      this.editor = null;
      void this.loadScenes().then(() => this.tours.open());
    }
  }

  // ---- Panoramas ----

  private readonly siteText = h('strong', { 'data-testid': 'office-site' });
  private readonly siteMessage = h('span', { class: 'office-message', role: 'status', 'data-testid': 'office-site-message' });
  private readonly uploads = h('ul', { class: 'office-uploads', 'data-testid': 'office-uploads' });
  private readonly list = h('ul', { class: 'office-scenes', 'data-testid': 'office-scene-list' });

  private renderScenesPane(): void {
    const code = h('input', { type: 'search', placeholder: t('office_site_code_hint'), 'aria-label': t('office_site_code'), 'data-testid': 'office-site-code', maxlength: 100 });
    const find = h('button', { class: 'card-action', type: 'submit', 'data-testid': 'office-site-find' }, t('office_site_find'));
    const codeForm = h('form', { class: 'media-row' }, h('label', {}, t('office_site_code'), code), find);
    codeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.findSite(code.value.trim());
    });
    const selected = h('button', { class: 'card-action', type: 'button', 'data-testid': 'office-site-selected', onclick: () => void this.useSelected(false) }, t('office_site_selected'));
    const files = h('input', { type: 'file', multiple: true, accept: 'image/*', 'data-testid': 'office-files' });
    const send = h('button', { class: 'primary-button office-upload-button', type: 'button', 'data-testid': 'office-upload' }, t('office_upload'));
    send.addEventListener('click', () => {
      const chosen = [...(files.files ?? [])];
      if (!this.site) return this.say(t('office_need_site'));
      if (!chosen.length) return this.say(t('office_need_files'));
      files.value = '';
      for (const file of chosen) void this.upload(this.site, file);
    });
    const scope = h('label', { class: 'office-check' }, h('input', { type: 'checkbox', checked: this.onlySite, 'data-testid': 'office-only-site', onchange: (e: Event) => {
      this.onlySite = (e.target as HTMLInputElement).checked;
      void this.loadScenes();
    } }), t('office_list_site'));
    const refresh = h('button', { class: 'card-action', type: 'button', onclick: () => void this.loadScenes() }, t('office_refresh'));
    this.renderSite();
    replaceChildren(
      this.scenesPane,
      h(
        'section',
        { class: 'office-card office-upload' },
        h('h3', {}, t('office_upload_title')),
        h('div', { class: 'media-row' }, h('span', {}, `${t('office_site')}${colon()}`), this.siteText, selected),
        codeForm,
        this.siteMessage,
        h('div', { class: 'media-row' }, h('label', { class: 'office-file' }, t('office_files'), files), send),
        h('p', { class: 'muted' }, t('office_upload_hint')),
        this.uploads,
      ),
      h('section', { class: 'office-card' }, h('div', { class: 'media-row office-list-head' }, h('h3', {}, t('office_scenes')), scope, refresh), this.list),
    );
    void this.loadScenes();
  }

  private say(text: string): void {
    this.siteMessage.textContent = text;
  }

  private renderSite(): void {
    this.siteText.textContent = this.site ? this.site.label : t('office_site_none');
  }

  private async setSite(layer: SceneLayer, id: number): Promise<void> {
    const feature = await featureOf(layer, id);
    this.site = { layer, id, label: siteLabel(layer, feature, id) };
    this.renderSite();
    this.say('');
    if (this.onlySite) void this.loadScenes();
  }

  /** Takes the plot or factory selected on the map; `quiet` says nothing when there is none. */
  private async useSelected(quiet: boolean): Promise<void> {
    const sel = this.store.state.selected;
    if (!sel) {
      if (!quiet) this.say(t('office_site_no_selection'));
      return;
    }
    await this.setSite(sel.layer as SceneLayer, sel.id);
  }

  /** Finds a plot, factory or park by its code in the gazetteer. */
  private async findSite(code: string): Promise<void> {
    if (!code) return;
    try {
      const r = await fetch(`api/places?q=${encodeURIComponent(code)}&limit=10`, { headers: { Accept: 'application/json' } });
      const body = (await r.json()) as { places?: { layer?: string; id?: number; code?: string }[] };
      const places = (body.places ?? []).filter((p) => (p.layer === 'plots' || p.layer === 'parks' || p.layer === 'factories') && p.id);
      const exact = places.find((p) => p.code?.toLowerCase() === code.toLowerCase()) ?? (places.length === 1 ? places[0] : undefined);
      if (!exact) return this.say(t('office_site_not_found', { code }));
      await this.setSite(exact.layer as SceneLayer, exact.id as number);
    } catch (e) {
      this.say(problem(e));
    }
  }

  private async upload(site: Site, file: File): Promise<void> {
    const bar = h('progress', { max: 1, value: 0, 'data-testid': 'upload-progress' });
    const state = h('span', { class: 'office-upload-state', 'data-testid': 'upload-state' }, t('office_uploading'));
    const row = h('li', { 'data-testid': 'upload-row' }, h('span', { class: 'office-upload-name' }, file.name), bar, state);
    this.uploads.prepend(row);
    try {
      await uploadScene(site, file, (f) => {
        bar.value = f;
      });
      bar.value = 1;
      state.textContent = t('office_sent');
      row.dataset.done = 'sent';
      await this.loadScenes();
    } catch (e) {
      state.textContent = t('office_upload_failed', { msg: problem(e) });
      state.classList.add('error');
      row.dataset.done = 'failed';
    }
  }

  private async loadScenes(): Promise<void> {
    clearTimeout(this.poll);
    try {
      const site = this.onlySite && this.site ? this.site : undefined;
      this.scenes = await listScenes(site);
      this.renderList();
      // Processing goes on in the background: look again until it is done.
      if (this.scenes.some((s) => s.status === 'processing') && this.dialog.el.open) {
        this.poll = setTimeout(() => void this.loadScenes(), 1500);
      }
    } catch (e) {
      replaceChildren(this.list, h('li', { class: 'empty error' }, t('office_failed_load', { msg: problem(e) })));
    }
  }

  private renderList(): void {
    if (!this.scenes.length) {
      replaceChildren(this.list, h('li', { class: 'empty' }, t('office_empty')));
      return;
    }
    replaceChildren(this.list, ...this.scenes.map((s, i) => this.sceneRow(s, i)));
  }

  private sceneRow(scene: Scene, index: number): HTMLElement {
    const where = h('span', { class: 'muted' });
    void featureOf(scene.layer, scene.feature).then((f) => {
      where.textContent = siteLabel(scene.layer, f, scene.feature);
    });
    const ready = scene.status === 'ready' || scene.status === undefined;
    const thumb = ready && scene.thumbnail_url ? h('img', { src: scene.thumbnail_url, alt: '', loading: 'lazy' }) : h('div', { class: 'office-thumb-empty' }, t(`office_state_${scene.status ?? 'ready'}` as StringKey));
    const edit = h('button', { class: 'card-action', type: 'button', 'data-testid': 'scene-edit', disabled: !ready, onclick: () => this.edit(scene) }, t('media_edit'));
    const remove = h('button', { class: 'card-action danger', type: 'button', 'data-testid': 'scene-delete', onclick: () => void this.remove(scene, index) }, t('office_delete'));
    return h(
      'li',
      { class: 'office-scene', 'data-testid': 'office-scene', 'data-id': scene.id, 'data-status': scene.status ?? 'ready' },
      h('div', { class: 'office-thumb' }, thumb),
      h(
        'div',
        { class: 'office-scene-text' },
        h('strong', { 'data-testid': 'scene-title' }, sceneTitle(scene, index)),
        where,
        h('div', {}, stateTag(scene), scene.status === 'failed' && scene.error ? h('span', { class: 'office-error', 'data-testid': 'scene-error' }, scene.error) : null),
      ),
      h('div', { class: 'office-scene-actions' }, edit, remove),
    );
  }

  private async remove(scene: Scene, index: number): Promise<void> {
    if (!confirm(t('office_delete_confirm', { title: sceneTitle(scene, index) }))) return;
    try {
      await deleteScene(scene.id);
      if (this.editor?.scene.id === scene.id) this.closeEditor();
      await this.loadScenes();
    } catch (e) {
      alert(problem(e));
    }
  }

  private edit(scene: Scene): void {
    this.editor?.destroy();
    const editor = new SceneEditor(scene, () => this.scenes, {
      back: () => this.closeEditor(),
      changed: () => void this.loadScenes(),
    });
    this.editor = editor;
    replaceChildren(this.scenesPane, editor.el);
    editor.start();
  }

  private closeEditor(): void {
    this.editor?.destroy();
    this.editor = null;
    this.renderScenesPane();
  }
}

interface EditorHooks {
  back(): void;
  changed(): void;
}

/** One scene's editor: title, initial view, position and heading, hotspots. */
class SceneEditor {
  readonly el: HTMLElement;
  private viewer: PanoramaViewer | null = null;
  private map: MapLibreMap | null = null;
  private camera: Marker | null = null;
  private handle: Marker | null = null;
  private position: [number, number] | null;
  private heading: number;
  private readonly box = h('div', { class: 'pano-viewer office-viewer', 'data-testid': 'office-viewer' });
  private readonly mapBox = h('div', { class: 'office-map', 'data-testid': 'office-map' });
  private readonly headingInput = h('input', { type: 'number', min: 0, max: 360, step: 1, 'data-testid': 'office-heading' });
  private readonly positionText = h('span', { class: 'muted', 'data-testid': 'office-position' });
  private readonly message = h('p', { class: 'office-message', role: 'status', 'data-testid': 'office-editor-message' });
  private readonly hotspotForm = h('div', { class: 'office-hotspot-form', hidden: true, 'data-testid': 'hotspot-form' });
  private readonly hotspotList = h('ul', { class: 'office-hotspots', 'data-testid': 'hotspot-list' });

  constructor(
    public scene: Scene,
    private readonly scenes: () => Scene[],
    private readonly hooks: EditorHooks,
  ) {
    this.position = scene.lon !== null && scene.lat !== null ? [scene.lon, scene.lat] : null;
    this.heading = scene.heading_deg ?? 0;
    const title = h('input', { type: 'text', value: scene.title, maxlength: 200, 'data-testid': 'office-title', 'aria-label': t('office_title_label') });
    const saveTitle = h('button', { class: 'card-action', type: 'submit', 'data-testid': 'office-title-save' }, t('office_save'));
    const titleForm = h('form', { class: 'media-row' }, h('label', { class: 'office-grow' }, t('office_title_label'), title), saveTitle);
    titleForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save({ title: title.value.trim() }, t('office_saved'));
    });
    const initial = h('button', { class: 'card-action', type: 'button', 'data-testid': 'office-initial-view', onclick: () => this.saveInitialView() }, t('office_initial_view'));
    this.headingInput.value = String(Math.round(this.heading));
    this.headingInput.addEventListener('input', () => {
      const v = Number(this.headingInput.value);
      if (Number.isFinite(v)) this.setHeading(v, false);
    });
    const savePlace = h('button', { class: 'primary-button office-inline-button', type: 'button', 'data-testid': 'office-place-save', onclick: () => this.savePlace() }, t('office_place_save'));
    const back = h('button', { class: 'link-button', type: 'button', 'data-testid': 'office-back', onclick: () => hooks.back() }, `← ${t('office_back')}`);
    this.el = h(
      'div',
      { class: 'office-editor', 'data-testid': 'office-editor', 'data-id': scene.id },
      h('div', { class: 'media-row' }, back),
      titleForm,
      this.message,
      h(
        'div',
        { class: 'office-editor-grid' },
        h(
          'section',
          { class: 'office-card' },
          h('h3', {}, t('media_view')),
          h('p', { class: 'muted' }, t('office_hotspot_hint')),
          this.box,
          h('div', { class: 'media-row' }, initial),
          this.hotspotForm,
          h('h3', {}, t('office_hotspots')),
          this.hotspotList,
        ),
        h(
          'section',
          { class: 'office-card' },
          h('h3', {}, t('office_place')),
          h('p', { class: 'muted' }, t('office_place_hint')),
          this.mapBox,
          h('div', { class: 'media-row' }, this.positionText, h('label', {}, t('office_heading'), this.headingInput), savePlace),
        ),
      ),
    );
    this.renderHotspots();
    this.renderPosition();
  }

  /** Opens the viewer and the map; call once the editor is in the page. */
  start(): void {
    this.viewer = new PanoramaViewer(this.box, this.scene, {}, {
      resolveScene: (id) => {
        const known = this.scenes().find((s) => s.id === id);
        return known ? Promise.resolve(known) : Promise.reject(new Error(`scene ${id}`));
      },
      titleOf: (id) => {
        const i = this.scenes().findIndex((s) => s.id === id);
        return i >= 0 ? sceneTitle(this.scenes()[i], i) : undefined;
      },
    });
    const place = ({ data }: { data: ClickData }) => {
      // A click on a hotspot follows it; right clicks open nothing.
      if (data.rightclick || data.marker || data.target?.closest('.pano-hotspot')) return;
      this.placeHotspot(yawDeg(data.yaw), data.pitch / RAD);
    };
    // Two clicks in quick succession arrive as a double click: both place.
    this.viewer.psv.addEventListener('click', place);
    this.viewer.psv.addEventListener('dblclick', place);
    void this.startMap();
  }

  destroy(): void {
    this.viewer?.destroy();
    this.viewer = null;
    this.map?.remove();
    this.map = null;
  }

  private say(text: string, error = false): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', error);
  }

  private async save(patch: Parameters<typeof patchScene>[1], done: string): Promise<boolean> {
    try {
      this.scene = await patchScene(this.scene.id, patch);
      this.say(done);
      this.hooks.changed();
      return true;
    } catch (e) {
      this.say(problem(e), true);
      return false;
    }
  }

  private saveInitialView(): void {
    const v = this.viewer?.view();
    if (!v) return;
    void this.save({ initial_view: { yaw_deg: Math.round(v.yaw * 10) / 10, pitch_deg: Math.round(v.pitch * 10) / 10, zoom: Math.round(v.zoom) } }, t('office_initial_saved'));
  }

  // -- position and heading --

  private async startMap(): Promise<void> {
    const feature = await featureOf(this.scene.layer, this.scene.feature);
    if (!this.viewer) return;
    const style: StyleSpecification = {
      version: 8,
      sources: {
        atlas: { type: 'vector', url: new URL(TILEJSON_PATH, document.baseURI).href },
        site: { type: 'geojson', data: feature?.geometry ? { type: 'Feature', geometry: feature.geometry as GeoJSON.Geometry, properties: {} } : { type: 'FeatureCollection', features: [] } },
      },
      layers: [
        { id: 'bg', type: 'background', paint: { 'background-color': '#eef2f6' } },
        { id: 'parks', type: 'line', source: 'atlas', 'source-layer': 'parks', paint: { 'line-color': '#9fb3c8', 'line-width': 1 } },
        { id: 'plots', type: 'line', source: 'atlas', 'source-layer': 'plots', paint: { 'line-color': '#b8c4d2', 'line-width': 1 } },
        { id: 'factories', type: 'line', source: 'atlas', 'source-layer': 'factories', paint: { 'line-color': '#b8c4d2', 'line-width': 1 } },
        { id: 'site-fill', type: 'fill', source: 'site', paint: { 'fill-color': '#1560bd', 'fill-opacity': 0.12 } },
        { id: 'site-line', type: 'line', source: 'site', paint: { 'line-color': '#1560bd', 'line-width': 2 } },
      ],
    };
    const bounds = boundsOf(feature?.geometry ?? null, this.position);
    this.map = new MapLibreMap({
      container: this.mapBox,
      style,
      bounds: bounds ?? undefined,
      center: bounds ? undefined : [104.06, 30.67],
      zoom: bounds ? undefined : 12,
      fitBoundsOptions: { padding: 40, maxZoom: 18 },
      dragRotate: false,
      pitchWithRotate: false,
      // On a phone one finger scrolls the form past the map; two move the map.
      cooperativeGestures: matchMedia('(pointer: coarse)').matches,
      locale: { 'CooperativeGesturesHandler.MobileHelpText': t('office_map_two_fingers') },
      touchPitch: false,
      attributionControl: false,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    this.map.on('click', (e) => {
      this.position = [e.lngLat.lng, e.lngLat.lat];
      this.drawCamera();
    });
    this.map.on('move', () => this.placeHandle());
    this.drawCamera();
  }

  /** The camera as the inset draws it: a dot and a cone turned to the heading. */
  private drawCamera(): void {
    this.renderPosition();
    const map = this.map;
    if (!map || !this.position) return;
    if (!this.camera) {
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('viewBox', '-40 -40 80 80');
      svg.setAttribute('width', '80');
      svg.setAttribute('height', '80');
      svg.innerHTML = '<path class="pano-inset-cone" d="M0 0 L-14 -30 A33 33 0 0 1 14 -30 Z"/><circle class="pano-inset-dot" r="5"/>';
      const el = h('div', { class: 'office-camera', 'data-testid': 'office-camera' });
      el.append(svg);
      this.camera = new Marker({ element: el, rotationAlignment: 'map', draggable: true }).setLngLat(this.position).addTo(map);
      this.camera.on('drag', () => {
        const at = this.camera?.getLngLat();
        if (at) this.position = [at.lng, at.lat];
        this.placeHandle();
        this.renderPosition();
      });
      const knob = h('div', { class: 'office-heading-handle', title: t('office_heading_drag'), 'data-testid': 'office-heading-handle' });
      this.handle = new Marker({ element: knob, draggable: true }).setLngLat(this.position).addTo(map);
      this.handle.on('drag', () => {
        const at = this.handle?.getLngLat();
        const from = this.position;
        if (!at || !from || !this.map) return;
        const a = this.map.project(from);
        const b = this.map.project(at);
        // Screen angles are map angles: the map is never rotated here.
        // Whole degrees: a finer heading cannot be aimed by hand.
        this.setHeading(Math.round(Math.atan2(b.x - a.x, a.y - b.y) / RAD), true, false);
      });
      this.handle.on('dragend', () => this.placeHandle());
    }
    this.camera.setLngLat(this.position);
    this.camera.setRotation(this.heading);
    this.camera.getElement().dataset.heading = this.heading.toFixed(0);
    this.placeHandle();
  }

  /** Puts the heading handle 56 px from the camera, in the heading's direction. */
  private placeHandle(): void {
    if (!this.map || !this.handle || !this.position) return;
    const a = this.map.project(this.position);
    const at = this.map.unproject([a.x + 56 * Math.sin(this.heading * RAD), a.y - 56 * Math.cos(this.heading * RAD)]);
    this.handle.setLngLat(at);
  }

  private setHeading(value: number, updateInput: boolean, moveHandle = true): void {
    this.heading = ((value % 360) + 360) % 360;
    if (updateInput) this.headingInput.value = String(Math.round(this.heading));
    this.camera?.setRotation(this.heading);
    if (this.camera) this.camera.getElement().dataset.heading = this.heading.toFixed(0);
    if (moveHandle) this.placeHandle();
  }

  private renderPosition(): void {
    this.positionText.textContent = this.position ? `${this.position[0].toFixed(6)}, ${this.position[1].toFixed(6)}` : t('office_no_position');
  }

  private savePlace(): void {
    const heading = Math.round(this.heading * 10) / 10;
    const patch: Parameters<typeof patchScene>[1] = { heading_deg: heading >= 360 ? 0 : heading };
    if (this.position) {
      patch.lon = Math.round(this.position[0] * 1e7) / 1e7;
      patch.lat = Math.round(this.position[1] * 1e7) / 1e7;
    }
    void this.save(patch, t('office_saved'));
  }

  // -- hotspots --

  private placeHotspot(yaw: number, pitch: number): void {
    const others = this.scenes().filter((s) => s.id !== this.scene.id && (s.status ?? 'ready') === 'ready');
    const kind = h(
      'select',
      { 'data-testid': 'hotspot-kind', 'aria-label': t('office_hotspot_kind') },
      h('option', { value: 'link', disabled: !others.length }, t('office_hotspot_kind_link')),
      h('option', { value: 'note', selected: !others.length }, t('office_hotspot_kind_note')),
    );
    const target = h('select', { 'data-testid': 'hotspot-target', 'aria-label': t('office_hotspot_target') }, ...others.map((s) => h('option', { value: s.id }, sceneTitle(s, this.scenes().indexOf(s)))));
    const note = h('input', { type: 'text', maxlength: 500, placeholder: t('office_hotspot_note'), 'aria-label': t('office_hotspot_note'), 'data-testid': 'hotspot-note' });
    const targetLabel = h('label', {}, t('office_hotspot_target'), target);
    const noteLabel = h('label', { class: 'office-grow' }, t('office_hotspot_note'), note);
    const sync = () => {
      targetLabel.hidden = kind.value !== 'link';
      noteLabel.hidden = kind.value !== 'note';
    };
    kind.addEventListener('change', sync);
    sync();
    const add = h('button', { class: 'primary-button office-inline-button', type: 'submit', 'data-testid': 'hotspot-add' }, t('office_hotspot_add'));
    const cancel = h('button', { class: 'link-button', type: 'button', onclick: () => {
      this.hotspotForm.hidden = true;
    } }, t('office_cancel'));
    const form = h('form', { class: 'media-row' }, kind, targetLabel, noteLabel, add, cancel);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = kind.value === 'link' ? { yaw_deg: round1(yaw), pitch_deg: round1(pitch), target: Number(target.value) } : { yaw_deg: round1(yaw), pitch_deg: round1(pitch), note: note.value.trim() };
      if (kind.value === 'note' && !note.value.trim()) {
        note.focus();
        return;
      }
      add.disabled = true;
      addHotspot(this.scene.id, body)
        .then((scene) => {
          this.scene = scene;
          this.viewer?.update(scene);
          this.renderHotspots();
          this.hotspotForm.hidden = true;
          this.say(t('office_hotspot_added'));
          this.hooks.changed();
        })
        .catch((err: unknown) => this.say(problem(err), true))
        .finally(() => {
          add.disabled = false;
        });
    });
    replaceChildren(this.hotspotForm, h('strong', {}, t('office_hotspot_at', { yaw: wholeDegrees(yaw), pitch: wholeDegrees(pitch) })), form);
    this.hotspotForm.hidden = false;
    (kind.value === 'note' ? note : target).focus();
  }

  private renderHotspots(): void {
    const all = this.scenes();
    const hotspots = this.scene.hotspots;
    if (!hotspots.length) {
      replaceChildren(this.hotspotList, h('li', { class: 'muted' }, t('office_hotspot_none')));
      return;
    }
    replaceChildren(
      this.hotspotList,
      ...hotspots.map((hs) => {
        const target = hs.target !== null ? all.findIndex((s) => s.id === hs.target) : -1;
        const text = hs.target !== null ? t('office_hotspot_link_to', { title: target >= 0 ? sceneTitle(all[target], target) : `#${hs.target}` }) : `${t('panoNote')}${colon()}${hs.note ?? ''}`;
        return h(
          'li',
          { 'data-testid': 'hotspot-row', 'data-id': hs.id },
          h('span', { class: 'office-grow' }, text, h('span', { class: 'muted' }, paren(`${wholeDegrees(hs.yaw_deg)}°, ${wholeDegrees(hs.pitch_deg)}°`))),
          h('button', { class: 'card-action danger', type: 'button', 'data-testid': 'hotspot-delete', onclick: () => void this.removeHotspot(hs.id) }, t('office_delete')),
        );
      }),
    );
  }

  private async removeHotspot(id: number): Promise<void> {
    try {
      await deleteHotspot(this.scene.id, id);
      this.scene = { ...this.scene, hotspots: this.scene.hotspots.filter((hs) => hs.id !== id) };
      this.viewer?.update(this.scene);
      this.renderHotspots();
      this.hooks.changed();
    } catch (e) {
      this.say(problem(e), true);
    }
  }
}

/** Degrees as a whole number, never "-0". */
function wholeDegrees(v: number): string {
  return String(Math.round(v) || 0);
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The box around a feature and a point, `[w, s, e, n]`, or null when there is neither. */
function boundsOf(geometry: Geometry | null, at: [number, number] | null): [number, number, number, number] | null {
  const points: number[][] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') points.push(c as number[]);
    else if (Array.isArray(c)) c.forEach(walk);
  };
  if (geometry) walk((geometry as { coordinates?: unknown }).coordinates);
  if (at) points.push(at);
  if (!points.length) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

// ---- Tours ----

interface DraftStop {
  panorama: number;
  note: string;
}

/** The tours tab: the list, one tour's builder, its share links. */
class TourBuilder {
  private tours: TourSummary[] = [];
  private current: number | null = null;
  private title = '';
  private stops: DraftStop[] = [];
  private links: ShareLink[] = [];
  private preview: { el: HTMLDialogElement; stage: PanoramaStage } | null = null;
  private readonly message = h('p', { class: 'office-message', role: 'status', 'data-testid': 'tour-message' });
  /** The drag in progress: a scene from the list or a stop being moved. */
  private dragging: { kind: 'scene'; id: number } | { kind: 'stop'; index: number } | null = null;

  constructor(
    private readonly el: HTMLElement,
    private readonly scenes: () => Scene[],
  ) {}

  async open(): Promise<void> {
    try {
      this.tours = await listTours();
    } catch (e) {
      replaceChildren(this.el, h('p', { class: 'error' }, problem(e)));
      return;
    }
    this.render();
  }

  close(): void {
    this.preview?.stage.destroy();
    this.preview?.el.close();
  }

  private say(text: string, error = false): void {
    this.message.textContent = text;
    this.message.classList.toggle('error', error);
  }

  private ready(): Scene[] {
    return this.scenes().filter((s) => (s.status ?? 'ready') === 'ready');
  }

  private sceneName(id: number): string {
    const all = this.scenes();
    const i = all.findIndex((s) => s.id === id);
    return i >= 0 ? sceneTitle(all[i], i) : `#${id}`;
  }

  private async choose(id: number | null): Promise<void> {
    this.current = id;
    this.say('');
    if (id === null) {
      this.title = '';
      this.stops = [];
      this.links = [];
    } else {
      const summary = this.tours.find((tour) => tour.id === id);
      this.title = summary?.title ?? '';
      this.stops = (summary?.stops ?? []).map((s) => ({ panorama: s.panorama, note: s.note ?? '' }));
      this.links = await listLinks(id).catch(() => []);
    }
    this.render();
  }

  private render(): void {
    const list = h(
      'ul',
      { class: 'tour-list', 'data-testid': 'tour-list' },
      h('li', {}, h('button', { class: `tour-pick${this.current === null ? ' active' : ''}`, type: 'button', 'data-testid': 'tour-new', onclick: () => void this.choose(null) }, `＋ ${t('office_tour_new')}`)),
      ...this.tours.map((tour) =>
        h(
          'li',
          {},
          h(
            'button',
            { class: `tour-pick${this.current === tour.id ? ' active' : ''}`, type: 'button', 'data-testid': 'tour-pick', 'data-id': tour.id, onclick: () => void this.choose(tour.id) },
            h('strong', {}, tour.title),
            h('span', { class: 'muted' }, t('office_tour_stops_n', { n: tour.stops.length })),
          ),
        ),
      ),
    );
    const title = h('input', { type: 'text', maxlength: 200, value: this.title, 'data-testid': 'tour-title-input', 'aria-label': t('office_tour_title') });
    title.addEventListener('input', () => {
      this.title = title.value;
    });
    const save = h('button', { class: 'primary-button office-inline-button', type: 'button', 'data-testid': 'tour-save', onclick: () => void this.save() }, t('office_tour_save'));
    const preview = h('button', { class: 'card-action', type: 'button', 'data-testid': 'tour-preview', disabled: !this.stops.length, onclick: () => void this.showPreview() }, t('office_tour_preview'));
    const live = h('button', { class: 'card-action', type: 'button', 'data-testid': 'tour-live', disabled: this.current === null, onclick: () => void this.startLive() }, t('office_tour_live'));
    replaceChildren(
      this.el,
      h(
        'div',
        { class: 'tours-grid' },
        h('section', { class: 'office-card tours-side' }, h('h3', {}, t('office_tours')), list),
        h(
          'section',
          { class: 'office-card tours-main', 'data-testid': 'tour-builder' },
          h('div', { class: 'media-row' }, h('label', { class: 'office-grow' }, t('office_tour_title'), title), save, preview, live),
          this.message,
          h('div', { class: 'tour-columns' }, this.sceneColumn(), this.stopColumn()),
          this.current === null ? h('p', { class: 'muted' }, t('office_tour_save_first')) : this.linkSection(),
        ),
      ),
    );
  }

  private sceneColumn(): HTMLElement {
    const ready = this.ready();
    return h(
      'div',
      { class: 'tour-column' },
      h('h4', {}, t('office_tour_scenes')),
      h(
        'ul',
        { class: 'tour-pool', 'data-testid': 'tour-pool' },
        ...(ready.length
          ? ready.map((s) => {
              const li = h(
                'li',
                { class: 'tour-pool-item', draggable: 'true', 'data-testid': 'pool-scene', 'data-id': s.id },
                s.thumbnail_url ? h('img', { src: s.thumbnail_url, alt: '', loading: 'lazy', draggable: 'false' }) : null,
                h('span', { class: 'office-grow' }, this.sceneName(s.id)),
                h('button', { class: 'card-action', type: 'button', 'data-testid': 'pool-add', onclick: () => this.addStop(s.id) }, t('office_tour_add')),
              );
              li.addEventListener('dragstart', (e) => {
                this.dragging = { kind: 'scene', id: s.id };
                e.dataTransfer?.setData('text/plain', `scene:${s.id}`);
                if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copyMove';
              });
              li.addEventListener('dragend', () => {
                this.dragging = null;
              });
              return li;
            })
          : [h('li', { class: 'muted' }, t('office_empty'))]),
      ),
    );
  }

  private stopColumn(): HTMLElement {
    const list = h('ol', { class: 'tour-stop-list', 'data-testid': 'tour-stop-list' });
    const dropAt = (index: number) => (e: DragEvent) => {
      e.preventDefault();
      e.stopPropagation();
      list.querySelectorAll('.drop-before').forEach((n) => n.classList.remove('drop-before'));
      const drag = this.dragging ?? dragFromData(e.dataTransfer?.getData('text/plain') ?? '');
      this.dragging = null;
      if (!drag) return;
      if (drag.kind === 'scene') {
        this.stops.splice(index, 0, { panorama: drag.id, note: '' });
      } else {
        const [moved] = this.stops.splice(drag.index, 1);
        this.stops.splice(drag.index < index ? index - 1 : index, 0, moved);
      }
      this.render();
    };
    const allow = (e: DragEvent) => {
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = this.dragging?.kind === 'stop' ? 'move' : 'copy';
    };
    this.stops.forEach((stop, i) => {
      const note = h('textarea', { rows: 2, maxlength: 2000, placeholder: t('office_tour_note'), 'aria-label': t('office_tour_note'), 'data-testid': 'stop-note' });
      note.value = stop.note;
      note.addEventListener('input', () => {
        stop.note = note.value;
      });
      const move = (to: number) => () => {
        const [moved] = this.stops.splice(i, 1);
        this.stops.splice(to, 0, moved);
        this.render();
        this.el.querySelectorAll<HTMLElement>('[data-testid=tour-stop-item]')[to]?.querySelector<HTMLButtonElement>(to < i ? '[data-testid=stop-up]' : '[data-testid=stop-down]')?.focus();
      };
      const li = h(
        'li',
        { class: 'tour-stop-item', draggable: 'true', 'data-testid': 'tour-stop-item', 'data-panorama': stop.panorama },
        h(
          'div',
          { class: 'media-row tour-stop-head' },
          h('span', { class: 'tour-drag', 'aria-hidden': 'true' }, '⠿'),
          h('strong', { class: 'tour-stop-title' }, `${i + 1}. ${this.sceneName(stop.panorama)}`),
          h('button', { class: 'card-action', type: 'button', 'data-testid': 'stop-up', disabled: i === 0, 'aria-label': t('office_tour_up'), title: t('office_tour_up'), onclick: move(i - 1) }, '↑'),
          h('button', { class: 'card-action', type: 'button', 'data-testid': 'stop-down', disabled: i === this.stops.length - 1, 'aria-label': t('office_tour_down'), title: t('office_tour_down'), onclick: move(i + 1) }, '↓'),
          h('button', { class: 'card-action danger', type: 'button', 'data-testid': 'stop-remove', 'aria-label': t('office_tour_remove'), title: t('office_tour_remove'), onclick: () => {
            this.stops.splice(i, 1);
            this.render();
          } }, '×'),
        ),
        note,
      );
      li.addEventListener('dragstart', (e) => {
        // Text in the note is selected by dragging, not the stop.
        if ((e.target as HTMLElement).closest('textarea')) return;
        this.dragging = { kind: 'stop', index: i };
        e.dataTransfer?.setData('text/plain', `stop:${i}`);
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      });
      li.addEventListener('dragend', () => {
        this.dragging = null;
      });
      li.addEventListener('dragover', (e) => {
        allow(e);
        li.classList.add('drop-before');
      });
      li.addEventListener('dragleave', () => li.classList.remove('drop-before'));
      li.addEventListener('drop', dropAt(i));
      list.append(li);
    });
    const end = h('li', { class: 'tour-drop', 'data-testid': 'tour-drop' }, t('office_tour_drop'));
    end.addEventListener('dragover', allow);
    end.addEventListener('drop', dropAt(this.stops.length));
    list.append(end);
    list.addEventListener('dragover', allow);
    list.addEventListener('drop', dropAt(this.stops.length));
    return h('div', { class: 'tour-column' }, h('h4', {}, t('office_tour_stops')), list);
  }

  private addStop(id: number): void {
    this.stops.push({ panorama: id, note: '' });
    this.render();
  }

  private async save(): Promise<void> {
    const title = this.title.trim();
    if (!title) return this.say(t('office_tour_need_title'), true);
    if (!this.stops.length) return this.say(t('office_tour_need_stops'), true);
    try {
      const saved = await saveTour(this.current, { title, stops: this.stops.map((s) => ({ panorama: s.panorama, note: s.note.trim() })) });
      this.tours = await listTours();
      await this.choose(saved.id);
      this.say(t('office_tour_saved'));
    } catch (e) {
      this.say(problem(e), true);
    }
  }

  // -- preview --

  private async showPreview(): Promise<void> {
    const byId = new Map(this.scenes().map((s) => [s.id, s]));
    const scenes = this.stops.map((s) => byId.get(s.panorama)).filter((s): s is Scene => !!s && (s.status ?? 'ready') === 'ready');
    if (!scenes.length) return;
    this.close();
    const stage = new PanoramaStage({ scenes, geometryOf });
    const closeButton = h('button', { class: 'card-close', type: 'button', 'aria-label': t('inbox_close'), title: t('inbox_close'), 'data-testid': 'preview-close' }, '×');
    const el = h('dialog', { class: 'overlay office-preview', 'data-testid': 'tour-preview-dialog', 'aria-label': t('office_tour_preview') }, h('div', { class: 'overlay-head' }, h('h2', {}, `${t('office_tour_preview')} · ${this.title}`), closeButton), h('div', { class: 'office-preview-body' }, stage.el));
    closeButton.addEventListener('click', () => el.close());
    el.addEventListener('close', () => {
      stage.destroy();
      el.remove();
      if (this.preview?.el === el) this.preview = null;
    });
    document.body.append(el);
    el.showModal();
    this.preview = { el, stage };
    stage.start(scenes[0]);
  }

  // -- share links --

  private linkSection(): HTMLElement {
    const tour = this.current as number;
    const days = h('input', { type: 'number', min: 1, max: 90, value: 7, 'data-testid': 'link-days', 'aria-label': t('office_link_days') });
    const create = h('button', { class: 'card-action', type: 'button', 'data-testid': 'link-create', onclick: () => {
      const n = Math.round(Number(days.value));
      if (!(n >= 1 && n <= 90)) return this.say(t('office_link_days_range'), true);
      createLink(tour, n)
        .then(() => this.reloadLinks(t('office_link_created')))
        .catch((e: unknown) => this.say(problem(e), true));
    } }, t('office_link_create'));
    return h(
      'section',
      { class: 'tour-links' },
      h('h4', {}, t('office_links')),
      h('div', { class: 'media-row' }, h('label', {}, t('office_link_days'), days), create),
      h(
        'ul',
        { class: 'tour-link-list', 'data-testid': 'link-list' },
        ...(this.links.length ? this.links.map((l) => this.linkRow(tour, l)) : [h('li', { class: 'muted' }, t('office_links_empty'))]),
      ),
    );
  }

  private linkRow(tour: number, link: ShareLink): HTMLElement {
    const url = new URL(`t/${link.token}`, document.baseURI).href;
    const live = link.state === 'live';
    const copy = h('button', { class: 'card-action', type: 'button', 'data-testid': 'link-copy', disabled: !live }, t('office_link_copy'));
    copy.addEventListener('click', () => {
      void copyText(url).then((ok) => {
        copy.textContent = ok ? t('office_link_copied') : t('office_link_copy_failed');
      });
    });
    const revoke = h('button', { class: 'card-action danger', type: 'button', 'data-testid': 'link-revoke', disabled: !live, onclick: () => {
      if (!confirm(t('office_link_revoke_confirm'))) return;
      revokeLink(tour, link.id)
        .then(() => this.reloadLinks(t('office_link_revoked')))
        .catch((e: unknown) => this.say(problem(e), true));
    } }, t('office_link_revoke'));
    return h(
      'li',
      { class: `tour-link tour-link-${link.state}`, 'data-testid': 'link-row', 'data-id': link.id, 'data-state': link.state, 'data-views': link.views },
      h('input', { type: 'text', readonly: true, value: url, class: 'office-grow tour-link-url', 'data-testid': 'link-url', 'aria-label': t('office_links'), onfocus: (e: Event) => (e.target as HTMLInputElement).select() }),
      h('span', { class: `scene-state link-state-${link.state}` }, t(LINK_STATES[link.state])),
      h('span', { class: 'muted' }, t('office_link_expires', { at: when(link.expires_at) })),
      h('span', { 'data-testid': 'link-views' }, t('office_link_views', { n: link.views })),
      copy,
      revoke,
    );
  }

  private async reloadLinks(done: string): Promise<void> {
    if (this.current === null) return;
    this.links = await listLinks(this.current).catch(() => this.links);
    this.render();
    this.say(done);
  }

  /** Opens the tour page of a live link (made now when there is none) for the guide. */
  private async startLive(): Promise<void> {
    if (this.current === null) return;
    // Opened before any request, so that the browser lets the click open it.
    const tab = window.open('about:blank', '_blank');
    try {
      let link = this.links.find((l) => l.state === 'live');
      if (!link) {
        await createLink(this.current, 1);
        this.links = await listLinks(this.current);
        link = this.links.find((l) => l.state === 'live');
        this.render();
      }
      if (!link) throw new Error('no live link');
      const url = new URL(`t/${link.token}${getLang() === 'en' ? '?lang=en' : ''}`, document.baseURI).href;
      if (tab) tab.location.href = url;
      else window.open(url, '_blank');
    } catch (e) {
      tab?.close();
      this.say(problem(e), true);
    }
  }
}

const LINK_STATES: Record<ShareLink['state'], StringKey> = { live: 'office_link_live', expired: 'office_link_expired', revoked: 'office_link_revoked_state' };

function dragFromData(text: string): { kind: 'scene'; id: number } | { kind: 'stop'; index: number } | null {
  const [kind, value] = text.split(':');
  const n = Number(value);
  if (!Number.isInteger(n)) return null;
  if (kind === 'scene') return { kind, id: n };
  if (kind === 'stop') return { kind, index: n };
  return null;
}

/** Copies text to the clipboard; false where the browser refuses. */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

// Spatial search tools: a radius around a clicked point (with a handle to
// drag the radius) and a polygon drawn by clicking its corners. Both end as
// the store's `spatial`, which the list search and the URL pick up.

import { Marker, type GeoJSONSource, type MapMouseEvent } from 'maplibre-gl';
import type { Feature as GeoFeature, FeatureCollection } from 'geojson';
import { h, replaceChildren } from './dom';
import { bbox, circleRing, destination, distance, formatDistance } from './geo';
import { onLangChange, t } from './i18n';
import type { AtlasMap } from './map';
import type { Spatial, Store } from './state';
import { DRAW_SOURCE, SEARCH_SOURCE } from './style';
import type { Position } from './types';

type Mode = 'idle' | 'pick-centre' | 'draw-polygon';

const DEFAULT_RADIUS_M = 3000;
const MIN_RADIUS_M = 200;
const MAX_RADIUS_M = 100_000;
/** A click this close (px) to the first corner closes the polygon. */
const CLOSE_PX = 12;

type Fc = FeatureCollection;
const collection = (features: GeoFeature[]): Fc => ({ type: 'FeatureCollection', features });
const polygonFeature = (ring: Position[]): GeoFeature => ({
  type: 'Feature',
  properties: {},
  geometry: { type: 'Polygon', coordinates: [ring] },
});

export class SearchTools {
  readonly el: HTMLElement;
  private mode: Mode = 'idle';
  private vertices: Position[] = [];
  private centreMarker: Marker | null = null;
  private handleMarker: Marker | null = null;
  private handleLabel = h('span', { class: 'radius-label' });
  /** Radius while the handle is dragged, before the store hears of it. */
  private liveRadius: number | null = null;

  constructor(
    private readonly atlas: AtlasMap,
    private readonly store: Store,
  ) {
    this.el = h('section', { class: 'search-tools' });
    this.render();
    onLangChange(() => {
      this.render();
      this.updateHandleLabel();
    });
    store.subscribe((state, change) => {
      if (change.spatial) {
        this.drawSpatial(state.spatial);
        this.render();
      }
    });
    const map = atlas.map;
    map.on('click', (e) => this.onClick(e));
    map.on('mousemove', (e) => this.onMove(e));
    map.on('dblclick', (e) => {
      if (this.mode !== 'draw-polygon') return;
      e.preventDefault();
      this.finishPolygon();
    });
    window.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.mode !== 'idle') this.setMode('idle');
    });
    if (map.isStyleLoaded()) this.drawSpatial(store.state.spatial);
    else map.once('load', () => this.drawSpatial(store.state.spatial));
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    this.vertices = [];
    this.setDraw(collection([]));
    this.atlas.toolActive = mode !== 'idle';
    const map = this.atlas.map;
    map.getCanvas().style.cursor = mode === 'idle' ? '' : 'crosshair';
    // A double click closes the polygon, so it must not zoom meanwhile.
    if (mode === 'draw-polygon') map.doubleClickZoom.disable();
    else map.doubleClickZoom.enable();
    this.render();
  }

  private render(): void {
    const spatial = this.store.state.spatial;
    const button = (mode: Mode, text: string, testId: string) =>
      h(
        'button',
        {
          class: `tool${this.mode === mode || (this.mode === 'idle' && spatial && spatialMode(spatial) === mode) ? ' active' : ''}`,
          type: 'button',
          'data-testid': testId,
          onclick: () => this.setMode(this.mode === mode ? 'idle' : mode),
        },
        h('span', { class: `tool-icon tool-icon-${mode}`, 'aria-hidden': 'true' }),
        text,
      );
    const row = h(
      'div',
      { class: 'tool-row' },
      button('pick-centre', t('radiusSearch'), 'tool-radius'),
      button('draw-polygon', t('polygonSearch'), 'tool-polygon'),
      spatial || this.mode !== 'idle'
        ? h('button', { class: 'tool tool-clear', type: 'button', 'data-testid': 'tool-clear', onclick: () => this.clear() }, t('clearSearch'))
        : null,
    );
    const extra: HTMLElement[] = [];
    if (this.mode === 'pick-centre') extra.push(h('p', { class: 'hint' }, t('radiusSearchHint')));
    if (this.mode === 'draw-polygon') {
      extra.push(
        h(
          'p',
          { class: 'hint' },
          t('polygonSearchHint'),
          ' ',
          h('button', { class: 'link-button', type: 'button', 'data-testid': 'finish-polygon', onclick: () => this.finishPolygon() }, t('finishPolygon')),
        ),
      );
    }
    if (this.mode === 'idle' && spatial?.kind === 'radius') extra.push(this.radiusSlider(spatial.radiusM));
    // The heading and the tools share a line: the list below should start on the first screen.
    replaceChildren(this.el, h('div', { class: 'section-head tools-head' }, h('h2', {}, t('searchTools')), row), ...extra);
  }

  private radiusSlider(radiusM: number): HTMLElement {
    const km = (m: number) => (m / 1000).toFixed(1);
    const value = h('span', { class: 'radius-value' }, t('radiusKm', { km: km(radiusM) }));
    const slider = h('input', {
      type: 'range',
      min: '0.5',
      max: '30',
      step: '0.5',
      value: String(Math.min(30, radiusM / 1000)),
      'data-testid': 'radius-slider',
      'aria-label': t('radius'),
    });
    slider.addEventListener('input', () => {
      value.textContent = t('radiusKm', { km: km(Number(slider.value) * 1000) });
      this.previewRadius(Number(slider.value) * 1000);
    });
    slider.addEventListener('change', () => this.commitRadius(Number(slider.value) * 1000));
    return h('label', { class: 'radius-control' }, h('span', {}, t('radius')), slider, value);
  }

  private clear(): void {
    this.setMode('idle');
    this.store.update({ spatial: null });
  }

  /** True while the radius tool waits for its centre. */
  pickingCentre(): boolean {
    return this.mode === 'pick-centre';
  }

  /** Centres the radius search on a point (a map click, a chosen place) and shows the whole circle. */
  centreAt(at: Position): void {
    const radiusM = this.store.state.spatial?.kind === 'radius' ? this.store.state.spatial.radiusM : DEFAULT_RADIUS_M;
    this.setMode('idle');
    this.store.update({ spatial: { kind: 'radius', center: at, radiusM } });
    // Show the whole circle, handle included, so the radius can be dragged at once.
    const ring = circleRing(at, radiusM, 16);
    const [w, s, e, n] = bbox({ type: 'Polygon', coordinates: [ring] });
    this.atlas.map.fitBounds([w, s, e, n], { padding: this.atlas.framePadding(), duration: 600 });
  }

  private onClick(e: MapMouseEvent): void {
    const at: Position = [e.lngLat.lng, e.lngLat.lat];
    if (this.mode === 'pick-centre') {
      this.centreAt(at);
    } else if (this.mode === 'draw-polygon') {
      const first = this.vertices[0];
      if (first && this.vertices.length >= 3) {
        const p = this.atlas.map.project(first);
        if (Math.hypot(p.x - e.point.x, p.y - e.point.y) < CLOSE_PX) {
          this.finishPolygon();
          return;
        }
      }
      this.vertices.push(at);
      this.drawSketch(null);
    }
  }

  private onMove(e: MapMouseEvent): void {
    if (this.mode === 'draw-polygon' && this.vertices.length) this.drawSketch([e.lngLat.lng, e.lngLat.lat]);
  }

  private finishPolygon(): void {
    // A double click also lands two clicks on one spot: drop the repeats.
    const ring = this.vertices.filter((p, i, all) => i === 0 || distance(p, all[i - 1]) > 0.5);
    this.setMode('idle');
    if (ring.length >= 3) this.store.update({ spatial: { kind: 'polygon', ring } });
  }

  private setDraw(data: Fc): void {
    this.atlas.map.getSource<GeoJSONSource>(DRAW_SOURCE)?.setData(data);
  }

  /** The polygon being drawn: its corners, its edges and a rubber band to the pointer. */
  private drawSketch(pointer: Position | null): void {
    const line = pointer ? [...this.vertices, pointer] : this.vertices;
    const features: GeoFeature[] = this.vertices.map((p) => ({
      type: 'Feature',
      properties: {},
      geometry: { type: 'Point', coordinates: p },
    }));
    if (line.length >= 2) {
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: line.length >= 3 ? [...line, line[0]] : line } });
    }
    this.setDraw(collection(features));
  }

  private setArea(data: Fc): void {
    this.atlas.map.getSource<GeoJSONSource>(SEARCH_SOURCE)?.setData(data);
  }

  /** Draws the store's spatial search: circle with centre and handle, or polygon. */
  private drawSpatial(spatial: Spatial | null): void {
    this.liveRadius = null;
    if (spatial?.kind !== 'radius') this.removeMarkers();
    if (!spatial) {
      this.setArea(collection([]));
    } else if (spatial.kind === 'polygon') {
      this.setArea(collection([polygonFeature([...spatial.ring, spatial.ring[0]])]));
    } else {
      this.setArea(collection([polygonFeature(circleRing(spatial.center, spatial.radiusM))]));
      this.placeMarkers(spatial.center, spatial.radiusM);
    }
  }

  private placeMarkers(center: Position, radiusM: number): void {
    const map = this.atlas.map;
    if (!this.centreMarker) {
      this.centreMarker = new Marker({ element: h('div', { class: 'search-centre', 'data-testid': 'search-centre' }), draggable: true })
        .setLngLat(center)
        .addTo(map);
      this.centreMarker.on('drag', () => {
        const c = this.centreMarker!.getLngLat();
        this.previewCentre([c.lng, c.lat]);
      });
      this.centreMarker.on('dragend', () => {
        const c = this.centreMarker!.getLngLat();
        const spatial = this.store.state.spatial;
        if (spatial?.kind === 'radius') this.store.update({ spatial: { ...spatial, center: [c.lng, c.lat] } });
      });
    }
    if (!this.handleMarker) {
      const el = h('div', { class: 'radius-handle', 'data-testid': 'radius-handle', title: t('radius') }, this.handleLabel);
      this.handleMarker = new Marker({ element: el, draggable: true }).setLngLat(destination(center, radiusM, 90)).addTo(map);
      this.handleMarker.on('drag', () => {
        const p = this.handleMarker!.getLngLat();
        const spatial = this.store.state.spatial;
        if (spatial?.kind === 'radius') this.previewRadius(distance(spatial.center, [p.lng, p.lat]), false);
      });
      this.handleMarker.on('dragend', () => {
        if (this.liveRadius !== null) this.commitRadius(this.liveRadius);
      });
    }
    this.centreMarker.setLngLat(center);
    this.handleMarker.setLngLat(destination(center, radiusM, 90));
    this.updateHandleLabel(radiusM);
  }

  private removeMarkers(): void {
    this.centreMarker?.remove();
    this.handleMarker?.remove();
    this.centreMarker = this.handleMarker = null;
  }

  private updateHandleLabel(radiusM?: number): void {
    const spatial = this.store.state.spatial;
    const r = radiusM ?? this.liveRadius ?? (spatial?.kind === 'radius' ? spatial.radiusM : null);
    if (r !== null) this.handleLabel.textContent = formatDistance(r, t('u_km'));
  }

  /** Redraws the circle for a radius being chosen, without searching yet. */
  private previewRadius(radiusM: number, moveHandle = true): void {
    const spatial = this.store.state.spatial;
    if (spatial?.kind !== 'radius') return;
    const r = Math.min(MAX_RADIUS_M, Math.max(MIN_RADIUS_M, radiusM));
    this.liveRadius = r;
    this.setArea(collection([polygonFeature(circleRing(spatial.center, r))]));
    if (moveHandle) this.handleMarker?.setLngLat(destination(spatial.center, r, 90));
    this.updateHandleLabel(r);
  }

  private previewCentre(center: Position): void {
    const spatial = this.store.state.spatial;
    if (spatial?.kind !== 'radius') return;
    this.setArea(collection([polygonFeature(circleRing(center, spatial.radiusM))]));
    this.handleMarker?.setLngLat(destination(center, spatial.radiusM, 90));
  }

  private commitRadius(radiusM: number): void {
    const spatial = this.store.state.spatial;
    if (spatial?.kind !== 'radius') return;
    const r = Math.round(Math.min(MAX_RADIUS_M, Math.max(MIN_RADIUS_M, radiusM)));
    this.store.update({ spatial: { ...spatial, radiusM: r } });
  }
}

function spatialMode(s: Spatial): Mode {
  return s.kind === 'radius' ? 'pick-centre' : 'draw-polygon';
}

// The MapLibre map and what it does on its own: hover and selection through
// feature-state, filters on the drawn layers, cluster zoom, POI popups.

import {
  Map as MapLibreMap,
  NavigationControl,
  Popup,
  ScaleControl,
  setWorkerUrl,
  type FeatureIdentifier,
  type LngLat,
  type MapGeoJSONFeature,
  type MapMouseEvent,
  type StyleSpecification,
  type VectorTileSource,
} from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { factoryFilter, officeFilter, plotFilter } from './filters';
import { bbox } from './geo';
import { label, onLangChange } from './i18n';
import { poiImage } from './icons';
import type { Filters, Selection } from './state';
import { FACTORY_LAYERS, LAYERS, PLOT_DETAIL_MINZOOM, PLOT_LAYERS, SOURCE } from './style';
import type { Geometry } from './types';
import type { View } from './urlState';

// The worker ships as its own file; bundling moves it, so tell MapLibre where it went.
setWorkerUrl(new URL(workerUrl, document.baseURI).href);

const CLICKABLE = [LAYERS.plotsFill, LAYERS.clusters, LAYERS.factoriesFill, LAYERS.factories3d, LAYERS.officesFill, LAYERS.officesPoint, LAYERS.pois, LAYERS.parksFill, LAYERS.parksLabel];
/** Parks open their card only where no site or point lies on top of them. */
const PARK_LAYERS: string[] = [LAYERS.parksFill, LAYERS.parksLabel];

/** Room around the map's edges, in CSS pixels. */
export interface Insets {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

type FeatureHandler = (selection: Selection | null) => void;
type ClickHandler = (selection: Selection | null, at: LngLat) => void;

export class AtlasMap {
  readonly map: MapLibreMap;
  private hovered: FeatureIdentifier | null = null;
  /** The tile URLs from the TileJSON, the filters' query on them and the data version. */
  private tileUrls: string[] = [];
  private tileQuery = '';
  private tileVersion = 0;
  private selected: FeatureIdentifier | null = null;
  private hoverHandlers: FeatureHandler[] = [];
  private clickHandlers: ClickHandler[] = [];
  private popup = new Popup({ closeButton: false, offset: 14, className: 'poi-popup' });
  /** Set while a search tool owns map clicks. */
  toolActive = false;
  /** Room to leave around a framed feature, such as the part of the map the card covers. */
  framePadding: () => Insets = () => ({ top: 80, right: 80, bottom: 80, left: 80 });

  /** Opens at a view from a link, or fits bounds [w, s, e, n]. */
  constructor(container: HTMLElement, style: StyleSpecification, view: View | [number, number, number, number]) {
    const camera = Array.isArray(view)
      ? { bounds: view, fitBoundsOptions: { padding: { top: 80, bottom: 90, left: 80, right: 80 } } }
      : { center: view.center, zoom: view.zoom, bearing: view.bearing, pitch: view.pitch };
    this.map = new MapLibreMap({
      container,
      style,
      ...camera,
      maxPitch: 70,
      attributionControl: { compact: true },
    });
    this.map.addControl(new NavigationControl({ visualizePitch: true }), 'top-right');
    this.map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
    // Icons are drawn when first needed, so they survive any style reload.
    this.map.setMissingStyleImageResolver((id) => {
      const icon = poiImage(id, window.devicePixelRatio || 1);
      if (icon && !this.map.hasImage(id)) this.map.addImage(id, icon.data, { pixelRatio: icon.pixelRatio });
    });
    this.map.on('mousemove', (e) => this.onMove(e));
    this.map.on('mouseout', () => this.setHovered(null, true));
    this.map.on('click', (e) => this.onClick(e));
    onLangChange(() => this.popup.remove());
  }

  view(): View {
    const c = this.map.getCenter();
    return { center: [c.lng, c.lat], zoom: this.map.getZoom(), bearing: this.map.getBearing(), pitch: this.map.getPitch() };
  }

  /** Called with the plot or factory under the pointer (or null), as the pointer moves. */
  onHover(fn: FeatureHandler): void {
    this.hoverHandlers.push(fn);
  }

  /** Called with the plot or factory clicked (or null for a click on nothing) and where. */
  onSelect(fn: ClickHandler): void {
    this.clickHandlers.push(fn);
  }

  applyFilters(filters: Filters): void {
    const plots = plotFilter(filters);
    const factories = factoryFilter(filters);
    for (const id of PLOT_LAYERS) this.map.setFilter(id, plots);
    for (const id of FACTORY_LAYERS) this.map.setFilter(id, factories);
    // Footprints and markers keep their own geometry test beside the filters.
    this.map.setFilter(LAYERS.officesFill, officeFilter(filters, 'Polygon'));
    this.map.setFilter(LAYERS.officesOutline, officeFilter(filters, 'Polygon'));
    this.map.setFilter(LAYERS.officesPoint, officeFilter(filters, 'Point'));
  }

  private static ident(sel: Selection): FeatureIdentifier {
    return { source: SOURCE, sourceLayer: sel.layer, id: sel.id };
  }

  private setState(target: FeatureIdentifier | null, key: 'hover' | 'selected', value: boolean): void {
    if (target && this.map.getSource(SOURCE)) this.map.setFeatureState(target, { [key]: value });
  }

  /** Highlights a plot or factory (from the list or the map); `fromMap` avoids echoing back. */
  setHovered(sel: Selection | null, fromMap = false): void {
    const next = sel ? AtlasMap.ident(sel) : null;
    if (this.hovered?.id === next?.id && this.hovered?.sourceLayer === next?.sourceLayer) return;
    this.setState(this.hovered, 'hover', false);
    this.hovered = next;
    this.setState(next, 'hover', true);
    if (fromMap) this.hoverHandlers.forEach((fn) => fn(sel));
  }

  setSelected(sel: Selection | null): void {
    this.setState(this.selected, 'selected', false);
    this.selected = sel ? AtlasMap.ident(sel) : null;
    this.setState(this.selected, 'selected', true);
  }

  /** Frames a geometry, close enough to see a single plot in its surroundings. */
  flyToGeometry(geometry: Geometry): void {
    const [w, s, e, n] = bbox(geometry);
    this.map.fitBounds([w, s, e, n], { padding: this.framePadding(), maxZoom: 16, duration: 900 });
  }

  /** Pans a point into the part of the map the card leaves free, if it is not there already. */
  reveal(at: LngLat): void {
    const pad = this.framePadding();
    const canvas = this.map.getCanvas();
    const [w, h] = [canvas.clientWidth, canvas.clientHeight];
    const p = this.map.project(at);
    if (p.x >= pad.left && p.x <= w - pad.right && p.y >= pad.top && p.y <= h - pad.bottom) return;
    // panBy rather than easeTo({padding}): padding given to easeTo would stay on the map.
    const cx = (pad.left + w - pad.right) / 2;
    const cy = (pad.top + h - pad.bottom) / 2;
    this.map.panBy([p.x - cx, p.y - cy], { duration: 500 });
  }

  /**
   * Points the vector tiles at the server's filtered tiles (`query` from
   * `tileQuery`) and reloads them, past the browser cache when `version`
   * says the data changed.
   */
  refreshTiles(tiles: string[], version: number, query = this.tileQuery): void {
    this.tileUrls = tiles;
    this.tileVersion = version;
    this.tileQuery = query;
    const source = this.map.getSource<VectorTileSource>(SOURCE);
    const params = [query.slice(1), `v=${version}`].filter((p) => p !== '').join('&');
    source?.setTiles(tiles.map((url) => `${url}${url.includes('?') ? '&' : '?'}${params}`));
  }

  /** Notes the tile URLs the style was built with and the filters they carry. */
  trackTiles(tiles: string[], query: string): void {
    this.tileUrls = tiles;
    this.tileQuery = query;
  }

  /** Draws only what these filters select (`tileQuery`), at every zoom. */
  setTileFilters(query: string): void {
    if (query !== this.tileQuery) this.refreshTiles(this.tileUrls, this.tileVersion, query);
  }

  private featureAt(e: MapMouseEvent): MapGeoJSONFeature | undefined {
    const layers = CLICKABLE.filter((id) => this.map.getLayer(id));
    const hits = this.map.queryRenderedFeatures(e.point, { layers });
    // A park's name is drawn above the plots' shapes: a plot under it still wins.
    return hits.find((f) => !PARK_LAYERS.includes(f.layer.id)) ?? hits[0];
  }

  private static selectionOf(f: MapGeoJSONFeature | undefined): Selection | null {
    if (!f || typeof f.id !== 'number') return null;
    if (f.sourceLayer === 'factories') return { layer: 'factories', id: f.id };
    if (f.sourceLayer === 'offices') return { layer: 'offices', id: f.id };
    if (f.sourceLayer === 'parks' || f.sourceLayer === 'park_labels') return { layer: 'parks', id: f.id };
    if (f.sourceLayer === 'plots' && f.properties.cluster !== true) return { layer: 'plots', id: f.id };
    return null;
  }

  /** Frames the plots a cluster counts; a cluster of one plot lands on its shape. */
  private zoomToCluster(f: MapGeoJSONFeature, at: LngLat): void {
    const extent = extentOf(f.properties);
    if (!extent) {
      this.map.easeTo({ center: at, zoom: Math.max(PLOT_DETAIL_MINZOOM + 0.5, this.map.getZoom() + 2) });
      return;
    }
    // Never less than two levels in: the cluster then always splits or becomes shapes.
    const minZoom = this.map.getZoom() + 2;
    const camera = this.map.cameraForBounds(extent, { padding: 60, maxZoom: 16 });
    const zoom = Math.max(camera?.zoom ?? minZoom, minZoom);
    this.map.easeTo({ center: camera?.center ?? at, zoom: Math.min(zoom, 16) });
  }

  private onMove(e: MapMouseEvent): void {
    if (this.toolActive) return;
    const f = this.featureAt(e);
    this.map.getCanvas().style.cursor = f ? 'pointer' : '';
    if (f?.layer.id === LAYERS.clusters && typeof f.id === 'number') {
      // Clusters highlight too, though they have no card.
      this.setHovered(null, true);
      this.hovered = { source: SOURCE, sourceLayer: 'plots', id: f.id };
      this.setState(this.hovered, 'hover', true);
      return;
    }
    this.setHovered(AtlasMap.selectionOf(f), true);
  }

  private onClick(e: MapMouseEvent): void {
    if (this.toolActive) return;
    const f = this.featureAt(e);
    this.popup.remove();
    if (f?.layer.id === LAYERS.clusters) {
      this.zoomToCluster(f, e.lngLat);
      return;
    }
    if (f?.layer.id === LAYERS.pois) {
      this.popup
        .setLngLat(e.lngLat)
        .setHTML('')
        .setDOMContent(poiPopup(String(f.properties.name ?? ''), label('poi', f.properties.kind)))
        .addTo(this.map);
      return;
    }
    this.clickHandlers.forEach((fn) => fn(AtlasMap.selectionOf(f), e.lngLat));
  }
}

/** A cluster's extent, west-south-east-north, if its tile carries a whole one. */
function extentOf(p: Record<string, unknown>): [number, number, number, number] | null {
  const e = [p.west, p.south, p.east, p.north];
  return e.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (e as [number, number, number, number]) : null;
}

function poiPopup(name: string, kind: string): HTMLElement {
  const el = document.createElement('div');
  const strong = document.createElement('strong');
  strong.textContent = name;
  const small = document.createElement('div');
  small.className = 'poi-popup-kind';
  small.textContent = kind;
  el.append(strong, small);
  return el;
}

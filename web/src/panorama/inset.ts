// The map inset of a site visit: the feature's outline, where the camera
// stands and which way it looks (the scene's heading plus the viewer's yaw).
// A small SVG in a local plane is enough at the scale of one plot.

import { t } from '../i18n';
import type { Geometry } from '../types';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 120;
const PAD = 12;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The outer and inner rings of a polygon or multipolygon (other geometries have none). */
function rings(geometry: Geometry | null | undefined): [number, number][][] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates as [number, number][][];
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as [number, number][][][]).flat();
  return [];
}

export class MapInset {
  readonly el: SVGSVGElement;
  private readonly outline = svg('path', { class: 'pano-inset-outline', d: '' });
  private readonly camera = svg('g', { class: 'pano-inset-camera' });
  private readonly cone = svg('path', { class: 'pano-inset-cone', d: `M0 0 L-14 -30 A33 33 0 0 1 14 -30 Z` });
  private heading = 0;

  constructor() {
    this.el = svg('svg', { class: 'pano-inset', viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', 'data-testid': 'pano-inset' });
    const title = svg('title', {});
    title.textContent = t('panoInset');
    const north = svg('text', { class: 'pano-inset-north', x: SIZE - 10, y: 14, 'text-anchor': 'middle' });
    north.textContent = 'N';
    this.camera.append(this.cone, svg('circle', { r: 4.5, class: 'pano-inset-dot' }));
    this.el.append(title, svg('rect', { class: 'pano-inset-bg', width: SIZE, height: SIZE, rx: 8 }), this.outline, this.camera, north);
  }

  /**
   * Places the camera: `geometry` is the feature's outline (may be null),
   * `at` the camera's lon/lat (null: the outline's centre), `heading` the
   * compass heading of the scene's yaw 0.
   */
  place(geometry: Geometry | null | undefined, at: [number, number] | null, heading: number): void {
    this.heading = heading;
    const parts = rings(geometry);
    const points = parts.flat();
    if (at) points.push(at);
    if (!points.length) {
      this.el.style.display = 'none';
      return;
    }
    this.el.style.display = '';
    const lat0 = points.reduce((s, p) => s + p[1], 0) / points.length;
    const k = Math.cos((lat0 * Math.PI) / 180);
    const xs = points.map((p) => p[0] * k);
    const ys = points.map((p) => -p[1]);
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max(maxX - minX, maxY - minY) || 1e-4;
    const scale = (SIZE - 2 * PAD) / span;
    const ox = PAD + (SIZE - 2 * PAD - (maxX - minX) * scale) / 2;
    const oy = PAD + (SIZE - 2 * PAD - (maxY - minY) * scale) / 2;
    const project = (p: [number, number]): [number, number] => [ox + (p[0] * k - minX) * scale, oy + (-p[1] - minY) * scale];
    this.outline.setAttribute(
      'd',
      parts.map((ring) => ring.map((p, i) => `${i ? 'L' : 'M'}${project(p).map((v) => v.toFixed(1)).join(' ')}`).join(' ') + ' Z').join(' '),
    );
    const [cx, cy] = at ? project(at) : [ox + ((maxX - minX) * scale) / 2, oy + ((maxY - minY) * scale) / 2];
    this.camera.dataset.x = cx.toFixed(1);
    this.camera.dataset.y = cy.toFixed(1);
    this.turn(0);
  }

  /** Turns the view cone to the viewer's yaw (degrees, 0 = the image's centre). */
  turn(yaw: number): void {
    const { x, y } = this.camera.dataset;
    const bearing = (((this.heading + yaw) % 360) + 360) % 360;
    this.camera.setAttribute('transform', `translate(${x ?? 0} ${y ?? 0})`);
    this.cone.setAttribute('transform', `rotate(${bearing.toFixed(1)})`);
    this.el.dataset.bearing = bearing.toFixed(0);
  }
}

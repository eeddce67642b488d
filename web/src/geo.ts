// Small geodesy for drawing: a search circle and its handle, bounding boxes.
// A sphere is enough here; the server measures distances on the ellipsoid.

import type { Geometry, Position } from './types';

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

/** The point `distanceM` from `start` along `bearingDeg` (great circle). */
export function destination([lon, lat]: Position, distanceM: number, bearingDeg: number): Position {
  const d = distanceM / EARTH_RADIUS_M;
  const b = rad(bearingDeg);
  const φ1 = rad(lat);
  const λ1 = rad(lon);
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(b));
  const λ2 = λ1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
  return [deg(λ2), deg(φ2)];
}

/** Great-circle distance in metres. */
export function distance([lon1, lat1]: Position, [lon2, lat2]: Position): number {
  const dφ = rad(lat2 - lat1);
  const dλ = rad(lon2 - lon1);
  const a = Math.sin(dφ / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dλ / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

/** A circle as a closed ring of `steps` points, for drawing as a GeoJSON polygon. */
export function circleRing(center: Position, radiusM: number, steps = 96): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < steps; i++) ring.push(destination(center, radiusM, (360 * i) / steps));
  ring.push(ring[0]);
  return ring;
}

/** [west, south, east, north] of any GeoJSON geometry. */
export function bbox(geometry: Geometry): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as Position;
      box[0] = Math.min(box[0], x);
      box[1] = Math.min(box[1], y);
      box[2] = Math.max(box[2], x);
      box[3] = Math.max(box[3], y);
    } else if (Array.isArray(c)) {
      c.forEach(visit);
    }
  };
  visit(geometry.coordinates);
  return box;
}

/** A distance for people: metres below 1 km, kilometres with one decimal above. */
export function formatDistance(m: number, kmUnit: string): string {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} ${kmUnit}`;
}

function ringArea(ring: Position[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return a / 2;
}

export function insideRing([x, y]: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distanceToRing([x, y]: Position, ring: Position[]): number {
  let best = Infinity;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[j];
    const [bx, by] = ring[i];
    const dx = bx - ax;
    const dy = by - ay;
    const t = dx || dy ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy))) : 0;
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

/**
 * One point to label a polygon at, inside it: the centroid of its largest
 * part, or for odd shapes the grid point farthest from the edge. Tiles would
 * label a polygon once per tile it crosses; a point labels it once.
 */
export function labelPoint(geometry: Geometry): Position | null {
  const polygons =
    geometry.type === 'Polygon'
      ? [geometry.coordinates as Position[][]]
      : geometry.type === 'MultiPolygon'
        ? (geometry.coordinates as Position[][][])
        : [];
  const outer = polygons.map((p) => p[0]).filter((r) => r && r.length >= 4);
  if (!outer.length) return null;
  const ring = outer.reduce((a, b) => (Math.abs(ringArea(b)) > Math.abs(ringArea(a)) ? b : a));
  const area = ringArea(ring);
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  const centroid: Position = area ? [cx / (6 * area), cy / (6 * area)] : ring[0];
  if (insideRing(centroid, ring)) return centroid;
  const [w, s, e, n] = bbox({ type: 'Polygon', coordinates: [ring] });
  let best: Position = ring[0];
  let bestDistance = -1;
  for (let i = 1; i < 20; i++) {
    for (let j = 1; j < 20; j++) {
      const p: Position = [w + ((e - w) * i) / 20, s + ((n - s) * j) / 20];
      const d = insideRing(p, ring) ? distanceToRing(p, ring) : -1;
      if (d > bestDistance) [best, bestDistance] = [p, d];
    }
  }
  return best;
}

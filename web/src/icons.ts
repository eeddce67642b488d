// Infrastructure icons drawn on a canvas: no sprite sheet to fetch, and the
// legend uses the very same drawing.

import { POI_COLOURS } from './palette';
import { POI_KINDS, type PoiKind } from './types';

/** Icon size in CSS pixels. */
export const ICON_SIZE = 26;

/** Draws the white pictogram of a kind in a 24 x 24 box. */
function pictogram(ctx: CanvasRenderingContext2D, kind: PoiKind): void {
  ctx.fillStyle = '#fff';
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 2;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  switch (kind) {
    case 'highway_exit':
      // A lane leaving the road, arrow up and right.
      ctx.moveTo(9, 19);
      ctx.lineTo(9, 12);
      ctx.quadraticCurveTo(9, 8, 13, 8);
      ctx.lineTo(16, 8);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(15, 4.5);
      ctx.lineTo(19, 8);
      ctx.lineTo(15, 11.5);
      ctx.closePath();
      ctx.fill();
      break;
    case 'rail_freight':
      // Locomotive front: body, windscreen, wheels.
      ctx.roundRect(7, 5, 10, 11, 2);
      ctx.fill();
      ctx.fillStyle = POI_COLOURS.rail_freight;
      ctx.fillRect(9, 7.5, 6, 3);
      ctx.fillStyle = '#fff';
      ctx.beginPath();
      ctx.arc(9.5, 18, 1.6, 0, Math.PI * 2);
      ctx.arc(14.5, 18, 1.6, 0, Math.PI * 2);
      ctx.fill();
      break;
    case 'port':
      // Anchor.
      ctx.arc(12, 6.5, 1.8, 0, Math.PI * 2);
      ctx.moveTo(12, 8.3);
      ctx.lineTo(12, 19);
      ctx.moveTo(8.5, 11);
      ctx.lineTo(15.5, 11);
      ctx.moveTo(6.5, 14.5);
      ctx.quadraticCurveTo(7.5, 19, 12, 19);
      ctx.quadraticCurveTo(16.5, 19, 17.5, 14.5);
      ctx.stroke();
      break;
    case 'airport':
      // Aeroplane seen from above, nose up.
      ctx.moveTo(12, 4);
      ctx.quadraticCurveTo(13.3, 4, 13.3, 6.5);
      ctx.lineTo(13.3, 10);
      ctx.lineTo(19.5, 13.5);
      ctx.lineTo(19.5, 15);
      ctx.lineTo(13.3, 13.2);
      ctx.lineTo(13.3, 17);
      ctx.lineTo(15.5, 18.8);
      ctx.lineTo(15.5, 20);
      ctx.lineTo(12, 19);
      ctx.lineTo(8.5, 20);
      ctx.lineTo(8.5, 18.8);
      ctx.lineTo(10.7, 17);
      ctx.lineTo(10.7, 13.2);
      ctx.lineTo(4.5, 15);
      ctx.lineTo(4.5, 13.5);
      ctx.lineTo(10.7, 10);
      ctx.lineTo(10.7, 6.5);
      ctx.quadraticCurveTo(10.7, 4, 12, 4);
      ctx.fill();
      break;
    case 'substation':
      // Lightning bolt.
      ctx.moveTo(13.5, 3.5);
      ctx.lineTo(7, 13.5);
      ctx.lineTo(11.5, 13.5);
      ctx.lineTo(10.5, 20.5);
      ctx.lineTo(17, 10.5);
      ctx.lineTo(12.5, 10.5);
      ctx.closePath();
      ctx.fill();
      break;
    case 'wastewater':
      // Water drop with a wave.
      ctx.moveTo(12, 4);
      ctx.bezierCurveTo(12, 4, 6.5, 11, 6.5, 14);
      ctx.arc(12, 14, 5.5, Math.PI, 0, true);
      ctx.bezierCurveTo(17.5, 11, 12, 4, 12, 4);
      ctx.fill();
      ctx.strokeStyle = POI_COLOURS.wastewater;
      ctx.lineWidth = 1.4;
      ctx.beginPath();
      ctx.moveTo(8.5, 15);
      ctx.quadraticCurveTo(10.25, 13.5, 12, 15);
      ctx.quadraticCurveTo(13.75, 16.5, 15.5, 15);
      ctx.stroke();
      break;
  }
}

/** Draws one icon (badge and pictogram) into a square canvas of `size` CSS px at `ratio`. */
export function drawIcon(kind: PoiKind, size: number, ratio: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = Math.round(size * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.scale((size * ratio) / 24, (size * ratio) / 24);
  // Badge: a coloured disc with a white ring, readable on any background.
  ctx.beginPath();
  ctx.arc(12, 12, 11, 0, Math.PI * 2);
  ctx.fillStyle = '#fff';
  ctx.fill();
  ctx.beginPath();
  ctx.arc(12, 12, 9.6, 0, Math.PI * 2);
  ctx.fillStyle = POI_COLOURS[kind];
  ctx.fill();
  ctx.save();
  // Shrink the pictogram to sit inside the disc.
  ctx.translate(12, 12);
  ctx.scale(0.72, 0.72);
  ctx.translate(-12, -12);
  pictogram(ctx, kind);
  ctx.restore();
  return canvas;
}

/** Image id of a kind's icon in the map style. */
export function poiImageId(kind: PoiKind): string {
  return `poi-${kind}`;
}

/** A kind's icon as the map wants it (ImageData at the device's pixel ratio), from its image id. */
export function poiImage(id: string, ratio: number): { data: ImageData; pixelRatio: number } | null {
  const kind = POI_KINDS.find((k) => poiImageId(k) === id);
  if (!kind) return null;
  const canvas = drawIcon(kind, ICON_SIZE, ratio);
  return { data: canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height), pixelRatio: ratio };
}

/** An icon as a data URL, for the legend. */
export function poiIconUrl(kind: PoiKind, size = 18): string {
  return drawIcon(kind, size, Math.max(2, window.devicePixelRatio || 1)).toDataURL();
}

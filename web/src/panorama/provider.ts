// The card's panorama hook (`setPanoramaProvider`): the feature's scenes as
// thumbnails, and "start site visit" opening them full screen. The viewer
// itself (Photo Sphere Viewer, three.js) is loaded only when a visit starts.

import { setPanoramaProvider, type PanoramaProvider } from '../card';
import { showNotice } from '../notice';
import type { Selection } from '../state';
import type { Feature } from '../types';
import { fetchScenes, type Scene, type SceneLayer } from './api';

/** Scenes by feature, briefly: the card asks on every render. */
const cache = new Map<string, { at: number; scenes: Promise<Scene[]> }>();
const FRESH_MS = 10_000;

function scenesOf(selection: Selection, fresh = false): Promise<Scene[]> {
  const key = `${selection.layer}/${selection.id}`;
  // Office buildings have no panoramas yet.
  if (selection.layer === 'offices') return Promise.resolve([]);
  const hit = cache.get(key);
  if (hit && !fresh && Date.now() - hit.at < FRESH_MS) return hit.scenes;
  const scenes = fetchScenes(selection.layer as SceneLayer, selection.id);
  cache.set(key, { at: Date.now(), scenes });
  scenes.catch(() => cache.delete(key));
  return scenes;
}

export const panoramaProvider: PanoramaProvider = {
  async panoramas(selection: Selection) {
    try {
      const scenes = await scenesOf(selection);
      return scenes.map((s) => ({ thumbnail: s.thumbnail_url, title: s.title }));
    } catch {
      return [];
    }
  },
  startVisit(selection: Selection, feature: Feature) {
    void (async () => {
      const [scenes, visit] = await Promise.all([scenesOf(selection, true).catch(() => [] as Scene[]), import('./visit')]);
      if (!scenes.length) {
        showNotice('panoNone', 'info');
        return;
      }
      visit.openVisit(scenes, feature);
    })();
  },
};

/** Registers the site visit with the feature card. */
export function registerPanoramas(): void {
  setPanoramaProvider(panoramaProvider);
}

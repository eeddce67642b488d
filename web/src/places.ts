// The place search at the top of the panel: the server's gazetteer
// (/api/places) by name, code or pinyin initials. Choosing a place frames it
// on the map; a highway exit, or any place while the radius tool waits for a
// centre, becomes the centre of the radius search.

import { h, replaceChildren } from './dom';
import { onLangChange, t, type StringKey } from './i18n';

/** One answer of `GET /api/places`. */
export interface Place {
  name: string;
  kind: string;
  point: [number, number];
  bbox: [number, number, number, number];
  layer?: string;
  id?: number;
  code?: string;
}

/** What a chosen place does to the rest of the app. */
export interface PlaceActions {
  /** Makes room for the map before it moves (folds the phone's sheet). */
  beforeMove(): void;
  /** Frames a box on the map. */
  frame(bbox: [number, number, number, number]): void;
  /** True while the radius tool waits for its centre. */
  pickingCentre(): boolean;
  /** Centres the radius search on a point. */
  centreRadius(at: [number, number]): void;
}

async function findPlaces(q: string, signal: AbortSignal): Promise<Place[]> {
  const response = await fetch(`api/places?q=${encodeURIComponent(q)}&limit=8`, { signal });
  if (!response.ok) return [];
  const body = (await response.json()) as { places: Place[] };
  return body.places;
}

function kindLabel(kind: string): string {
  const key = (['park', 'plot', 'factory', 'office', 'district'].includes(kind) ? `place_${kind}` : `poi_${kind}`) as StringKey;
  const text = t(key);
  return text === key ? kind : text;
}

export class PlaceSearch {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLElement;
  private pending: AbortController | null = null;
  private timer = 0;

  constructor(private readonly actions: PlaceActions) {
    this.input = h('input', {
      type: 'search',
      class: 'place-input',
      placeholder: t('placeSearchPlaceholder'),
      title: t('placeSearchHint'),
      'aria-label': t('placeSearch'),
      'data-testid': 'place-search',
      autocomplete: 'off',
    });
    onLangChange(() => {
      this.input.placeholder = t('placeSearchPlaceholder');
      this.input.title = t('placeSearchHint');
      this.input.setAttribute('aria-label', t('placeSearch'));
    });
    this.list = h('ul', { class: 'place-list', role: 'listbox', 'data-testid': 'place-results' });
    this.el = h('section', { class: 'place-search' }, this.input, this.list);
    this.input.addEventListener('input', () => {
      window.clearTimeout(this.timer);
      // Wait for a pause in typing, so each keystroke does not cost a request.
      this.timer = window.setTimeout(() => void this.lookUp(), 150);
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        const first = this.list.querySelector<HTMLButtonElement>('button');
        first?.click();
      } else if (e.key === 'Escape') {
        this.close();
      }
    });
  }

  private async lookUp(): Promise<void> {
    const q = this.input.value.trim();
    this.pending?.abort();
    if (!q) return this.close();
    const controller = new AbortController();
    this.pending = controller;
    try {
      const places = await findPlaces(q.slice(0, 64), controller.signal);
      if (controller.signal.aborted) return;
      this.show(places);
    } catch (e) {
      if (!controller.signal.aborted) console.warn('place search failed', e);
    }
  }

  private show(places: Place[]): void {
    if (!places.length) {
      replaceChildren(this.list, h('li', { class: 'place-none' }, t('placeNone')));
      return;
    }
    replaceChildren(
      this.list,
      ...places.map((place) =>
        h(
          'li',
          { role: 'option' },
          h(
            'button',
            { type: 'button', class: 'place-item', 'data-testid': 'place-item', onclick: () => this.choose(place) },
            h('span', { class: 'place-name' }, place.name),
            h('span', { class: 'place-kind' }, kindLabel(place.kind)),
          ),
        ),
      ),
    );
  }

  private choose(place: Place): void {
    this.input.value = place.name;
    this.close();
    this.actions.beforeMove();
    if (this.actions.pickingCentre() || place.kind === 'highway_exit') this.actions.centreRadius(place.point);
    else this.actions.frame(place.bbox);
  }

  private close(): void {
    replaceChildren(this.list);
  }
}

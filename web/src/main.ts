// Boots the app: reads the link, builds the page, the map and the panels, and
// wires them through the store. Each piece lives in its own module.

import './style.css';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchConfig, fetchParks, fetchTileJson, type TileJson } from './api';
import { styleWithBasemap } from './basemap';
import { FeatureCard } from './card';
import { Dashboard, promoterControls } from './dashboard';
import { loadContext } from './context';
import { FilterPanel } from './filterPanel';
import { trackLabels } from './labels';
import { LeadInbox } from './leads';
import { MatchPanel } from './match';
import { getLang, onLangChange, setLang } from './i18n';
import { subscribeLive } from './live';
import { AtlasMap } from './map';
import { OfficerSession, signInControl } from './officer';
import { registerPanoramas } from './panorama/provider';
import { showNotice } from './notice';
import { parkSummaries, showParkLabels } from './parks';
import { ResultList } from './results';
import { SearchTools } from './searchTools';
import { buildShell, type Shell } from './shell';
import { Store } from './state';
import { FACTORY_LABEL_MINZOOM, FACTORY_LABEL_SOURCE, PLOT_LABEL_MINZOOM, PLOT_LABEL_SOURCE, buildStyle } from './style';
import { decode, encode, type View } from './urlState';

declare global {
  interface Window {
    /** The map, for tests and for people poking at it from the console. */
    siteAtlasMap?: MapLibreMap;
  }
}

/** Without a link, show all the data: the TileJSON's bounds, else China. */
function initialView(tilejson: TileJson): View | [number, number, number, number] {
  return tilejson.bounds ?? [73.5, 18.0, 135.1, 53.6];
}

function syncUrl(atlas: AtlasMap, store: Store): void {
  let written = location.hash;
  const write = () => {
    written = encode(atlas.view(), store.state, getLang());
    if (written !== location.hash) history.replaceState(history.state, '', written);
  };
  atlas.map.on('moveend', write);
  store.subscribe(write);
  onLangChange(write);
  // A link pasted into the same tab: take its state over.
  window.addEventListener('hashchange', () => {
    if (location.hash === written) return;
    const next = decode(location.hash);
    setLang(next.lang);
    store.update(next.app);
    if (next.view) atlas.map.jumpTo({ center: next.view.center, zoom: next.view.zoom, bearing: next.view.bearing, pitch: next.view.pitch });
  });
  write();
}

function wireLive(shell: Shell, atlas: AtlasMap, tilejson: TileJson, results: ResultList, card: FeatureCard, reloadParks: () => void): void {
  let version = 0;
  subscribeLive({
    onStatus: (status) => shell.setLive(status),
    onChanges: (changes, reload) => {
      version += 1;
      atlas.refreshTiles(tilejson.tiles, version);
      results.refresh();
      if (reload || changes.some((c) => card.shows(c.layer, c.id))) card.refresh();
      if (reload || changes.some((c) => c.layer === 'parks' || c.layer === undefined)) reloadParks();
    },
  });
}

async function main(): Promise<void> {
  const link = decode(location.hash);
  setLang(link.lang);
  registerPanoramas();
  const store = new Store(link.app);
  const shell = buildShell(store);

  let tilejson: TileJson;
  try {
    tilejson = await fetchTileJson();
  } catch (e) {
    shell.fatal(e instanceof Error ? e.message : String(e));
    return;
  }
  const config = await fetchConfig().catch(() => null);
  const { style, refused } = await styleWithBasemap(buildStyle(tilejson), config?.basemap ?? null);
  if (refused) showNotice(refused);

  const atlas = new AtlasMap(shell.mapContainer, style, link.view ?? initialView(tilejson));
  window.siteAtlasMap = atlas.map;
  atlas.framePadding = () => shell.framePadding();

  const filters = new FilterPanel(store);
  const tools = new SearchTools(atlas, store);
  const results = new ResultList(atlas, store);
  const session = new OfficerSession();
  shell.mountTopbar(signInControl(session));
  const dashboard = new Dashboard(store);
  shell.mountTopbar(promoterControls(session, new LeadInbox(store), dashboard));
  void session.restore();
  const card = new FeatureCard(store, (f) => atlas.flyToGeometry(f.geometry), session);
  const match = new MatchPanel(atlas, store);
  shell.mountPanel(match.el, filters.el, tools.el, results.el);
  results.onSummary = (text) => shell.setSheetSummary(text);
  shell.mountCard(card.el);

  atlas.onSelect((selection, at) => {
    store.update({ selected: selection });
    if (selection) atlas.reveal(at);
  });
  store.subscribe((state, change) => {
    if (change.filters) atlas.applyFilters(state.filters);
    if (change.selected) atlas.setSelected(state.selected);
  });
  atlas.map.on('load', () => {
    atlas.applyFilters(store.state.filters);
    atlas.setSelected(store.state.selected);
    void loadContext(atlas.map);
    trackLabels(atlas.map, [
      { sourceLayer: 'plots', target: PLOT_LABEL_SOURCE, minzoom: PLOT_LABEL_MINZOOM },
      { sourceLayer: 'factories', target: FACTORY_LABEL_SOURCE, minzoom: FACTORY_LABEL_MINZOOM },
    ]);
  });

  const reloadParks = () =>
    void fetchParks()
      .then((parks) => {
        const summaries = parkSummaries(parks);
        filters.setParks(summaries);
        card.setParks(summaries);
        match.setParks(parks);
        dashboard.setParks(new Map(summaries.map((p) => [p.code, p.name])));
        if (atlas.map.isStyleLoaded()) showParkLabels(atlas.map, parks);
        else atlas.map.once('load', () => showParkLabels(atlas.map, parks));
      })
      .catch((e) => console.warn('park list unavailable', e));
  reloadParks();

  syncUrl(atlas, store);
  wireLive(shell, atlas, tilejson, results, card, reloadParks);
}

void main();

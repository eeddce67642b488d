// Boots the app: reads the link, builds the page, the map and the panels, and
// wires them through the store. Each piece lives in its own module.

import './style.css';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchConfig, fetchFeature, fetchParks, fetchTileJson, type TileJson } from './api';
import { loadSchema } from './schema';
import { styleWithBasemap } from './basemap';
import { FeatureCard } from './card';
import { CompareTray, CompareView } from './compare';
import { Dashboard, promoterControls } from './dashboard';
import { mediaOfficeControl } from './officeControl';
import { loadContext, setContextParks } from './context';
import { FilterPanel } from './filterPanel';
import { tileQuery } from './filters';
import { LeadInbox } from './leads';
import { ProjectBoard } from './projects';
import { rememberOrigin } from './referral';
import { MatchPanel } from './match';
import { getLang, onLangChange, setLang } from './i18n';
import { subscribeLive } from './live';
import { AtlasMap } from './map';
import { BackOffice, officeControl } from './office';
import { OfficerSession, signInControl } from './officer';
import { registerPanoramas } from './panorama/provider';
import { showNotice } from './notice';
import { ParkCard } from './parkCard';
import { parkSummaries } from './parks';
import { PlaceSearch } from './places';
import { bbox } from './geo';
import type { Feature, LayerName } from './types';
import { ResultList } from './results';
import { SearchTools } from './searchTools';
import { SiteForm } from './siteForm';
import { buildShell, type Shell } from './shell';
import { Store } from './state';
import { buildStyle } from './style';
import { decode, encode, type View } from './urlState';

declare global {
  interface Window {
    /** The map, for tests and for people poking at it from the console. */
    siteAtlasMap?: MapLibreMap;
  }
}

type Box = [number, number, number, number];

/** The joint box of some features, or null when there are none. */
function extentOf(features: Feature[]): Box | null {
  if (!features.length) return null;
  return features.map((f) => bbox(f.geometry) as Box).reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
}

/**
 * Without a view in the link: the selected feature when the link names one,
 * else the parks (what an investor came to see), else the TileJSON's bounds,
 * else China.
 */
async function initialView(tilejson: TileJson, selected: { layer: string; id: number } | null): Promise<View | Box> {
  if (selected) {
    const feature = await fetchFeature(selected.layer as LayerName, selected.id).catch(() => null);
    if (feature) return bbox(feature.geometry) as Box;
  }
  const parks = await fetchParks().catch(() => []);
  return extentOf(parks) ?? tilejson.bounds ?? [73.5, 18.0, 135.1, 53.6];
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

function wireLive(shell: Shell, atlas: AtlasMap, tilejson: TileJson, results: ResultList, card: FeatureCard, parkCard: ParkCard, reloadParks: () => void): void {
  let version = 0;
  subscribeLive({
    onStatus: (status) => shell.setLive(status),
    onChanges: (changes, reload) => {
      version += 1;
      atlas.refreshTiles(tilejson.tiles, version);
      results.refresh();
      if (reload || changes.some((c) => card.shows(c.layer, c.id))) card.refresh();
      // A park's figures depend on its plots and factories.
      parkCard.refresh();
      if (reload || changes.some((c) => c.layer === 'parks' || c.layer === undefined)) reloadParks();
    },
  });
}

async function main(): Promise<void> {
  rememberOrigin();
  const link = decode(location.hash);
  setLang(link.lang);
  registerPanoramas();
  const store = new Store(link.app);
  const shell = buildShell(store);

  let tilejson: TileJson;
  try {
    // The schema describes the layers' fields for the filters and the card.
    [tilejson] = await Promise.all([fetchTileJson(), loadSchema()]);
  } catch (e) {
    shell.fatal(e instanceof Error ? e.message : String(e));
    return;
  }
  const config = await fetchConfig().catch(() => null);
  // The first tiles already carry the link's filters: the server draws only matches.
  const firstQuery = tileQuery(store.state.filters);
  const withQuery = (u: string) => (firstQuery ? `${u}${u.includes('?') ? '&' : '?'}${firstQuery.slice(1)}` : u);
  const { style, refused } = await styleWithBasemap(buildStyle({ ...tilejson, tiles: tilejson.tiles.map(withQuery) }), config?.basemap ?? null);
  if (refused) showNotice(refused);

  const atlas = new AtlasMap(shell.mapContainer, style, link.view ?? (await initialView(tilejson, link.app.selected ?? null)));
  atlas.trackTiles(tilejson.tiles, firstQuery);
  window.siteAtlasMap = atlas.map;
  atlas.framePadding = () => shell.framePadding();

  const filters = new FilterPanel(store);
  const tools = new SearchTools(atlas, store);
  const results = new ResultList(atlas, store);
  const session = new OfficerSession();
  shell.mountTopbar(signInControl(session));
  const dashboard = new Dashboard(store);
  const projects = new ProjectBoard(store);
  shell.mountTopbar(promoterControls(session, new LeadInbox(store, (id) => projects.open(id)), projects, dashboard));
  shell.mountTopbar(mediaOfficeControl(session, store));
  void session.restore();
  const card = new FeatureCard(store, (f) => atlas.flyToGeometry(f.geometry), session);
  // A saved attribute shows at once here; other maps hear of it through /api/events.
  const siteForm = new SiteForm(session, (layer, saved) => {
    if (card.shows(layer, Number(saved.feature.id ?? saved.feature.properties.id))) card.refresh();
    results.refresh();
    office.siteSaved();
  });
  const office = new BackOffice(session, siteForm);
  shell.mountTopbar(officeControl(session, office));
  card.setAttributeEditor((layer, id) => void siteForm.open(layer, id));
  const match = new MatchPanel(atlas, store);
  const places = new PlaceSearch({
    // On a phone the open sheet covers the map: fold it so the place can be seen.
    beforeMove: () => {
      if (document.body.classList.contains('panel-open')) document.querySelector<HTMLButtonElement>('[data-testid=panel-toggle]')?.click();
    },
    frame: (box) => atlas.map.fitBounds(box, { padding: atlas.framePadding(), maxZoom: 15, duration: 900 }),
    pickingCentre: () => tools.pickingCentre(),
    centreRadius: (at) => tools.centreAt(at),
  });
  shell.mountPanel(places.el, match.el, filters.el, tools.el, results.el);
  results.onSummary = (text) => shell.setSheetSummary(text);
  shell.mountCard(card.el);
  const parkCard = new ParkCard(store, (f) => atlas.flyToGeometry(f.geometry));
  shell.mountCard(parkCard.el);
  const compareTray = new CompareTray(store);
  const compareView = new CompareView(store);
  shell.mapContainer.parentElement?.append(compareTray.el);
  document.body.append(compareView.el);

  atlas.onSelect((selection, at) => {
    store.update({ selected: selection });
    if (selection) atlas.reveal(at);
  });
  let parkFeatures: Feature[] = [];
  let shownPark = store.state.filters.park;
  store.subscribe((state, change) => {
    if (change.filters) {
      atlas.applyFilters(state.filters);
      atlas.setTileFilters(tileQuery(state.filters));
    }
    // Choosing a park flies the map there.
    if (change.filters && state.filters.park !== shownPark) {
      shownPark = state.filters.park;
      const park = parkFeatures.find((f) => f.properties.code === shownPark);
      if (park) atlas.flyToGeometry(park.geometry);
    }
    if (change.selected) atlas.setSelected(state.selected);
  });
  atlas.map.on('load', () => {
    atlas.applyFilters(store.state.filters);
    atlas.setSelected(store.state.selected);
    void loadContext(atlas.map);
  });

  const reloadParks = () =>
    void fetchParks()
      .then((parks) => {
        parkFeatures = parks;
        const summaries = parkSummaries(parks);
        filters.setParks(summaries);
        card.setParks(summaries);
        compareView.setParks(summaries);
        match.setParks(parks);
        dashboard.setParks(new Map(summaries.map((p) => [p.code, p.name])));
        projects.setParks(summaries);
        siteForm.setParks(summaries);
        office.setParks(summaries);
        setContextParks(atlas.map, parks);
      })
      .catch((e) => console.warn('park list unavailable', e));
  reloadParks();

  syncUrl(atlas, store);
  wireLive(shell, atlas, tilejson, results, card, parkCard, reloadParks);
}

void main();

// The map shows what the filters select at every zoom: below zoom 12 the
// server's aggregates count only the matching plots, so the counts on the map
// add up to the search's numberMatched over the same area.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, openApp, serverAndBrowser, waitForIdle } from './helpers.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await serverAndBrowser()));
after(() => closeAll(browser, server));

/** The sum of the counts on the rendered plot aggregates, and the view's bounds. */
async function clusterCounts(page) {
  return page.evaluate(() => {
    const map = window.siteAtlasMap;
    const seen = new Set();
    let total = 0;
    for (const f of map.queryRenderedFeatures({ layers: ['plot-clusters'] })) {
      const key = `${f.id}:${f.geometry.coordinates.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      total += Number(f.properties.count);
    }
    return { total, bounds: map.getBounds().toArray().flat() };
  });
}

async function matched(filters, [w, s, e, n]) {
  const polygon = { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
  const r = await fetch(`${server.base}/api/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ layer: 'plots', limit: 1, polygon, ...filters }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).numberMatched;
}

test('cluster counts follow the filters and equal the search at zoom 8, 10, 11 and 12', async () => {
  const page = await openApp(browser.context, server.base, '#map=10/30.70/103.87/0/0');
  const unfiltered = await clusterCounts(page);
  assert.ok(unfiltered.total > 0, 'the unfiltered view has aggregates');
  assert.equal(unfiltered.total, await matched({}, unfiltered.bounds), 'unfiltered counts equal the search');

  const tileRequests = [];
  page.on('request', (r) => r.url().includes('.mvt') && tileRequests.push(r.url()));
  await page.click('[data-testid=filter-status] [data-value=available]');
  await page.click('[data-testid=filter-land-use] [data-value=industrial]');
  await page.waitForTimeout(1500);
  await waitForIdle(page);
  assert.ok(
    tileRequests.some((u) => u.includes('status=available') && u.includes('land_use=industrial')),
    `the tiles are asked with the filters: ${tileRequests.slice(0, 2).join(' ')}`,
  );
  const filters = { status: 'available', land_use: 'industrial' };
  for (const zoom of [8, 10, 11]) {
    await page.evaluate((z) => window.siteAtlasMap.jumpTo({ zoom: z }), zoom);
    await page.waitForTimeout(500);
    await waitForIdle(page);
    const counted = await clusterCounts(page);
    const want = await matched(filters, counted.bounds);
    assert.equal(counted.total, want, `zoom ${zoom}: the map counts ${counted.total}, the search ${want}`);
    if (zoom === 10) assert.ok(counted.total < unfiltered.total, 'the filters narrow the counts on the map');
  }
  // From zoom 12 the plots are drawn one by one: the distinct plots on the map are the search's.
  await page.evaluate(() => window.siteAtlasMap.jumpTo({ zoom: 12 }));
  await page.waitForTimeout(500);
  await waitForIdle(page);
  const shapes = await page.evaluate(() => {
    const map = window.siteAtlasMap;
    const ids = new Set(map.queryRenderedFeatures({ layers: ['plots-fill'] }).map((f) => f.id));
    return { total: ids.size, bounds: map.getBounds().toArray().flat() };
  });
  assert.ok(shapes.total > 0, 'plots are drawn at zoom 12');
  assert.equal(shapes.total, await matched(filters, shapes.bounds), 'zoom 12: the plots drawn are the search\'s');
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** The rendered cluster discs in screen pixels: centre, radius with outline, count, extent. */
async function discs(page) {
  return page.evaluate(() => {
    const map = window.siteAtlasMap;
    const seen = new Map();
    for (const f of map.queryRenderedFeatures({ layers: ['plot-clusters'] })) {
      const [lon, lat] = f.geometry.coordinates;
      const key = `${lon},${lat}`;
      if (seen.has(key)) continue;
      const p = map.project([lon, lat]);
      const radius = map.getPaintProperty('plot-clusters', 'circle-stroke-width') + Number(f.properties.radius);
      const { west, south, east, north, count } = f.properties;
      seen.set(key, { x: p.x, y: p.y, radius, count, extent: [west, south, east, north] });
    }
    return [...seen.values()];
  });
}

for (const [device, viewport] of [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
  test(`cluster discs never overlap at any zoom below 12 (${device})`, async () => {
    const page = await openApp(browser.context, server.base, '#map=9/30.75/104.0/0/0', viewport);
    let compared = 0;
    for (const zoom of [5, 6, 7, 8, 8.5, 9, 9.7, 10, 10.4, 11, 11.9]) {
      await page.evaluate((z) => window.siteAtlasMap.jumpTo({ zoom: z }), zoom);
      await waitForIdle(page);
      const found = await discs(page);
      for (let i = 0; i < found.length; i++) {
        for (let j = i + 1; j < found.length; j++) {
          const [a, b] = [found[i], found[j]];
          const d = Math.hypot(a.x - b.x, a.y - b.y);
          assert.ok(d >= a.radius + b.radius - 0.5, `zoom ${zoom}: discs of ${a.count} and ${b.count} overlap (${d.toFixed(1)} px apart)`);
          compared++;
        }
      }
    }
    assert.ok(compared > 10, `enough pairs compared: ${compared}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('a click on a cluster frames the plots it counts', async () => {
  const page = await openApp(browser.context, server.base, '#map=9/30.75/104.0/0/0');
  await page.waitForFunction(() => window.siteAtlasMap.queryRenderedFeatures({ layers: ['plot-clusters'] }).length > 1);
  await waitForIdle(page);
  const [disc] = (await discs(page)).sort((a, b) => b.count - a.count);
  assert.ok(disc && disc.count > 1, 'a cluster of several plots');
  const canvas = await page.evaluate(() => {
    const r = window.siteAtlasMap.getCanvas().getBoundingClientRect();
    return { left: r.left, top: r.top };
  });
  await page.mouse.click(canvas.left + disc.x, canvas.top + disc.y);
  await page.waitForTimeout(1200);
  await waitForIdle(page);
  const after = await page.evaluate(() => {
    const map = window.siteAtlasMap;
    return { zoom: map.getZoom(), bounds: map.getBounds().toArray().flat() };
  });
  assert.ok(after.zoom >= 11, `zoomed in: ${after.zoom}`);
  const [w, s, e, n] = disc.extent;
  const [bw, bs, be, bn] = after.bounds;
  assert.ok(bw <= w && bs <= s && be >= e && bn >= n, `the view ${after.bounds} frames the cluster's extent ${disc.extent}`);
  // Every plot of the cluster is now on the map, as a smaller cluster or as a shape.
  const polygon = { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
  const r = await fetch(`${server.base}/api/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ layer: 'plots', limit: 1, polygon }),
  });
  assert.ok((await r.json()).numberMatched >= disc.count);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The map shows what the filters select at every zoom: below zoom 12 the
// server's aggregates count only the matching plots, so the counts on the map
// add up to the search's numberMatched over the same area.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openApp, startServer, waitForIdle } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

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

test('aggregate counts follow the filters and equal the search at zoom 8, 10 and 11', async () => {
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
  assert.deepEqual(page.errors, []);
  await page.close();
});

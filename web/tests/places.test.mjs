// The map says where you are: place search, the park filter moving the map,
// and a first view framed on the parks. Desktop and phone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, pointOf, serverAndBrowser, waitForIdle } from './helpers.mjs';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

let server;
let browser;

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

/** The map's visible box, [w, s, e, n]. */
function visible(page) {
  return page.evaluate(() => window.siteAtlasMap.getBounds().toArray().flat());
}

function contains(box, [x, y]) {
  return box[0] <= x && x <= box[2] && box[1] <= y && y <= box[3];
}

function insideRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Waits until the map has stopped moving and drawn. */
async function settle(page) {
  await page.waitForFunction(() => !window.siteAtlasMap.isMoving(), null, { timeout: 10_000 });
  await waitForIdle(page);
}

/** Opens the panel on a phone, where it is a folded sheet. */
async function openPanel(page, viewport) {
  if (viewport !== PHONE) return;
  const toggle = page.locator('.panel-toggle');
  if (await toggle.isVisible()) await toggle.click();
}

describe('Orientation', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ]) {
    test(`${name}: the first view contains the parks`, async () => {
      const parks = (await getJson('/collections/parks/items?limit=100')).features;
      assert.ok(parks.length > 0);
      const page = await openApp(browser.context, server.base, '', viewport);
      const box = await visible(page);
      for (const park of parks) {
        const ring = park.geometry.type === 'Polygon' ? park.geometry.coordinates[0] : park.geometry.coordinates[0][0];
        for (const corner of ring) assert.ok(contains(box, corner), `${park.properties.code} at ${corner} outside ${box}`);
      }
      // Framed on the parks, not a national overview: a few hundred kilometres across at most.
      assert.ok(box[2] - box[0] < 12, `view ${box} is wider than the parks need`);
      // The parks' districts are named, each at a point inside itself; their neighbours are not.
      const labels = await page.evaluate(() =>
        window.siteAtlasMap
          .queryRenderedFeatures({ layers: ['context-district-label', 'context-district-label-other'] })
          .map((f) => ({ name: f.properties.name, at: f.geometry.coordinates })),
      );
      const names = labels.map((l) => l.name);
      for (const district of ['成都市温江区', '绵阳市涪城区']) assert.ok(names.includes(district), `${district} not labelled: ${names}`);
      assert.ok(!names.includes('成都市郫都区'), `the parks' neighbour is labelled: ${names}`);
      const context = (await getJson('/context.geojson')).features.filter((f) => f.properties.kind === 'district');
      for (const label of labels) {
        const own = context.find((f) => f.properties.name === label.name);
        assert.ok(insideRing(label.at, own.geometry.coordinates[0]), `${label.name} labelled outside itself at ${label.at}`);
      }
      await page.screenshot({ path: artifact(`${name}-first-view.png`) });
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test(`${name}: a place search for a highway exit centres the radius tool there`, async () => {
      const page = await openApp(browser.context, server.base, '', viewport);
      await openPanel(page, viewport);
      const input = page.locator('[data-testid=place-search]');
      await input.fill('温江出口');
      const item = page.locator('[data-testid=place-item]').first();
      await item.waitFor({ timeout: 10_000 });
      assert.match(await item.innerText(), /成温邛高速温江出口/);
      await page.screenshot({ path: artifact(`${name}-place-search.png`) });
      await item.click();
      await page.locator('[data-testid=search-centre]').waitFor({ timeout: 10_000 });
      await settle(page);
      // The map is in view, not under the phone's sheet.
      assert.equal(await page.evaluate(() => document.body.classList.contains('panel-open')), false);
      const exit = (await getJson('/api/places?q=POI-WJ-EXIT1')).places[0];
      const marker = await page.locator('[data-testid=search-centre]').boundingBox();
      const expected = await pointOf(page, exit.point);
      assert.ok(
        Math.abs(marker.x + marker.width / 2 - expected.x) < 3 && Math.abs(marker.y + marker.height / 2 - expected.y) < 3,
        `centre at ${JSON.stringify(marker)}, exit at ${JSON.stringify(expected)}`,
      );
      assert.ok(contains(await visible(page), exit.point));
      assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /q=/);
      await page.screenshot({ path: artifact(`${name}-place-radius.png`) });
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }

  test('choosing a park in the filter moves the map to it', async () => {
    const page = await openApp(browser.context, server.base, '#map=12/29.74/106.52/0/0', DESKTOP);
    const before = await page.evaluate(() => window.siteAtlasMap.getCenter().toArray());
    const park = (await getJson('/api/places?q=MY-HTZ')).places[0];
    assert.equal(park.kind, 'park');
    const select = page.locator('[data-testid=filter-park]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=filter-park] option').length > 1, null, { timeout: 10_000 });
    await select.selectOption(park.code);
    await page.waitForFunction(
      ([x, y]) => {
        const b = window.siteAtlasMap.getBounds();
        return !window.siteAtlasMap.isMoving() && b.contains([x, y]);
      },
      park.point,
      { timeout: 10_000 },
    );
    const after = await page.evaluate(() => window.siteAtlasMap.getCenter().toArray());
    assert.ok(Math.hypot(after[0] - before[0], after[1] - before[1]) > 1, `map stayed at ${after}`);
    assert.ok(contains(await visible(page), park.point));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a sel= link without a view opens framed on the selected feature', async () => {
    const plot = (await getJson('/api/places?q=WJ2026-03')).places[0];
    const page = await openApp(browser.context, server.base, `#sel=plots/${plot.id}`, DESKTOP);
    const box = await visible(page);
    assert.ok(contains(box, plot.point), `${plot.point} outside ${box}`);
    assert.ok(box[2] - box[0] < 0.2, `view ${box} is not framed on one plot`);
    await page.close();
  });
});

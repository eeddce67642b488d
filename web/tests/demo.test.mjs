// End-to-end test of the demo as a new user meets it (`scripts/run` on an
// empty store): a dozen sites have panoramas with hotspots, the demo tours
// open from their links, and every park's incentive rules give the
// calculator an estimate with its sources. Nothing is added by the test.
// Run after `npm run build`:
//   SITEATLAS_BIN=... node --test tests/demo.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, serverAndBrowser } from './helpers.mjs';

let server;
let browser;

async function json(path, init = {}) {
  const r = await fetch(`${server.base}${path}`, init);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

/** Every plot and factory of the demo with its scenes. */
async function sitesWithScenes() {
  const sites = [];
  for (const layer of ['plots', 'factories']) {
    const all = await json(`/api/search?layer=${layer}&limit=200&skipGeometry=true`);
    for (const f of all.features) {
      const scenes = await json(`/api/${layer}/${f.id}/panoramas`);
      const list = Array.isArray(scenes) ? scenes : scenes.panoramas ?? scenes.scenes ?? [];
      if (list.length) sites.push({ layer, id: f.id, code: f.properties.code, park: f.properties.park, scenes: list });
    }
  }
  return sites;
}

describe('The demo shows every feature', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  test('a dozen sites have panoramas with hotspots; a visit opens from the card', async () => {
    const sites = await sitesWithScenes();
    assert.ok(sites.length >= 12, `${sites.length} demo sites have panoramas`);
    const scenes = sites.flatMap((s) => s.scenes);
    assert.ok(scenes.every((s) => s.hotspots.length >= 1), 'every demo scene has a hotspot');
    assert.ok(scenes.some((s) => s.hotspots.some((h) => h.target)), 'some scenes link to others');

    // The first site with two linked scenes, from its card on the map.
    const site = sites.find((s) => s.scenes.length >= 2 && s.layer === 'plots');
    assert.ok(site, 'a plot with two scenes');
    const page = await openApp(browser.context, server.base, `#sel=${site.layer}/${site.id}`);
    const card = page.locator('[data-testid=feature-card]');
    await card.locator('[data-testid=panorama-thumbs] img').nth(1).waitFor({ state: 'attached' });
    const start = card.locator('[data-testid=start-visit]');
    assert.equal(await start.isDisabled(), false, '开始看地 is live');
    await start.click();
    await page.waitForSelector('[data-testid=pano-visit]');
    const first = site.scenes[0];
    await page.waitForFunction((id) => document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId === String(id), first.id, { timeout: 20_000 });
    assert.equal(await page.locator('[data-testid=pano-title]').innerText(), first.title);
    const link = page.locator(`[data-testid=pano-hotspot][data-target="${site.scenes[1].id}"]`);
    await link.waitFor({ state: 'visible', timeout: 10_000 }).catch(async () => {
      // The link may be behind the camera: turn to it.
      const hs = first.hotspots.find((h) => h.target === site.scenes[1].id);
      await page.evaluate((yaw) => window.siteAtlasPanorama.rotate({ yaw: (yaw * Math.PI) / 180, pitch: 0 }), hs.yaw_deg);
      await link.waitFor({ state: 'visible' });
    });
    await page.screenshot({ path: artifact('demo-visit.png') });
    await link.click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId === String(id), site.scenes[1].id, { timeout: 20_000 });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the demo tours open from a share link', async () => {
    const login = { headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } };
    for (const id of [1, 2, 3]) {
      const tour = await json(`/api/tours/${id}`, login);
      assert.ok(tour.stops.length >= 5, `tour ${id} has ${tour.stops.length} stops`);
      const r = await fetch(`${server.base}/api/tours/${id}/links`, { method: 'POST', body: JSON.stringify({ days: 1 }), ...login });
      assert.equal(r.status, 201);
      const link = await r.json();
      const page = await browser.context.newPage();
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      await page.goto(`${server.base}${link.url}`);
      await page.waitForFunction(() => window.siteAtlasPanorama?.state?.ready && document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId);
      assert.equal(await page.locator('[data-testid=tour-title]').innerText(), tour.title);
      assert.equal(await page.locator('[data-testid=tour-stop]').count(), tour.stops.length);
      if (id === 1) await page.screenshot({ path: artifact('demo-tour.png') });
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  });

  test('every park publishes rules; the calculator estimates with their sources', async () => {
    const parks = await json('/api/search?layer=parks&limit=50&skipGeometry=true');
    assert.ok(parks.features.length >= 7);
    for (const park of parks.features) {
      const policy = await json(`/api/parks/${encodeURIComponent(park.properties.code)}/policy`);
      assert.ok(policy.rules.length >= 3, `${park.properties.code} has ${policy.rules.length} rules`);
      assert.ok(policy.rules.every((r) => r.source), `${park.properties.code}: every rule names its source`);
    }

    // An available industrial plot: the calculator on its card.
    const plots = await json('/api/search?layer=plots&status=available&land_use=industrial&limit=1&skipGeometry=true');
    const plot = plots.features[0];
    const page = await openApp(browser.context, server.base, `#sel=plots/${plot.id}`);
    await page.waitForSelector('[data-testid=policy-form]');
    // A project of 600 万元/亩 on the whole plot, paying 50 万元/亩 a year.
    const mu = plot.properties.area_mu;
    await page.fill('[data-testid=policy-investment_wan]', String(Math.round(mu * 600)));
    await page.fill('[data-testid=policy-expected_tax_wan]', String(Math.round(mu * 50)));
    await page.fill('[data-testid=policy-equipment_wan]', String(Math.round(mu * 300)));
    await page.click('[data-testid=policy-submit]');
    await page.waitForSelector('[data-testid=policy-total]');
    const total = Number(await page.locator('[data-testid=policy-total]').getAttribute('data-total'));
    assert.ok(total > 0, `the estimate is ${total} 万元`);
    assert.ok((await page.locator('.policy-rule.applies').count()) >= 2, 'at least two rules apply');
    assert.match(await page.locator('[data-testid=policy-source]').first().innerText(), /依据：《.+》/);
    await page.locator('[data-testid=card-policy]').screenshot({ path: artifact('demo-policy.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

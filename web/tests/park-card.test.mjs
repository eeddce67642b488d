// The park card (园区名片): a park opens from the map (its area and its
// name), sites on top of it still open their own card, and the carriers link
// filters the search to the park's plots or factories. At 1440x900 and 390x844.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, pointOf, serverAndBrowser, waitForIdle } from './helpers.mjs';

/** Over 成都医学城 (WJ-MED), plots drawn as shapes. */
const MEDICAL_CITY = '#map=14.2/30.7100/103.8740/0/0';

let server;
let browser;

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, path);
  return r.json();
}

/**
 * A point of the screen inside the park where nothing else can be clicked:
 * the park's area alone (no plot, factory, point or name on top).
 */
async function bareParkPoint(page, code) {
  return page.evaluate((code) => {
    const map = window.siteAtlasMap;
    const others = ['plots-fill', 'plot-clusters', 'factories-fill', 'factories-3d', 'pois', 'parks-label'].filter((id) => map.getLayer(id));
    const r = map.getCanvas().getBoundingClientRect();
    // Away from the edges and the card's side of the map.
    for (let y = 120; y < r.height - 120; y += 17) {
      for (let x = 120; x < r.width * 0.6; x += 17) {
        const park = map.queryRenderedFeatures([x, y], { layers: ['parks-fill'] });
        if (park.length !== 1 || park[0].properties.code !== code) continue;
        if (map.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers: others }).length) continue;
        return { x: r.left + x, y: r.top + y };
      }
    }
    return null;
  }, code);
}

async function parkCardText(page) {
  await page.waitForSelector('[data-testid=park_card]:not([hidden]) [data-testid=park_enterprises]');
  return page.locator('[data-testid=park_card]').innerText();
}

describe('the park card', () => {
  before(async () => {
    ({ server, browser } = await serverAndBrowser());
  });
  after(async () => {
    await closeAll(browser, server);
  });

  test('a park opens from the map with its enterprises and carriers, and the carriers link filters the search', async () => {
    const profile = await getJson('/api/parks/WJ-MED/profile');
    const page = await openApp(browser.context, server.base, MEDICAL_CITY);

    // A plot on top of the park opens its own card, not the park's.
    const plot = (await getJson('/api/search?layer=plots&park=WJ-MED&status=available&limit=1')).features[0];
    const ring = plot.geometry.coordinates[0].slice(0, -1);
    const centre = [ring.reduce((s, p) => s + p[0], 0) / ring.length, ring.reduce((s, p) => s + p[1], 0) / ring.length];
    const onPlot = await pointOf(page, centre);
    await page.mouse.click(onPlot.x, onPlot.y);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) [data-testid=card-basic]');
    assert.equal(await page.locator('[data-testid=park_card]').isHidden(), true, 'the park card stays closed under a plot');
    await page.click('[data-testid=card-close]');

    // The park's bare area opens the park card.
    const at = await bareParkPoint(page, 'WJ-MED');
    assert.ok(at, 'no bare point of the park on screen');
    await page.mouse.click(at.x, at.y);
    const text = await parkCardText(page);
    assert.equal(await page.locator('[data-testid=feature-card]').isHidden(), true);
    assert.match(await page.locator('[data-testid=park_name]').innerText(), /成都医学城/);
    assert.match(text, /省级/);
    assert.match(text, /成都市温江区/);
    assert.match(text, /18\.3 平方公里/);
    assert.match(page.url(), new RegExp(`sel=parks/${profile.id}\\b`));
    // Enterprises, the chain leaders marked.
    const enterprises = page.locator('[data-testid=park_enterprise]');
    assert.equal(await enterprises.count(), profile.park.enterprises.length);
    const leaders = profile.park.enterprises.filter((e) => e.leading).map((e) => e.name);
    assert.equal(await page.locator('[data-testid=park_leader]').count(), leaders.length);
    for (const name of leaders) {
      assert.equal(await page.locator('.park_leading', { hasText: name }).count(), 1, `${name} marked as 龙头`);
    }
    assert.match(await page.locator('[data-testid=park_fig_enterprises]').innerText(), new RegExp(`${profile.park.enterprise_count}`));
    const occupancy = `${(profile.occupancy.rate * 100).toFixed(1).replace(/\.0$/, '')}%`;
    assert.equal(await page.locator('[data-testid=park_fig_occupancy]').innerText(), occupancy);
    // Carriers at a glance, as the server counted them.
    const carriers = await page.locator('[data-testid=park_carriers]').innerText();
    assert.match(carriers, new RegExp(`${profile.carriers.plots.available} 宗`));
    assert.match(carriers, new RegExp(`${profile.carriers.factories.with_space} 栋`));
    assert.match(carriers, /28 – 55 万元\/亩/);
    // The officer's telephone can be tapped.
    assert.equal(await page.locator('[data-testid=park_call]').getAttribute('href'), `tel:${profile.park.contact.phone.replace(/[^\d+]/g, '')}`);
    // Scenes, tours and incentives.
    assert.equal(await page.locator('[data-testid=park_panorama]').count(), profile.panoramas.length);
    assert.equal(await page.locator('[data-testid=park_tour]').count(), profile.tours.length);
    assert.equal(await page.locator('[data-testid=park_policy_line]').count(), profile.policy.length);
    await page.screenshot({ path: artifact('park-card-1440.png') });

    // The carriers link: the search lists exactly the park's available plots.
    await page.click('[data-testid=park_show_plots]');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=result-list] li.result').length === n && /\bpark=WJ-MED\b/.test(location.hash),
      profile.carriers.plots.available,
      { timeout: 10_000 },
    );
    assert.equal(await page.locator('[data-testid=park_card]').isHidden(), true, 'the card gives the map to the results');
    assert.match(page.url(), /[#&]st=available\b/);
    const listed = await page.locator('[data-testid=result-list] li.result').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
    const expected = await getJson('/api/search?layer=plots&park=WJ-MED&status=available&limit=100&skipGeometry=true');
    assert.deepEqual(new Set(listed), new Set(expected.features.map((f) => f.id)));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test("a park's name opens its card too", async () => {
    const profile = await getJson('/api/parks/CQ-GYL/profile');
    const page = await openApp(browser.context, server.base, '#map=12.5/29.6385/106.7240/0/0');
    const label = await page.evaluate(() => {
      const map = window.siteAtlasMap;
      // Without the park's area drawn, only its name can open the card.
      map.setLayoutProperty('parks-fill', 'visibility', 'none');
      const f = map.queryRenderedFeatures({ layers: ['parks-label'] }).find((l) => l.properties.code === 'CQ-GYL');
      if (!f) return null;
      const p = map.project(f.geometry.coordinates);
      const r = map.getCanvas().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    });
    assert.ok(label, 'the park is named on the map');
    await waitForIdle(page);
    await page.mouse.click(label.x, label.y);
    await parkCardText(page);
    assert.match(page.url(), new RegExp(`sel=parks/${profile.id}\\b`));
    assert.match(await page.locator('[data-testid=park_name]').innerText(), /果园港/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('on a phone the card and the factories link work', async () => {
    const profile = await getJson('/api/parks/WJ-MED/profile');
    const page = await openApp(browser.context, server.base, `${MEDICAL_CITY}&sel=parks/${profile.id}`, { width: 390, height: 844 });
    await parkCardText(page);
    await waitForIdle(page);
    await page.screenshot({ path: artifact('park-card-390.png') });
    const card = await page.locator('[data-testid=park_card]').boundingBox();
    assert.ok(card.width <= 390 && card.x >= 0, `card fits the screen: ${JSON.stringify(card)}`);
    const button = page.locator('[data-testid=park_show_factories]');
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    assert.ok(box.height >= 32 && box.x >= 0 && box.x + box.width <= 390, `a button a finger can press: ${JSON.stringify(box)}`);
    await button.click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=result-list] li.result').length === n && /\btab=factories\b/.test(location.hash),
      profile.carriers.factories.with_space,
      { timeout: 10_000 },
    );
    assert.ok(await page.evaluate(() => document.body.classList.contains('panel-open')), 'the sheet with the list is open');
    await page.screenshot({ path: artifact('park-card-390-factories.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

// A walk through the app as an investor and as an officer, on desktop and
// phone, with screenshots in test-artifacts/ to look at; and the small things
// a person trips over: the legend of the tab in view, the site-visit button on
// sites without panoramas, park names over the selected factory.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, serverAndBrowser, waitForIdle } from './helpers.mjs';

/** The Wenjiang medical city's factories, close up. */
const FACTORIES = '#map=16.5/30.7096/103.8738/0/0&tab=factories';
const DEVICES = [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]];

let server;
let browser;

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

describe('walking the app', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  for (const [device, viewport] of DEVICES) {
    test(`${device}: an investor on the factories tab sees its legend, a quiet site-visit button, and the factory uncovered`, async () => {
      const all = await getJson('/api/search?layer=factories&limit=100');
      const factory = all.features.find((f) => f.properties.code === 'WJ-F01');
      const id = factory.properties.id ?? factory.id;
      const page = await openApp(browser.context, server.base, `${FACTORIES}&sel=factories/${id}`, viewport);
      await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
      await waitForIdle(page);

      // The legend speaks of the tab in view.
      const strip = await page.locator('[data-testid=legend] .legend-strip').innerText();
      assert.match(strip, /空置/, 'factory occupancy in the legend');
      assert.doesNotMatch(strip, /已出让/, 'not the plot statuses');

      // No panoramas here: the button is there, disabled and quiet, and says why.
      const start = page.locator('[data-testid=start-visit]');
      assert.equal(await start.isDisabled(), true);
      assert.match((await start.getAttribute('title')) ?? '', /暂无全景/);
      assert.equal(await start.evaluate((el) => el.classList.contains('primary-button')), false, 'not a large primary button');

      // No park name drawn over the selected factory's name.
      const covered = await page.evaluate((code) => {
        const map = window.siteAtlasMap;
        const names = map.queryRenderedFeatures({ layers: ['factories-label'] }).filter((f) => f.properties.code === code || f.properties.name);
        return names.some((f) => {
          const p = map.project(f.geometry.coordinates);
          const box = [[p.x - 30, p.y - 8], [p.x + 30, p.y + 8]];
          return map.queryRenderedFeatures(box, { layers: ['parks-label'] }).length > 0;
        });
      }, 'WJ-F01').catch(() => false);
      assert.equal(covered, false, 'a park name covers a factory name');
      await page.screenshot({ path: artifact(`walk-investor-factory-${device}.png`) });

      // Plots: the card of a plot and the result list.
      await page.click('[data-testid=card-close]');
      if (device === 'phone') {
        await page.click('[data-testid=panel-toggle]');
        await page.screenshot({ path: artifact(`walk-investor-panel-${device}.png`) });
      }
      await page.locator('[data-testid=tab-plots]').click({ force: true });
      await page.waitForFunction(() => /已出让/.test(document.querySelector('[data-testid=legend] .legend-strip')?.textContent ?? ''), null, { timeout: 5000 });
      await page.screenshot({ path: artifact(`walk-investor-plots-${device}.png`) });
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test(`${device}: an officer signs in and opens the edit form`, async () => {
      const token = server.createToken('officer', '巡查专员', ['WJ-MED']);
      const page = await openApp(browser.context, server.base, '#map=15.5/30.7105/103.874/0/0&sel=plots/1', viewport);
      await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
      await page.click('[data-testid=signin-open]');
      await page.screenshot({ path: artifact(`walk-officer-signin-${device}.png`) });
      await page.fill('[data-testid=signin-token]', token);
      await page.click('[data-testid=signin-submit]');
      await page.waitForSelector('[data-testid=card-edit]');
      await page.locator('[data-testid=card-edit]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`walk-officer-edit-${device}.png`) });
      assert.equal(await page.locator('[data-testid=edit-submit]').isVisible(), true);
      await page.click('[data-testid=signout]');
      await page.waitForSelector('[data-testid=signin-open]');
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
});

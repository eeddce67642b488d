// Office buildings (楼宇) and the figures that decide a site, as an investor
// meets them: the offices tab finds buildings by grade from the schema's
// filters, the card shows a building's sections, a plot's card shows its
// supply, handover and utility figures, and "more criteria" narrows plots by
// a figure only the server's tiles and searches hold. Desktop and phone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, serverAndBrowser, waitForIdle } from './helpers.mjs';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

let server;
let browser;

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

/** Opens the panel on a phone, where it is a folded sheet. */
async function openPanel(page, viewport) {
  if (viewport !== PHONE) return;
  const toggle = page.locator('.panel-toggle');
  if (await toggle.isVisible()) await toggle.click();
}

/** The codes the result list shows, sorted. */
async function listed(page) {
  const codes = await page.locator('li.result .result-code').allInnerTexts();
  return codes.map((c) => c.trim()).sort();
}

describe('Office buildings and site figures', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  for (const [name, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ]) {
    test(`${name}: grade A office buildings found by filter, and one's card`, async () => {
      const all = (await getJson('/api/search?layer=offices&limit=1000')).features;
      assert.ok(all.length >= 10, `${all.length} demo office buildings`);
      const gradeA = (await getJson('/api/search?layer=offices&grade=grade_a&limit=1000')).features.map((f) => f.properties.code).sort();
      assert.ok(gradeA.length > 0 && gradeA.length < all.length);

      const page = await openApp(browser.context, server.base, '', viewport);
      await openPanel(page, viewport);
      await page.locator('[data-testid=tab-offices]').click();
      await page.waitForFunction((n) => document.querySelectorAll('li.result').length === n, all.length, { timeout: 15_000 });
      assert.deepEqual(await listed(page), all.map((f) => f.properties.code).sort());
      // The grade chips come from the schema, labelled in Chinese.
      const chip = page.locator('[data-testid=more-offices-grade] [data-value=grade_a]');
      assert.equal((await chip.innerText()).trim(), '甲级');
      await chip.click();
      await page.waitForFunction((n) => document.querySelectorAll('li.result').length === n, gradeA.length, { timeout: 15_000 });
      assert.deepEqual(await listed(page), gradeA);
      // The link keeps the filter.
      assert.match(page.url(), /m\.offices\.grade=grade_a/);

      await page.locator('li.result', { hasText: gradeA[0] }).click();
      const card = page.locator('[data-testid=feature-card]');
      await card.locator('[data-testid=card-terms]').waitFor({ timeout: 15_000 });
      const first = all.find((f) => f.properties.code === gradeA[0]);
      const text = await card.innerText();
      assert.ok(text.includes(first.properties.name), 'the card names the building');
      assert.ok(text.includes('租售条件') && text.includes('物业费'), 'the terms section with its property fee');
      assert.ok(text.includes('甲级'), 'the grade in Chinese');
      await page.screenshot({ path: artifact(`offices-card-${name}.png`) });
      await page.close();
    });
  }

  test('a plot card shows the figures that decide a site; more criteria narrow plots', async () => {
    const plots = (await getJson('/api/search?layer=plots&supply_method=lease_then_transfer&limit=1000')).features;
    assert.ok(plots.length > 0, 'demo plots let first and transfer later');
    const plot = plots[0];
    const page = await openApp(browser.context, server.base, `#sel=plots/${plot.id}`, DESKTOP);
    const card = page.locator('[data-testid=feature-card]');
    await card.locator('[data-testid=card-supply]').waitFor({ timeout: 15_000 });
    const supply = await card.locator('[data-testid=card-supply]').innerText();
    assert.ok(supply.includes('先租后让'), supply);
    const utilities = await card.locator('[data-testid=card-utilities]').innerText();
    assert.ok(utilities.includes('供水能力') && utilities.includes('吨/日'), utilities);
    await card.locator('[data-testid=card-close]').click();

    // "More criteria": supply method, a field the tiles do not carry.
    await page.locator('[data-testid=more-filters]').click();
    await page.locator('[data-testid=more-plots-supply_method] [data-value=lease_then_transfer]').click();
    await page.waitForFunction((n) => document.querySelectorAll('li.result').length === n, plots.length, { timeout: 15_000 });
    const codes = (await page.locator('li.result .result-code').allInnerTexts()).map((c) => c.trim()).sort();
    assert.deepEqual(codes, plots.map((f) => f.properties.code).sort());
    // The map draws only those: the tiles are requested with the filter.
    await waitForIdle(page);
    const tiles = await page.evaluate(() => window.siteAtlasMap.getSource('siteatlas').tiles[0]);
    assert.match(tiles, /supply_method=lease_then_transfer/);
    await page.screenshot({ path: artifact('plots-more-criteria.png') });
    await page.close();
  });
});

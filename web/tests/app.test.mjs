// End-to-end tests of the web map in a real browser against a real server.
// Run with `npm test` after `npm run build` (and `cargo build --bin siteatlas`).

import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, pointOf, rendered, serverAndBrowser, waitForIdle, WEB_DIR } from './helpers.mjs';

/** Chengdu Wenjiang, over the demo's biomedicine park plots. */
const WENJIANG = '#map=14.6/30.7105/103.874/0/0';
const PLOT_LAYERS = ['plots-fill'];

let server;
let browser;

/** A feature's representative point: the mean of its outer ring's corners. */
function centreOf(feature) {
  const ring = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

async function resultCount(page) {
  return page.locator('[data-testid=result-count]').innerText();
}

/** How many searches the result list has finished, to wait for the next one. */
async function searches(page) {
  return Number((await page.locator('[data-testid=result-list]').getAttribute('data-completed')) ?? 0);
}

/** Waits until the result list has finished a search after `previous` ones (from `searches`). */
async function waitForResults(page, previous) {
  await page.waitForFunction(
    (prev) => Number(document.querySelector('[data-testid=result-list]')?.dataset.completed ?? 0) > prev,
    previous,
    { timeout: 10_000 },
  );
}

describe('Site Atlas web map', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  test('the map loads, draws the demo plots and renders labels offline', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    const plots = await rendered(page, PLOT_LAYERS);
    assert.ok(plots.length > 0, 'no plots drawn over Wenjiang');
    assert.ok(plots.every((f) => typeof f.id === 'number'), 'plots carry their model ids');
    // A placed symbol means its glyphs were drawn: labels work with no glyph server.
    const labels = await rendered(page, ['parks-label']);
    assert.ok(labels.length > 0, 'park labels are not rendered');
    await page.waitForSelector('[data-testid=result-list] li.result');
    assert.match(await page.locator('.brand-title').innerText(), /招商地图/);
    await page.screenshot({ path: artifact('desktop-wenjiang.png') });

    // Zoomed out, the plots layer holds clusters, drawn as circles with counts.
    await page.evaluate(() => window.siteAtlasMap.jumpTo({ center: [103.87, 30.71], zoom: 10 }));
    await waitForIdle(page);
    const clusters = await rendered(page, ['plot-clusters']);
    assert.ok(clusters.length > 0 && clusters.every((f) => f.properties.cluster === true && f.properties.count > 0));
    assert.ok((await rendered(page, ['plot-cluster-labels'])).length > 0, 'cluster counts are not labelled');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a status filter changes what is drawn and what is listed', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    await page.waitForSelector('[data-testid=result-list] li.result');
    const before = await rendered(page, PLOT_LAYERS);
    assert.ok(before.some((f) => f.properties.status !== 'available'), 'the view should hold plots of several statuses');
    const done = await searches(page);

    await page.click('[data-testid=filter-status] [data-value=available]');
    await waitForResults(page, done);
    await waitForIdle(page);

    const after = await rendered(page, PLOT_LAYERS);
    assert.ok(after.length > 0 && after.length < before.length, `drawn ${before.length} → ${after.length}`);
    assert.ok(after.every((f) => f.properties.status === 'available'), 'only available plots are drawn');

    const expected = await getJson('/api/search?layer=plots&status=available&limit=1');
    assert.match(await resultCount(page), new RegExp(`\\b${expected.numberMatched}\\b`));
    const tags = await page.locator('[data-testid=result-list] li.result .tag:first-child').allInnerTexts();
    assert.ok(tags.length > 0 && tags.every((t) => t === '可供'), `listed statuses: ${tags.join(', ')}`);
    assert.match(page.url(), /[#&]st=available\b/);

    // A land-use and an area filter narrow further, on the map and in the list alike.
    let step = await searches(page);
    await page.click('[data-testid=filter-land-use] [data-value=industrial]');
    await waitForResults(page, step);
    step = await searches(page);
    await page.fill('[data-testid=areaMu-min]', '50');
    await page.locator('[data-testid=areaMu-min]').press('Enter');
    await waitForResults(page, step);
    await waitForIdle(page);
    const narrowed = await rendered(page, PLOT_LAYERS);
    assert.ok(narrowed.every((f) => f.properties.land_use === 'industrial' && f.properties.area_mu >= 50));
    const expectedNarrow = await getJson('/api/search?layer=plots&status=available&land_use=industrial&min_area_mu=50&limit=1');
    assert.match(await resultCount(page), new RegExp(`\\b${expectedNarrow.numberMatched}\\b`));

    await page.click('[data-testid=reset-filters]');
    await waitForIdle(page);
    assert.equal((await rendered(page, PLOT_LAYERS)).length, before.length);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a radius search lists results by distance and its handle sets the radius', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    await page.waitForSelector('[data-testid=result-list] li.result');
    const plot = await getJson('/api/plots/6');
    const centre = centreOf(plot);

    await page.click('[data-testid=tool-radius]');
    const done = await searches(page);
    const at = await pointOf(page, centre);
    await page.mouse.click(at.x, at.y);
    await waitForResults(page, done);
    await waitForIdle(page); // the map frames the circle

    const distances = await page.locator('[data-testid=result-list] [data-distance]').evaluateAll((els) => els.map((e) => Number(e.dataset.distance)));
    assert.ok(distances.length > 0, 'no distances listed');
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b), 'results are sorted by distance');
    assert.equal(distances[0], 0, 'the plot under the centre comes first, at distance 0');
    const first = await page.locator('[data-testid=result-list] li.result').first().getAttribute('data-id');
    assert.equal(Number(first), 6);
    assert.match(page.url(), /[#&]q=r\/103\.\d+,30\.\d+\/3000\b/);
    const circle = await page.evaluate(() => window.siteAtlasMap.querySourceFeatures('search-area').length);
    assert.ok(circle > 0, 'the search circle is drawn');

    // Drag the handle outwards: a larger radius, at least as many results.
    const matchedAt3km = (await getJson(`/api/search?lon=${centre[0]}&lat=${centre[1]}&radius_m=3000&limit=1`)).numberMatched;
    const handle = await page.locator('[data-testid=radius-handle]').boundingBox();
    const doneAt3km = await searches(page);
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + 200, handle.y + handle.height / 2, { steps: 8 });
    await page.mouse.up();
    await waitForResults(page, doneAt3km);
    const radius = Number(/q=r\/[^/]+\/(\d+)/.exec(page.url())[1]);
    assert.ok(radius > 3000, `radius after drag: ${radius}`);
    const matched = Number(/\d+/.exec(await resultCount(page))[0]);
    assert.ok(matched >= matchedAt3km);

    // Clicking a result selects it, flies to it and opens its card.
    await page.locator('[data-testid=result-list] li.result').nth(1).click();
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    await page.screenshot({ path: artifact('desktop-radius-search.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a drawn polygon searches inside it', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    await page.waitForSelector('[data-testid=result-list] li.result');
    await page.click('[data-testid=tool-polygon]');
    const box = await page.locator('#map').boundingBox();
    const corners = [
      [0.3, 0.25],
      [0.75, 0.25],
      [0.75, 0.75],
      [0.3, 0.75],
    ].map(([fx, fy]) => ({ x: box.x + box.width * fx, y: box.y + box.height * fy }));
    for (const c of corners) await page.mouse.click(c.x, c.y);
    const done = await searches(page);
    await page.click('[data-testid=finish-polygon]');
    await waitForResults(page, done);
    assert.match(page.url(), /[#&]q=p\//);
    const ids = await page.locator('[data-testid=result-list] li.result').evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
    assert.ok(ids.length > 0, 'nothing found in the polygon');
    // Every listed plot is one the map draws inside the drawn box.
    const inside = await page.evaluate(
      ([a, b]) => window.siteAtlasMap.queryRenderedFeatures([[a.x, a.y], [b.x, b.y]], { layers: ['plots-fill'] }).map((f) => f.id),
      [
        { x: box.width * 0.3, y: box.height * 0.25 },
        { x: box.width * 0.75, y: box.height * 0.75 },
      ],
    );
    for (const id of ids) assert.ok(inside.includes(id), `plot ${id} listed but not drawn in the polygon`);
    await page.click('[data-testid=tool-clear]');
    assert.doesNotMatch(page.url(), /[#&]q=/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('clicking a plot opens its card with every attribute and its unit', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    const plot = await getJson('/api/plots/6');
    const at = await pointOf(page, centreOf(plot));
    await page.mouse.move(at.x, at.y);
    // Hovering the map lights the row of the same plot.
    await page.waitForSelector('[data-testid=result-list] li.result.hovered[data-id="6"]');
    await page.mouse.click(at.x, at.y);
    const card = page.locator('[data-testid=feature-card]');
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    const text = await card.innerText();
    assert.match(text, new RegExp(plot.properties.code));
    for (const unit of ['亩', '万元/亩', 'm²', 'kVA', 'm']) assert.ok(text.includes(unit), `card lacks the unit ${unit}`);
    for (const label of ['容积率', '建筑密度', '绿地率', '限高', '投资强度', '亩均税收', '供电容量', '供水', '供气', '供汽']) {
      assert.ok(text.includes(label), `card lacks ${label}`);
    }
    const history = await card.locator('[data-testid=card-history]').innerText();
    assert.ok(/暂无记录/.test(history) || (await card.locator('.timeline li').count()) > 0);
    assert.ok(await card.locator('[data-testid=start-visit]').isVisible(), 'the site-visit button has its place');
    const state = await page.evaluate(() => window.siteAtlasMap.getFeatureState({ source: 'siteatlas', sourceLayer: 'plots', id: 6 }));
    assert.equal(state.selected, true, 'the plot is selected on the map');
    assert.match(page.url(), /[#&]sel=plots\/6\b/);

    // A factory card has its own units.
    await page.click('[data-testid=tab-factories]');
    await page.waitForSelector('[data-testid=result-list] li.result[data-layer=factories]');
    await page.locator('[data-testid=result-list] li.result').first().click();
    await page.waitForFunction(() => /kN\/m²/.test(document.querySelector('[data-testid=feature-card]')?.textContent ?? ''));
    const factoryText = await card.innerText();
    for (const unit of ['元/m²/月', 'kN/m²', '净高']) assert.ok(factoryText.includes(unit), `factory card lacks ${unit}`);

    await page.click('[data-testid=card-close]');
    assert.ok(await card.isHidden());
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the language switch turns the interface to English and back', async () => {
    const page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/6`);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    await page.click('[data-testid=lang-switch]');
    assert.equal(await page.locator('.brand-title').innerText(), 'Site Atlas');
    assert.equal(await page.locator('[data-testid=tab-plots]').innerText(), 'Plots');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.match(await resultCount(page), /found/);
    const card = await page.locator('[data-testid=feature-card]').innerText();
    assert.match(card, /Plot ratio/);
    assert.match(card, /\bmu\b/);
    assert.match(page.url(), /[#&]lang=en\b/);
    await page.screenshot({ path: artifact('desktop-english.png') });
    await page.click('[data-testid=lang-switch]');
    assert.equal(await page.locator('.brand-title').innerText(), '招商地图');
    assert.doesNotMatch(page.url(), /lang=/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a link reopens the same view, filters and selection', async () => {
    const hash = '#map=15.2/30.7121/103.8731/12/35&st=available,negotiating&lu=industrial&price=~40&sel=plots/6&lang=en';
    for (let round = 0; round < 2; round++) {
      const page = await openApp(browser.context, server.base, hash);
      const view = await page.evaluate(() => {
        const m = window.siteAtlasMap;
        return { zoom: m.getZoom(), bearing: m.getBearing(), pitch: m.getPitch(), center: m.getCenter().toArray() };
      });
      assert.ok(Math.abs(view.zoom - 15.2) < 0.01 && Math.abs(view.bearing - 12) < 0.1 && Math.abs(view.pitch - 35) < 0.1, JSON.stringify(view));
      assert.ok(Math.abs(view.center[0] - 103.8731) < 1e-4 && Math.abs(view.center[1] - 30.7121) < 1e-4);
      const pressed = await page.locator('[data-testid=filter-status] [aria-pressed=true]').evaluateAll((els) => els.map((e) => e.dataset.value));
      assert.deepEqual(pressed, ['available', 'negotiating']);
      assert.equal(await page.inputValue('[data-testid=price-max]'), '40');
      await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
      assert.equal(await page.locator('.brand-title').innerText(), 'Site Atlas');
      const drawn = await rendered(page, PLOT_LAYERS);
      assert.ok(drawn.every((f) => ['available', 'negotiating'].includes(f.properties.status) && f.properties.land_use === 'industrial' && f.properties.price_wan_per_mu <= 40));
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  });

  test('works on a 360 px phone: no sideways scroll, the panel is a reachable sheet', async () => {
    const phone = { width: 360, height: 740 };
    const page = await openApp(browser.context, server.base, WENJIANG, phone);
    const overflow = await page.evaluate(() => ({
      doc: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
    }));
    assert.ok(overflow.doc <= 360 && overflow.body <= 360, `page is wider than the phone: ${JSON.stringify(overflow)}`);
    assert.ok((await rendered(page, PLOT_LAYERS)).length > 0);
    await page.screenshot({ path: artifact('phone-map.png') });

    const toggle = page.locator('[data-testid=panel-toggle]');
    assert.ok(await toggle.isVisible(), 'the sheet handle is visible');
    await toggle.click();
    const row = page.locator('[data-testid=result-list] li.result').first();
    await row.waitFor();
    await page.waitForTimeout(300); // the sheet slides up
    await page.locator('[data-testid=filter-status]').scrollIntoViewIfNeeded();
    const chips = await page.locator('[data-testid=filter-status]').boundingBox();
    assert.ok(chips.x >= 0 && chips.x + chips.width <= 360 && chips.y + chips.height <= 740, 'filters are on screen');
    await page.screenshot({ path: artifact('phone-panel.png') });

    await row.scrollIntoViewIfNeeded();
    await row.click();
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    const card = await page.locator('[data-testid=feature-card]').boundingBox();
    assert.ok(card.x >= 0 && card.x + card.width <= 360, 'the card fits the phone');
    assert.ok(await page.locator('[data-testid=card-close]').isVisible());
    const widths = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(widths <= 360);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: artifact('phone-card.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a change made through the API shows on the open map within 2 s', async () => {
    const current = await fetch(`${server.base}/api/plots/1`);
    const etag = current.headers.get('etag');
    const plot = await current.json();
    // A step the workflow allows from wherever the plot stands (the token is an admin's).
    const steps = { available: 'reserved', reserved: 'negotiating', negotiating: 'transferred', transferred: 'available', withdrawn: 'available' };
    const next = steps[plot.properties.status];
    const label = { available: '可供', reserved: '已预留', negotiating: '洽谈中', transferred: '已出让' }[next];
    const [lon, lat] = centreOf(plot);
    const page = await openApp(browser.context, server.base, `#map=16/${lat}/${lon}/0/0&sel=plots/1`);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.classList.contains('open'), null, { timeout: 5000 });

    const started = Date.now();
    const write = await fetch(`${server.base}/api/plots/1`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'If-Match': etag, Authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ status: next, note: 'e2e: live update' }),
    });
    assert.ok(write.ok, `PATCH answered ${write.status} ${await write.text()}`);
    await page.waitForFunction(
      ([status, text]) => {
        const map = window.siteAtlasMap;
        const drawn = map.queryRenderedFeatures({ layers: ['plots-fill'] }).find((f) => f.id === 1);
        const card = document.querySelector('[data-testid=card-status]')?.textContent;
        const history = document.querySelectorAll('[data-testid=card-history] .timeline li').length;
        return drawn?.properties.status === status && card === text && history > 0;
      },
      [next, label],
      { timeout: 2000, polling: 50 },
    );
    assert.ok(Date.now() - started <= 2000);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('an officer signs in, changes a plot with a note, and is told when someone else was first', async () => {
    const plot = await getJson('/api/plots/6');
    const park = plot.properties.park;
    const officer = server.createToken('officer', '测试专员', [park]);
    const context = browser.context;
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    // No live updates on this page, so that a change made elsewhere stays unseen until it is submitted over.
    await page.route('**/api/events', (route) => route.abort());
    await page.goto(`${server.base}/${WENJIANG}&sel=plots/6`);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    assert.equal(await page.locator('[data-testid=card-edit]').count(), 0, 'no edit form before signing in');

    // A wrong token is refused with a message; the right one signs in.
    await page.click('[data-testid=signin-open]');
    await page.fill('[data-testid=signin-token]', 'sa_wrong');
    await page.click('[data-testid=signin-submit]');
    await page.waitForFunction(() => /无效/.test(document.querySelector('[data-testid=signin-message]')?.textContent ?? ''));
    await page.fill('[data-testid=signin-token]', officer);
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[data-testid=signin-who]');
    assert.match(await page.locator('[data-testid=signin-who]').innerText(), /测试专员 · 国土专员/);
    const cookies = await context.cookies(server.base);
    const session = cookies.find((c) => c.name === 'siteatlas_session');
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(await page.evaluate(() => document.cookie.includes('siteatlas_session')), false, 'scripts cannot read the session');

    // The form offers what the workflow allows from the plot's status, for this role.
    await page.waitForSelector('[data-testid=card-edit]');
    const offered = await page.locator('[data-testid=edit-status] option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    const allowed = { available: ['reserved'], reserved: ['available', 'negotiating'], negotiating: ['available', 'transferred'], transferred: [], withdrawn: [] };
    assert.deepEqual(offered, allowed[plot.properties.status]);
    assert.ok(offered.length > 0, 'plot 6 should be in a status an officer can move');
    const target = offered[0];

    // Without a note nothing is sent; with one the change is saved and recorded.
    await page.selectOption('[data-testid=edit-status]', target);
    await page.click('[data-testid=edit-submit]');
    await page.waitForFunction(() => /说明/.test(document.querySelector('[data-testid=edit-message]')?.textContent ?? ''));
    const note = '<b>意向书</b> 已签';
    await page.fill('[data-testid=edit-note]', note);
    await page.click('[data-testid=edit-submit]');
    await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=edit-message]')?.textContent ?? ''), null, { timeout: 5000 }).catch(async (e) => {
      throw new Error(`${e.message}: ${await page.locator('[data-testid=edit-message]').innerText()}`);
    });
    const saved = await getJson('/api/plots/6');
    assert.equal(saved.properties.status, target);
    await page.waitForFunction((text) => document.querySelector('[data-testid=card-history]')?.textContent.includes(text), note);
    assert.equal(await page.locator('[data-testid=card-history] b').count(), 0, 'a note is shown as text, never as markup');

    // Someone else moves the plot on; this page does not hear of it and submits over it.
    const etag = (await fetch(`${server.base}/api/plots/6`)).headers.get('etag');
    const back = await fetch(`${server.base}/api/plots/6`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'If-Match': etag, Authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ status: 'available', note: 'e2e: someone else first' }),
    });
    assert.equal(back.status, 200, await back.text());
    const mine = await page.locator('[data-testid=edit-status] option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    await page.selectOption('[data-testid=edit-status]', mine[0]);
    await page.fill('[data-testid=edit-note]', 'e2e: too late');
    await page.click('[data-testid=edit-submit]');
    await page.waitForFunction(() => /已被他人修改/.test(document.querySelector('[data-testid=edit-message]')?.textContent ?? ''));
    const current = await page.locator('[data-testid=edit-current]').innerText();
    assert.match(current, /可供/, 'the message shows the status as it now is');
    assert.equal((await getJson('/api/plots/6')).properties.status, 'available', 'the stale change was not written');

    // Signing out takes the form away.
    await page.click('[data-testid=signout]');
    await page.waitForSelector('[data-testid=signin-open]');
    assert.equal(await page.locator('[data-testid=card-edit]').count(), 0);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('without the optional endpoints the map still works, quietly', async () => {
    const context = browser.context;
    // As before /context.geojson, /api/config, /api/events and the history existed.
    const missing = /\/(context\.geojson|api\/config|api\/events|api\/\w+\/\d+\/history)(\?|$)/;
    await context.route(missing, (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not_found","message":"no such resource"}' }));
    try {
      const page = await openApp(context, server.base, `${WENJIANG}&sel=plots/6`);
      assert.ok((await rendered(page, PLOT_LAYERS)).length > 0);
      await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
      assert.match(await page.locator('[data-testid=card-history]').innerText(), /暂无记录/);
      await page.waitForSelector('[data-testid=live-status].unavailable');
      assert.equal(await page.locator('.notice').count(), 0, 'no basemap, no notice');
      assert.deepEqual(page.errors, []);
      await page.close();
    } finally {
      await context.unroute(missing);
    }
  });

  test('a GCJ-02 basemap is refused with a notice; WGS84 and CGCS2000 ones are drawn', async () => {
    const context = browser.context;
    // A 1 x 1 grey PNG stands in for the basemap's tiles.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mN89+7dfwAJYAPnvD1+MQAAAABJRU5ErkJggg==', 'base64');
    let tileRequests = 0;
    await context.route('**/test-basemap/**', (route) => {
      tileRequests += 1;
      return route.fulfill({ status: 200, contentType: 'image/png', body: png });
    });
    const withConfig = async (datum) => {
      const basemap = { type: 'raster', tiles: [`${server.base}/test-basemap/{z}/{x}/{y}.png`], tileSize: 256, datum, attribution: 'test basemap' };
      await context.route('**/api/config', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ basemap }) }));
      try {
        const page = await openApp(context, server.base, WENJIANG);
        const result = {
          page,
          hasLayer: await page.evaluate(() => Boolean(window.siteAtlasMap.getLayer('basemap-raster'))),
          notice: await page.locator('.notice').allInnerTexts(),
        };
        return result;
      } finally {
        await context.unroute('**/api/config');
      }
    };
    try {
      const refused = await withConfig('gcj02');
      assert.equal(refused.hasLayer, false, 'a GCJ-02 basemap must not be drawn under WGS84 data');
      assert.equal(refused.notice.length, 1);
      assert.match(refused.notice[0], /GCJ-02/);
      assert.match(refused.notice[0], /300–500 米/);
      assert.equal(tileRequests, 0);
      assert.ok((await rendered(refused.page, PLOT_LAYERS)).length > 0, 'the data is still shown');
      await refused.page.close();

      for (const datum of ['wgs84', 'cgcs2000']) {
        const accepted = await withConfig(datum);
        assert.equal(accepted.hasLayer, true, `a ${datum} basemap is drawn`);
        assert.deepEqual(accepted.notice, []);
        assert.ok((await rendered(accepted.page, PLOT_LAYERS)).length > 0);
        assert.deepEqual(accepted.page.errors, []);
        await accepted.page.close();
      }
      assert.ok(tileRequests > 0, 'the basemap tiles were fetched');
    } finally {
      await context.unroute('**/test-basemap/**');
    }
  });

  // The documentation's screenshot: Wenjiang with a radius search and a card open.
  // Written to docs/ only when asked (UPDATE_DOCS_SCREENSHOT=1), so test runs leave the tree alone.
  test('documentation screenshot', async () => {
    const plot = await getJson('/api/plots/6');
    const [lon, lat] = centreOf(plot);
    const page = await openApp(browser.context, server.base, `#map=13.1/${(lat - 0.002).toFixed(5)}/${(lon + 0.024).toFixed(5)}/0/0&q=r/${lon.toFixed(5)},${lat.toFixed(5)}/1500&sel=plots/6`);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    await page.waitForSelector('[data-testid=result-list] [data-distance]');
    await waitForIdle(page);
    const file = artifact('desktop-docs.png');
    await page.screenshot({ path: file });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(file, join(WEB_DIR, '..', 'docs', 'screenshot.png'));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

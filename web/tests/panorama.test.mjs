// End-to-end tests of the site visit (云看地): the panorama viewer opened from
// the card, the shared tour page with its deep links, the live guided mode
// and expired or revoked links. Real server, real Chromium (see helpers.mjs).
// Run after `npm run build`:
//   SITEATLAS_BIN=... node --test --test-concurrency=1 tests/panorama.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, launchBrowser, openApp, panoramaJpeg, startServer } from './helpers.mjs';

const PLOT = 6;
const RAD = Math.PI / 180;

let server;
let browser;
let promoter;
let plot;
/** The two uploaded scenes: A has a link hotspot to B and a note hotspot. */
let sceneA;
let sceneB;
const NOTE = '东门入口 <b>不是HTML</b> & 货车通道';

async function api(method, path, body, token = promoter) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined && !(body instanceof FormData)) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${server.base}${path}`, {
    method,
    headers,
    body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function upload(jpeg, title, lon, lat, heading) {
  const form = new FormData();
  form.append('layer', 'plots');
  form.append('feature', String(PLOT));
  form.append('title', title);
  form.append('lon', String(lon));
  form.append('lat', String(lat));
  form.append('heading_deg', String(heading));
  form.append('image', new Blob([jpeg], { type: 'image/jpeg' }), `${title}.jpg`);
  const r = await api('POST', '/api/panoramas', form);
  // Accepted at once and processed in the background: wait until it is ready.
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const scene = await api('GET', `/api/panoramas/${r.body.id}`);
    if (scene.body.status !== 'processing') {
      assert.equal(scene.body.status, 'ready', JSON.stringify(scene.body));
      return scene.body;
    }
    assert.ok(Date.now() < deadline, `panorama ${r.body.id} still processing`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function centreOf(feature) {
  const ring = feature.geometry.type === 'Polygon' ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}

/** A tour of both scenes with a fresh share link. */
async function tourWithLink(title = '温江生物医药园 · 云看地') {
  const tour = await api('POST', '/api/tours', { title, stops: [{ panorama: sceneA.id, note: '东门入口，货车通道' }, { panorama: sceneB.id, note: '西侧地块全貌' }] });
  assert.equal(tour.status, 201, JSON.stringify(tour.body));
  const link = await api('POST', `/api/tours/${tour.body.id}/links`, { days: 7 });
  assert.equal(link.status, 201, JSON.stringify(link.body));
  return { tour: tour.body, link: link.body };
}

/** Waits until the page's viewer shows `sceneId` with its canvas drawn. */
async function waitForScene(page, sceneId, timeout = 20_000) {
  await page.waitForFunction(
    (id) => document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId === String(id) && window.siteAtlasPanorama?.state?.ready && !!document.querySelector('[data-testid=pano-viewer] canvas'),
    sceneId,
    { timeout },
  );
}

function position(page) {
  return page.evaluate(() => {
    const v = window.siteAtlasPanorama;
    const p = v.getPosition();
    return { yaw: p.yaw, pitch: p.pitch, zoom: v.getZoomLevel(), scene: Number(document.querySelector('[data-testid=pano-viewer]').dataset.sceneId) };
  });
}

/** Angular distance in radians. */
function angle(a, b) {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

/** Opens a tour page and waits for its viewer. */
async function openTour(context, path, viewport = { width: 1280, height: 800 }) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${server.base}${path}`);
  return page;
}

async function join(page, name) {
  await page.fill('[data-testid=live-name]', name);
  await page.click('[data-testid=live-join]');
  await page.waitForSelector('[data-testid=live-panel][data-status=connected]');
}

describe('Site visit and shared tours', () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    promoter = server.createToken('promoter', 'e2e promoter', []);
    plot = await (await fetch(`${server.base}/api/plots/${PLOT}`)).json();
    const [lon, lat] = centreOf(plot);
    const page = await browser.context.newPage();
    const [a, b] = [await panoramaJpeg(page, 'A', 210), await panoramaJpeg(page, 'B', 30)];
    await page.close();
    assert.ok(a.length < 300_000 && b.length < 300_000, `test images are ${a.length} and ${b.length} bytes`);
    sceneA = await upload(a, '东门入口', lon - 0.0005, lat - 0.0003, 90);
    sceneB = await upload(b, '西侧地块', lon + 0.0004, lat + 0.0002, 270);
    let r = await api('POST', `/api/panoramas/${sceneA.id}/hotspots`, { yaw_deg: 25, pitch_deg: -5, target: sceneB.id });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await api('POST', `/api/panoramas/${sceneA.id}/hotspots`, { yaw_deg: -25, pitch_deg: 0, note: NOTE });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    r = await api('POST', `/api/panoramas/${sceneB.id}/hotspots`, { yaw_deg: 150, pitch_deg: 0, target: sceneA.id });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the card lists the scenes; the visit shows tiles, hotspots switch scenes, notes are text', async () => {
    const [lon, lat] = centreOf(plot);
    const page = await openApp(browser.context, server.base, `#map=16/${lat}/${lon}/0/0&sel=plots/${PLOT}`);
    const card = page.locator('[data-testid=feature-card]');
    await card.locator('[data-testid=panorama-thumbs] img').nth(1).waitFor({ state: 'attached' });
    assert.equal(await card.locator('[data-testid=panorama-thumbs] img').count(), 2);
    assert.match(await card.locator('[data-testid=panorama-thumbs] img').first().getAttribute('src'), /\/media\/panoramas\/.+\/thumb\.jpg$/);

    const tiles = [];
    page.on('response', (r) => {
      if (/\/media\/panoramas\/.+\/tiles\//.test(r.url())) tiles.push(r.status());
    });
    await card.locator('[data-testid=start-visit]').click();
    await page.waitForSelector('[data-testid=pano-visit]');
    await waitForScene(page, sceneA.id);
    assert.equal(await page.locator('[data-testid=pano-title]').innerText(), '东门入口');
    assert.ok(tiles.length >= 6 && tiles.every((s) => s === 200), `tiles: ${JSON.stringify(tiles)}`);
    // The other scenes as thumbnails, the inset with the camera.
    assert.equal(await page.locator('[data-testid=pano-thumb]').count(), 2);
    assert.ok(await page.locator('[data-testid=pano-inset]').isVisible());
    assert.equal(await page.locator('[data-testid=pano-inset]').getAttribute('data-bearing'), '90');

    // The note: shown as text, never parsed as HTML.
    const note = page.locator('[data-testid=pano-hotspot]:not([data-target])');
    await note.waitFor({ state: 'visible' });
    await note.click();
    await page.waitForSelector('[data-testid=pano-note]:not([hidden])');
    assert.match(await page.locator('[data-testid=pano-note] p').innerText(), /<b>不是HTML<\/b> & 货车通道/);
    assert.equal(await page.locator('[data-testid=pano-note] b').count(), 0);
    await page.screenshot({ path: artifact('panorama-visit.png') });

    // The link hotspot leads to scene B.
    const link = page.locator(`[data-testid=pano-hotspot][data-target="${sceneB.id}"]`);
    await link.waitFor({ state: 'visible' });
    assert.match(await link.innerText(), /西侧地块/);
    await page.screenshot({ path: artifact('panorama-before-link.png') });
    await link.click();
    await waitForScene(page, sceneB.id);
    assert.equal(await page.locator('[data-testid=pano-title]').innerText(), '西侧地块');
    assert.equal(await page.locator('[data-testid=pano-thumb].active').getAttribute('data-scene'), String(sceneB.id));
    // A thumbnail goes back; Esc closes.
    await page.locator(`[data-testid=pano-thumb][data-scene="${sceneA.id}"]`).click();
    await waitForScene(page, sceneA.id);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=pano-visit]', { state: 'detached' });
    assert.equal(await page.evaluate(() => window.siteAtlasPanorama), undefined, 'the viewer is destroyed on close');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('the visit works full screen on a 360 px phone', async () => {
    const [lon, lat] = centreOf(plot);
    const phone = { width: 360, height: 740 };
    const page = await openApp(browser.context, server.base, `#map=16/${lat}/${lon}/0/0&sel=plots/${PLOT}`, phone);
    await page.locator('[data-testid=start-visit]').click();
    await waitForScene(page, sceneA.id);
    const box = await page.locator('[data-testid=pano-visit]').boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 360, 740]);
    const close = await page.locator('[data-testid=pano-close]').boundingBox();
    assert.ok(close.x >= 0 && close.x + close.width <= 360 && close.y >= 0, 'the close button is on screen');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `page is ${wide} px wide`);
    await page.screenshot({ path: artifact('panorama-phone.png') });
    // A portrait phone sees a narrow slice: face the link hotspot, then follow it.
    await page.evaluate(() => window.siteAtlasPanorama.rotate({ yaw: (25 * Math.PI) / 180, pitch: 0 }));
    const link = page.locator(`[data-testid=pano-hotspot][data-target="${sceneB.id}"]`);
    await link.waitFor({ state: 'visible' });
    await link.click();
    await waitForScene(page, sceneB.id);
    await page.locator('[data-testid=pano-close]').click();
    await page.waitForSelector('[data-testid=pano-visit]', { state: 'detached' });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a shared tour opens without an account, and a deep link sets the view', async () => {
    const { link } = await tourWithLink();
    assert.match(link.url, /^\/t\/.+/);
    let page = await openTour(browser.context, link.url);
    await waitForScene(page, sceneA.id);
    assert.equal(await page.locator('[data-testid=tour-title]').innerText(), '温江生物医药园 · 云看地');
    const stops = page.locator('[data-testid=tour-stop]');
    assert.equal(await stops.count(), 2);
    assert.match(await stops.nth(0).innerText(), /东门入口[\s\S]*货车通道/);
    assert.match(await stops.nth(1).innerText(), /西侧地块[\s\S]*西侧地块全貌/);
    assert.match(await page.title(), /温江生物医药园/);
    await stops.nth(1).click();
    await waitForScene(page, sceneB.id);
    await page.screenshot({ path: artifact('tour-desktop.png') });
    assert.deepEqual(page.errors, []);
    await page.close();

    page = await openTour(browser.context, `${link.url}?scene=${sceneB.id}&yaw=90&pitch=10&zoom=30`);
    await waitForScene(page, sceneB.id);
    const p = await position(page);
    assert.ok(angle(p.yaw, 90 * RAD) < 0.01, `yaw ${p.yaw}`);
    assert.ok(Math.abs(p.pitch - 10 * RAD) < 0.01, `pitch ${p.pitch}`);
    assert.ok(Math.abs(p.zoom - 30) < 0.5, `zoom ${p.zoom}`);
    assert.equal(await page.locator('[data-testid=pano-title]').innerText(), '西侧地块');
    // Phone layout: the page scrolls down to the stops, nothing sideways.
    await page.setViewportSize({ width: 360, height: 740 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `tour page is ${wide} px wide on a phone`);
    await page.screenshot({ path: artifact('tour-phone.png'), fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('live: the attendee follows the guide, control passes and returns, reconnects', async () => {
    const { link } = await tourWithLink('实时带看');
    const guideBrowser = await launchBrowser();
    try {
      const guide = await openTour(guideBrowser.context, link.url);
      const signIn = await guide.request.post(`${server.base}/api/session`, { data: { token: promoter } });
      assert.equal(signIn.status(), 200);
      await waitForScene(guide, sceneA.id);
      await join(guide, '王经理');
      await guide.waitForSelector('[data-testid=live-panel][data-role=guide][data-leading=true]');

      const attendee = await openTour(browser.context, link.url);
      await waitForScene(attendee, sceneA.id);
      await join(attendee, '李总');
      await attendee.waitForSelector('[data-testid=live-panel][data-role=attendee][data-leading=false]');
      assert.match(await attendee.locator('[data-testid=live-leader]').innerText(), /王经理/);
      await guide.waitForFunction(() => document.querySelectorAll('[data-testid=live-people] li[data-person]').length === 2);

      // The guide changes scene and turns; the attendee follows within 2 s.
      await guide.locator('[data-testid=tour-stop]').nth(1).click();
      await waitForScene(guide, sceneB.id);
      await guide.evaluate(() => {
        window.siteAtlasPanorama.rotate({ yaw: (120 * Math.PI) / 180, pitch: (-8 * Math.PI) / 180 });
        window.siteAtlasPanorama.zoom(70);
      });
      await attendee.waitForFunction(
        () => {
          const v = window.siteAtlasPanorama;
          const scene = document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId;
          return v && scene && Math.abs(v.getPosition().yaw - (120 * Math.PI) / 180) < 0.02 && Math.abs(v.getZoomLevel() - 70) < 1;
        },
        null,
        { timeout: 2000 },
      );
      assert.equal((await position(attendee)).scene, sceneB.id);

      // The guide hands control to the attendee, whom the guide then follows.
      await guide.locator('[data-testid=live-hand]').click();
      await attendee.waitForSelector('[data-testid=live-panel][data-leading=true]');
      await guide.waitForSelector('[data-testid=live-take]');
      await attendee.evaluate(() => window.siteAtlasPanorama.rotate({ yaw: (200 * Math.PI) / 180, pitch: 0 }));
      await guide.waitForFunction(() => Math.abs(window.siteAtlasPanorama.getPosition().yaw - (200 * Math.PI) / 180) < 0.02, null, { timeout: 2000 });
      // ...and takes it back.
      await guide.locator('[data-testid=live-take]').click();
      await guide.waitForSelector('[data-testid=live-panel][data-leading=true]');
      await attendee.waitForSelector('[data-testid=live-panel][data-leading=false]');

      // The attendee's socket drops: it reconnects by itself and follows again.
      await attendee.evaluate(() => window.siteAtlasLive.drop());
      await attendee.waitForSelector('[data-testid=live-panel][data-status=waiting]');
      await attendee.waitForSelector('[data-testid=live-panel][data-status=connected]', { timeout: 10_000 });
      await guide.locator('[data-testid=tour-stop]').nth(0).click();
      await waitForScene(guide, sceneA.id);
      await guide.evaluate(() => window.siteAtlasPanorama.rotate({ yaw: (45 * Math.PI) / 180, pitch: 0 }));
      await attendee.waitForFunction(
        (id) => document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId === String(id) && Math.abs(window.siteAtlasPanorama.getPosition().yaw - (45 * Math.PI) / 180) < 0.02,
        sceneA.id,
        { timeout: 3000 },
      );
      await attendee.screenshot({ path: artifact('tour-live-attendee.png') });
      assert.deepEqual(guide.errors, []);
      assert.deepEqual(attendee.errors, []);
      await attendee.close();
      await guide.close();
    } finally {
      await guideBrowser.close();
    }
  });

  test('a revoked link says so; a forged one is invalid', async () => {
    const { tour, link } = await tourWithLink('撤销测试');
    const r = await api('DELETE', `/api/tours/${tour.id}/links/${link.id}`);
    assert.equal(r.status, 204);
    let page = await openTour(browser.context, link.url);
    await page.waitForSelector('[data-testid=tour-message]');
    assert.match(await page.locator('[data-testid=tour-message] h1').innerText(), /链接已过期或已撤销/);
    assert.equal(await page.locator('[data-testid=pano-viewer]').count(), 0);
    await page.close();

    page = await openTour(browser.context, `/t/${link.token.slice(0, -4)}abcd`);
    await page.waitForSelector('[data-testid=tour-message]');
    assert.match(await page.locator('[data-testid=tour-message] h1').innerText(), /链接无效/);
    await page.close();
  });
});

// End-to-end test of the staff back office for panoramas and tours, as a
// promoter: upload pictures through the screen and watch them become ready,
// place a scene on the map (position and heading), set its initial view, place
// hotspots by clicking in the viewer; build a tour by drag and drop, reorder
// it with the buttons, preview it, share it, open the link in an anonymous
// browser, see the open counted, revoke it and see the anonymous page refused,
// and start a live tour. Real server, real Chromium (see helpers.mjs).
// Run after `npm run build`:
//   SITEATLAS_BIN=... node --test tests/office-media.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { artifact, openApp, panoramaJpeg, startServer } from './helpers.mjs';

const PLOT = 6;

let server;
let browser;
let promoter;

async function api(path) {
  const r = await fetch(`${server.base}${path}`, { headers: { Authorization: `Bearer ${promoter}` } });
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

/** Waits until the office's viewer shows a scene with its canvas drawn. */
async function waitForViewer(page, sceneId) {
  await page.waitForFunction(
    (id) => document.querySelector('[data-testid=office-viewer]')?.dataset.sceneId === String(id) && window.siteAtlasPanorama?.state?.ready && !!document.querySelector('[data-testid=office-viewer] canvas'),
    sceneId,
    { timeout: 20_000 },
  );
}

async function centreOf(locator) {
  const box = await locator.boundingBox();
  assert.ok(box, 'element not laid out');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2, box };
}

describe('Back office for panoramas and tours', () => {
  before(async () => {
    server = await startServer();
    promoter = server.createToken('promoter', 'e2e promoter', []);
    assert.ok(promoter, 'no promoter token');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('a promoter uploads, places and links scenes, then builds, shares and revokes a tour', async () => {
    const staff = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await openApp(staff, server.base, `#sel=plots/${PLOT}`);
    page.on('dialog', (d) => void d.accept());
    await page.click('[data-testid=signin-open]');
    await page.fill('[data-testid=signin-token]', promoter);
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[data-testid=signin-who]');

    // The top-bar button opens the overlay on the site selected on the map.
    await page.click('[data-testid=media-open]');
    await page.waitForSelector('[data-testid=media-office][open]');
    const plot = await (await fetch(`${server.base}/api/plots/${PLOT}`)).json();
    await page.waitForFunction((code) => document.querySelector('[data-testid=office-site]')?.textContent.includes(code), plot.properties.code);
    // The demo's scenes are listed too: show this site's alone.
    await page.check('[data-testid=office-only-site]');

    // Two pictures at once, each with its progress bar, processed in the background.
    const pictures = [
      { name: '南门入口.jpg', mimeType: 'image/jpeg', buffer: await panoramaJpeg(page, 'A', 200) },
      { name: '厂区全景.jpg', mimeType: 'image/jpeg', buffer: await panoramaJpeg(page, 'B', 30) },
    ];
    await page.setInputFiles('[data-testid=office-files]', pictures);
    await page.click('[data-testid=office-upload]');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=upload-row]')];
      return rows.length === 2 && rows.every((r) => r.dataset.done === 'sent' && r.querySelector('progress').value === 1);
    }, null, { timeout: 30_000 });
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=office-scene]')];
      return rows.length === 2 && rows.every((r) => r.dataset.status === 'ready' && r.querySelector('img'));
    }, null, { timeout: 60_000 });
    const scenes = await api(`/api/panoramas?layer=plots&feature=${PLOT}`);
    assert.equal(scenes.length, 2);
    // Both went up at once: either may have arrived first.
    const a = scenes.find((s) => s.title === '南门入口');
    const b = scenes.find((s) => s.title === '厂区全景');
    assert.ok(a && b, JSON.stringify(scenes.map((s) => s.title)));
    await page.screenshot({ path: artifact('office-scenes.png') });

    // A picture that is no panorama is refused with a message.
    await page.setInputFiles('[data-testid=office-files]', [{ name: 'note.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a picture at all') }]);
    await page.click('[data-testid=office-upload]');
    await page.waitForSelector('[data-testid=upload-row][data-done=failed]');
    assert.match(await page.locator('[data-testid=upload-row][data-done=failed]').innerText(), /JPEG|PNG/);

    // The first scene's editor: viewer and map.
    await page.click(`[data-testid=office-scene][data-id="${a.id}"] [data-testid=scene-edit]`);
    await waitForViewer(page, a.id);
    await page.waitForFunction(() => document.querySelector('[data-testid=office-map] canvas'));
    await page.waitForTimeout(500);

    // Position: a click on the map; heading: the number field, then the handle dragged due west.
    const map = await centreOf(page.locator('[data-testid=office-map]'));
    await page.mouse.click(map.box.x + map.box.width * 0.35, map.box.y + map.box.height * 0.6);
    await page.waitForSelector('[data-testid=office-camera]');
    await page.fill('[data-testid=office-heading]', '135');
    await page.waitForSelector('[data-testid=office-camera][data-heading="135"]');
    const camera = await centreOf(page.locator('[data-testid=office-camera]'));
    const handle = await centreOf(page.locator('[data-testid=office-heading-handle]'));
    assert.ok(handle.x > camera.x && handle.y > camera.y, 'the handle points south-east at 135°');
    await page.mouse.move(handle.x, handle.y);
    await page.mouse.down();
    await page.mouse.move(camera.x - 40, camera.y, { steps: 4 });
    await page.mouse.move(camera.x - 70, camera.y, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('[data-testid=office-camera][data-heading="270"]');
    assert.equal(await page.inputValue('[data-testid=office-heading]'), '270');
    await page.click('[data-testid=office-place-save]');
    await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=office-editor-message]')?.textContent ?? ''));
    let stored = await api(`/api/panoramas/${a.id}`);
    assert.equal(stored.heading_deg, 270);
    assert.ok(Number.isFinite(stored.lon) && Number.isFinite(stored.lat), JSON.stringify(stored));
    assert.ok(Math.abs(stored.lon - 104) < 5 && Math.abs(stored.lat - 30) < 5, `${stored.lon}, ${stored.lat}`);

    // The title, and the current view as the initial view.
    await page.fill('[data-testid=office-title]', '南门入口（东向）');
    await page.click('[data-testid=office-title-save]');
    await page.evaluate(() => window.siteAtlasPanorama.rotate({ yaw: 0.5, pitch: -0.1 }));
    await page.click('[data-testid=office-initial-view]');
    await page.waitForFunction(() => /初始视角已保存/.test(document.querySelector('[data-testid=office-editor-message]')?.textContent ?? ''));
    stored = await api(`/api/panoramas/${a.id}`);
    assert.equal(stored.title, '南门入口（东向）');
    assert.ok(Math.abs(stored.initial_view.yaw_deg - 28.6) < 1 && Math.abs(stored.initial_view.pitch_deg + 5.7) < 1, JSON.stringify(stored.initial_view));

    // Hotspots: a click in the viewer places one; a note here, a link to B to the left.
    const viewer = await centreOf(page.locator('[data-testid=office-viewer]'));
    await page.mouse.click(viewer.x, viewer.y);
    await page.waitForSelector('[data-testid=hotspot-form]:not([hidden])');
    await page.selectOption('[data-testid=hotspot-kind]', 'note');
    await page.fill('[data-testid=hotspot-note]', '配电房，800 kVA');
    await page.click('[data-testid=hotspot-add]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=office-viewer] [data-testid=pano-hotspot]').length === 1);
    // The viewer takes a second click within 300 ms as part of a double click.
    await page.waitForTimeout(350);
    await page.mouse.click(viewer.x - viewer.box.width * 0.25, viewer.y + 20);
    await page.waitForSelector('[data-testid=hotspot-form]:not([hidden])');
    assert.equal(await page.inputValue('[data-testid=hotspot-kind]'), 'link');
    await page.selectOption('[data-testid=hotspot-target]', String(b.id));
    await page.click('[data-testid=hotspot-add]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=office-viewer] [data-testid=pano-hotspot]').length === 2);
    stored = await api(`/api/panoramas/${a.id}`);
    assert.equal(stored.hotspots.length, 2);
    const [note, link] = stored.hotspots;
    assert.equal(note.note, '配电房，800 kVA');
    assert.ok(Math.abs(note.yaw_deg - 28.6) < 3 && Math.abs(note.pitch_deg + 5.7) < 3, `the note is where the click was: ${JSON.stringify(note)}`);
    assert.equal(link.target, b.id);
    assert.ok(link.yaw_deg < note.yaw_deg - 10, `the link is to the left: ${JSON.stringify(link)}`);
    await page.screenshot({ path: artifact('office-editor.png') });
    // Deleting the note leaves the link, in the list and in the viewer.
    await page.click(`[data-testid=hotspot-row][data-id="${note.id}"] [data-testid=hotspot-delete]`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=office-viewer] [data-testid=pano-hotspot]').length === 1);
    assert.equal((await api(`/api/panoramas/${a.id}`)).hotspots.length, 1);

    // Tours: B then A by drag and drop, then swapped with the buttons.
    await page.click('[data-testid=office-tab-tours]');
    await page.waitForSelector('[data-testid=tour-pool] [data-testid=pool-scene]');
    await page.locator(`[data-testid=pool-scene][data-id="${b.id}"]`).dragTo(page.locator('[data-testid=tour-drop]'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tour-stop-item]').length === 1);
    await page.locator(`[data-testid=pool-scene][data-id="${a.id}"]`).dragTo(page.locator('[data-testid=tour-drop]'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tour-stop-item]').length === 2);
    const order = () => page.$$eval('[data-testid=tour-stop-item]', (items) => items.map((i) => Number(i.dataset.panorama)));
    assert.deepEqual(await order(), [b.id, a.id]);
    // A stop dragged above another moves there.
    await page.locator('[data-testid=tour-stop-item]:nth-child(2) .tour-drag').dragTo(page.locator('[data-testid=tour-stop-item]:nth-child(1)'));
    assert.deepEqual(await order(), [a.id, b.id]);
    await page.click('[data-testid=tour-stop-item]:nth-child(1) [data-testid=stop-down]');
    assert.deepEqual(await order(), [b.id, a.id]);
    await page.fill('[data-testid=tour-title-input]', '温江医学城 · 云看厂');
    await page.fill('[data-testid=tour-stop-item]:nth-child(1) [data-testid=stop-note]', '先看厂区全景');
    await page.click('[data-testid=tour-save]');
    await page.waitForSelector('[data-testid=tour-pick].active');
    // The demo's three tours are there too: this one is found by its title.
    const ours = async () => (await api('/api/tours')).filter((t) => t.title === '温江医学城 · 云看厂');
    let tours = await ours();
    assert.equal(tours.length, 1);
    assert.deepEqual(tours[0].stops, [{ panorama: b.id, note: '先看厂区全景' }, { panorama: a.id, note: '' }]);
    // Saved again after a change: the same tour, updated.
    await page.click('[data-testid=tour-stop-item]:nth-child(2) [data-testid=stop-up]');
    assert.deepEqual(await order(), [a.id, b.id]);
    await page.evaluate(() => {
      document.querySelector('[data-testid=tour-message]').textContent = '';
    });
    await page.click('[data-testid=tour-save]');
    await page.waitForFunction(() => /导览已保存/.test(document.querySelector('[data-testid=tour-message]')?.textContent ?? ''));
    tours = await ours();
    assert.equal(tours.length, 1);
    assert.deepEqual(tours[0].stops.map((s) => s.panorama), [a.id, b.id]);

    // The preview opens the first stop, at its initial view.
    await page.click('[data-testid=tour-preview]');
    await page.waitForSelector('[data-testid=tour-preview-dialog][open]');
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid=tour-preview-dialog] [data-testid=pano-viewer]')?.dataset.sceneId === String(id) && window.siteAtlasPanorama?.state?.ready,
      a.id,
      { timeout: 20_000 },
    );
    const opened = await page.evaluate(() => window.siteAtlasPanorama.getPosition());
    assert.ok(Math.abs(opened.yaw - 0.5) < 0.02, `the preview opens at the initial view: ${JSON.stringify(opened)}`);
    await page.screenshot({ path: artifact('office-preview.png') });
    await page.click('[data-testid=preview-close]');
    await page.waitForSelector('[data-testid=tour-preview-dialog]', { state: 'detached' });

    // A share link, opened by someone without an account, counted, then revoked.
    await page.fill('[data-testid=link-days]', '3');
    await page.click('[data-testid=link-create]');
    await page.waitForSelector('[data-testid=link-row][data-state=live]');
    const url = await page.inputValue('[data-testid=link-row][data-state=live] [data-testid=link-url]');
    assert.match(url, /\/t\/\d+\.\d+\./);
    const anonymous = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const visitor = await anonymous.newPage();
    await visitor.goto(url);
    await visitor.waitForSelector('[data-testid=tour-title]');
    assert.equal(await visitor.innerText('[data-testid=tour-title]'), '温江医学城 · 云看厂');
    await page.click('[data-testid=tour-pick].active');
    await page.waitForSelector('[data-testid=link-row][data-state=live][data-views="1"]');
    assert.match(await page.innerText('[data-testid=link-row] [data-testid=link-views]'), /1/);
    await page.screenshot({ path: artifact('office-tours.png') });
    await page.click('[data-testid=link-row][data-state=live] [data-testid=link-revoke]');
    await page.waitForSelector('[data-testid=link-row][data-state=revoked]');
    await visitor.reload();
    await visitor.waitForSelector('[data-testid=tour-message]');
    assert.match(await visitor.innerText('[data-testid=tour-message]'), /已过期或已撤销/);
    await anonymous.close();

    // A live tour: a new live link (the only one is revoked) opened in a new tab.
    const popup = staff.waitForEvent('page');
    await page.click('[data-testid=tour-live]');
    const guide = await popup;
    await guide.waitForURL(/\/t\/\d+\./, { timeout: 10_000 });
    await guide.waitForSelector('[data-testid=tour-title]');
    await guide.waitForSelector('[data-testid=live-panel]');
    await page.waitForSelector('[data-testid=link-row][data-state=live]');

    assert.deepEqual(page.errors, []);
    await staff.close();
  });
});

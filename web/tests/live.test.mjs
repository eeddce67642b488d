// End-to-end test of a live guided tour on the demo data: the guide changes
// stops while panning, twenty times in a row, and two attendees (a desktop
// and a phone) end on the guide's stop and view each time within a second;
// then the guide leaves and the link is revoked, and the attendees are told.
// Real server, real Chromium (see helpers.mjs). Run after `npm run build`:
//   SITEATLAS_BIN=... node --test tests/live.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, launchBrowser, startServer } from './helpers.mjs';

const RAD = Math.PI / 180;
/** How far (radians) a follower's yaw and pitch may be from the leader's. */
const SAME_VIEW = 1.5 * RAD;

let server;
let guideBrowser;
let attendeeBrowser;
let phoneBrowser;

async function api(method, path, body) {
  const r = await fetch(`${server.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function openTour(context, path, viewport) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${server.base}${path}`);
  await page.waitForFunction(() => window.siteAtlasPanorama?.state?.ready && document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId);
  return page;
}

async function join(page, name) {
  await page.fill('[data-testid=live-name]', name);
  await page.click('[data-testid=live-join]');
  await page.waitForSelector('[data-testid=live-panel][data-status=connected]');
}

/** The scene shown (once loaded), the camera, and the highlighted stop. */
function shown(page) {
  return page.evaluate(() => {
    const v = window.siteAtlasPanorama;
    const p = v.getPosition();
    const items = [...document.querySelectorAll('[data-testid=tour-stops] li')];
    return {
      scene: Number(document.querySelector('[data-testid=pano-viewer]').dataset.sceneId),
      yaw: p.yaw,
      pitch: p.pitch,
      stop: items.findIndex((li) => li.classList.contains('active')),
      where: document.querySelector('[data-testid=live-where]')?.textContent ?? '',
    };
  });
}

function angle(a, b) {
  const d = Math.abs(a - b) % (2 * Math.PI);
  return Math.min(d, 2 * Math.PI - d);
}

/** Waits until `page` shows `want` (scene, stop, view); returns how long it took, ms. */
async function follows(page, want, timeout) {
  const started = Date.now();
  await page.waitForFunction(
    ([want, tolerance]) => {
      const v = window.siteAtlasPanorama;
      const el = document.querySelector('[data-testid=pano-viewer]');
      if (!v || !el || el.dataset.sceneId !== String(want.scene)) return false;
      const items = [...document.querySelectorAll('[data-testid=tour-stops] li')];
      if (!items[want.stop]?.classList.contains('active')) return false;
      const p = v.getPosition();
      const d = (a, b) => {
        const x = Math.abs(a - b) % (2 * Math.PI);
        return Math.min(x, 2 * Math.PI - x);
      };
      return d(p.yaw, want.yaw) < tolerance && Math.abs(p.pitch - want.pitch) < tolerance;
    },
    [want, SAME_VIEW],
    { timeout, polling: 20 },
  );
  return Date.now() - started;
}

describe('Live guided tour on the demo', () => {
  before(async () => {
    server = await startServer();
    guideBrowser = await launchBrowser();
    attendeeBrowser = await launchBrowser();
    phoneBrowser = await launchBrowser();
  });

  after(async () => {
    await guideBrowser?.close();
    await attendeeBrowser?.close();
    await phoneBrowser?.close();
    await server?.stop();
  });

  test('two attendees keep step with a guide who changes stops while panning, 20 times', async () => {
    const tours = await api('GET', '/api/tours/1');
    assert.equal(tours.status, 200, JSON.stringify(tours.body));
    const stops = tours.body.stops;
    assert.ok(stops.length >= 5, `the demo tour has ${stops.length} stops`);
    const link = await api('POST', '/api/tours/1/links', { days: 1 });
    assert.equal(link.status, 201, JSON.stringify(link.body));
    const promoter = server.createToken('promoter', '王经理', []);

    const guideContext = guideBrowser.context;
    const signIn = await guideContext.request.post(`${server.base}/api/session`, { data: { token: promoter } });
    assert.equal(signIn.status(), 200);
    const guide = await openTour(guideContext, link.body.url, { width: 1440, height: 900 });
    await join(guide, '王经理');
    await guide.waitForSelector('[data-testid=live-panel][data-role=guide][data-leading=true]');

    const desktop = await openTour(attendeeBrowser.context, link.body.url, { width: 1440, height: 900 });
    await join(desktop, '李总');
    const phone = await openTour(phoneBrowser.context, link.body.url, { width: 390, height: 844 });
    await join(phone, '张工');
    await guide.waitForFunction(() => document.querySelectorAll('[data-testid=live-people] li[data-person]').length === 3);

    // As when people gather before a tour starts: every page has fetched
    // the stops' first tiles (the tour page prefetches them).
    for (const page of [guide, desktop, phone]) {
      await page.waitForFunction(
        (n) => new Set(performance.getEntriesByType('resource').filter((e) => /\/tiles\/0\//.test(e.name)).map((e) => e.name)).size >= n,
        stops.length * 6,
        { timeout: 30_000 },
      );
    }
    // When a stop button was last pressed (guide), and when each page last
    // showed a new scene: wall-clock times, comparable across the pages.
    await guide.evaluate(() => {
      document.querySelector('[data-testid=tour-stops]').addEventListener('click', () => (window.stopClickedAt = Date.now()), true);
    });
    for (const page of [guide, desktop, phone]) {
      await page.evaluate(() => {
        const viewer = document.querySelector('[data-testid=pano-viewer]');
        new MutationObserver(() => (window.sceneShownAt = Date.now())).observe(viewer, { attributes: true, attributeFilter: ['data-scene-id'] });
      });
    }
    const box = await guide.locator('[data-testid=pano-viewer]').boundingBox();
    const slowest = { guide: 0, desktop: 0, phone: 0, behind: 0, turn: 0 };
    const rounds = [];
    for (let round = 0; round < 20; round++) {
      // Pan by dragging, and pick the next stop before the camera has settled.
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      await guide.mouse.move(x, y);
      await guide.mouse.down();
      for (let step = 1; step <= 6; step++) await guide.mouse.move(x - step * 40 * (round % 2 ? -1 : 1), y + step * 4);
      await guide.mouse.up();
      const stop = (round + 1) % stops.length;
      await guide.locator('[data-testid=tour-stop]').nth(stop).click();
      const clickedAt = await guide.evaluate(() => window.stopClickedAt);
      const scene = stops[stop].scene.id;
      const shownAt = (page) =>
        page
          .waitForFunction((id) => document.querySelector('[data-testid=pano-viewer]')?.dataset.sceneId === String(id) && window.sceneShownAt, scene, { timeout: 5000 })
          .then((h) => h.jsonValue());
      const [gAt, dAt, pAt] = await Promise.all([shownAt(guide), shownAt(desktop), shownAt(phone)]);
      slowest.guide = Math.max(slowest.guide, gAt - clickedAt);
      slowest.desktop = Math.max(slowest.desktop, dAt - clickedAt);
      slowest.phone = Math.max(slowest.phone, pAt - clickedAt);
      slowest.behind = Math.max(slowest.behind, dAt - gAt, pAt - gAt);
      rounds.push([gAt - clickedAt, dAt - clickedAt, pAt - clickedAt]);
      // Then a turn on the new scene, as a guide pointing something out does.
      await guide.evaluate(([yaw, pitch]) => window.siteAtlasPanorama.rotate({ yaw, pitch }), [((round * 37) % 360) * RAD, -((round * 7) % 20) * RAD]);
      const want = { ...(await shown(guide)), stop };
      assert.equal(want.scene, stops[stop].scene.id, `round ${round}: the guide is on stop ${stop + 1}`);
      const [d, p] = await Promise.all([follows(desktop, want, 1000), follows(phone, want, 1000)]).catch(async (e) => {
        await desktop.screenshot({ path: artifact(`live-round-${round}-desktop.png`) });
        await phone.screenshot({ path: artifact(`live-round-${round}-phone.png`) });
        throw new Error(`round ${round}: attendees did not follow within 1 s: guide ${JSON.stringify(want)}, desktop ${JSON.stringify(await shown(desktop))}, phone ${JSON.stringify(await shown(phone))}: ${e.message}`);
      });
      slowest.turn = Math.max(slowest.turn, d, p);
      for (const page of [desktop, phone]) {
        const s = await shown(page);
        assert.ok(s.where.includes(`第${stop + 1}/${stops.length}站`), `round ${round}: the attendee reads where the tour is: ${s.where}`);
        assert.ok(angle(s.yaw, want.yaw) < SAME_VIEW);
      }
    }
    console.log(`slowest over 20 rounds, ms: ${JSON.stringify(slowest)}; each round (guide, desktop, phone): ${JSON.stringify(rounds)}`);
    // In step: no attendee shows a stop more than a second after the guide
    // does, and each ends on the guide's view within a second of the turn
    // (`follows`). The guide's own change is bounded loosely: in headless
    // Chromium drawing WebGL in software, three browsers on two cores, a
    // stop's first showing costs 1-2 s of decoding and uploading; later
    // ones take 0.2-0.8 s (the figures are logged above).
    assert.ok(slowest.behind < 1000, `an attendee showed a stop ${slowest.behind} ms after the guide`);
    assert.ok(slowest.guide < 3000, `the guide's own scene changed ${slowest.guide} ms after the click`);
    await phone.screenshot({ path: artifact('live-phone.png') });

    // The guide leaves: the attendees are told, and keep their view.
    await guide.click('[data-testid=live-leave]');
    for (const page of [desktop, phone]) {
      await page.waitForSelector('[data-testid=live-panel][data-guide=false]');
      assert.match(await page.locator('[data-testid=live-leader]').innerText(), /主讲人已离开/);
    }
    // The link is revoked: the session ends for everyone, with the reason.
    const revoked = await api('DELETE', `/api/tours/1/links/${link.body.id}`);
    assert.equal(revoked.status, 204);
    for (const page of [desktop, phone]) {
      await page.waitForSelector('[data-testid=live-ended]', { timeout: 3000 });
      assert.match(await page.locator('[data-testid=live-ended]').innerText(), /已被撤销/);
      assert.deepEqual(page.errors, []);
    }
    assert.deepEqual(guide.errors, []);
  });
});

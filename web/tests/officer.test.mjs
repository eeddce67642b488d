// Two officers on the same site: an open edit keeps its draft when the other
// saves first, shows who changed what, and is reapplied over the new version,
// whether the change arrives live (/api/events) or as the 412 of a save.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { artifact, startServer } from './helpers.mjs';

const WENJIANG = '#map=15.5/30.7105/103.874/0/0';
const PARK = 'WJ-MED';

let server;
let browser;

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

/** A page of its own (own cookies) with an officer signed in, the card of `sel` open. */
async function officerPage(name, sel, { live = true } = {}) {
  const token = server.createToken('officer', name, [PARK]);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  if (!live) await page.route('**/api/events', (route) => route.abort());
  await page.goto(`${server.base}/${WENJIANG}&sel=${sel}`);
  await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
  await page.click('[data-testid=signin-open]');
  await page.fill('[data-testid=signin-token]', token);
  await page.click('[data-testid=signin-submit]');
  await page.waitForSelector('[data-testid=signin-who]');
  await page.waitForSelector('[data-testid=card-edit]');
  return page;
}

async function waitForSaved(page) {
  await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=edit-message]')?.textContent ?? ''), null, { timeout: 10_000 }).catch(async (e) => {
    throw new Error(`${e.message}: ${await page.locator('[data-testid=card-edit]').innerText()}`);
  });
}

describe('officer edits under concurrent changes', () => {
  before(async () => {
    server = await startServer();
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

  test('a draft survives a live change by another officer, shows it, and is reapplied', async () => {
    // A reserved plot: A wants it available again, B moves it on to negotiation first.
    const plots = await getJson(`/api/search?layer=plots&status=reserved&park=${PARK}&limit=10`);
    const plot = plots.features.find((f) => f.properties.park === PARK);
    assert.ok(plot, 'a reserved plot in the demo park');
    const id = plot.properties.id ?? plot.id;
    const a = await officerPage('专员甲', `plots/${id}`);
    const b = await officerPage('专员乙', `plots/${id}`);

    await a.selectOption('[data-testid=edit-status]', 'available');
    const noteA = '甲：意向方撤回，恢复可供';
    await a.fill('[data-testid=edit-note]', noteA);
    await a.focus('[data-testid=edit-note]');

    await b.selectOption('[data-testid=edit-status]', 'negotiating');
    await b.fill('[data-testid=edit-note]', '乙：进入洽谈');
    await b.click('[data-testid=edit-submit]');
    await waitForSaved(b);

    // A hears of it live: the card now says 洽谈中, the draft is still there, with B's change beside it.
    await a.waitForSelector('[data-testid=edit-conflict]:not([hidden]) [data-testid=edit-changes]', { timeout: 10_000 });
    assert.equal(await a.locator('[data-testid=edit-note]').inputValue(), noteA, 'the note survives');
    assert.equal(await a.evaluate(() => document.activeElement?.dataset.testid), 'edit-note', 'typing can go on where it was');
    assert.equal(await a.locator('[data-testid=edit-status]').inputValue(), 'available', 'the status choice survives');
    const changes = await a.locator('[data-testid=edit-changes]').innerText();
    assert.match(changes, /专员乙/, 'who changed it');
    assert.match(changes, /已预留 → 洽谈中/, 'what they changed');
    assert.match(changes, /进入洽谈/, 'their note');
    assert.match(await a.locator('[data-testid=edit-current]').innerText(), /洽谈中/);
    assert.match(await a.locator('[data-testid=edit-draft]').innerText(), /可供/);
    assert.equal(await a.locator('[data-testid=card-status]').innerText(), '洽谈中', 'the card shows the new status');
    await a.screenshot({ path: artifact('officer-conflict-live.png') });

    await a.click('[data-testid=edit-reapply]');
    await waitForSaved(a);
    const saved = await getJson(`/api/plots/${id}`);
    assert.equal(saved.properties.status, 'available', "A's status was written over B's version");
    const history = await getJson(`/api/plots/${id}/history`);
    assert.equal(history[0].actor, '专员甲');
    assert.equal(history[0].note, noteA);
    assert.equal(history[1].actor, '专员乙');
    assert.equal(await a.locator('[data-testid=edit-conflict]').isHidden(), true, 'the conflict is settled');
    assert.equal(await a.locator('[data-testid=edit-note]').inputValue(), '', 'the saved draft is cleared');

    // B, who typed nothing since, simply follows the new version.
    await b.waitForFunction(() => document.querySelector('[data-testid=card-status]')?.textContent === '可供');
    assert.equal(await b.locator('[data-testid=edit-conflict]').isHidden(), true);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    await a.context().close();
    await b.context().close();
  });

  test('a save over a version someone else replaced (412) leads to the same screen, and discard drops the draft', async () => {
    const all = await getJson(`/api/search?layer=factories&park=${PARK}&limit=50`);
    const factory = all.features.find((f) => f.properties.park === PARK);
    assert.ok(factory, 'a factory in the demo park');
    const id = factory.properties.id ?? factory.id;
    // No live updates here: the other change stays unseen until the save.
    const a = await officerPage('专员丙', `factories/${id}`, { live: false });
    const wanted = ['vacant', 'partial', 'occupied'].find((s) => s !== factory.properties.status);
    await a.selectOption('[data-testid=edit-status]', wanted);
    const noteA = '丙：部分出租';
    await a.fill('[data-testid=edit-note]', noteA);

    const current = await fetch(`${server.base}/api/factories/${id}`);
    const rent = Number(factory.properties.rent_yuan_m2_month ?? 20) + 3;
    const other = await fetch(`${server.base}/api/factories/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'If-Match': current.headers.get('etag'), Authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ rent_yuan_m2_month: rent, note: '管理员：调整租金' }),
    });
    assert.equal(other.status, 200, await other.text());

    await a.click('[data-testid=edit-submit]');
    await a.waitForSelector('[data-testid=edit-conflict]:not([hidden]) [data-testid=edit-changes]', { timeout: 10_000 });
    assert.match(await a.locator('[data-testid=edit-message]').innerText(), /已被他人修改/);
    assert.match(await a.locator('[data-testid=edit-changes]').innerText(), /e2e-tests[\s\S]*租金[\s\S]*调整租金/);
    assert.match(await a.locator('[data-testid=edit-current]').innerText(), new RegExp(String(rent)));
    assert.equal(await a.locator('[data-testid=edit-note]').inputValue(), noteA);
    assert.equal(await a.locator('[data-testid=edit-status]').inputValue(), wanted);
    await a.screenshot({ path: artifact('officer-conflict-412.png') });

    await a.click('[data-testid=edit-reapply]');
    await waitForSaved(a);
    const saved = await getJson(`/api/factories/${id}`);
    assert.equal(saved.properties.status, wanted, "A's status");
    assert.equal(saved.properties.rent_yuan_m2_month, rent, "the other change's rent is kept");

    // Discard: a second stale save, then the draft is dropped and the form follows the feature.
    const again = await fetch(`${server.base}/api/factories/${id}`);
    const back = await fetch(`${server.base}/api/factories/${id}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json', 'If-Match': again.headers.get('etag'), Authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ rent_yuan_m2_month: rent + 1, note: '管理员：再调' }),
    });
    assert.equal(back.status, 200, await back.text());
    await a.fill('[data-testid=edit-rent]', String(rent + 5));
    await a.fill('[data-testid=edit-note]', '丙：不再需要');
    await a.click('[data-testid=edit-submit]');
    await a.waitForSelector('[data-testid=edit-conflict]:not([hidden])');
    await a.click('[data-testid=edit-discard]');
    assert.equal(await a.locator('[data-testid=edit-conflict]').isHidden(), true);
    assert.equal(await a.locator('[data-testid=edit-note]').inputValue(), '');
    assert.equal(await a.locator('[data-testid=edit-rent]').inputValue(), String(rent + 1), 'the form shows the values as they now are');
    assert.equal((await getJson(`/api/factories/${id}`)).properties.rent_yuan_m2_month, rent + 1, 'nothing was written');
    assert.deepEqual(a.errors, []);
    await a.context().close();
  });
});

// The promotion pipeline in the browser against the real server: an investor
// arrives through an ambassador's referral link and sends an enquiry; the
// promoter finds it credited in the inbox, turns it into a project and moves
// it on the board; a land officer reserves a plot for it from the plot's card;
// the promoter marks the project lost and, after confirming, the plot is on
// offer again. Desktop and phone, with screenshots.
//   SITEATLAS_BIN=... node --test tests/pipeline.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { artifact, startServer } from './helpers.mjs';

const PARK = 'WJ-MED';
const WENJIANG = '#map=15/30.7105/103.874/0/0';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };

let server;
let browser;

async function api(method, path, token, body) {
  const r = await fetch(`${server.base}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: r.status, body: json, headers: r.headers };
}

async function page(viewport = DESKTOP, hash = WENJIANG) {
  const context = await browser.newContext({ viewport });
  const p = await context.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(e.message));
  await p.goto(`${server.base}/${hash}`);
  await p.waitForFunction(() => window.siteAtlasMap?.loaded(), null, { timeout: 30_000 });
  return p;
}

async function signIn(p, token) {
  if ((p.viewportSize()?.width ?? 1440) < 720) await p.locator('[data-testid=signin-open]').scrollIntoViewIfNeeded();
  await p.click('[data-testid=signin-open]');
  await p.fill('[data-testid=signin-token]', token);
  await p.click('[data-testid=signin-submit]');
  await p.waitForSelector('[data-testid=signin-who]');
}

async function boardLoaded(p, before) {
  await p.waitForFunction((n) => Number(document.querySelector('[data-testid=projects-content]')?.dataset.loaded ?? 0) > n, before);
}

function loadedCount(p) {
  return p.evaluate(() => Number(document.querySelector('[data-testid=projects-content]')?.dataset.loaded ?? 0));
}

describe('the promotion pipeline', () => {
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

  test('a referral becomes a project, holds a plot, and frees it when lost', async () => {
    const promoter = server.createToken('promoter', '张招商');
    const officer = server.createToken('officer', '王科长', [PARK]);
    const partner = await api('POST', '/api/partners', server.token, { name: '招商大使 陈先生', kind: 'ambassador' });
    assert.equal(partner.status, 201);

    // The investor follows the ambassador's link and asks about a plot.
    const referral = await api('GET', `/r/${partner.body.code}`);
    assert.equal(referral.status, 303);
    const plots = await api('GET', `/api/search?layer=plots&park=${PARK}&status=available&limit=5`);
    const plot = plots.body.features[0];
    const plotId = plot.properties.id ?? plot.id;
    const investor = await page(DESKTOP, `${referral.headers.get('location').slice(1)}${WENJIANG}&sel=plots/${plotId}`);
    assert.ok(!investor.url().includes('ref='), `the code is taken off the address: ${investor.url()}`);
    await investor.waitForSelector('[data-testid=feature-card]:not([hidden]) [data-testid=lead-open]');
    await investor.click('[data-testid=lead-open]');
    await investor.fill('[data-testid=lead-company]', '蓉城生物医药有限公司');
    await investor.fill('[data-testid=lead-contact]', '周总 13900000000');
    await investor.check('[data-testid=lead-consent]');
    await investor.click('[data-testid=lead-submit]');
    await investor.waitForSelector('[data-testid=lead-message].ok');
    assert.deepEqual(investor.errors, []);

    // The promoter finds it credited to the ambassador and makes it a project.
    const desk = await page(DESKTOP);
    await signIn(desk, promoter);
    await desk.click('[data-testid=inbox-open]');
    const row = desk.locator('[data-testid=inbox-lead]', { hasText: '蓉城生物医药有限公司' });
    await row.waitFor();
    assert.match(await row.locator('[data-testid=lead-source]').innerText(), /招商大使/);
    let seen = await loadedCount(desk);
    await row.locator('[data-testid=lead-to-project]').click();
    await boardLoaded(desk, seen);
    const detail = desk.locator('[data-testid=project-detail]');
    assert.match(await detail.innerText(), /蓉城生物医药有限公司/);
    assert.match(await desk.locator('[data-testid=project-stage-tag]').innerText(), /洽谈/);
    assert.match(await detail.innerText(), /招商大使 · 招商大使 陈先生/);
    const projectId = Number(await detail.getAttribute('data-id'));

    // Moving on needs a note; then the board shows it under 签约.
    await desk.selectOption('[data-testid=project-stage]', 'signed');
    await desk.fill('[data-testid=project-stage-date]', '2026-11-28');
    await desk.click('[data-testid=project-save]');
    await desk.waitForSelector('[data-testid=project-message].error');
    seen = await loadedCount(desk);
    await desk.fill('[data-testid=project-note]', '投资协议已签');
    await desk.click('[data-testid=project-save]');
    await boardLoaded(desk, seen);
    assert.match(await desk.locator('[data-testid=project-stage-tag]').innerText(), /签约/);
    assert.match(await desk.locator('[data-testid=project-stages] li[data-stage=signed]').innerText(), /2026-11-28/);
    seen = await loadedCount(desk);
    await desk.click('[data-testid=project-back]');
    await boardLoaded(desk, seen);
    assert.match(await desk.locator('[data-testid=board-signed]').innerText(), /蓉城生物医药有限公司/);
    await desk.screenshot({ path: artifact('pipeline-board-desktop.png') });

    // The officer reserves the plot for the project from its card.
    const land = await page(DESKTOP, `${WENJIANG}&sel=plots/${plotId}`);
    await signIn(land, officer);
    await land.waitForSelector('[data-testid=card-edit]');
    await land.selectOption('[data-testid=edit-status]', 'reserved');
    await land.waitForSelector('[data-testid=edit-project]:visible');
    await land.selectOption('[data-testid=edit-project]', String(projectId));
    await land.fill('[data-testid=edit-note]', '为生物医药项目预留');
    await land.click('[data-testid=edit-submit]');
    await land.waitForSelector('[data-testid=edit-message].ok');
    const held = await api('GET', `/api/plots/${plotId}/project`, officer);
    assert.equal(held.body.project.id, projectId);
    await land.screenshot({ path: artifact('pipeline-officer-reserves.png') });
    assert.deepEqual(land.errors, []);

    // The promoter marks it lost: asked first, the plot named; then freed.
    seen = await loadedCount(desk);
    await desk.click('[data-testid=project-card][data-id="' + projectId + '"]');
    await boardLoaded(desk, seen);
    assert.match(await desk.locator('[data-testid=project-sites]').innerText(), new RegExp(plot.properties.code));
    await desk.selectOption('[data-testid=project-stage]', 'lost');
    await desk.fill('[data-testid=project-note]', '企业改投他省');
    await desk.click('[data-testid=project-save]');
    await desk.waitForSelector('[data-testid=project-confirm-release]');
    assert.match(await desk.locator('[data-testid=project-message]').innerText(), new RegExp(plot.properties.code));
    assert.equal((await api('GET', `/api/plots/${plotId}`)).body.properties.status, 'reserved');
    seen = await loadedCount(desk);
    await desk.click('[data-testid=project-confirm-release]');
    await boardLoaded(desk, seen);
    assert.match(await desk.locator('[data-testid=project-stage-tag]').innerText(), /流失/);
    assert.equal((await api('GET', `/api/plots/${plotId}`)).body.properties.status, 'available');
    assert.deepEqual(desk.errors, []);
  });

  test('the board on a phone: one column, a project readable and movable', async () => {
    const promoter = server.createToken('promoter', '李招商');
    const made = await api('POST', '/api/projects', promoter, { company: '西部智能装备', industry: '智能制造', investment_wan: 120000, park: PARK, source: 'event' });
    assert.equal(made.status, 201);
    const phone = await page(PHONE);
    await signIn(phone, promoter);
    await phone.locator('[data-testid=projects-open]').scrollIntoViewIfNeeded();
    let seen = await loadedCount(phone);
    await phone.click('[data-testid=projects-open]');
    await boardLoaded(phone, seen);
    const columns = await phone.locator('[data-testid=board] > section').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().x));
    assert.ok(columns.every((x) => Math.abs(x - columns[0]) < 1), `columns stacked on a phone: ${columns}`);
    const card = phone.locator(`[data-testid=project-card][data-id="${made.body.id}"]`);
    assert.match(await card.innerText(), /西部智能装备/);
    assert.match(await card.innerText(), /招商活动/);
    const box = await card.boundingBox();
    assert.ok(box.width <= PHONE.width, `card fits: ${box.width}`);
    await phone.screenshot({ path: artifact('pipeline-board-phone.png') });
    seen = await loadedCount(phone);
    await card.click();
    await boardLoaded(phone, seen);
    await phone.selectOption('[data-testid=project-stage]', 'signed');
    await phone.fill('[data-testid=project-note]', '现场签约');
    seen = await loadedCount(phone);
    await phone.click('[data-testid=project-save]');
    await boardLoaded(phone, seen);
    assert.match(await phone.locator('[data-testid=project-stage-tag]').innerText(), /签约/);
    await phone.screenshot({ path: artifact('pipeline-project-phone.png'), fullPage: true });
    assert.deepEqual(phone.errors, []);
  });
});

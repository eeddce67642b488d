// The back office (工作台) as each role uses it against the real server: an
// officer edits a plot's price and finds it in the search list; an admin
// imports a file (the dry run's problems first), sets a park's incentive rules
// that the card's calculator then uses, and hands out and revokes a token.

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

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

/** A page of its own (own cookies) at `hash`, signed in with `token`. */
async function signedIn(token, hash, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${server.base}/${hash}`);
  await page.waitForFunction(() => window.siteAtlasMap?.loaded(), null, { timeout: 30_000 });
  await signIn(page, token);
  await page.waitForSelector('[data-testid=signin-who]');
  return page;
}

async function signIn(page, token) {
  if (viewportIsPhone(page)) await page.locator('[data-testid=signin-open]').scrollIntoViewIfNeeded();
  await page.click('[data-testid=signin-open]');
  await page.fill('[data-testid=signin-token]', token);
  await page.click('[data-testid=signin-submit]');
}

function viewportIsPhone(page) {
  return (page.viewportSize()?.width ?? 1440) < 720;
}

async function openOffice(page, tab) {
  await page.click('[data-testid=office-open]');
  await page.waitForSelector('[data-testid=office][open]');
  await page.click(`[data-testid=office-tab-${tab}]`);
}

/** A plot of the park with a price: its id and code. */
async function plotOfPark() {
  const plots = await getJson(`/api/search?layer=plots&park=${PARK}&status=available&limit=10`);
  const plot = plots.features.find((f) => typeof f.properties.price_wan_per_mu === 'number');
  assert.ok(plot, 'a priced plot in the demo park');
  return { id: plot.properties.id ?? plot.id, code: plot.properties.code };
}

function plotFeature(code, name, landUse, [lon, lat]) {
  const d = 0.0015;
  return {
    type: 'Feature',
    properties: { 地块编号: code, 地块名称: name, 用地性质: landUse, 供应状态: '可供', 所属园区: PARK, 出让价格: 36 },
    geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] },
  };
}

describe('the back office', () => {
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

  test("an officer edits a plot's price in the form and finds it in the search list", async () => {
    const officer = server.createToken('officer', '价格专员', [PARK]);
    const { id, code } = await plotOfPark();
    const version = (await getJson(`/api/plots/${id}`)).properties.version;
    const page = await signedIn(officer, `${WENJIANG}&park=${PARK}&sel=plots/${id}`);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) [data-testid=card-edit-attrs]');
    await page.click('[data-testid=card-edit-attrs]');
    await page.waitForSelector('[data-testid=site-form] [data-testid=site-field-price_wan_per_mu]');

    // A bad value is refused next to its field, before anything is sent.
    await page.fill('[data-testid=site-field-price_wan_per_mu]', '-5');
    await page.fill('[data-testid=site-form-note]', '挂牌价调整');
    await page.click('[data-testid=site-form-save]');
    await page.waitForFunction(() => document.querySelector('[data-testid=site-form-error-price_wan_per_mu]')?.textContent);
    assert.equal((await getJson(`/api/plots/${id}`)).properties.version, version, 'nothing was written');

    await page.fill('[data-testid=site-field-price_wan_per_mu]', '88.8');
    await page.fill('[data-testid=site-field-contact]', '王先生 028-88888888');
    await page.screenshot({ path: artifact('office-site-form.png') });
    await page.click('[data-testid=site-form-save]');
    await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=site-form-message]')?.textContent ?? ''), null, { timeout: 10_000 });
    const saved = await getJson(`/api/plots/${id}`);
    assert.equal(saved.properties.price_wan_per_mu, 88.8);
    assert.equal(saved.properties.contact, '王先生 028-88888888');
    const history = await getJson(`/api/plots/${id}/history`);
    assert.equal(history[0].actor, '价格专员');
    assert.equal(history[0].note, '挂牌价调整');

    // The search list beside the map shows the new price.
    await page.keyboard.press('Escape');
    await page.waitForFunction(
      (plot) => {
        const row = document.querySelector(`[data-testid=result-list] li[data-id="${plot}"]`);
        return row && /88\.8/.test(row.textContent ?? '');
      },
      id,
      { timeout: 10_000 },
    );
    // And the back office's own list finds it by code.
    await openOffice(page, 'sites');
    await page.fill('[data-testid=sites-query]', code);
    await page.waitForFunction((c) => {
      const rows = [...document.querySelectorAll('[data-testid=sites-list] li')];
      return rows.length === 1 && rows[0].dataset.code === c && /88\.8/.test(rows[0].textContent ?? '');
    }, code);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('an admin imports a file: the dry run shows the bad feature, the fixed file is imported and on the map', async () => {
    const page = await signedIn(server.token, `${WENJIANG}&park=${PARK}`);
    await openOffice(page, 'import');
    await page.selectOption('[data-testid=import-layer]', 'plots');
    const bad = { type: 'FeatureCollection', features: [plotFeature('WJ-IMP-01', '导入测试一号地块', '工业用地', [103.866, 30.709]), plotFeature('WJ-IMP-02', '导入测试二号地块', '火山用地', [103.879, 30.709])] };
    await page.setInputFiles('[data-testid=import-file]', { name: 'plots.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bad)) });
    await page.click('[data-testid=import-check]');
    await page.waitForSelector('[data-testid=import-issues]');
    const rows = await page.locator('[data-testid=import-issues] tbody tr').all();
    assert.equal(rows.length, 1, 'one problem');
    const cells = await rows[0].locator('td').allInnerTexts();
    assert.equal(cells[0], '2');
    assert.equal(cells[1], 'WJ-IMP-02');
    assert.equal(cells[2], '用地性质');
    assert.match(cells[3], /火山用地/);
    assert.equal(await page.locator('[data-testid=import-confirm]').isDisabled(), true, 'no import before a clean check');
    await page.screenshot({ path: artifact('office-import-problems.png') });
    const none = await getJson('/api/search?layer=plots&park=WJ-MED&limit=1000');
    assert.ok(!none.features.some((f) => String(f.properties.code).startsWith('WJ-IMP')), 'the dry run wrote nothing');

    // The fixed file, whose second plot leaves its park to the import's defaults: checked, then imported.
    bad.features[1].properties.用地性质 = '一类工业用地';
    delete bad.features[1].properties.所属园区;
    await page.click('[data-testid=office-import] summary');
    await page.fill('[data-testid=import-defaults]', `park=${PARK}`);
    await page.setInputFiles('[data-testid=import-file]', { name: 'plots-fixed.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(bad)) });
    await page.click('[data-testid=import-check]');
    await page.waitForFunction(() => /全部有效/.test(document.querySelector('[data-testid=import-summary]')?.textContent ?? ''));
    await page.click('[data-testid=import-confirm]');
    await page.waitForSelector('[data-testid=import-done]');
    assert.match(await page.locator('[data-testid=import-done]').innerText(), /新增 2 条/);
    await page.keyboard.press('Escape');

    // On the map and in the search list, without a reload.
    await page.waitForFunction(
      () => {
        const list = document.querySelector('[data-testid=result-list]')?.textContent ?? '';
        const drawn = window.siteAtlasMap.queryRenderedFeatures({ layers: ['plots-fill'] }).map((f) => f.properties.code);
        return /导入测试一号地块/.test(list) && /导入测试二号地块/.test(list) && drawn.includes('WJ-IMP-01') && drawn.includes('WJ-IMP-02');
      },
      null,
      { timeout: 15_000 },
    );
    await page.screenshot({ path: artifact('office-import-done.png') });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("an admin sets a park's incentive rules, previews them unsaved, and the card's calculator uses them", async () => {
    const published = (await getJson(`/api/parks/${PARK}/policy`)).rules;
    const page = await signedIn(server.token, WENJIANG);
    await openOffice(page, 'policies');
    await page.selectOption('[data-testid=pe-park]', PARK);
    await page.waitForFunction(() => {
      const list = document.querySelector('[data-testid=pe-rules]');
      return list?.children.length && !/加载中/.test(list.textContent ?? '');
    });
    // Start from no rules, whatever the park had.
    while (await page.locator('[data-testid=pe-0-remove]').count()) await page.click('[data-testid=pe-0-remove]');

    await page.click('[data-testid=pe-add]');
    await page.fill('[data-testid=pe-0-name]', '新增就业补贴');
    await page.fill('[data-testid=pe-0-id]', 'jobs');
    await page.selectOption('[data-testid=pe-0-kind]', 'per_job_subsidy');
    await page.fill('[data-testid=pe-0-yuanPerJob]', '-1');
    await page.click('[data-testid=pe-add]');
    await page.fill('[data-testid=pe-1-name]', '投资奖励');
    await page.fill('[data-testid=pe-1-id]', 'invest');
    await page.selectOption('[data-testid=pe-1-kind]', 'investment_share');
    await page.fill('[data-testid=pe-1-sharePct]', '2');
    await page.fill('[data-testid=pe-1-minInvestment]', '500');
    await page.click('[data-testid=pe-add]');
    await page.fill('[data-testid=pe-2-name]', '税收贡献奖励');
    await page.fill('[data-testid=pe-2-id]', 'tax');
    await page.selectOption('[data-testid=pe-2-kind]', 'tax_reward');
    await page.fill('[data-testid=pe-2-sharePct]', '10');
    await page.fill('[data-testid=pe-2-years]', '11');
    await page.fill('[data-testid=pe-2-source]', '《温江区促进产业发展若干政策》第五条');

    // A bad value is shown next to its field, and nothing is saved.
    await page.click('[data-testid=pe-save]');
    await page.waitForFunction(() => document.querySelector('[data-testid="pe-0-yuanPerJob-error"]')?.textContent);
    assert.match(await page.locator('[data-testid="pe-2-years-error"]').innerText(), /1 至 10/);
    assert.deepEqual((await getJson(`/api/parks/${PARK}/policy`)).rules, published);
    await page.fill('[data-testid=pe-0-yuanPerJob]', '5000');
    await page.fill('[data-testid=pe-2-years]', '2');

    // Reorder: the investment rule first.
    await page.click('[data-testid=pe-1-up]');
    assert.equal(await page.locator('[data-testid=pe-0-id]').inputValue(), 'invest');

    // 预览测算 with the rules in the form, before saving: 10 jobs x 5000 元
    // + 2 % of 1000 万元 + 10 % of 100 万元 tax for 2 years = 5 + 20 + 20.
    await page.waitForFunction(() => document.querySelector('[data-testid=pe-site] option')?.value.includes('/'));
    await page.fill('[data-testid=pe-plan-investment_wan]', '1000');
    await page.fill('[data-testid=pe-plan-jobs]', '10');
    await page.fill('[data-testid=pe-plan-expected_tax_wan]', '100');
    await page.click('[data-testid=pe-preview]');
    await page.waitForSelector('[data-testid=pe-preview-result] [data-testid=policy-total]');
    assert.equal(Number(await page.locator('[data-testid=pe-preview-result] [data-testid=policy-total]').getAttribute('data-total')), 45);
    assert.match(await page.locator('[data-testid=pe-preview-result]').innerText(), /依据：《温江区促进产业发展若干政策》第五条/);
    assert.deepEqual((await getJson(`/api/parks/${PARK}/policy`)).rules, published, 'the preview saved nothing');
    await page.screenshot({ path: artifact('office-policies.png'), fullPage: true });

    await page.click('[data-testid=pe-save]');
    await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=pe-message]')?.textContent ?? ''));
    const stored = await getJson(`/api/parks/${PARK}/policy`);
    assert.deepEqual(
      stored.rules.map((r) => r.id),
      ['invest', 'jobs', 'tax'],
    );

    // The calculator on a plot's card uses the saved rules.
    await page.keyboard.press('Escape');
    const { id } = await plotOfPark();
    const card = await browser.newPage();
    await card.goto(`${server.base}/${WENJIANG}&sel=plots/${id}`);
    await card.waitForSelector('[data-testid=policy-form]');
    await card.fill('[data-testid=policy-investment_wan]', '1000');
    await card.fill('[data-testid=policy-jobs]', '10');
    await card.fill('[data-testid=policy-expected_tax_wan]', '100');
    await card.click('[data-testid=policy-submit]');
    await card.waitForSelector('[data-testid=policy-result] [data-testid=policy-total]');
    assert.equal(Number(await card.locator('[data-testid=policy-total]').getAttribute('data-total')), 45);
    assert.match(await card.locator('[data-testid=policy-result]').innerText(), /新增就业补贴/);
    await card.close();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('rules of a kind the editor does not know, and keys it does not edit, are saved as they came', async () => {
    const page = await signedIn(server.token, WENJIANG);
    const stored = {
      park: PARK,
      rules: [
        { id: 'future', name: '未来的政策', kind: 'output_reward', steps: [{ min_output_wan: 10000, reward_pct: 1 }], source: '温江区政策文件' },
        { id: 'jobs', name: '就业补贴', kind: 'per_job_subsidy', yuan_per_job: 1000, source: '人社局通知' },
      ],
    };
    let sent = null;
    // No server knows this kind yet: the test stands in for one that does.
    await page.route(`**/api/parks/${PARK}/policy`, async (route) => {
      if (route.request().method() === 'PUT') {
        sent = JSON.parse(route.request().postData());
        await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(sent) });
      } else {
        await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(stored) });
      }
    });
    await openOffice(page, 'policies');
    await page.selectOption('[data-testid=pe-park]', PARK);
    await page.waitForSelector('[data-testid=pe-1-yuanPerJob]');
    assert.match(await page.locator('[data-testid=pe-rule-0]').innerText(), /output_reward/);
    await page.fill('[data-testid=pe-1-yuanPerJob]', '2000');
    await page.click('[data-testid=pe-save]');
    await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=pe-message]')?.textContent ?? ''));
    assert.deepEqual(sent.rules[0], stored.rules[0], 'the unknown kind is sent back unchanged');
    assert.deepEqual(sent.rules[1], { ...stored.rules[1], yuan_per_job: 2000 }, 'an unedited key stays');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("an admin creates an officer's token, the officer signs in with it, the admin revokes it and it is refused", async () => {
    const admin = await signedIn(server.token, WENJIANG);
    admin.on('dialog', (d) => void d.accept());
    await openOffice(admin, 'accounts');
    await admin.fill('[data-testid=acc-name]', '新来的专员');
    await admin.selectOption('[data-testid=acc-role]', 'officer');
    // An officer without a park is refused next to the parks.
    await admin.click('[data-testid=acc-create]');
    await admin.waitForFunction(() => document.querySelector('[data-testid=acc-parks-error]')?.textContent);
    await admin.check(`[data-testid=acc-park-${PARK}]`);
    await admin.click('[data-testid=acc-create]');
    await admin.waitForSelector('[data-testid=acc-token]');
    const token = await admin.locator('[data-testid=acc-token]').inputValue();
    assert.match(token, /^sa_[0-9a-f]{64}$/);
    await admin.waitForFunction(() => /新来的专员/.test(document.querySelector('[data-testid=acc-list]')?.textContent ?? ''));
    assert.match(await admin.locator('[data-testid=acc-list]').innerText(), /当前登录/, 'the token in hand is marked, not offered for revoking');
    await admin.screenshot({ path: artifact('office-accounts.png') });

    // The officer signs in with it and may edit the park's plots.
    const { id } = await plotOfPark();
    const officer = await signedIn(token, `${WENJIANG}&sel=plots/${id}`);
    assert.match(await officer.locator('[data-testid=signin-who]').innerText(), /新来的专员/);
    await officer.waitForSelector('[data-testid=card-edit-attrs]');

    // Revoked: the session ends and the token no longer signs in.
    const tokens = await (await fetch(`${server.base}/api/admin/tokens`, { headers: { Authorization: `Bearer ${server.token}` } })).json();
    const created = tokens.find((t) => t.name === '新来的专员');
    await admin.click(`[data-testid=acc-revoke-${created.id}]`);
    await admin.waitForFunction((tid) => /已吊销/.test(document.querySelector(`[data-testid=acc-state-${tid}]`)?.textContent ?? ''), created.id);
    const session = await officer.evaluate(() => fetch('api/session').then((r) => r.json()));
    assert.equal(session.signed_in, false, 'the revoked token ended the session');
    const again = await browser.newContext({ viewport: DESKTOP });
    const page = await again.newPage();
    await page.goto(`${server.base}/${WENJIANG}`);
    await page.waitForFunction(() => window.siteAtlasMap?.loaded(), null, { timeout: 30_000 });
    await signIn(page, token);
    await page.waitForFunction(() => /无效/.test(document.querySelector('[data-testid=signin-message]')?.textContent ?? ''));
    assert.equal(await page.locator('[data-testid=signin-who]').count(), 0);
    assert.deepEqual(admin.errors, []);
    await again.close();
    await officer.context().close();
    await admin.context().close();
  });

  test('on a phone the back office can be used: the attribute form and the accounts', async () => {
    const { id } = await plotOfPark();
    const page = await signedIn(server.token, `${WENJIANG}&sel=plots/${id}`, PHONE);
    await openOffice(page, 'sites');
    await page.waitForSelector('[data-testid=sites-list] li');
    await page.screenshot({ path: artifact('office-phone-sites.png') });
    await page.locator('[data-testid=sites-list] li button').first().click();
    await page.waitForSelector('[data-testid=site-form] [data-testid=site-field-name]');
    const width = await page.evaluate(() => document.querySelector('[data-testid=site-form]').scrollWidth);
    assert.ok(width <= PHONE.width, `the form fits the phone (${width}px)`);
    await page.screenshot({ path: artifact('office-phone-form.png') });
    await page.keyboard.press('Escape');
    await page.click('[data-testid=office-tab-accounts]');
    await page.waitForSelector('[data-testid=acc-form]');
    await page.screenshot({ path: artifact('office-phone-accounts.png') });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

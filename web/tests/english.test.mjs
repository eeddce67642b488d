// English mode: no Chinese on the main screens outside data values (names of
// parks, plots, factories, places and incentive rules are data), and units as
// an English reader writes them. Desktop and phone; screenshots in test-artifacts/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, launchBrowser, openApp, startServer } from './helpers.mjs';

const WENJIANG = '#map=14.6/30.7105/103.874/0/0';
const CJK = /[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+/g;

let server;
let browser;
/** Every string value the data holds, which may show in Chinese whatever the language. */
const data = new Set();

async function api(path, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${server.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: await r.json().catch(() => null) };
}

function collect(value) {
  if (typeof value === 'string') data.add(value);
  else if (Array.isArray(value)) value.forEach(collect);
  else if (value && typeof value === 'object') Object.values(value).forEach(collect);
}

/** Chinese on the page (text, placeholders, titles, labels) that is not a data value. */
async function chineseOutsideData(page, root = 'body') {
  const texts = await page.evaluate((sel) => {
    // innerText of the live element, without what is marked as Chinese.
    const visibleText = (el) => {
      const hidden = [...el.querySelectorAll('[lang^=zh]')];
      const saved = hidden.map((e) => e.style.display);
      hidden.forEach((e) => (e.style.display = 'none'));
      const text = el.innerText;
      hidden.forEach((e, i) => (e.style.display = saved[i]));
      return text;
    };
    const out = [];
    for (const scope of document.querySelectorAll(sel)) {
      // Text marked as Chinese (the brand's Chinese name, the switch to Chinese) is meant so.
      out.push(visibleText(scope));
      for (const el of scope.querySelectorAll('[placeholder],[title],[aria-label]')) {
        if (el.closest('[hidden]') || el.closest('[lang^=zh]') || el.getClientRects().length === 0) continue;
        for (const a of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
      }
    }
    return out;
  }, root);
  const values = [...data];
  const leaks = [];
  for (const text of texts) {
    for (const line of text.split('\n')) {
      for (const run of line.match(CJK) ?? []) {
        if (!values.some((v) => v.includes(run))) leaks.push(`${run}  (in "${line.trim().slice(0, 80)}")`);
      }
    }
  }
  return leaks;
}

describe('English mode', () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    for (const layer of ['parks', 'plots', 'factories', 'pois']) {
      const r = await api(`/api/search?layer=${layer}&limit=1000`);
      for (const f of r.json.features) collect(f.properties);
    }
    const plot = (await api('/api/plots/1')).json;
    const rules = {
      park: plot.properties.park,
      rules: [
        { id: 'land', name: '土地出让价格优惠', kind: 'land_price_discount', steps: [{ min_investment_intensity_wan_per_mu: 300, discount_pct: 10 }, { min_investment_intensity_wan_per_mu: 500, discount_pct: 20 }] },
        { id: 'jobs', name: '新增就业补贴', kind: 'per_job_subsidy', yuan_per_job: 5000, cap_wan: 50 },
        { id: 'invest', name: '固定资产投资奖励', kind: 'investment_share', share_pct: 2, min_investment_wan: 50000, cap_wan: 500 },
        { id: 'rent', name: '厂房租金减免', kind: 'rent_free_months', steps: [{ min_tax_per_mu_wan: 10, months: 6 }] },
      ],
    };
    const put = await api(`/api/parks/${rules.park}/policy`, { method: 'PUT', body: rules, token: server.token });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    collect(rules.rules.map((r) => r.name));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [device, viewport] of [['desktop', { width: 1440, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    test(`${device}: map panel, card, incentives, lead form, match form and sign-in have no Chinese outside data`, async () => {
      const page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/1&lang=en`, viewport);
      await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
      await page.waitForSelector('[data-testid=policy-form]');
      assert.deepEqual(await chineseOutsideData(page, '[data-testid=feature-card]'), [], 'card');

      // Units: yuan as English readers write them.
      const card = await page.locator('[data-testid=feature-card]').innerText();
      assert.match(card, /¥\d[\d,.]*k\/mu/, 'a land price as ¥…k/mu');
      assert.doesNotMatch(card, /10k CNY/);

      // Incentives, with every explanation in English.
      await page.fill('[data-testid=policy-investment_wan]', '30000');
      await page.fill('[data-testid=policy-expected_tax_wan]', '1800');
      await page.fill('[data-testid=policy-jobs]', '150');
      await page.click('[data-testid=policy-submit]');
      await page.waitForSelector('[data-testid=policy-total]');
      const policy = await page.locator('[data-testid=card-policy]').innerText();
      assert.match(policy, /Total about ¥[\d,.]+[kM]?/);
      assert.doesNotMatch(policy, /× 10k CNY|10k CNY/);
      assert.deepEqual(await chineseOutsideData(page, '[data-testid=card-policy]'), [], 'incentives');

      // The lead form.
      await page.click('[data-testid=lead-open]');
      await page.waitForSelector('[data-testid=lead-form]');
      assert.deepEqual(await chineseOutsideData(page, '[data-testid=card-lead]'), [], 'lead form');
      await page.locator('[data-testid=feature-card]').screenshot({ path: artifact(`english-card-${device}.png`) });

      // The panel: filters, results, legend, and the match form with its results.
      await page.click('[data-testid=card-close]');
      if (device === 'phone') await page.click('[data-testid=panel-toggle]');
      await page.click('[data-testid=match-open]');
      await page.waitForSelector('[data-testid=match-form] [data-criterion=industries] .chip');
      await page.fill('[data-testid=mt-area_mu-min]', '30');
      await page.fill('[data-testid=mt-price_wan_per_mu-max]', '40');
      await page.click('[data-testid=match-submit]');
      await page.waitForSelector('[data-testid=match-results] li.match-result');
      assert.match(await page.locator('[data-testid=match-results]').innerText(), /wanted ≤ ¥400k\/mu/, 'the wanted price written as the site\'s');
      assert.deepEqual(await chineseOutsideData(page), [], 'map panel and match results');
      await page.screenshot({ path: artifact(`english-panel-${device}.png`) });

      // Sign-in.
      await page.click('[data-testid=signin-open]');
      await page.waitForSelector('[data-testid=signin-dialog][open]');
      assert.deepEqual(await chineseOutsideData(page, '[data-testid=signin-dialog]'), [], 'sign-in');
      await page.screenshot({ path: artifact(`english-signin-${device}.png`) });
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }

  test('switching language relabels sign-in; the factories tab too has no Chinese outside data', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    assert.equal(await page.locator('[data-testid=signin-open]').innerText(), '登录');
    await page.click('[data-testid=lang-switch]');
    await page.waitForFunction(() => document.querySelector('[data-testid=signin-open]')?.textContent === 'Sign in');
    await page.click('[data-testid=signin-open]');
    assert.match(await page.locator('[data-testid=signin-dialog]').innerText(), /Staff sign-in/);
    await page.keyboard.press('Escape');
    await page.click('text=Factories');
    await page.waitForTimeout(500);
    assert.deepEqual(await chineseOutsideData(page), [], 'factories tab');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

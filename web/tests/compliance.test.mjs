// Standard-land compliance in the browser: the policy calculator and the
// match results show each indicator the plot sets with ✓ or ✗, planned
// against required, and what is missing; the figures are the API's.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, serverAndBrowser } from './helpers.mjs';

const WENJIANG = '#map=14.6/30.7105/103.874/0/0';
const DEVICES = [
  ['desktop', { width: 1440, height: 900 }],
  ['phone', { width: 390, height: 844 }],
];

let server;
let browser;

async function api(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const r = await fetch(`${server.base}${path}`, init);
  return { status: r.status, json: await r.json() };
}

/** A number as the Chinese page writes it. */
const zh = (v) => v.toLocaleString('zh-CN', { maximumFractionDigits: 2 });

/** The demo's standard-land plot WJ2026-01 (投资强度 ≥ 450 万元/亩, 亩均能耗 ≤ 1.2). */
async function standardPlot() {
  const feature = (await api('/api/plots/1')).json;
  const p = feature.properties;
  assert.equal(p.code, 'WJ2026-01');
  assert.equal(p.investment_intensity_wan_per_mu, 450);
  assert.equal(p.energy_per_mu_tce_max, 1.2);
  return { id: feature.id, mu: p.area_mu, m2: p.area_m2 };
}

describe('standard-land compliance', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  for (const [device, viewport] of DEVICES) {
    test(`the calculator marks a plan that misses investment intensity ✗ with the shortfall, then ✓ once it meets it (${device})`, async () => {
      const plot = await standardPlot();
      const page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/${plot.id}`, viewport);
      await page.waitForSelector('[data-testid=policy-form]');
      // 400 万元/亩 of the 450 required; tax, plot ratio and energy within their bounds.
      const plan = {
        investment_wan: Math.round(400 * plot.mu),
        expected_tax_wan: Math.round(40 * plot.mu),
        floor_area_m2: Math.round(2 * plot.m2),
        energy_tce: Math.round(plot.mu),
      };
      await page.fill('[data-testid=policy-investment_wan]', String(plan.investment_wan));
      await page.fill('[data-testid=policy-expected_tax_wan]', String(plan.expected_tax_wan));
      await page.fill('[data-testid=comp_floor_area]', String(plan.floor_area_m2));
      await page.fill('[data-testid=comp_energy]', String(plan.energy_tce));
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/policy/estimate'));
      await page.click('[data-testid=policy-submit]');
      assert.deepEqual((await sent).postDataJSON().plan, plan, 'the form sends the figures typed');
      await page.waitForSelector('[data-testid=comp_block]');

      const answer = (await api('/api/policy/estimate', { site: { layer: 'plots', id: plot.id }, plan })).json;
      const intensity = answer.compliance.find((c) => c.indicator === 'investment_intensity');
      assert.equal(intensity.pass, false);
      assert.ok(intensity.shortfall > 40 && intensity.shortfall < 60, JSON.stringify(intensity));
      const item = page.locator('[data-testid=comp_investment_intensity]');
      assert.equal(await item.getAttribute('data-pass'), 'false');
      assert.equal(await item.locator('.comp_icon').innerText(), '✗');
      const text = await item.innerText();
      assert.match(text, /投资强度/);
      assert.ok(text.includes(`计划 ${zh(intensity.planned)} 万元/亩`), text);
      assert.ok(text.includes('要求 ≥ 450 万元/亩'), text);
      assert.ok(text.includes(`差 ${zh(intensity.shortfall)} 万元/亩`), text);
      assert.equal(await page.locator('[data-testid=comp_verdict]').innerText(), '不符合标准地要求');
      // Every indicator the plot sets is listed, as the API lists them.
      const shown = await page.locator('.comp_item').evaluateAll((lis) => lis.map((li) => [li.dataset.indicator, li.dataset.pass]));
      assert.deepEqual(shown, answer.compliance.map((c) => [c.indicator, String(c.pass)]));
      for (const other of ['tax_per_mu', 'plot_ratio', 'energy_per_mu']) {
        assert.equal(await page.locator(`[data-testid=comp_${other}] .comp_icon`).innerText(), '✓', other);
      }
      assert.equal(await page.locator('[data-testid=comp_energy_per_mu]').innerText().then((t) => t.includes('吨标准煤/亩/年')), true);
      const section = page.locator('[data-testid=card-policy]');
      const overflow = await section.evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.ok(overflow <= 1, `the checks fit the card (${overflow} px too wide)`);
      await page.locator('[data-testid=comp_block]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`compliance-fail-${device}.png`) });

      // 460 万元/亩 meets the 450.
      await page.fill('[data-testid=policy-investment_wan]', String(Math.round(460 * plot.mu)));
      await page.click('[data-testid=policy-submit]');
      await page.waitForSelector('[data-testid=comp_investment_intensity][data-pass=true]');
      assert.equal(await item.locator('.comp_icon').innerText(), '✓');
      assert.equal(await item.locator('[data-testid=comp_shortfall]').count(), 0);
      assert.equal(await page.locator('[data-testid=comp_verdict]').innerText(), '符合标准地要求');
      await page.locator('[data-testid=comp_block]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`compliance-pass-${device}.png`) });
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }

  test('match results with a project show each plot’s checks, and a failing plot is still listed, lower', async () => {
    for (const [device, viewport] of DEVICES) {
      const page = await openApp(browser.context, server.base, WENJIANG, viewport);
      if (device === 'phone') await page.click('[data-testid=panel-toggle]');
      await page.click('[data-testid=match-open]');
      await page.waitForSelector('[data-testid=comp_plan]');
      await page.fill('[data-testid=comp_plan_investment_wan]', '20000');
      await page.fill('[data-testid=comp_plan_energy_tce]', '40');
      await page.locator('[data-testid=comp_plan]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`compliance-match-form-${device}.png`) });
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/match') && r.method() === 'POST');
      await page.click('[data-testid=match-submit]');
      const request = (await sent).postDataJSON();
      assert.deepEqual(request.plan, { investment_wan: 20000, energy_tce: 40 });
      await page.waitForSelector('[data-testid=match-results] li.match-result');
      const answer = (await api('/api/match', request)).json;
      const shown = await page.locator('li.match-result').evaluateAll((lis) => lis.map((li) => [Number(li.dataset.id), Number(li.dataset.score)]));
      assert.deepEqual(shown, answer.results.map((r) => [r.id, r.score]));
      const failing = answer.results.findIndex((r) => r.compliant === false);
      assert.ok(failing >= 0, 'some demo plot misses 450 万元/亩 at 20 000 万元');
      const row = page.locator('li.match-result').nth(failing);
      const check = answer.results[failing].compliance.find((c) => c.pass === false);
      const item = row.locator(`[data-testid=comp_${check.indicator}]`);
      assert.equal(await item.locator('.comp_icon').innerText(), '✗');
      assert.ok((await item.innerText()).includes(zh(check.shortfall)), await item.innerText());
      assert.equal(await row.locator('li.reason[data-field=compliance]').count(), 1, 'compliance is one of the reasons');
      await row.scrollIntoViewIfNeeded();
      await row.locator('[data-testid=comp_block]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: artifact(`compliance-match-${device}.png`) });
      const wide = await page.locator('li.match-result').evaluateAll((lis) => lis.filter((li) => li.scrollWidth > li.clientWidth + 1).length);
      assert.equal(wide, 0, 'results fit');
      assert.deepEqual(page.errors, []);
      await page.close();
    }
  });
});

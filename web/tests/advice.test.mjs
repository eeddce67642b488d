// End-to-end tests of the investor advice features and the promoters' tools:
// site matching (帮我找地), the policy calculator, the lead form, the inbox and
// the dashboard, in Chromium against a real server. Every figure the page
// shows is checked against the API answering the same question.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, serverAndBrowser } from './helpers.mjs';

const WENJIANG = '#map=14.6/30.7105/103.874/0/0';
const PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">艾克姆生物';

let server;
let browser;

async function api(path, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${server.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, json: text ? JSON.parse(text) : null };
}

describe('advice, leads and the dashboard', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  test('an anonymous page load logs no console error: GET /api/session answers signed_in false', async () => {
    const page = await browser.context.newPage();
    const errors = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const session = page.waitForResponse((r) => r.url().endsWith('/api/session') && r.request().method() === 'GET');
    await page.goto(`${server.base}/${WENJIANG}`);
    const answer = await session;
    assert.equal(answer.status(), 200);
    assert.deepEqual(await answer.json(), { signed_in: false });
    await page.waitForFunction(() => window.siteAtlasMap?.loaded(), null, { timeout: 30_000 });
    await page.waitForSelector('[data-testid=signin-open]');
    assert.equal(await page.locator('[data-testid=inbox-open]').count(), 0, 'not signed in');
    await page.waitForTimeout(500);
    assert.deepEqual(errors, [], 'no console errors on load');
    await page.close();
  });

  test('the match form ranks sites as POST /api/match does, with reasons, and a click selects one', async () => {
    const page = await openApp(browser.context, server.base, WENJIANG);
    await page.click('[data-testid=match-open]');
    await page.waitForSelector('[data-testid=match-form] [data-criterion=industries] .chip');
    await page.fill('[data-testid=mt-area_mu-min]', '30');
    await page.fill('[data-testid=mt-area_mu-max]', '80');
    await page.selectOption('[data-testid=mt-area_mu-weight]', '2');
    await page.fill('[data-testid=mt-price_wan_per_mu-max]', '40');
    await page.click('[data-criterion=industries] .chip[data-value=biomedicine]');
    await page.fill('[data-testid=mt-near_highway_exit-max]', '5');
    await page.check('[data-testid=mt-near_port-hard]');
    assert.equal(await page.locator('[data-testid=mt-near_port-weight]').isDisabled(), true, 'a must-have takes no weight');
    await page.uncheck('[data-testid=mt-near_port-hard]');
    // 现在即可供地 is one switch, on by default: held plots are not asked for.
    assert.equal(await page.locator('[data-testid=mt-available_now-on]').isChecked(), true);

    const expected = {
      layers: ['plots'],
      criteria: [
        { field: 'area_mu', min: 30, max: 80, weight: 2 },
        { field: 'price_wan_per_mu', max: 40 },
        { field: 'industries', any_of: ['biomedicine'] },
        { near: 'highway_exit', max_m: 5000 },
      ],
      limit: 20,
    };
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/match') && r.method() === 'POST');
    await page.click('[data-testid=match-submit]');
    assert.deepEqual((await sent).postDataJSON(), expected, 'the form sends the request it describes');
    await page.waitForSelector('[data-testid=match-results] li.match-result');

    const answer = await api('/api/match', { method: 'POST', body: expected });
    assert.equal(answer.status, 200);
    assert.ok(answer.json.results.length > 0, 'the demo data has matches');
    const shown = await page.locator('li.match-result').evaluateAll((lis) => lis.map((li) => ({ layer: li.dataset.layer, id: Number(li.dataset.id), score: Number(li.dataset.score) })));
    assert.deepEqual(shown, answer.json.results.map((r) => ({ layer: r.layer, id: r.id, score: r.score })), 'same ranking and scores as the API');
    const statuses = await page.locator('li.match-result [data-testid=match-site-status]').evaluateAll((els) => els.map((e) => e.dataset.status));
    assert.deepEqual(statuses, answer.json.results.map(() => 'available'), 'every result shows its status, all on offer now');
    const first = page.locator('li.match-result').first();
    assert.equal(Number(await first.locator('.match-score-value').innerText()), answer.json.results[0].score);
    assert.match(await page.locator('[data-testid=match-status]').innerText(), new RegExp(`共 ${answer.json.total} 处`));

    // Reasons: one per criterion, with the verdict, what was wanted and what the site has.
    const reasons = first.locator('li.reason');
    assert.equal(await reasons.count(), expected.criteria.length);
    const verdicts = await reasons.evaluateAll((lis) => lis.map((li) => li.dataset.verdict));
    assert.deepEqual(verdicts, answer.json.results[0].criteria.map((c) => c.verdict));
    const areaReason = await first.locator('li.reason[data-field=area_mu]').innerText();
    assert.match(areaReason, /面积/);
    assert.match(areaReason, /要求 30 – 80 亩/);
    assert.match(areaReason, new RegExp(`实际 ${answer.json.results[0].criteria[0].actual}`.replace('.', '\\.')));
    assert.match(await first.locator('li.reason[data-field=near]').innerText(), /高速出口[\s\S]*≤ 5 公里/);
    assert.match(await first.locator('li.reason').first().locator('.reason-icon').innerText(), /[✓~✗]/);

    // The matches are outlined on the map.
    const highlighted = await page.evaluate(() => JSON.stringify(window.siteAtlasMap.getFilter('match-plots')));
    for (const r of answer.json.results) assert.ok(JSON.parse(highlighted)[2][2][1].includes(r.id), `plot ${r.id} outlined`);

    // A click selects the site: the card opens and the link says so, and the
    // ranking stays in view rather than the panel scrolling to the ordinary list.
    const scroller = page.locator('.panel-scroll').first();
    await first.scrollIntoViewIfNeeded();
    const scrolledBefore = await scroller.evaluate((el) => el.scrollTop);
    await first.click();
    const { layer, id } = answer.json.results[0];
    await page.waitForFunction((sel) => location.hash.includes(`sel=${sel}`), `${layer}/${id}`);
    await page.waitForSelector('[data-testid=feature-card]:not([hidden]) .card-title');
    assert.equal(await page.locator('[data-testid=feature-card] .card-title').innerText(), answer.json.results[0].name);
    await page.waitForSelector('li.match-result.selected');
    assert.equal(await scroller.evaluate((el) => el.scrollTop), scrolledBefore, 'the panel did not scroll away from the ranking');
    const inView = await page.evaluate(() => {
      const li = document.querySelector('li.match-result.selected').getBoundingClientRect();
      const box = document.querySelector('.panel-scroll').getBoundingClientRect();
      return li.bottom > box.top && li.top < box.bottom;
    });
    assert.ok(inView, 'the selected match is visible in the panel');
    const state = await page.evaluate(([sourceLayer, fid]) => window.siteAtlasMap.getFeatureState({ source: 'siteatlas', sourceLayer, id: fid }), [layer, id]);
    assert.equal(state.selected, true, 'the map selects the site');
    await page.screenshot({ path: artifact('match.png') });

    // An empty form asks for a need rather than sending nothing.
    await page.click('[data-testid=match-reset]');
    await page.click('[data-testid=match-submit]');
    assert.match(await page.locator('[data-testid=match-status]').innerText(), /至少填写一项/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a match never lists a sold site, shows each status, and lists held plots only when asked, marked', async () => {
    // Liangjiang: LJ2026-14 is sold, LJ2026-11 reserved; both are cheap new-energy-vehicle land.
    const codes = Object.fromEntries(
      (await api('/api/search?layer=plots&limit=100&skipGeometry=true')).json.features.map((f) => [f.properties.code, f.properties.status]),
    );
    assert.equal(codes['LJ2026-14'], 'transferred');
    assert.equal(codes['LJ2026-11'], 'reserved');
    const page = await openApp(browser.context, server.base, WENJIANG);
    await page.click('[data-testid=match-open]');
    await page.waitForSelector('[data-testid=match-form] [data-criterion=industries] .chip');
    assert.equal(await page.getByText('现在即可供地', { exact: false }).count(), 1, '现在即可供地 appears once');
    await page.fill('[data-testid=mt-price_wan_per_mu-max]', '40');
    await page.click('[data-testid=match-submit]');
    await page.waitForSelector('li.match-result');
    // Clicking a result further down keeps the ranking in view and selects the site on the map.
    const second = page.locator('li.match-result').nth(1);
    await second.scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate(() => document.querySelector('.panel-scroll').scrollTop);
    await second.click();
    await page.waitForSelector('li.match-result.selected');
    assert.equal(await page.evaluate(() => document.querySelector('.panel-scroll').scrollTop), scrolled, 'the panel stays on the ranking');
    const [layer, fid] = [await second.getAttribute('data-layer'), Number(await second.getAttribute('data-id'))];
    const state = await page.evaluate(([sourceLayer, id]) => window.siteAtlasMap.getFeatureState({ source: 'siteatlas', sourceLayer, id }), [layer, fid]);
    assert.equal(state.selected, true, 'the map selects the site');
    await page.click('[data-criterion=industries] .chip[data-value=new_energy_vehicles]');
    for (const held of [false, true]) {
      if (held) await page.uncheck('[data-testid=mt-available_now-on]');
      const done = await page.locator('[data-testid=match-results]').getAttribute('data-completed');
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/match') && r.method() === 'POST');
      await page.click('[data-testid=match-submit]');
      const body = (await sent).postDataJSON();
      assert.equal(body.include_held, held ? true : undefined);
      await page.waitForFunction((n) => document.querySelector('[data-testid=match-results]').dataset.completed !== n, done);
      const answer = await api('/api/match', { method: 'POST', body });
      const rows = await page.locator('li.match-result').evaluateAll((lis) =>
        lis.map((li) => ({ code: li.querySelector('.result-code').textContent.split(' · ')[0], status: li.dataset.status, shown: li.querySelector('[data-testid=match-site-status]')?.textContent ?? '', held: li.classList.contains('held') })),
      );
      assert.deepEqual(rows.map((r) => r.code), answer.json.results.map((r) => r.code));
      assert.ok(rows.length > 0);
      for (const r of rows) {
        assert.notEqual(r.code, 'LJ2026-14', 'the sold plot is never listed');
        assert.equal(r.status, codes[r.code], `${r.code} shows its status`);
        assert.ok(!['transferred', 'withdrawn'].includes(r.status), `${r.code} is ${r.status}`);
        const text = { available: '可供', reserved: '已预留', negotiating: '洽谈中' }[r.status];
        assert.ok(r.shown.includes(text), `${r.code}: ${r.shown}`);
        assert.equal(r.held, r.status !== 'available');
        if (r.held) assert.match(r.shown, /暂不可供/);
      }
      assert.equal(rows.some((r) => r.code === 'LJ2026-11'), held, 'the reserved plot only when asked');
    }
    // Match cards stay inside their box.
    const overflow = await page.locator('li.match-result').evaluateAll((lis) => lis.filter((li) => li.scrollWidth > li.clientWidth || li.getBoundingClientRect().right > li.parentElement.getBoundingClientRect().right + 0.5).length);
    assert.equal(overflow, 0, 'no match card overflows');
    await page.locator('[data-testid=match]').screenshot({ path: artifact('match-statuses.png') });
    assert.deepEqual(page.errors, []);
    await page.close();

    // On a phone the switch is there once, and on.
    const phone = await openApp(browser.context, server.base, WENJIANG, { width: 360, height: 740 });
    await phone.click('[data-testid=panel-toggle]');
    await phone.click('[data-testid=match-open]');
    await phone.waitForSelector('[data-testid=mt-available_now-on]');
    assert.equal(await phone.getByText('现在即可供地', { exact: false }).count(), 1);
    assert.equal(await phone.locator('[data-testid=mt-available_now-on]').isChecked(), true);
    await phone.fill('[data-testid=mt-price_wan_per_mu-max]', '40');
    await phone.click('[data-testid=match-submit]');
    await phone.waitForSelector('li.match-result');
    const wide = await phone.locator('li.match-result').evaluateAll((lis) => lis.filter((li) => li.getBoundingClientRect().right > 360 || li.scrollWidth > li.clientWidth).length);
    assert.equal(wide, 0, 'match cards fit the phone');
    await phone.close();
  });

  test('the policy calculator says when a park has no incentives, and shows what the API computes once set', async () => {
    const plot = (await api('/api/plots/1')).json;
    const park = plot.properties.park;
    // The demo publishes rules for every park: withdraw this park's first.
    const none = await api(`/api/parks/${park}/policy`, { method: 'PUT', body: { park, rules: [] }, token: server.token });
    assert.equal(none.status, 200, JSON.stringify(none.json));
    let page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/1`);
    await page.waitForSelector('[data-testid=policy-none]');
    assert.match(await page.locator('[data-testid=card-policy]').innerText(), /暂未公布优惠政策/);
    await page.close();

    const rules = {
      park,
      rules: [
        { id: 'land', name: '土地出让价格优惠', kind: 'land_price_discount', steps: [{ min_investment_intensity_wan_per_mu: 300, discount_pct: 10 }, { min_investment_intensity_wan_per_mu: 500, discount_pct: 20 }] },
        { id: 'jobs', name: '新增就业补贴', kind: 'per_job_subsidy', yuan_per_job: 5000, cap_wan: 50 },
        { id: 'invest', name: '固定资产投资奖励', kind: 'investment_share', share_pct: 2, min_investment_wan: 50000, cap_wan: 500 },
      ],
    };
    const put = await api(`/api/parks/${park}/policy`, { method: 'PUT', body: rules, token: server.token });
    assert.equal(put.status, 200, JSON.stringify(put.json));

    page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/1`);
    await page.waitForSelector('[data-testid=policy-form]');
    await page.fill('[data-testid=policy-investment_wan]', '30000');
    await page.fill('[data-testid=policy-expected_tax_wan]', '1800');
    await page.fill('[data-testid=policy-jobs]', '150');
    await page.click('[data-testid=policy-submit]');
    await page.waitForSelector('[data-testid=policy-total]');
    const estimate = await api('/api/policy/estimate', { method: 'POST', body: { site: { layer: 'plots', id: 1 }, plan: { investment_wan: 30000, expected_tax_wan: 1800, jobs: 150 } } });
    assert.equal(estimate.status, 200);
    assert.ok(estimate.json.total_wan > 0, 'the plan earns something');
    assert.equal(Number(await page.locator('[data-testid=policy-total]').getAttribute('data-total')), estimate.json.total_wan);
    const total = estimate.json.total_wan.toLocaleString('zh-CN', { maximumFractionDigits: 2 });
    assert.match(await page.locator('[data-testid=policy-total]').innerText(), new RegExp(`合计约 ${total} 万元`));
    const shownRules = await page.locator('li.policy-rule').evaluateAll((lis) => lis.map((li) => ({ id: li.dataset.rule, amount: Number(li.dataset.amount), text: li.innerText })));
    assert.deepEqual(shownRules.map((r) => [r.id, r.amount]), estimate.json.rules.map((r) => [r.id, r.amount_wan]));
    for (const [i, r] of estimate.json.rules.entries()) assert.ok(shownRules[i].text.includes(r.explanation), `rule ${r.id} explained`);
    await page.locator('[data-testid=card-policy]').screenshot({ path: artifact('policy.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a lead sent from the card reaches the promoter inbox as text; a stage change persists; the dashboard matches /api/stats', async () => {
    const page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/2`);
    await page.waitForSelector('[data-testid=card-lead]');
    await page.click('[data-testid=lead-open]');
    // The honeypot is there for bots, out of sight and out of reach for people.
    const trap = page.locator('[data-testid=lead-website]');
    assert.equal(await trap.getAttribute('tabindex'), '-1');
    assert.equal(await trap.getAttribute('autocomplete'), 'off');
    assert.equal(await page.locator('.lead-trap').getAttribute('aria-hidden'), 'true');
    const box = await trap.boundingBox();
    assert.ok(!box || box.x + box.width < 0, 'the honeypot is off-screen');

    await page.fill('[data-testid=lead-company]', PAYLOAD);
    await page.fill('[data-testid=lead-contact]', '王经理 13800000000');
    await page.fill('[data-testid=lead-needs]', '中试车间，约 50 亩');
    // The consent line links to the privacy notice, which the app serves, Chinese first.
    const consentLine = page.locator('[data-testid=lead-consent-line]');
    assert.ok(await consentLine.isVisible());
    assert.match(await consentLine.innerText(), /我已阅读并同意《个人信息保护说明》/);
    const href = await page.locator('[data-testid=lead-privacy-link]').getAttribute('href');
    const notice = await fetch(new URL(href, `${server.base}/`));
    assert.equal(notice.status, 200);
    const noticeText = await notice.text();
    assert.match(noticeText, /<html lang="zh-CN">/);
    assert.ok(noticeText.indexOf('个人信息保护说明') < noticeText.indexOf('Privacy notice'), 'Chinese first');
    // Without consent the form is not sent.
    let posted = 0;
    const countPosts = (r) => {
      if (r.url().endsWith('/api/leads') && r.method() === 'POST') posted += 1;
    };
    page.on('request', countPosts);
    await page.click('[data-testid=lead-submit]');
    await page.waitForFunction(() => /个人信息保护说明/.test(document.querySelector('[data-testid=lead-message]')?.textContent ?? ''));
    assert.equal(posted, 0, 'nothing sent without consent');
    page.off('request', countPosts);
    await page.check('[data-testid=lead-consent]');
    const sentLead = page.waitForRequest((r) => r.url().endsWith('/api/leads') && r.method() === 'POST');
    await page.click('[data-testid=lead-submit]');
    assert.equal((await sentLead).postDataJSON().consent, true, 'the lead carries the consent');
    await page.waitForFunction(() => /已收到/.test(document.querySelector('[data-testid=lead-message]')?.textContent ?? ''));

    // A promoter signs in through the app's dialog and sees the lead, as text.
    const promoter = server.createToken('promoter', '招商小李', []);
    assert.equal(await page.locator('[data-testid=inbox-open]').count(), 0, 'no inbox before signing in');
    await page.click('[data-testid=signin-open]');
    await page.fill('[data-testid=signin-token]', promoter);
    await page.click('[data-testid=signin-submit]');
    await page.waitForSelector('[data-testid=inbox-open]');
    await page.click('[data-testid=inbox-open]');
    await page.waitForSelector('[data-testid=inbox-lead]');
    const lead = page.locator('[data-testid=inbox-lead]').first();
    assert.equal(await lead.locator('[data-testid=lead-company-text]').innerText(), PAYLOAD);
    assert.equal(await page.locator('[data-testid=inbox] script, [data-testid=inbox] img').count(), 0, 'no element made from the company name');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.match(await lead.innerText(), /王经理 13800000000/);
    assert.match(await lead.locator('[data-testid=lead-site]').innerText(), /WJ/);
    const id = Number(await lead.getAttribute('data-id'));

    await lead.locator('[data-testid=lead-stage]').selectOption('contacted');
    await lead.locator('[data-testid=lead-assignee]').fill('李四');
    await lead.locator('[data-testid=lead-note]').fill('已电话联系，约下周看地');
    await lead.locator('[data-testid=lead-save]').click();
    await page.waitForFunction(() => /已保存/.test(document.querySelector('[data-testid=lead-save-message]')?.textContent ?? ''));
    const saved = await api(`/api/leads/${id}`, { token: promoter });
    assert.equal(saved.status, 200);
    assert.equal(saved.json.status, 'contacted');
    assert.equal(saved.json.assignee, '李四');
    assert.equal(saved.json.company, PAYLOAD);
    assert.equal(saved.json.consent, true, 'the consent is stored with the lead');
    assert.equal(saved.json.history[0].note, '已电话联系，约下周看地');
    await lead.locator('.inbox-history-details summary').click();
    await page.waitForFunction(() => /已联系/.test(document.querySelector('[data-testid=lead-history]')?.textContent ?? ''));
    await page.screenshot({ path: artifact('inbox.png') });
    await page.keyboard.press('Escape');

    // The dashboard's figures are the API's for the same period.
    await page.click('[data-testid=dash-open]');
    await page.waitForSelector('[data-testid=stat-card_view]');
    const from = await page.inputValue('[data-testid=dash-from]');
    const to = await page.inputValue('[data-testid=dash-to]');
    const stats = await api(`/api/stats?from=${from}&to=${to}`, { token: promoter });
    assert.equal(stats.status, 200);
    for (const [kind, n] of Object.entries(stats.json.totals)) {
      assert.equal(Number(await page.locator(`[data-testid=stat-${kind}]`).getAttribute('data-value')), n, `${kind} total`);
    }
    assert.ok(stats.json.totals.card_view > 0 && stats.json.totals.lead >= 1);
    const funnel = await page.locator('[data-testid=dash-funnel] li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.value)));
    assert.deepEqual(funnel, [stats.json.funnel.card_views, stats.json.funnel.leads, stats.json.funnel.signed]);
    const bars = await page.locator('[data-testid=dash-weekly] rect').evaluateAll((rs) => rs.map((r) => [r.dataset.week, r.dataset.park, Number(r.dataset.views)]));
    assert.deepEqual(bars.sort(), stats.json.weekly_views_by_park.filter((w) => w.views > 0).map((w) => [w.week, w.park, w.views]).sort());
    const top = await page.locator('[data-testid=dash-top] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.layer, Number(tr.dataset.id), Number(tr.querySelector('[data-col=views]').textContent), Number(tr.querySelector('[data-col=leads]').textContent)]));
    assert.deepEqual(top, stats.json.top_sites.map((s) => [s.layer, s.id, s.views, s.leads]));
    await page.screenshot({ path: artifact('dashboard.png') });
    await page.keyboard.press('Escape');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('too many enquiries from one contact are told to wait, in minutes', async () => {
    // Use up the contact's allowance (3 per 10 minutes) through the API.
    let refused = null;
    for (let i = 0; i < 4; i++) {
      const r = await api('/api/leads', { method: 'POST', body: { company: `测试${i}`, contact: '010-1234-5678', website: '', consent: true } });
      if (r.status === 429) refused = r;
    }
    assert.ok(refused, 'the fourth enquiry is refused');
    const minutes = Math.ceil(Number(refused.headers.get('retry-after')) / 60);
    assert.ok(minutes >= 9 && minutes <= 10, `Retry-After ${refused.headers.get('retry-after')}`);
    const page = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/3`);
    await page.waitForSelector('[data-testid=card-lead]');
    await page.click('[data-testid=lead-open]');
    await page.fill('[data-testid=lead-company]', '某公司');
    await page.fill('[data-testid=lead-contact]', '李女士 010 1234 5678');
    await page.check('[data-testid=lead-consent]');
    await page.click('[data-testid=lead-submit]');
    await page.waitForFunction(() => /过于频繁/.test(document.querySelector('[data-testid=lead-message]')?.textContent ?? ''));
    const text = await page.locator('[data-testid=lead-message]').innerText();
    const shown = Number(/请 (\d+) 分钟后再试/.exec(text)?.[1]);
    assert.ok(shown >= minutes - 1 && shown <= minutes, `the wait in whole minutes: ${text}`);
    assert.doesNotMatch(text, /秒/);
    await page.close();

    // In English, the same wait.
    const en = await openApp(browser.context, server.base, `${WENJIANG}&sel=plots/3&lang=en`);
    await en.waitForSelector('[data-testid=card-lead]');
    await en.click('[data-testid=lead-open]');
    assert.match(await en.locator('[data-testid=lead-consent-line]').innerText(), /privacy notice/);
    await en.fill('[data-testid=lead-company]', 'Some Co.');
    await en.fill('[data-testid=lead-contact]', '010-1234-5678');
    await en.check('[data-testid=lead-consent]');
    await en.click('[data-testid=lead-submit]');
    await en.waitForFunction(() => /Please try again in \d+ minutes?\./.test(document.querySelector('[data-testid=lead-message]')?.textContent ?? ''));
    await en.close();
  });
});

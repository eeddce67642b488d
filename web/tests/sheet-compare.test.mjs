// The site sheet from the card, and comparing sites side by side: the tray,
// the refusal of a fifth site, the table against the API, the same table from
// the link after a reload, and the table on a phone.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifact, closeAll, openApp, serverAndBrowser } from './helpers.mjs';

const PHONE = { width: 390, height: 844 };

let server;
let browser;

async function getJson(path) {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path} answered ${r.status}`);
  return r.json();
}

/** Opens a site's card in the running app, keeping the rest of the link (the comparison). */
async function select(page, layer, id) {
  await page.evaluate(([l, i]) => {
    const p = new URLSearchParams(location.hash.slice(1));
    p.set('sel', `${l}/${i}`);
    location.hash = p.toString();
  }, [layer, id]);
  await page.locator(`[data-testid=feature-card] [data-testid=cmp-add]`).waitFor();
  await page.waitForFunction((code) => document.querySelector('.card-subtitle')?.textContent?.includes(code), await codeOf(layer, id));
}

const codes = new Map();
async function codeOf(layer, id) {
  if (!codes.has(`${layer}/${id}`)) codes.set(`${layer}/${id}`, (await getJson(`/api/${layer}/${id}`)).properties.code);
  return codes.get(`${layer}/${id}`);
}

/** The comparison table as text, row by row. */
function tableText(page) {
  return page.locator('[data-testid=cmp-table] tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim()).join(' | ')));
}

const zhNumber = (n, digits) => n.toLocaleString('zh-CN', { maximumFractionDigits: digits });

describe('Site sheet and comparison', () => {
  before(async () => ({ server, browser } = await serverAndBrowser()));
  after(() => closeAll(browser, server));

  test('the card downloads the site sheet, which names the site', async () => {
    const plots = await getJson('/api/search?layer=plots&limit=1&skipGeometry=true');
    const plot = plots.features[0];
    const page = await openApp(browser.context, server.base, `#sel=plots/${plot.id}`);
    const button = page.locator('[data-testid=feature-card] [data-testid=sheet-download]');
    await button.waitFor();
    assert.equal(await button.textContent(), '打印推介书');
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    const dir = mkdtempSync(join(tmpdir(), 'siteatlas-sheet-'));
    try {
      const file = join(dir, 'sheet.pdf');
      await download.saveAs(file);
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      assert.ok(text.includes(plot.properties.code), text);
      assert.ok(text.replace(/\s/g, '').includes(String(plot.properties.name).replace(/\s/g, '')), text);
      assert.ok(text.includes('地块推介书'), text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('three sites compared: figures as the API gives them, the best marked, the same table from the link', async () => {
    const plots = (await getJson('/api/search?layer=plots&limit=100&skipGeometry=true')).features;
    // Two plots of different prices, so one of them is the cheaper.
    const [a, b] = plots.filter((f) => typeof f.properties.price_wan_per_mu === 'number');
    const pricedB = plots.find((f) => typeof f.properties.price_wan_per_mu === 'number' && f.properties.price_wan_per_mu !== a.properties.price_wan_per_mu) ?? b;
    const factory = (await getJson('/api/search?layer=factories&limit=5&skipGeometry=true')).features[0];
    const extra = plots.filter((f) => f.id !== a.id && f.id !== pricedB.id).slice(0, 2);
    const page = await openApp(browser.context, server.base, `#sel=plots/${a.id}`);
    const chosen = [['plots', a.id], ['plots', pricedB.id], ['factories', factory.id]];
    for (const [layer, id] of chosen) {
      await select(page, layer, id);
      await page.locator('[data-testid=feature-card] [data-testid=cmp-add]').click();
      await page.waitForFunction((c) => document.querySelectorAll('[data-testid=cmp-chip]').length === c, chosen.findIndex(([l, i]) => l === layer && i === id) + 1);
    }
    // A fourth fits; a fifth is refused and the tray says why.
    await select(page, 'plots', extra[0].id);
    await page.locator('[data-testid=feature-card] [data-testid=cmp-add]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=cmp-chip]').length === 4);
    await select(page, 'plots', extra[1].id);
    await page.locator('[data-testid=feature-card] [data-testid=cmp-add]').click();
    const message = page.locator('[data-testid=cmp-message]');
    await message.waitFor();
    assert.match(await message.textContent(), /最多同时对比 4 个/);
    assert.equal(await page.locator('[data-testid=cmp-chip]').count(), 4);
    // Take the fourth out again.
    await page.locator('[data-testid=cmp-chip]').nth(3).locator('button').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=cmp-chip]').length === 3);

    await page.locator('[data-testid=cmp-open]').click();
    await page.locator('[data-testid=cmp-table]').waitFor();
    await page.waitForFunction(() => ![...document.querySelectorAll('.cmp_name')].some((e) => e.textContent === '正在加载…'));
    const columns = await page.locator('[data-testid=cmp-column]').evaluateAll((els) => els.map((e) => e.dataset.site));
    assert.deepEqual(columns, chosen.map(([l, i]) => `${l}/${i}`));
    assert.match(page.url(), new RegExp(`cmp=plots/${a.id},plots/${pricedB.id},factories/${factory.id}`));
    assert.match(page.url(), /cmpv=1/);

    const cells = async (key) => page.locator(`[data-testid=cmp-table] tr[data-row=${key}] td`).allTextContents();
    const sites = [a, pricedB, factory];
    const area = await cells('area_mu');
    const price = await cells('price_wan_per_mu');
    const rent = await cells('rent_yuan_m2_month');
    for (const i of [0, 1]) {
      const p = (await getJson(`/api/plots/${sites[i].id}`)).properties;
      assert.ok(area[i].includes(`${zhNumber(p.area_mu, 2)} 亩`), `${area[i]} vs ${p.area_mu}`);
      assert.ok(price[i].includes(`${zhNumber(p.price_wan_per_mu, 2)} 万元/亩`), `${price[i]} vs ${p.price_wan_per_mu}`);
      assert.equal(rent[i], '—', 'a plot has no rent');
    }
    const f = (await getJson(`/api/factories/${factory.id}`)).properties;
    assert.equal(area[2], '—', 'a factory has no land area');
    if (typeof f.rent_yuan_m2_month === 'number') assert.ok(rent[2].includes(zhNumber(f.rent_yuan_m2_month, 1)), rent[2]);
    // The cheaper plot is marked best in the price row.
    const best = await page.locator('[data-testid=cmp-table] tr[data-row=price_wan_per_mu] td').evaluateAll((tds) => tds.map((td) => td.classList.contains('cmp_best')));
    const cheaper = a.properties.price_wan_per_mu < pricedB.properties.price_wan_per_mu ? 0 : 1;
    if (a.properties.price_wan_per_mu !== pricedB.properties.price_wan_per_mu) assert.deepEqual(best, [cheaper === 0, cheaper === 1, false]);
    // Each column links to its card and its sheet.
    const sheets = await page.locator('[data-testid=cmp-sheet-link]').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    assert.deepEqual(sheets, chosen.map(([l, i]) => `/api/${l}/${i}/sheet.pdf`));
    await page.screenshot({ path: artifact('cmp-desktop.png') });

    const before = await tableText(page);
    await page.reload();
    await page.locator('[data-testid=cmp-table]').waitFor();
    await page.waitForFunction(() => ![...document.querySelectorAll('.cmp_name')].some((e) => e.textContent === '正在加载…'));
    await page.waitForFunction((n) => document.querySelector('tr[data-row=park] td')?.textContent !== n, '');
    assert.deepEqual(await tableText(page), before);

    // The card link closes the table and opens the card.
    await page.locator('[data-testid=cmp-card-link]').nth(2).click();
    await page.locator('[data-testid=cmp-view]').waitFor({ state: 'hidden' });
    await page.waitForFunction((code) => document.querySelector('.card-subtitle')?.textContent?.includes(code), factory.properties.code);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('phone: the table scrolls sideways with the row labels in place', async () => {
    const plots = (await getJson('/api/search?layer=plots&limit=3&skipGeometry=true')).features;
    const factory = (await getJson('/api/search?layer=factories&limit=1&skipGeometry=true')).features[0];
    const cmp = [...plots.map((p) => `plots/${p.id}`), `factories/${factory.id}`].join(',');
    const page = await openApp(browser.context, server.base, `#cmp=${cmp}&cmpv=1`, PHONE);
    await page.locator('[data-testid=cmp-table]').waitFor();
    await page.waitForFunction(() => ![...document.querySelectorAll('.cmp_name')].some((e) => e.textContent === '正在加载…'));
    assert.equal(await page.locator('[data-testid=cmp-column]').count(), 4);
    const scroller = page.locator('.cmp_scroll');
    const { scrollWidth, clientWidth } = await scroller.evaluate((e) => ({ scrollWidth: e.scrollWidth, clientWidth: e.clientWidth }));
    assert.ok(scrollWidth > clientWidth, 'four columns are wider than a phone');
    assert.ok(clientWidth <= PHONE.width, 'the table stays within the screen');
    await page.screenshot({ path: artifact('cmp-phone.png') });
    const label = page.locator('tr[data-row=status] th');
    const x0 = (await label.boundingBox()).x;
    const lastCell = page.locator('tr[data-row=status] td').last();
    const cellBefore = (await lastCell.boundingBox()).x;
    await scroller.evaluate((e) => e.scrollTo({ left: e.scrollWidth }));
    await page.waitForFunction(() => document.querySelector('.cmp_scroll').scrollLeft > 0);
    assert.equal((await label.boundingBox()).x, x0, 'the row labels stay put');
    assert.ok((await lastCell.boundingBox()).x < cellBefore, 'the columns moved');
    await page.screenshot({ path: artifact('cmp-phone-scrolled.png') });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

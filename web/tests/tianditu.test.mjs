// The built-in Tianditu basemap: `siteatlas serve --basemap tianditu --tianditu-key KEY`
// draws Tianditu's map and its annotation under the data, with no offset notice.
// Tianditu cannot be reached from the test machine: its hosts are answered with a
// grey tile, and the requests are counted per layer.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, openApp, rendered, serverAndBrowser } from './helpers.mjs';

const WENJIANG = '#map=14.6/30.7105/103.874/0/0';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mN89+7dfwAJYAPnvD1+MQAAAABJRU5ErkJggg==', 'base64');

let server;
let browser;

before(async () => ({ server, browser } = await serverAndBrowser({ args: ['--basemap', 'tianditu', '--tianditu-key', 'testkey123', '--tianditu-map', 'imagery'] })));
after(() => closeAll(browser, server));

test('Tianditu imagery and its annotation are drawn under the plots', async () => {
  const requests = [];
  await browser.context.route('https://*.tianditu.gov.cn/**', (route) => {
    requests.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'image/png', body: PNG });
  });
  try {
    const page = await openApp(browser.context, server.base, WENJIANG);
    const layers = await page.evaluate(() => window.siteAtlasMap.getStyle().layers.map((l) => l.id));
    const base = layers.indexOf('basemap-raster');
    const labels = layers.indexOf('basemap-labels');
    const plots = layers.indexOf('plots-fill');
    assert.ok(base >= 0 && labels > base, `Tianditu's map, then its annotation: ${layers.join(', ')}`);
    assert.ok(plots > labels, 'the plots are drawn over the basemap');
    assert.ok(requests.some((u) => u.includes('/img_w/wmts?') && u.includes('LAYER=img&') && u.includes('tk=testkey123')), 'imagery tiles fetched');
    assert.ok(requests.some((u) => u.includes('/cia_w/wmts?') && u.includes('LAYER=cia&')), 'annotation tiles fetched');
    // Tile addresses are the map's own z/x/y (WMTS rows and columns of the `w`
    // matrix set): every tile asked for lies around the view's centre.
    for (const url of requests.filter((u) => u.includes('/img_w/'))) {
      const [, z, y, x] = url.match(/TILEMATRIX=(\d+)&TILEROW=(\d+)&TILECOL=(\d+)/).map(Number);
      const n = 2 ** z;
      const lat = (30.7105 * Math.PI) / 180;
      const cx = ((103.874 + 180) / 360) * n;
      const cy = ((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n;
      assert.ok(z >= 13 && z <= 17 && Math.abs(x + 0.5 - cx) < 4 && Math.abs(y + 0.5 - cy) < 4, `${url} is not near the view`);
    }
    assert.deepEqual(await page.locator('.notice').allInnerTexts(), [], 'CGCS2000 needs no offset notice');
    assert.ok((await rendered(page, ['plots-fill'])).length > 0);
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    await browser.context.unroute('https://*.tianditu.gov.cn/**');
  }
});

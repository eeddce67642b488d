// End-to-end test of a remote tour that closes the loop, on the demo data:
// the guide turns the microphone on (Chromium's fake microphone, a beeping
// tone) and the attendee's page plays a live audio track with sound in it;
// chat goes both ways; an enquiry sent from the tour page reaches the
// promoters' inbox credited to the tour and its guide. Screenshots of the
// tour page with voice and chat, desktop and phone, go to test-artifacts/.
// Real server, real Chromium (see helpers.mjs). Run after `npm run build`:
//   SITEATLAS_BIN=... node --test tests/live-voice.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { artifact, launchBrowser, startServer } from './helpers.mjs';

/** A microphone without a person: Chromium's fake device, allowed without asking. */
const FAKE_MIC = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

let server;
let guideBrowser;
let attendeeBrowser;

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

async function say(page, text) {
  await page.fill('[data-testid=live-chat-input]', text);
  await page.click('[data-testid=live-chat-send]');
}

/** Waits until a chat message with this text shows on the page; returns its line. */
async function chatLine(page, text) {
  const line = page.locator('[data-testid=live-chat-message]', { hasText: text });
  await line.first().waitFor({ timeout: 5000 });
  return line.first().innerText();
}

describe('Voice, chat and an enquiry in a live tour', () => {
  before(async () => {
    server = await startServer();
    guideBrowser = await launchBrowser(FAKE_MIC);
    attendeeBrowser = await launchBrowser(FAKE_MIC);
  });

  after(async () => {
    await guideBrowser?.close();
    await attendeeBrowser?.close();
    await server?.stop();
  });

  test('the attendee hears the guide, both chat, and an enquiry is credited to the tour and guide', async () => {
    // The guide signs in with a promoter's token; the link is theirs.
    const promoter = server.createToken('promoter', '王经理', []);
    const guideContext = guideBrowser.context;
    const signIn = await guideContext.request.post(`${server.base}/api/session`, { data: { token: promoter } });
    assert.equal(signIn.status(), 200);
    const own = await guideContext.request.post(`${server.base}/api/tours/1/links`, { data: { days: 1 }, headers: { Origin: server.base } });
    assert.equal(own.status(), 201, await own.text());
    const url = (await own.json()).url;

    const guide = await openTour(guideContext, url, { width: 1440, height: 900 });
    await join(guide, '王经理');
    await guide.waitForSelector('[data-testid=live-panel][data-role=guide]');
    const attendee = await openTour(attendeeBrowser.context, url, { width: 1440, height: 900 });
    await join(attendee, '李总');
    await attendee.waitForSelector('[data-testid=live-voice][data-listen=idle]');
    assert.match(await attendee.locator('[data-testid=live-listen-state]').innerText(), /未连接/);

    // The guide turns the microphone on: the attendee listens, with a live track.
    await guide.click('[data-testid=live-mic]');
    await guide.waitForSelector('[data-testid=live-voice][data-mic=on]');
    await attendee.waitForSelector('[data-testid=live-voice][data-listen=listening]', { timeout: 15_000 });
    assert.match(await attendee.locator('[data-testid=live-listen-state]').innerText(), /正在收听/);
    await guide.waitForFunction(() => /1 人在听/.test(document.querySelector('[data-testid=live-voice-line]')?.textContent ?? ''), null, { timeout: 10_000 });
    const track = await attendee.evaluate(() => {
      const audio = document.querySelector('[data-testid=live-audio]');
      const tracks = audio?.srcObject?.getAudioTracks() ?? [];
      const peers = window.siteAtlasVoice?.peers ?? [];
      return { tracks: tracks.map((t) => ({ kind: t.kind, state: t.readyState })), peers: peers.map((p) => p.connectionState), paused: audio?.paused };
    });
    assert.deepEqual(track.tracks, [{ kind: 'audio', state: 'live' }], JSON.stringify(track));
    assert.deepEqual(track.peers, ['connected']);
    assert.equal(track.paused, false);
    // There is sound in it: the fake microphone beeps, so over two seconds
    // the analyser of the received stream hears something above silence,
    // and the receiver counts audio energy.
    const heard = await attendee.evaluate(async () => {
      const stream = document.querySelector('[data-testid=live-audio]').srcObject;
      const context = new AudioContext();
      await context.resume();
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      let peak = 0;
      const until = performance.now() + 2500;
      while (performance.now() < until) {
        analyser.getFloatTimeDomainData(samples);
        for (const v of samples) peak = Math.max(peak, Math.abs(v));
        await new Promise((r) => setTimeout(r, 20));
      }
      let energy = 0;
      for (const pc of window.siteAtlasVoice.peers) {
        (await pc.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') energy += s.totalAudioEnergy ?? 0;
        });
      }
      await context.close();
      return { peak, energy };
    });
    console.log(`received audio: ${JSON.stringify(heard)}`);
    assert.ok(heard.peak > 0.01, `the attendee's analyser heard only silence: ${JSON.stringify(heard)}`);
    assert.ok(heard.energy > 0, `no audio energy received: ${JSON.stringify(heard)}`);
    // Mute is the attendee's own: the track stays, the element is muted.
    await attendee.click('[data-testid=live-mute]');
    assert.equal(await attendee.evaluate(() => document.querySelector('[data-testid=live-audio]').muted), true);
    await attendee.click('[data-testid=live-mute]');
    assert.equal(await attendee.evaluate(() => document.querySelector('[data-testid=live-audio]').muted), false);

    // Chat, both ways.
    await say(attendee, '这块地的容积率上限是多少？');
    assert.match(await chatLine(guide, '这块地的容积率上限是多少？'), /李总/);
    await say(guide, '容积率 1.2 到 2.0，稍后带您看实景');
    const reply = await chatLine(attendee, '容积率 1.2 到 2.0');
    assert.match(reply, /王经理/);
    assert.match(reply, /讲解员/);
    assert.equal(await attendee.locator('[data-testid=live-chat-input]').inputValue(), '');

    // The enquiry form on the tour page.
    await attendee.click('[data-testid=tour-enquiry] [data-testid=lead-open]');
    await attendee.fill('[data-testid=tour-enquiry] [data-testid=lead-company]', '成都某生物医药有限公司');
    await attendee.fill('[data-testid=tour-enquiry] [data-testid=lead-contact]', '李总 13800000000');
    await attendee.fill('[data-testid=tour-enquiry] [data-testid=lead-needs]', 'GMP 厂房约 5000 平方米');
    assert.equal(await attendee.getAttribute('[data-testid=tour-enquiry] [data-testid=lead-privacy-link]', 'href'), 'privacy');
    await attendee.click('[data-testid=tour-enquiry] [data-testid=lead-submit]');
    assert.match(await attendee.locator('[data-testid=tour-enquiry] [data-testid=lead-message]').innerText(), /同意/);
    await attendee.check('[data-testid=tour-enquiry] [data-testid=lead-consent]');
    await attendee.click('[data-testid=tour-enquiry] [data-testid=lead-submit]');
    await attendee.waitForSelector('[data-testid=tour-enquiry] [data-testid=lead-message].ok');

    // Screenshots: the guide speaking, the attendee listening, and the phone.
    await guide.screenshot({ path: artifact('live-voice-guide-1440.png') });
    await attendee.screenshot({ path: artifact('live-voice-attendee-1440.png') });
    await attendee.setViewportSize({ width: 390, height: 844 });
    // On a phone the live panel comes right under the panorama.
    await attendee.evaluate(() => window.scrollTo(0, document.querySelector('[data-testid=live-panel]').getBoundingClientRect().top + window.scrollY - 300));
    await attendee.screenshot({ path: artifact('live-voice-attendee-390.png') });
    const order = await attendee.evaluate(() => {
      const top = (sel) => document.querySelector(sel).getBoundingClientRect().top;
      return { live: top('[data-testid=live-panel]'), stops: top('[data-testid=tour-stops]'), enquiry: top('[data-testid=tour-enquiry]') };
    });
    assert.ok(order.live < order.stops && order.stops < order.enquiry, JSON.stringify(order));
    await attendee.screenshot({ path: artifact('live-voice-attendee-390-full.png'), fullPage: true });

    const leads = await api('GET', '/api/leads');
    assert.equal(leads.status, 200);
    const lead = leads.body.find((l) => l.company === '成都某生物医药有限公司');
    assert.ok(lead, JSON.stringify(leads.body));
    assert.equal(lead.tour, 1);
    assert.equal(lead.source, 'tour');
    assert.equal(lead.credited_to, '王经理');
    assert.equal(lead.needs, 'GMP 厂房约 5000 平方米');

    // The chat was kept with the tour.
    const chat = await api('GET', '/api/tours/1/chat');
    assert.equal(chat.status, 200);
    assert.deepEqual(
      chat.body.map((m) => [m.name, m.role]),
      [
        ['李总', 'attendee'],
        ['王经理', 'guide'],
      ],
    );

    // The microphone off: the attendee is told, and the call is over.
    await attendee.setViewportSize({ width: 1440, height: 900 });
    // On a wide screen the page is the window: the header is in view.
    assert.equal(await attendee.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1), true);
    await guide.click('[data-testid=live-mic]');
    await attendee.waitForSelector('[data-testid=live-voice][data-listen=idle]', { timeout: 5000 });
    assert.match(await attendee.locator('[data-testid=live-listen-state]').innerText(), /主讲人尚未开启麦克风/);
    assert.deepEqual(guide.errors, []);
    assert.deepEqual(attendee.errors, []);
  });
});

// Shared by the end-to-end tests: a real `siteatlas serve` on a free port with
// the demo data in a temporary directory, and Debian's Chromium driven by
// playwright-core (which never downloads a browser of its own).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = join(WEB_DIR, 'test-artifacts');
const BIN = resolve(WEB_DIR, process.env.SITEATLAS_BIN ?? '../target/debug/siteatlas');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A new token in a store (`siteatlas token create` prints it as its last
 * line). Throws with the command's stderr when it fails, so a test never
 * goes on without the token it asked for.
 */
function createToken(dataDir, role = 'admin', name = 'e2e-tests', parks = []) {
  const args = ['token', 'create', '--role', role, '--name', name, '--data-dir', dataDir, ...parks.flatMap((p) => ['--park', p])];
  let out;
  try {
    out = execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`siteatlas ${args.join(' ')} failed (${e.status ?? e.code}): ${String(e.stderr ?? e.message).trim()}`);
  }
  const token = out.trim().split('\n').pop().trim();
  if (!token) throw new Error(`siteatlas ${args.join(' ')} printed no token`);
  return token;
}

/**
 * Starts the server with the demo data and waits for /health; `token` is an
 * admin token for the write API; `stop()` kills it and removes its data.
 */
export async function startServer({ args = [] } = {}) {
  if (!existsSync(BIN)) throw new Error(`no server binary at ${BIN}: run \`cargo build --bin siteatlas\` or set SITEATLAS_BIN`);
  if (!existsSync(join(WEB_DIR, 'dist', 'index.html'))) throw new Error('no web/dist: run `npm run build` first');
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'siteatlas-e2e-'));
  const base = `http://127.0.0.1:${port}`;
  const log = [];
  let token;
  try {
    token = createToken(dataDir);
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const child = spawn(BIN, ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir, '--web-dir', join(WEB_DIR, 'dist'), ...args], {
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`siteatlas exited with ${child.exitCode}:\n${log.join('')}`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`siteatlas did not become healthy:\n${log.join('')}`);
    }
    await sleep(200);
  }
  return {
    base,
    log,
    token,
    /** Another token in the running server's store, e.g. an officer's for some parks. */
    createToken: (role, name, parks) => createToken(dataDir, role, name, parks),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Chromium with a profile of its own; `args` are added to its command line (e.g. a fake microphone). */
export async function launchBrowser(args = []) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'siteatlas-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the app at a hash and waits until the map has drawn everything it
 * asked for. Page errors are collected on `page.errors` for the tests to check.
 */
export async function openApp(context, base, hash = '', viewport = { width: 1440, height: 900 }) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(`${base}/${hash}`);
  await page.waitForFunction(() => window.siteAtlasMap?.loaded(), null, { timeout: 30_000 });
  await waitForIdle(page);
  return page;
}

/** Waits for the map to finish loading and drawing (tiles, labels). */
export async function waitForIdle(page) {
  await page.evaluate(
    () =>
      new Promise((done) => {
        const map = window.siteAtlasMap;
        if (map.loaded() && !map.isMoving() && map.areTilesLoaded()) {
          // One more frame so symbol placement has run.
          map.once('idle', () => done());
          map.triggerRepaint();
        } else {
          map.once('idle', () => done());
        }
      }),
  );
}

/** Rendered features of some layers, as plain {id, properties}. */
export function rendered(page, layers) {
  return page.evaluate(
    (ids) => window.siteAtlasMap.queryRenderedFeatures({ layers: ids }).map((f) => ({ id: f.id, properties: f.properties })),
    layers,
  );
}

/** Screen position of a lon/lat on the page (map canvas offset included). */
export async function pointOf(page, lngLat) {
  return page.evaluate(([lon, lat]) => {
    const map = window.siteAtlasMap;
    const p = map.project([lon, lat]);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, lngLat);
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** A server with the demo data (see `startServer`) and a browser to test it with. */
export async function serverAndBrowser(options = {}) {
  const server = await startServer(options);
  try {
    return { server, browser: await launchBrowser() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

/** Closes browsers and stops servers (anything with `close()` or `stop()`), in order, skipping what never started. */
export async function closeAll(...things) {
  for (const thing of things) {
    if (thing?.close) await thing.close();
    else if (thing?.stop) await thing.stop();
  }
}

/** A 2048×1024 equirectangular test picture drawn by Chromium's canvas, as JPEG bytes: a mark and `label` every 30° of yaw, yaw 0 at the centre. */
export async function panoramaJpeg(page, label, hue) {
  const b64 = await page.evaluate(
    ([label, hue]) => {
      const c = document.createElement('canvas');
      c.width = 2048;
      c.height = 1024;
      const g = c.getContext('2d');
      const sky = g.createLinearGradient(0, 0, 0, 1024);
      sky.addColorStop(0, `hsl(${hue} 60% 80%)`);
      sky.addColorStop(0.5, `hsl(${hue} 50% 55%)`);
      sky.addColorStop(0.5, '#6b6b5a');
      sky.addColorStop(1, '#3a3a30');
      g.fillStyle = sky;
      g.fillRect(0, 0, 2048, 1024);
      g.font = 'bold 40px sans-serif';
      g.textAlign = 'center';
      for (let yaw = -180; yaw < 180; yaw += 30) {
        const x = 1024 + (yaw / 360) * 2048;
        g.fillStyle = '#fff';
        g.fillRect(x - 2, 300, 4, 424);
        g.fillText(`${label} ${yaw}°`, x, 280);
      }
      return c.toDataURL('image/jpeg', 0.7).split(',')[1];
    },
    [label, hue],
  );
  return Buffer.from(b64, 'base64');
}

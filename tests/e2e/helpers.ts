// Browser-test helpers: a static server for dist/ (with an optional CSP header and
// files that can be swapped for corrupt ones), Debian's Chromium driven by
// playwright-core, and mouse strokes for the digits 0–9 on the 280×280 pad.
import { createReadStream, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type {} from '../../web/src/app/test-hooks'; // declares window.__cnnlab

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'tests', 'e2e', 'screenshots');

export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; " +
  "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.gz': 'application/gzip',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.md': 'text/markdown; charset=utf-8',
  '.woff2': 'font/woff2',
  '.tgz': 'application/gzip',
  '.bin': 'application/octet-stream',
};

export interface StaticServer {
  url: string;
  /** Serve other bytes at a path (e.g. "/data/mnist/t10k-labels-idx1-ubyte.gz"), null for 404, undefined to restore. */
  override(path: string, body: Uint8Array | null | undefined): void;
  /** Answer every request with a network failure (offline tests). */
  setOffline(offline: boolean): void;
  /** Hold the answers for a path until `until` settles (e.g. keep sw.js back). */
  hold(path: string, until: Promise<unknown>): void;
  /** What was served since the start (or the last reset): requests and body bytes per URL path. */
  served(): Map<string, { requests: number; bytes: number }>;
  /** Body bytes served in all, since the start or the last reset. */
  bytesServed(): number;
  resetServed(): void;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** A Content-Security-Policy header on every answer. */
  csp?: string;
  /** The folder served (default dist/). */
  root?: string;
  /** Serve the folder under this URL path instead of /, e.g. '/course/cnnlab/'; other paths are 404 unless overridden. */
  mount?: string;
  /** Send `Access-Control-Allow-Origin: *` (a CDN serving cnn-lab.js to other origins). */
  cors?: boolean;
}

export async function serveDist(options: ServeOptions = {}): Promise<StaticServer> {
  const root = options.root ?? DIST;
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root}/index.html missing: run npm run build`);
  const overrides = new Map<string, Uint8Array | null>();
  const served = new Map<string, { requests: number; bytes: number }>();
  const count = (path: string, bytes: number): void => {
    const entry = served.get(path) ?? { requests: 0, bytes: 0 };
    served.set(path, { requests: entry.requests + 1, bytes: entry.bytes + bytes });
  };
  const holds = new Map<string, Promise<unknown>>();
  let offline = false;
  const server: Server = createServer((req, res) => {
    if (offline) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith('/')) path += 'index.html';
    const held = holds.get(path);
    if (held) {
      void held.finally(() => {
        holds.delete(path);
        server.emit('request', req, res);
      });
      return;
    }
    const headers: Record<string, string> = { 'Cache-Control': 'no-cache' };
    if (options.csp) headers['Content-Security-Policy'] = options.csp;
    if (options.cors) headers['Access-Control-Allow-Origin'] = '*';
    if (overrides.has(path)) {
      const body = overrides.get(path);
      if (!body) {
        res.writeHead(404, headers).end('not found');
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Length': String(body.length) });
      count(path, body.length);
      res.end(body);
      return;
    }
    const mount = options.mount ?? '/';
    if (!path.startsWith(mount)) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const file = normalize(join(root, path.slice(mount.length - 1)));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    const size = statSync(file).size;
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(size),
    });
    count(path, size);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no server address');
  return {
    url: `http://localhost:${address.port}/`,
    override: (path, body) => {
      if (body === undefined) overrides.delete(path);
      else overrides.set(path, body);
    },
    setOffline: (value) => {
      offline = value;
    },
    hold: (path, until) => void holds.set(path, until),
    served: () => new Map(served),
    bytesServed: () => [...served.values()].reduce((sum, e) => sum + e.bytes, 0),
    resetServed: () => served.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * For a test file: a static server for dist/ and a Chromium, started before its tests
 * and closed after them. Use as `const env = browserAndServer({ csp: STRICT_CSP })`,
 * then `env.server` and `env.browser` inside tests.
 */
export function browserAndServer(options: Parameters<typeof serveDist>[0] = {}): { readonly server: StaticServer; readonly browser: Browser } {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await serveDist(options);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      return browser;
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
    ],
  });
}

/** A page that records console errors, page errors and CSP violations. */
export async function openPage(
  context: BrowserContext,
  url: string,
): Promise<{ page: Page; errors: string[]; cspViolations: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as unknown as { __csp?: string[] };
      (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url);
  return { page, errors, cspViolations };
}

/**
 * Records layout shifts from the start of every page of `page` (PerformanceObserver
 * 'layout-shift', the entries Chrome counts in CLS: none within 500 ms of an input).
 */
export async function recordLayoutShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __shifts: { value: number; at: number; nodes: string[] }[] };
    w.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean; sources?: { node?: Node }[] })[]) {
        if (e.hadRecentInput) continue;
        const nodes = (e.sources ?? []).map((s) => (s.node instanceof Element ? `${s.node.tagName.toLowerCase()}.${s.node.className}` : String(s.node?.nodeName)));
        w.__shifts.push({ value: e.value, at: Math.round(e.startTime), nodes });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

/** The cumulative layout shift so far (the sum over all shifts: a page's CLS is at most this) and the shifts. */
export async function layoutShift(page: Page): Promise<{ cls: number; shifts: { value: number; at: number; nodes: string[] }[] }> {
  const shifts = await page.evaluate(() => (window as unknown as { __shifts: { value: number; at: number; nodes: string[] }[] }).__shifts);
  return { cls: shifts.reduce((sum, s) => sum + s.value, 0), shifts };
}

/** The page's worker has loaded its module and weights (MNIST is fetched later, when training is first asked for). */
export async function waitForIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

export function tempProfile(): string {
  return mkdtempSync(join(tmpdir(), 'cnnlab-chromium-'));
}

type Point = [number, number];
/** Points on an ellipse arc from a0 to a1 (radians, clockwise in screen space). */
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number, n = 24): Point[] {
  const points: Point[] = [];
  for (let i = 0; i <= n; i++) {
    const a = a0 + ((a1 - a0) * i) / n;
    points.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return points;
}
function line(x0: number, y0: number, x1: number, y1: number, n = 12): Point[] {
  const points: Point[] = [];
  for (let i = 0; i <= n; i++) points.push([x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n]);
  return points;
}
const PI = Math.PI;

/** Strokes (each a polyline in 280×280 pad coordinates) for the digits 0–9, written as a person would. */
export const DIGIT_STROKES: Record<number, Point[][]> = {
  0: [arc(140, 140, 52, 85, -PI / 2, (3 * PI) / 2, 40)],
  1: [[...line(118, 82, 150, 48, 6), ...line(150, 48, 150, 232, 16)]],
  2: [[...arc(140, 100, 52, 48, PI, 2.25 * PI, 20), ...line(165, 133, 88, 228, 14), ...line(88, 228, 200, 228, 10)]],
  3: [[...arc(138, 92, 50, 42, 1.1 * PI, 2.5 * PI, 20), ...arc(138, 182, 56, 48, 1.5 * PI, 2.85 * PI, 20)]],
  4: [[...line(165, 45, 82, 170, 14), ...line(82, 170, 205, 170, 10)], line(168, 95, 168, 238, 14)],
  5: [[...line(192, 52, 108, 52, 8), ...line(108, 52, 100, 128, 8), ...arc(140, 172, 58, 56, 1.2 * PI, 2.8 * PI, 24)]],
  6: [[...arc(190, 150, 95, 100, 1.3 * PI, 0.95 * PI, 16), ...arc(140, 182, 50, 45, PI, 3 * PI, 30)]],
  7: [[...line(82, 58, 202, 58, 10), ...line(202, 58, 118, 238, 16)]],
  8: [[...arc(140, 92, 42, 42, 0.5 * PI, 2.5 * PI, 28), ...arc(140, 180, 52, 48, 1.5 * PI, 3.5 * PI, 30)]],
  9: [[...arc(140, 98, 48, 46, 0, 2 * PI, 30), ...line(188, 98, 176, 238, 14)]],
};

/** Draws `digit` on the page's pad with mouse events (down, moves, up). */
export async function drawDigit(page: Page, digit: number): Promise<void> {
  await drawDigitOn(page, page.getByTestId('drawpad'), digit);
}

/** drawDigit on one given pad (e.g. the pad inside one of several <cnn-lab> elements). */
export async function drawDigitOn(page: Page, pad: Locator, digit: number): Promise<void> {
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error('no draw pad');
  const sx = box.width / 280;
  const sy = box.height / 280;
  for (const stroke of DIGIT_STROKES[digit]!) {
    const [first, ...rest] = stroke;
    await page.mouse.move(box.x + first![0] * sx, box.y + first![1] * sy);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(box.x + x * sx, box.y + y * sy, { steps: 2 });
    await page.mouse.up();
  }
}

/** The contexts of the responsive tests: a touch phone, a tablet and a laptop. */
export const DEVICES = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 },
  tablet: { viewport: { width: 768, height: 1024 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  laptop: { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 },
} as const;

/**
 * drawDigit with a finger: touchStart, touchMoves, touchEnd through the DevTools
 * protocol (the page gets touch and pointer events of type "touch", as on a phone).
 */
export async function drawDigitTouch(page: Page, pad: Locator, digit: number): Promise<void> {
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error('no draw pad');
  const cdp = await page.context().newCDPSession(page);
  const sx = box.width / 280;
  const sy = box.height / 280;
  const at = ([x, y]: Point) => ({ x: box.x + x * sx, y: box.y + y * sy, id: 1, radiusX: 4, radiusY: 4, force: 1 });
  try {
    for (const stroke of DIGIT_STROKES[digit]!) {
      const [first, ...rest] = stroke;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at(first!)] });
      for (const p of rest) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [at(p)] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    }
  } finally {
    await cdp.detach();
  }
}

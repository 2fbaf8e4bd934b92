// Offline: after one visit that trained, the built page works with the network
// off. The service worker (dist/sw.js) precaches the shell, never MNIST: the page
// downloads MNIST at the first Start, once, and the service worker keeps those files
// (caught on their way if it already controls the page, else handed over by the
// page, as on this first visit where Start is pressed at once). The second load
// comes from the caches alone, the MNIST responses still carry Content-Length (the
// loader's progress), training runs and a drawn digit is predicted.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndServer, DIST, drawDigit, openPage, screenshotPath, STRICT_CSP, waitForIdle } from './helpers';

const env = browserAndServer({ csp: STRICT_CSP });

const MNIST = [
  'data/mnist/train-images-idx3-ubyte.gz',
  'data/mnist/train-labels-idx1-ubyte.gz',
  'data/mnist/t10k-images-idx3-ubyte.gz',
  'data/mnist/t10k-labels-idx1-ubyte.gz',
];

/** What our caches hold: file paths relative to the site, e.g. "data/mnist/t10k-labels-idx1-ubyte.gz". */
async function cachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) {
      if (!name.startsWith('cnnlab-')) continue;
      const cache = await caches.open(name);
      for (const request of await cache.keys()) paths.push(new URL(request.url).pathname.replace(/^\//, ''));
    }
    return paths;
  });
}

describe('offline', () => {
  it('after one visit that trained, loads, trains and predicts with the network off; MNIST was downloaded once', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    env.server.resetServed();
    try {
      const { page } = await openPage(context, env.server.url);
      await waitForIdle(page);
      // Before Start, the service worker (registered on load) has kept the shell but no MNIST.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
      const before = await cachedPaths(page);
      expect(before).toEqual(expect.arrayContaining(['index.html', 'models/cnnlab-default.json', expect.stringMatching(/^assets\/.*\.wasm$/)]));
      expect(before.filter((p) => p.startsWith('data/'))).toEqual([]);
      expect(before.filter((p) => /\.(woff|ttf)$/.test(p))).toEqual([]); // woff2 only
      for (const path of MNIST) expect(env.server.served().get(`/${path}`)).toBeUndefined();

      await page.getByTestId('start').click();
      await page.waitForFunction(() => window.__cnnlab?.dataState() === 'ready', null, { timeout: 60_000 });
      await page.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 3, null, { timeout: 60_000 });
      await page.getByTestId('pause').click();
      await expect.poll(() => cachedPaths(page), { timeout: 60_000, interval: 500 }).toEqual(
        expect.arrayContaining([...MNIST, expect.stringMatching(/^assets\/train\.worker-.*\.js$/)]),
      );
      // Each MNIST file went over the network once: the page's download, never the service worker's.
      for (const path of MNIST) expect(env.server.served().get(`/${path}`)?.requests, path).toBe(1);

      // The network goes away: the browser's and the server's.
      await context.setOffline(true);
      env.server.setOffline(true);
      const { page: offline, errors, cspViolations } = await openPage(context, `${env.server.url}#seed=3`);
      await waitForIdle(offline);
      // Cached MNIST keeps its Content-Length: the download progress still has a total.
      const length = await offline.evaluate(async () => {
        const r = await fetch('data/mnist/train-labels-idx1-ubyte.gz');
        return { ok: r.ok, length: r.headers.get('content-length'), bytes: (await r.arrayBuffer()).byteLength };
      });
      expect(length.ok).toBe(true);
      expect(Number(length.length)).toBe(length.bytes);

      await offline.getByTestId('start').click();
      await offline.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 5, null, { timeout: 60_000 });
      await offline.getByTestId('pause').click();
      await drawDigit(offline, 7);
      await expect.poll(() => offline.getByTestId('prediction').textContent(), { timeout: 15_000 }).toMatch(/^\d$/);
      await offline.screenshot({ path: screenshotPath('offline'), fullPage: true });
      expect(await offline.getByTestId('prediction').textContent()).toBe('7');
      expect(await offline.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toEqual([]);
      expect(cspViolations).toEqual([]);
      // Offline, the only errors allowed are failed network requests (none expected: all from cache).
      expect(errors).toEqual([]);
    } finally {
      env.server.setOffline(false);
      await context.close();
    }
  });

  it('a first visit whose Start comes before the service worker controls the page: the page hands MNIST over', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    env.server.resetServed();
    try {
      // sw.js is held back until MNIST is loaded: no service worker sees the download.
      let release = (): void => {};
      env.server.hold('/sw.js', new Promise<void>((resolve) => (release = resolve)));
      const { page } = await openPage(context, env.server.url);
      await waitForIdle(page);
      await page.getByTestId('start').click();
      await page.waitForFunction(() => window.__cnnlab?.dataState() === 'ready', null, { timeout: 60_000 });
      expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
      await page.getByTestId('pause').click();
      release();
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
      await expect.poll(() => cachedPaths(page), { timeout: 60_000, interval: 500 }).toEqual(expect.arrayContaining(MNIST));
      for (const path of MNIST) expect(env.server.served().get(`/${path}`)?.requests, path).toBe(1);
      // What was kept is the whole file, with its length.
      const kept = await page.evaluate(async () => {
        const r = await caches.match(new URL('data/mnist/t10k-images-idx3-ubyte.gz', location.href).href);
        return r ? { length: r.headers.get('content-length'), bytes: (await r.arrayBuffer()).byteLength } : null;
      });
      const size = statSync(join(DIST, 'data/mnist/t10k-images-idx3-ubyte.gz')).size;
      expect(kept).toEqual({ length: String(size), bytes: size });
    } finally {
      await context.close();
    }
  });
});

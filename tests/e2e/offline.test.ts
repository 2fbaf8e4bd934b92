// Offline (issue 5, point 8): after one visit the built page works with the
// network off. The service worker (dist/sw.js) precaches the shell and keeps the
// MNIST files; the second load comes from the caches alone, the MNIST responses
// still carry Content-Length (the loader's progress), training runs and a drawn
// digit is predicted.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndServer, drawDigit, openPage, screenshotPath, STRICT_CSP } from './helpers';

const env = browserAndServer({ csp: STRICT_CSP });

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
  it('after one visit, loads, trains and predicts with the network off', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page } = await openPage(context, env.server.url);
      await page.waitForFunction(() => window.__cnnlab?.dataState() === 'ready', null, { timeout: 60_000 });
      // The service worker takes control of this first page and fills the caches.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
      const needed = [
        'index.html',
        'models/cnnlab-default.json',
        'data/mnist/train-images-idx3-ubyte.gz',
        'data/mnist/train-labels-idx1-ubyte.gz',
        'data/mnist/t10k-images-idx3-ubyte.gz',
        'data/mnist/t10k-labels-idx1-ubyte.gz',
      ];
      await expect.poll(() => cachedPaths(page), { timeout: 60_000, interval: 500 }).toEqual(
        expect.arrayContaining([...needed, expect.stringMatching(/^assets\/.*\.wasm$/), expect.stringMatching(/^assets\/train\.worker-.*\.js$/)]),
      );

      // The network goes away: the browser's and the server's.
      await context.setOffline(true);
      env.server.setOffline(true);
      const { page: offline, errors, cspViolations } = await openPage(context, `${env.server.url}#seed=3`);
      await offline.waitForFunction(() => window.__cnnlab?.dataState() === 'ready', null, { timeout: 60_000 });
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
});

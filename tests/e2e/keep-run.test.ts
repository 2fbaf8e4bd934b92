// Keep the run (issue 11, point 5), with the real IndexedDB: a reload in the middle
// of a run offers "Resume the run at N samples (saved … ago)"; resuming restarts the
// worker from the kept checkpoint and the run ends with exactly the bytes (weights
// and run state) of the same link trained without a reload. Back/Forward (or an
// edited link) to other settings asks in the page before discarding the network.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndServer, openPage, screenshotPath } from './helpers';

const env = browserAndServer();

// 10,000 samples at 2,000 per second: a 5 s run, long enough to reload in the middle.
const LINK = 'epochs=1&seed=5&train=10000&speed=2000';

interface Kept {
  samplesSeen: number;
  sha: string;
  points: number;
}

/** The run kept in IndexedDB for this link (the page's own store, read from the page). */
async function kept(page: Page): Promise<Kept | null> {
  const r = await page.evaluate(
    (key) =>
      new Promise<{ samplesSeen: number; bytes: number[]; points: number } | null>((resolve) => {
        const open = indexedDB.open('cnnlab', 1);
        open.onerror = () => resolve(null);
        open.onupgradeneeded = () => open.result.createObjectStore('runs', { keyPath: 'key' });
        open.onsuccess = () => {
          const get = open.result.transaction('runs').objectStore('runs').get(key);
          get.onsuccess = () => {
            const v = get.result as { checkpoint: { samplesSeen: number; bytes: Uint8Array }; loss: { x: number[] } } | undefined;
            open.result.close();
            resolve(v ? { samplesSeen: v.checkpoint.samplesSeen, bytes: Array.from(v.checkpoint.bytes), points: v.loss.x.length } : null);
          };
        };
      }),
    `#${LINK}`,
  );
  return r ? { samplesSeen: r.samplesSeen, sha: createHash('sha256').update(Uint8Array.from(r.bytes)).digest('hex').slice(0, 16), points: r.points } : null;
}

const state = (page: Page) => page.evaluate(() => window.__cnnlab?.state());

describe('keep the run', () => {
  it('reload mid-run, resume: the run ends bit for bit as without the reload', async () => {
    // The reference: the same link, trained through.
    const refContext = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    let reference: Kept;
    try {
      const { page } = await openPage(refContext, `${env.server.url}#${LINK}`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 }); // MNIST loads on Start
      await page.getByTestId('start').click();
      await expect.poll(() => state(page), { timeout: 60_000 }).toBe('done');
      await expect.poll(async () => (await kept(page))?.samplesSeen, { timeout: 10_000 }).toBe(10000);
      reference = (await kept(page))!;
    } finally {
      await refContext.close();
    }

    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#${LINK}`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 }); // MNIST loads on Start
      expect(await page.getByTestId('resume-run').count()).toBe(0); // nothing kept yet
      await page.getByTestId('start').click();
      // Until a checkpoint from the middle of the run is kept, then reload while it runs.
      await expect.poll(async () => (await kept(page))?.samplesSeen ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await state(page)).toBe('running');
      await page.reload();
      const saved = (await kept(page))!;
      expect(saved.samplesSeen).toBeGreaterThan(0);
      expect(saved.samplesSeen).toBeLessThan(10000);
      const offer = page.getByTestId('status');
      await expect.poll(() => offer.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`Resume the run at ${saved.samplesSeen.toLocaleString('en-US')} samples \\(saved (just now|\\d+ s ago)\\)`));
      await page.screenshot({ path: screenshotPath('keep-run-offer') });
      await page.getByTestId('resume-run').click();
      await expect.poll(() => state(page), { timeout: 60_000 }).toBe('paused');
      await expect.poll(() => page.getByTestId('samples-seen').textContent(), { timeout: 30_000 }).toBe(saved.samplesSeen.toLocaleString('en-US'));
      // The curves came back (the points up to the checkpoint).
      expect((await page.evaluate(() => window.__cnnlab!.lossSeries())).length).toBe(saved.points);
      await page.getByTestId('start').click();
      await expect.poll(() => state(page), { timeout: 60_000 }).toBe('done');
      await expect.poll(async () => (await kept(page))?.samplesSeen, { timeout: 10_000 }).toBe(10000);
      const resumed = (await kept(page))!;
      console.log(`reloaded at ${saved.samplesSeen} samples, resumed: final checkpoint ${resumed.sha}, without the reload ${reference.sha}`);
      expect(resumed.sha).toBe(reference.sha);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Back/Forward to other settings while a run has trained asks in the page first', async () => {
    const A = `${LINK.replace('speed=2000', 'speed=200')}`; // slow: the run is still going
    const B = A.replace('seed=5', 'seed=9');
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#${B}`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 }); // MNIST loads on Start
      await page.evaluate((a) => (location.hash = a), A); // a new history entry, nothing trained yet: no question
      await expect.poll(() => page.getByTestId('seed').inputValue()).toBe('5');
      expect(await page.getByTestId('confirm-dialog').count()).toBe(0);
      await page.getByTestId('start').click();
      await expect.poll(() => page.evaluate(() => window.__cnnlab!.lossSeries().length), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

      await page.goBack(); // to B while A runs
      const dialog = page.getByTestId('confirm-dialog');
      await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true);
      expect(await dialog.textContent()).toMatch(/Discard the network being trained\?.*Your run at [\d,]+ samples stays saved/);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('confirm-no');
      await page.screenshot({ path: screenshotPath('keep-run-dialog') });
      await page.getByTestId('confirm-no').click(); // keep my run
      expect(await dialog.count()).toBe(0);
      expect(await page.getByTestId('seed').inputValue()).toBe('5');
      expect(await page.evaluate(() => location.hash)).toMatch(/seed=5/);
      expect(await state(page)).toBe('running');

      await page.evaluate((b) => (location.hash = b), B); // an edited link: asked again; this time switch
      await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true);
      await page.getByTestId('confirm-yes').click();
      await expect.poll(() => page.getByTestId('seed').inputValue()).toBe('9');
      await expect.poll(() => page.getByTestId('samples-seen').textContent(), { timeout: 10_000 }).toBe('0');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

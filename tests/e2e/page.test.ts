// The page in a real browser (Debian's Chromium, headless, via playwright-core),
// served from the static build in dist/: loads cleanly, trains in the worker while
// the main thread stays responsive, predicts drawn digits with the shipped weights,
// and survives corrupt data, divergence and a crashed worker. Screenshots go to
// tests/e2e/screenshots/ (ignored by git).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { browserAndServer, drawDigit, openPage, screenshotPath, waitForIdle } from './helpers';

const env = browserAndServer();

async function newContext(): Promise<BrowserContext> {
  return env.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
}

/** Presses Start and waits until training runs (MNIST is downloaded at the first Start). */
async function startTraining(page: Page): Promise<void> {
  await page.getByTestId('start').click();
  await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 60_000 });
}

/** Long tasks (> 50 ms) on the main thread, recorded from page load. */
async function installLongTaskObserver(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
}

describe('the cnnlab page', () => {
  it('loads with no console errors and trains: the loss falls, the main thread stays responsive', async () => {
    const context = await newContext();
    const page0 = await context.newPage();
    await installLongTaskObserver(page0);
    await page0.close();
    const { page, errors } = await openPage(context, env.server.url);
    await installLongTaskObserver(page);
    await page.reload();
    await waitForIdle(page);
    await page.waitForTimeout(500);
    await page.screenshot({ path: screenshotPath('idle'), fullPage: true });

    await startTraining(page); // MNIST's download (the page streams it) and unpacking (in the worker) happen here
    // From here on, as before MNIST loaded lazily: 3 s of training, with no main-thread task over 50 ms.
    await page.evaluate(() => {
      (window as unknown as { __longTasks: number[] }).__longTasks = [];
    });
    await page.waitForTimeout(3000);
    const loss = await page.evaluate(() => window.__cnnlab!.lossSeries());
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    const rate = await page.getByTestId('samples-per-sec').textContent();
    await page.screenshot({ path: screenshotPath('training'), fullPage: true });
    await page.getByTestId('pause').click();
    console.log(`training: ${loss.length} loss points in 3 s, samples/s shown: ${rate}; long tasks: ${JSON.stringify(longTasks)}`);

    expect(loss.length).toBeGreaterThanOrEqual(10);
    const quarter = Math.max(1, Math.floor(loss.length / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(loss.slice(0, 3));
    const last = mean(loss.slice(-quarter));
    console.log(`loss: first points ${loss.slice(0, 3).map((v) => v.toFixed(3)).join(', ')}; mean of the last quarter ${last.toFixed(3)}`);
    expect(first).toBeGreaterThan(1.0); // an untrained network starts near ln 10 = 2.3
    expect(last).toBeLessThan(first / 3);
    expect(longTasks.filter((d) => d > 50)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('predicts digits drawn with the mouse (0–9) with the shipped weights: at least 9 of 10', async () => {
    const context = await newContext();
    const { page, errors } = await openPage(context, env.server.url);
    await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]') !== null);
    const predicted: number[] = [];
    for (let digit = 0; digit <= 9; digit++) {
      await page.getByTestId('drawpad-clear').click();
      await expect.poll(() => page.getByTestId('prediction').textContent()).toBe('–');
      await drawDigit(page, digit);
      await expect.poll(() => page.getByTestId('prediction').textContent()).toMatch(/^\d$/);
      await page.waitForTimeout(150); // the last stroke's prediction
      const text = await page.getByTestId('prediction').textContent();
      const probs = await Promise.all(
        Array.from({ length: 10 }, (_, d) => page.getByTestId(`prob-${d}`).getAttribute('data-value')),
      );
      const values = probs.map(Number);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      expect(values.indexOf(Math.max(...values))).toBe(Number(text));
      predicted.push(Number(text));
      if (digit === 7) await page.screenshot({ path: screenshotPath('drawing'), fullPage: true });
    }
    console.log(`drawn 0–9 predicted as ${predicted.join(' ')}`);
    const correct = predicted.filter((p, d) => p === d).length;
    expect(correct).toBeGreaterThanOrEqual(9);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a clear message for a corrupt data file, and drawing still works', async () => {
    env.server.override('/data/mnist/t10k-labels-idx1-ubyte.gz', new Uint8Array(randomBytes(2000)));
    const context = await newContext();
    try {
      const { page } = await openPage(context, env.server.url);
      await waitForIdle(page);
      await page.getByTestId('start').click(); // MNIST is fetched now
      await page.waitForFunction(() => window.__cnnlab?.dataState() === 'failed', null, { timeout: 60_000 });
      expect(await page.evaluate(() => window.__cnnlab!.state())).toBe('idle');
      const status = await page.getByTestId('status').textContent();
      expect(status).toMatch(/MNIST could not be loaded/);
      expect(status).toMatch(/t10k-labels-idx1-ubyte\.gz/);
      expect(status).toMatch(/gzip/i);
      await page.screenshot({ path: screenshotPath('corrupt-data'), fullPage: true });
      await drawDigit(page, 7);
      await expect.poll(() => page.getByTestId('prediction').textContent()).toMatch(/^\d$/);
    } finally {
      env.server.override('/data/mnist/t10k-labels-idx1-ubyte.gz', undefined);
      await context.close();
    }
  });

  it('λ = 1e13 mid-run diverges with a message; going back to the last good checkpoint with λ = 0.01 learns again', async () => {
    const context = await newContext();
    const { page, errors } = await openPage(context, env.server.url);
    await waitForIdle(page);
    await startTraining(page);
    // until a checkpoint after the start is kept (every 2 s while running)
    await page.waitForFunction(() => (window.__cnnlab?.checkpointSamples() ?? -1) > 0, null, { timeout: 30_000 });
    const lossBefore = await page.evaluate(() => window.__cnnlab!.lossSeries().slice(-5));
    await page.getByTestId('lr').fill('1e13');
    await page.getByTestId('lr').press('Enter');
    await page.waitForFunction(() => window.__cnnlab?.state() === 'diverged', null, { timeout: 30_000 });
    const status = await page.getByTestId('status').textContent();
    expect(status).toMatch(/Training diverged after [\d,]+ samples/);
    expect(status).toMatch(/larger than 1000/);
    expect(status).toMatch(/The rule: training has diverged when/);
    const rollback = page.getByTestId('rollback');
    await expect.poll(() => rollback.isVisible()).toBe(true);
    expect(await rollback.textContent()).toMatch(/Go back to the last good checkpoint \([\d,]+ samples\) with λ = 0\.01/);
    await expect.poll(() => page.getByTestId('diverged-reset').isVisible()).toBe(true);
    await page.screenshot({ path: screenshotPath('diverged'), fullPage: true });
    const pointsAtDivergence = await page.evaluate(() => window.__cnnlab!.lossSeries().length);
    await rollback.click();
    await page.waitForFunction(() => window.__cnnlab?.state() === 'paused', null, { timeout: 10_000 });
    expect(await page.getByTestId('lr').inputValue()).toBe('0.01');
    await page.getByTestId('start').click();
    await page.waitForFunction((n) => (window.__cnnlab?.lossSeries().length ?? 0) >= n + 20, pointsAtDivergence, { timeout: 30_000 });
    const lossAfter = await page.evaluate(() => window.__cnnlab!.lossSeries().slice(-5));
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    console.log(`loss before λ = 1e13: ${mean(lossBefore).toFixed(3)}; after going back with λ = 0.01: ${mean(lossAfter).toFixed(3)}`);
    expect(mean(lossAfter)).toBeLessThan(Math.min(1, mean(lossBefore) * 1.5));
    await page.screenshot({ path: screenshotPath('rolled-back'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('offers a restart when the worker crashes, and resumes the run from the checkpoint', async () => {
    const context = await newContext();
    const { page } = await openPage(context, env.server.url);
    await waitForIdle(page);
    await startTraining(page);
    await page.waitForFunction(() => (window.__cnnlab?.checkpointSamples() ?? -1) > 0, null, { timeout: 30_000 });
    const kept = await page.evaluate(() => window.__cnnlab!.checkpointSamples());
    // The training worker throws, as a bug in it would (Playwright evaluates in the worker: no hook ships in the page).
    const worker = page.workers()[0]!;
    await worker.evaluate(() => void setTimeout(() => { throw new Error('a worker bug'); }));
    await page.waitForFunction(() => window.__cnnlab?.state() === 'crashed', null, { timeout: 15_000 });
    await expect.poll(() => page.getByTestId('restart-worker').isVisible()).toBe(true);
    const status = await page.getByTestId('status').textContent();
    expect(status).toMatch(/Nothing is lost/);
    await page.getByTestId('restart-worker').click();
    await page.waitForFunction(() => !['crashed', 'starting'].includes(window.__cnnlab?.state() ?? ''), null, { timeout: 30_000 });
    await expect.poll(() => page.getByTestId('samples-seen').textContent()).toBe(kept.toLocaleString('en-US'));
    await context.close();
  });
});

// Responsive under load (issue 11, point 4): while the worker trains at full speed,
// input on the draw pad and on the controls is handled within 100 ms — measured in
// the page with the Event Timing API (PerformanceObserver type 'event',
// durationThreshold 16: every event that took 16 ms or more from the input to the
// end of its handlers), asserted ≤ 100 ms; the long tasks over 50 ms are reported.
// A second run with the CPU throttled 4× (DevTools Emulation.setCPUThrottlingRate, a
// modest phone) is reported, not asserted.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndServer, drawDigit, openPage } from './helpers';

const env = browserAndServer();

interface Timing {
  name: string;
  target: string;
  /** From the input to the start of its handlers (the input delay). */
  delay: number;
  /** From the input to the end of its handlers. */
  handled: number;
  /** From the input to the next paint (the Event Timing duration, 8 ms granularity). */
  duration: number;
}

async function instrument(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __events: Timing[]; __long: { start: number; duration: number; attribution: string }[] };
    w.__events = [];
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEventTiming[]) {
        const t = e.target as HTMLElement | null;
        w.__events.push({
          name: e.name,
          target: t ? (t.dataset?.['testid'] ?? t.tagName.toLowerCase()) : '?',
          delay: e.processingStart - e.startTime,
          handled: e.processingEnd - e.startTime,
          duration: e.duration,
        });
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ start: e.startTime, duration: e.duration, attribution: JSON.stringify((e as unknown as { attribution?: { containerType?: string; name?: string }[] }).attribution?.map((a) => a.name) ?? []) });
    }).observe({ type: 'longtask', buffered: true });
  });
}


/** Draws, clicks and types while the worker trains for about `seconds`; returns what the page measured. */
async function useWhileTraining(page: Page, seconds: number): Promise<{ events: Timing[]; long: { start: number; duration: number }[]; inputs: number }> {
  await page.evaluate(() => {
    const w = window as unknown as { __events: unknown[]; __long: unknown[] };
    w.__events = [];
    w.__long = [];
  });
  const end = Date.now() + seconds * 1000;
  let inputs = 0;
  let digit = 0;
  while (Date.now() < end) {
    await page.getByTestId('drawpad-clear').click();
    await drawDigit(page, digit++ % 10);
    await page.getByTestId('model-training').click();
    await page.getByTestId('model-pretrained').click();
    await page.getByTestId('use-test-index').fill(String(digit * 7));
    await page.getByTestId('use-test-index').press('Enter');
    await page.getByTestId('lr').fill(digit % 2 ? '0.01' : '0.011');
    await page.getByTestId('lr').press('Tab');
    inputs += 6;
  }
  await page.waitForTimeout(500);
  return page.evaluate(() => {
    const w = window as unknown as { __events: Timing[]; __long: { start: number; duration: number }[] };
    return { events: w.__events, long: w.__long, inputs: 0 };
  }).then((r) => ({ ...r, inputs }));
}

function summary(events: Timing[]): string {
  const worst = [...events].sort((a, b) => b.handled - a.handled).slice(0, 5);
  return worst.map((e) => `${e.name}@${e.target}: delay ${e.delay.toFixed(0)} ms, handled ${e.handled.toFixed(0)} ms, to paint ${e.duration} ms`).join('; ');
}

describe('responsive while training', () => {
  // One retry: on a 2-core machine shared with other builds (load 9 seen), the OS can
  // leave the page's main thread waiting for 100 ms while it has nothing to do; a page
  // that is really slow to answer fails both tries.
  it('input is handled within 100 ms while the worker trains at full speed (and reported with a 4× slower CPU)', { retry: 1 }, async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    try {
      // 20 epochs: the run lasts much longer than the measurement.
      const { page, errors } = await openPage(context, `${env.server.url}#epochs=20`);
      await instrument(page);
      await page.reload();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('start').click(); // MNIST loads, then training runs
      await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 30_000 });

      const full = await useWhileTraining(page, 8);
      const worstFull = Math.max(0, ...full.events.map((e) => e.handled));
      console.log(`full speed: ${full.inputs} inputs, ${full.events.length} events ≥ 16 ms; worst handled ${worstFull.toFixed(0)} ms; long tasks ${JSON.stringify(full.long.map((l) => Math.round(l.duration)))}; ${summary(full.events)}`);
      expect(await page.evaluate(() => window.__cnnlab!.state())).toBe('running');

      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const slow = await useWhileTraining(page, 8);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      const worstSlow = Math.max(0, ...slow.events.map((e) => e.handled));
      console.log(`4× CPU throttling: ${slow.inputs} inputs, ${slow.events.length} events ≥ 16 ms; worst handled ${worstSlow.toFixed(0)} ms; long tasks ${JSON.stringify(slow.long.map((l) => Math.round(l.duration)))}; ${summary(slow.events)}`);

      // The requirement: every input handled within 100 ms. The long tasks are reported
      // above, not asserted: on a machine shared with other builds (load 10 on 2 cores) a
      // 20 ms task can take 250 ms of wall time, which no change to the page can avoid.
      expect(worstFull).toBeLessThanOrEqual(100);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

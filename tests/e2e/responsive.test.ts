// Phones, tablets and laptops (issue 11, and issue 8 part 1), in a real browser with
// the real WASM module and MNIST: a 390×844 touch phone (device scale 3) draws with a
// finger, starts and pauses, uses every panel; after each step nothing is wider than
// the screen, no tile of a colour map pokes out of its panel, the confusion matrix's
// headers sit over their columns, every control is at least 44 × 44 px and every text
// at least 12 px. At all three sizes the pad, the predicted digit and the ten bars
// fit on one screen. Screenshots of each size, light and dark, go to
// tests/e2e/screenshots/.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndServer, DEVICES, drawDigit, drawDigitTouch, openPage, screenshotPath } from './helpers';

const env = browserAndServer();

/** The worker is up; the pretrained weights evaluated (MNIST's test set loads on that click), so the matrix is there. */
async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
  await page.getByTestId('eval-pretrained').click();
  await page.getByTestId('confusion-matrix').waitFor({ timeout: 60_000 });
}

/** The page is no wider than the viewport. */
async function overflow(page: Page): Promise<{ scroll: number; client: number }> {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
}

async function expectNoOverflow(page: Page, after: string): Promise<void> {
  const o = await overflow(page);
  if (o.scroll > o.client)
    console.log(after, await page.evaluate(() => { const cw = document.documentElement.clientWidth; const out: string[] = []; for (const e of document.querySelectorAll('body *')) { const b = e.getBoundingClientRect(); if (b.right > cw + 1 && b.width > 0) { let p = e.parentElement; let scrolled = false; while (p) { const ox = getComputedStyle(p).overflowX; if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { scrolled = true; break; } p = p.parentElement; } if (!scrolled) out.push(`${e.tagName}.${String((e as HTMLElement).className).slice(0,40)} ${Math.round(b.left)}-${Math.round(b.right)}`); } } return out.slice(0, 20).join(' | '); }));
  expect(o.scroll, `page wider than the screen after ${after}`).toBeLessThanOrEqual(o.client);
}

/** The pad, the predicted digit and the last bar, in viewport coordinates. */
async function answerBox(page: Page): Promise<{ pad: number[]; prediction: number[]; bars: number[]; viewport: number[] }> {
  return page.evaluate(() => {
    const box = (sel: string) => {
      const b = document.querySelector(sel)!.getBoundingClientRect();
      return [Math.round(b.left), Math.round(b.top), Math.round(b.right), Math.round(b.bottom)];
    };
    const first = box('[data-testid="prob-0"]');
    const last = box('[data-testid="prob-9"]');
    return {
      pad: box('[data-testid="drawpad"]'),
      prediction: box('[data-testid="prediction"]'),
      bars: [Math.min(first[0]!, last[0]!), first[1]!, Math.max(first[2]!, last[2]!), last[3]!],
      viewport: [0, 0, innerWidth, innerHeight],
    };
  });
}

function inside(b: number[], v: number[]): boolean {
  return b[0]! >= v[0]! && b[1]! >= v[1]! && b[2]! <= v[2]! && b[3]! <= v[3]!;
}

/** Canvases (tiles, strips, legends) of the panel that stick out of it: none may. */
async function tilesOutside(page: Page, panel: string): Promise<string[]> {
  return page.locator(`#panel-${panel}`).evaluate((section) => {
    const p = section.getBoundingClientRect();
    const out: string[] = [];
    for (const c of section.querySelectorAll('canvas')) {
      if (!c.checkVisibility()) continue;
      const b = c.getBoundingClientRect();
      if (b.left < p.left - 0.5 || b.right > p.right + 0.5) out.push(`${c.getAttribute('aria-label') ?? c.className}: ${Math.round(b.left)}–${Math.round(b.right)} in ${Math.round(p.left)}–${Math.round(p.right)}`);
    }
    return out;
  });
}

/** Visible controls smaller than 44 × 44 (a radio or checkbox counts by its label). */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')) {
      if (!el.checkVisibility() || el.classList.contains('app-skip')) continue;
      const target = el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox') ? (el.closest('label') ?? el) : el;
      const b = target.getBoundingClientRect();
      if (b.width < 44 - 0.01 || b.height < 44 - 0.01) out.push(`${el.dataset['testid'] ?? el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 20)}" ${b.width.toFixed(1)}×${b.height.toFixed(1)}`);
    }
    return out;
  });
}

/** Visible text in a font under 12 px (sub- and superscripts included). */
async function smallText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !(n.textContent ?? '').trim() || !el.checkVisibility() || el.closest('.cl-sr, .katex-mathml, [hidden]')) continue;
      const r = document.createRange();
      r.selectNodeContents(n);
      const rect = r.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < 11.995) out.add(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 30)} "${n.textContent!.trim().slice(0, 16)}" ${size.toFixed(1)}px`);
    }
    return [...out].slice(0, 30);
  });
}

/** Each column header of the confusion matrix over the cells of its column. */
async function headerOffsets(page: Page): Promise<number[]> {
  return page.getByTestId('confusion-matrix').evaluate((table) => {
    const heads = [...table.querySelectorAll('thead th')].slice(1);
    return heads.map((th, c) => {
      const h = th.getBoundingClientRect();
      const cell = table.querySelector(`[data-testid="cm-5-${c}"]`)!.getBoundingClientRect();
      return Math.abs((h.left + h.right) / 2 - (cell.left + cell.right) / 2);
    });
  });
}

describe('phones, tablets, laptops', () => {
  it('a 390×844 touch phone: draw with a finger, start and pause, every panel; nothing too wide, clipped, small or misaligned', async () => {
    const context = await env.browser.newContext({ ...DEVICES.phone });
    try {
      const { page, errors } = await openPage(context, env.server.url);
      await ready(page);
      await expectNoOverflow(page, 'loading');

      // Draw with a finger, the pad scrolled to the top of the screen: the answer is on the same screen.
      await page.getByTestId('drawpad').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await drawDigitTouch(page, page.getByTestId('drawpad'), 3);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 15_000 }).toMatch(/^\d$/);
      const a = await answerBox(page);
      console.log(`phone 390×844: pad ${a.pad}, prediction ${a.prediction}, bars ${a.bars} (viewport ${a.viewport})`);
      expect(inside(a.pad, a.viewport)).toBe(true);
      expect(inside(a.prediction, a.viewport)).toBe(true);
      expect(inside(a.bars, a.viewport)).toBe(true);
      expect(await page.getByTestId('prediction').textContent()).toBe('3');
      await expectNoOverflow(page, 'drawing');

      // Start from the status line at the top (in reach without scrolling), pause from the Training panel.
      await page.evaluate(() => scrollTo(0, 0));
      await page.waitForTimeout(300); // the page settles after the prediction
      const quick = page.getByTestId('status-start');
      const quickBox = (await quick.boundingBox())!;
      expect(quickBox.y + quickBox.height).toBeLessThanOrEqual(844);
      await quick.tap();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 30_000 });
      await page.waitForFunction(() => (window.__cnnlab?.accuracySeries().length ?? 0) >= 1, null, { timeout: 60_000 });
      await page.getByTestId('pause').tap();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'paused', null, { timeout: 30_000 });
      await page.getByTestId('start').tap();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 30_000 });
      await quick.tap();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'paused', null, { timeout: 30_000 });
      await expectNoOverflow(page, 'training');

      // Inside the network: a test image.
      await page.getByTestId('source-test').tap();
      await expect.poll(() => page.getByTestId('network-caption').textContent(), { timeout: 15_000 }).toMatch(/^Test image #0/);
      await page.waitForTimeout(300);
      expect(await tilesOutside(page, 'network')).toEqual([]);
      expect(await tilesOutside(page, 'draw')).toEqual([]);
      await expectNoOverflow(page, 'a test image in "Inside the network"');

      // Backprop: one step (KaTeX everywhere).
      await page.getByTestId('bp-step').tap();
      await expect.poll(() => page.getByTestId('bp-caption').textContent(), { timeout: 15_000 }).toMatch(/Trained on one training sample/);
      await page.waitForTimeout(300);
      await expectNoOverflow(page, '"Step one sample"');
      expect(await tilesOutside(page, 'backprop')).toEqual([]);
      // S, Y and δ: one table, its columns in line, scrolled in its own box with a cue.
      const sy = await page.getByTestId('bp-probs').evaluate((row) => {
        const table = row.closest('table')!;
        const box = table.parentElement!;
        const lefts = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => Math.round(td.getBoundingClientRect().left)));
        const cue = box.previousElementSibling as HTMLElement;
        return { lefts, overflow: box.dataset['overflow'], cue: cue.checkVisibility() ? cue.textContent : null, scrolls: box.scrollWidth > box.clientWidth };
      });
      expect(sy.lefts[1]).toEqual(sy.lefts[0]);
      expect(sy.lefts[2]).toEqual(sy.lefts[0]);
      if (sy.scrolls) expect(sy.cue).toMatch(/Scroll sideways/);
      console.log(`phone: S/Y/δ table ${sy.scrolls ? 'scrolls, cue shown' : 'fits'}`);

      // The test set: the headers over their columns, before and after scrolling the matrix sideways.
      expect(Math.max(...(await headerOffsets(page)))).toBeLessThan(1);
      const scrolls = await page.getByTestId('confusion-scroll').evaluate((b) => b.scrollWidth > b.clientWidth);
      if (scrolls) {
        await expect.poll(() => page.getByTestId('confusion-cue').isVisible()).toBe(true);
        await page.getByTestId('confusion-scroll').evaluate((b) => b.scrollTo({ left: b.scrollWidth }));
        expect(Math.max(...(await headerOffsets(page)))).toBeLessThan(1);
        // The row headers stay in view (sticky) while the cells scroll.
        const th = await page.locator('[data-testid="confusion-matrix"] tbody th').first().boundingBox();
        const wrap = await page.getByTestId('confusion-scroll').boundingBox();
        expect(th!.x).toBeGreaterThanOrEqual(wrap!.x - 0.5);
      }
      await page.getByTestId('cm-5-3').tap();
      await expect.poll(() => page.getByTestId('cell-images').count(), { timeout: 15_000 }).toBeGreaterThan(0);
      await expectNoOverflow(page, 'a confusion cell');

      expect(await smallTargets(page)).toEqual([]);
      expect(await smallText(page)).toEqual([]);
      await page.screenshot({ path: screenshotPath('phone-light'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(300);
      await page.screenshot({ path: screenshotPath('phone-dark'), fullPage: true });
      await page.evaluate(() => scrollTo(0, 0));
      await page.screenshot({ path: screenshotPath('phone-dark-top') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a 360×740 phone (the narrowest): the answer on one screen, the confusion matrix readable and right, nothing too wide', async () => {
    const context = await env.browser.newContext({ ...DEVICES.phone, viewport: { width: 360, height: 740 } });
    try {
      const { page, errors } = await openPage(context, env.server.url);
      await ready(page);
      await page.getByTestId('drawpad').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await drawDigitTouch(page, page.getByTestId('drawpad'), 4);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 15_000 }).toBe('4');
      const a = await answerBox(page);
      console.log(`phone 360×740: pad ${a.pad}, prediction ${a.prediction}, bars ${a.bars} (viewport ${a.viewport})`);
      expect(inside(a.pad, a.viewport) && inside(a.prediction, a.viewport) && inside(a.bars, a.viewport)).toBe(true);
      await expectNoOverflow(page, 'drawing at 360 px');
      // The matrix: every header over its column, every count inside its cell, the sticky row header in view.
      await page.getByTestId('confusion-matrix').scrollIntoViewIfNeeded();
      expect(Math.max(...(await headerOffsets(page)))).toBeLessThan(1);
      const cells = await page.getByTestId('confusion-matrix').evaluate((t) =>
        [...t.querySelectorAll<HTMLElement>('.app-cm-cell')].filter((b) => b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1).map((b) => b.dataset['testid']),
      );
      expect(cells).toEqual([]); // no count overflows its cell
      expect(await page.getByTestId('cm-3-3').textContent()).toMatch(/^\d{3,4}$/); // the diagonal holds the big counts
      expect(await page.getByTestId('confusion-scroll').evaluate((b) => b.scrollWidth > b.clientWidth)).toBe(true);
      await expect.poll(() => page.getByTestId('confusion-cue').isVisible()).toBe(true); // shown after the next layout
      await page.getByTestId('confusion-scroll').evaluate((b) => b.scrollTo({ left: b.scrollWidth }));
      expect(Math.max(...(await headerOffsets(page)))).toBeLessThan(1);
      await page.screenshot({ path: screenshotPath('phone-360-confusion') });
      expect(await smallTargets(page)).toEqual([]);
      await expectNoOverflow(page, 'scrolling the matrix');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  for (const size of ['laptop', 'tablet'] as const) {
    it(`${size} ${DEVICES[size].viewport.width}×${DEVICES[size].viewport.height}: the pad, the prediction and all ten bars on one screen; no overflow; screenshots light and dark`, async () => {
      const context = await env.browser.newContext({ ...DEVICES[size] });
      try {
        const { page, errors } = await openPage(context, env.server.url);
        await ready(page);
        await page.getByTestId('drawpad').evaluate((e) => e.scrollIntoView({ block: 'start' }));
        if (size === 'tablet') await drawDigitTouch(page, page.getByTestId('drawpad'), 7);
        else await drawDigit(page, 7);
        await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 15_000 }).toBe('7');
        const a = await answerBox(page);
        console.log(`${size}: pad ${a.pad}, prediction ${a.prediction}, bars ${a.bars} (viewport ${a.viewport})`);
        expect(inside(a.pad, a.viewport)).toBe(true);
        expect(inside(a.prediction, a.viewport)).toBe(true);
        expect(inside(a.bars, a.viewport)).toBe(true);
        await expectNoOverflow(page, 'drawing');
        expect(await tilesOutside(page, 'network')).toEqual([]);
        expect(Math.max(...(await headerOffsets(page)))).toBeLessThan(1);
        if (size === 'tablet') expect(await smallTargets(page)).toEqual([]);
        expect(await smallText(page)).toEqual([]);
        await page.screenshot({ path: screenshotPath(`${size}-light`) });
        await page.screenshot({ path: screenshotPath(`${size}-light-full`), fullPage: true });
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.waitForTimeout(300);
        await page.screenshot({ path: screenshotPath(`${size}-dark`) });
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});

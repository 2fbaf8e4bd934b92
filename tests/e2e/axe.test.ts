// axe-core 4 (WCAG 2.1 A and AA, plus best practices) on every way the demo is
// shown — the page (index.html), embed.html, and a course page on another origin
// with two <cnn-lab> elements (unique landmark names) — at laptop and phone sizes, in
// light and dark mode, after training has run and a digit was predicted (and one
// backprop step shown, so KaTeX and the δ tables are on the page): 0 serious or
// critical violations. Every count is printed; the screenshots of the dark pages go
// to tests/e2e/screenshots/. Also: the theme toggle is stored and applied before the
// first paint, and <cnn-lab theme="dark"> / a course page's color-scheme set the
// element's colours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEVICES, drawDigitOn, launchChromium, openPage, screenshotPath, serveDist, STRICT_CSP, type StaticServer } from './helpers';
import { describeViolations, runAxe, type AxeReport } from './axe';

let server: StaticServer;
let cdn: StaticServer;
let site: StaticServer;
let browser: Browser;

const COURSE = (cdnUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lesson 5: backpropagation</title><link rel="icon" href="data:,">
<script type="module" src="${cdnUrl}cnnlab/cnn-lab.js"></script></head>
<body><main><h1>Lesson 5: backpropagation</h1>
<p>Train the network, then draw a digit in the second demo.</p>
<cnn-lab id="lab-a" seed="1"></cnn-lab>
<h2>Exercise</h2>
<cnn-lab id="lab-b" seed="7" panels="draw,network,backprop,test"></cnn-lab>
</main></body></html>`;

beforeAll(async () => {
  server = await serveDist({ csp: STRICT_CSP });
  cdn = await serveDist({ mount: '/cnnlab/', cors: true });
  const cdnOrigin = new URL(cdn.url).origin;
  const siteCsp =
    `default-src 'self'; script-src 'self' ${cdnOrigin} 'wasm-unsafe-eval'; worker-src 'self' blob: ${cdnOrigin}; ` +
    `connect-src 'self' ${cdnOrigin}; font-src 'self' ${cdnOrigin}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:`;
  site = await serveDist({ mount: '/nothing-here/', csp: siteCsp });
  site.override('/lesson.html', new TextEncoder().encode(COURSE(cdn.url)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), cdn?.close(), site?.close()]);
});

type Size = 'laptop' | 'phone';
const results: string[] = [];

async function axeBoth(page: Page, what: string, size: Size): Promise<void> {
  for (const mode of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: mode });
    await page.waitForTimeout(400); // plots and legends repaint
    const r: AxeReport = await runAxe(page);
    const line = `${what} ${size} ${mode}: critical ${r.counts['critical']}, serious ${r.counts['serious']}, moderate ${r.counts['moderate']}, minor ${r.counts['minor']} (${r.passes} rules passed, ${r.incomplete} need review: ${r.incompleteIds.join(', ')})`;
    results.push(line);
    console.log(line + (r.violations.length ? `\n${describeViolations(r.violations)}` : ''));
    if (mode === 'dark') await page.screenshot({ path: screenshotPath(`axe-${what}-${size}-dark`), fullPage: size === 'laptop' });
    expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), describeViolations(r.violations)).toEqual([]);
  }
}

/** In `scope` (the page or one element): train until the first accuracy point, pause, draw a 7, one backprop step. */
async function exercise(page: Page, scope: Locator, hooks: string, canTrain = true): Promise<void> {
  const state = () => page.evaluate((h) => (eval(h) as { state(): string } | null)?.state(), hooks);
  await expect.poll(state, { timeout: 60_000 }).toBe('idle'); // MNIST loads on Start (or an evaluation)
  if (canTrain) {
    await scope.getByTestId('status-start').click();
    await expect.poll(state, { timeout: 30_000 }).toBe('running');
    await page.waitForTimeout(2500);
    await scope.getByTestId('status-start').click();
    await expect.poll(state, { timeout: 30_000 }).toBe('paused');
  }
  await drawDigitOn(page, scope.getByTestId('drawpad'), 7);
  await expect.poll(() => scope.getByTestId('prediction').textContent(), { timeout: 15_000 }).toMatch(/^\d$/);
  const step = scope.getByTestId(canTrain ? 'bp-step' : 'bp-trace');
  if ((await step.count()) > 0) {
    if (!canTrain) await scope.getByTestId('bp-drawing-label').selectOption('7');
    await step.click();
    await expect.poll(() => scope.getByTestId('bp-caption').textContent(), { timeout: 15_000 }).toMatch(/Y = \d/);
  }
  const evaluate = scope.getByTestId('eval-pretrained');
  if ((await evaluate.count()) > 0) {
    await evaluate.click();
    await scope.getByTestId('confusion-matrix').waitFor({ timeout: 60_000 });
  }
  await page.waitForTimeout(500);
}

async function context(size: Size): Promise<BrowserContext> {
  return browser.newContext({ ...DEVICES[size] });
}

describe('axe-core: 0 serious or critical violations', () => {
  for (const size of ['laptop', 'phone'] as const) {
    it(`index.html, ${size}, light and dark, after training and a prediction`, async () => {
      const ctx = await context(size);
      try {
        const { page, errors } = await openPage(ctx, server.url);
        await exercise(page, page.locator('body'), 'window.__cnnlab');
        await axeBoth(page, 'index', size);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });

    it(`embed.html, ${size}, light and dark`, async () => {
      const ctx = await context(size);
      try {
        const { page, errors } = await openPage(ctx, `${server.url}embed.html?seed=3`);
        await exercise(page, page.locator('cnn-lab'), "document.querySelector('cnn-lab')");
        await axeBoth(page, 'embed', size);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });

    it(`a course page on another origin with two <cnn-lab>, ${size}, light and dark`, async () => {
      const ctx = await context(size);
      try {
        const { page, errors } = await openPage(ctx, `${site.url}lesson.html`);
        await exercise(page, page.locator('#lab-a'), "document.getElementById('lab-a')");
        await exercise(page, page.locator('#lab-b'), "document.getElementById('lab-b')", false);
        // The two elements' landmarks have different names.
        const names = await page.evaluate(() =>
          [...document.querySelectorAll('cnn-lab')].map((lab) => lab.shadowRoot!.querySelector('section.app-status')!.getAttribute('aria-label')),
        );
        expect(names).toEqual(['Status of cnnlab 1', 'Status of cnnlab 2']);
        await axeBoth(page, 'course', size);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
  }

  for (const size of ['laptop', 'phone'] as const) {
    it(`the "Embed this" dialog, ${size}, light and dark`, async () => {
      const ctx = await context(size);
      try {
        const { page, errors } = await openPage(ctx, server.url);
        await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
        await page.getByTestId('embed-open').click();
        await page.locator('dialog[open]').waitFor({ timeout: 30_000 });
        await page.waitForTimeout(1500); // its previews load
        await axeBoth(page, 'embed-dialog', size);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
  }

  it('prints the counts', () => {
    console.log(`axe-core summary:\n${results.join('\n')}`);
    expect(results.length).toBe(16);
  });
});

describe('dark mode', () => {
  it('the toggle is stored, applied before the first paint after a reload, and the plots follow', async () => {
    const ctx = await browser.newContext({ ...DEVICES.laptop, colorScheme: 'light' });
    try {
      // data-theme as it is when <body> is first parsed: theme-init.js has run, main.ts not yet.
      await ctx.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (document.body) {
            (window as unknown as { __themeAtBody: string | null }).__themeAtBody = document.documentElement.getAttribute('data-theme');
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      });
      const { page, errors } = await openPage(ctx, server.url);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(await bg()).toBe('rgb(245, 246, 248)');
      const axisColor = () => page.getByTestId('loss-plot').locator('canvas').first().evaluate((c) => {
        // the axis labels are drawn in --ink-2: sample the darkest/lightest text pixel of the left axis
        const ctx2 = (c as HTMLCanvasElement).getContext('2d')!;
        const d = ctx2.getImageData(0, 0, 40, (c as HTMLCanvasElement).height).data;
        let max = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 200) max = Math.max(max, d[i]! + d[i + 1]! + d[i + 2]!);
        return max;
      });
      const lightAxis = await axisColor();
      await page.getByTestId('theme').selectOption('dark');
      expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
      expect(await bg()).toBe('rgb(15, 20, 25)');
      expect(await page.evaluate(() => localStorage.getItem('cnnlab-theme'))).toBe('dark');
      await page.waitForTimeout(300);
      const darkAxis = await axisColor();
      console.log(`axis text brightness (sum of RGB, brightest opaque pixel): light ${lightAxis}, dark ${darkAxis}`);
      expect(darkAxis).toBeGreaterThan(lightAxis + 200); // light text on the dark theme
      await page.reload();
      expect(await page.evaluate(() => (window as unknown as { __themeAtBody: string | null }).__themeAtBody)).toBe('dark');
      expect(await page.getByTestId('theme').inputValue()).toBe('dark');
      await page.getByTestId('theme').selectOption('system');
      expect(await page.evaluate(() => localStorage.getItem('cnnlab-theme'))).toBeNull();
      expect(await bg()).toBe('rgb(245, 246, 248)');
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await bg()).toBe('rgb(15, 20, 25)');
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('<cnn-lab>: theme="dark" forces dark, the course page\'s color-scheme is followed, else the system\'s', async () => {
    const html = (attr: string, pageScheme: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title><link rel="icon" href="data:,">
<style>:root { color-scheme: ${pageScheme}; }</style>
<script type="module" src="${cdn.url}cnnlab/cnn-lab.js"></script></head><body><main><h1>t</h1><cnn-lab id="lab" panels="draw" ${attr}></cnn-lab></main></body></html>`;
    const cases = [
      { attr: 'theme="dark"', scheme: 'normal', system: 'light', want: 'dark' },
      { attr: 'theme="light"', scheme: 'normal', system: 'dark', want: 'light' },
      { attr: '', scheme: 'dark', system: 'light', want: 'dark' },
      { attr: '', scheme: 'light', system: 'dark', want: 'light' },
      { attr: '', scheme: 'normal', system: 'dark', want: 'dark' },
      { attr: '', scheme: 'light dark', system: 'light', want: 'light' },
    ] as const;
    for (const [i, c] of cases.entries()) {
      site.override(`/theme${i}.html`, new TextEncoder().encode(html(c.attr, c.scheme)));
      const ctx = await browser.newContext({ ...DEVICES.laptop, colorScheme: c.system });
      try {
        const { page, errors } = await openPage(ctx, `${site.url}theme${i}.html`);
        const panel = page.locator('#lab').locator('.app-panel:not([hidden])').first();
        await panel.waitFor();
        const bg = await panel.evaluate((p) => getComputedStyle(p).backgroundColor);
        const got = bg === 'rgb(255, 255, 255)' ? 'light' : bg === 'rgb(26, 32, 41)' ? 'dark' : bg;
        console.log(`<cnn-lab ${c.attr}> on a page with color-scheme ${c.scheme}, system ${c.system}: ${got}`);
        expect(got).toBe(c.want);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    }
    // Changing the attribute later recolours without a restart.
    site.override('/theme-live.html', new TextEncoder().encode(html('', 'normal')));
    const ctx = await browser.newContext({ ...DEVICES.laptop, colorScheme: 'light' });
    try {
      const { page } = await openPage(ctx, `${site.url}theme-live.html`);
      const panel = page.locator('#lab').locator('.app-panel:not([hidden])').first();
      await panel.waitFor();
      await page.evaluate(() => document.getElementById('lab')!.setAttribute('theme', 'dark'));
      expect(await panel.evaluate((p) => getComputedStyle(p).backgroundColor)).toBe('rgb(26, 32, 41)');
    } finally {
      await ctx.close();
    }
  });
});

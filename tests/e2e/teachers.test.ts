// Trying it as a teacher would: "Embed this" on the page (its snippet pasted into a
// course page on another origin shows the panels and settings chosen; the iframe
// form sizes itself), what a page downloads before anyone presses Start (index.html,
// a course page with two elements) and after, layout shift while loading (index.html
// on a desktop and a 390×844 phone, a course page with the README's snippet, and the
// same page without its reserving rule, which must shift: the measure can fail), an
// element whose host sends no CORS header (the fallback text in the reserved box),
// and texts that only name the panels shown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { drawDigitOn, launchChromium, layoutShift, openPage, recordLayoutShifts, ROOT, screenshotPath, serveDist, STRICT_CSP, type StaticServer } from './helpers';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const BUDGET = 1.5e6;
const MNIST_TRAIN = 'data/mnist/train-images-idx3-ubyte.gz';

let site: StaticServer; // the cnnlab site (dist/), with CORS: a CDN or the teacher's own copy
let course: StaticServer; // course pages, another origin
let browser: Browser;

beforeAll(async () => {
  site = await serveDist({ cors: true, csp: STRICT_CSP });
  course = await serveDist({ mount: '/nothing-here/' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await course?.close();
});

/** A course page: a header, text, the snippet in a column of `column` px, more text below. */
function coursePage(snippet: string, column = 960): string {
  const para = '<p>Convolutional networks share their weights across the image: a 5×5 kernel slides over the 28×28 input, and the same 25 numbers are used at every position. Read the handout, pages 2 to 4, before the exercise below.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lesson 6</title><link rel="icon" href="data:,">
<style>body { margin: 0; font: 18px/1.6 Georgia, serif; color: #222 } main { width: ${column}px; margin: 0 auto }</style></head>
<body><main><h1>Lesson 6: what a network sees</h1>${para}
${snippet}
${para.repeat(8)}<p id="end">End of the lesson.</p></main></body></html>`;
}

/** The README's code block after `<!-- marker -->`. */
function readmeBlock(marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n`).exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (!m) throw new Error(`README.md has no code block after <!-- ${marker} -->`);
  return m[1]!;
}

type Lab = HTMLElement & { state(): string; dataState(): string; lossSeries(): number[] };
const stateOf = (lab: Locator) => lab.evaluate((e) => (e as Lab).state());

async function shownPanels(scope: Locator): Promise<string[]> {
  return scope.locator('section[id^="panel-"]').evaluateAll((sections) =>
    sections.filter((s) => !(s as HTMLElement).hidden && (s as HTMLElement).offsetParent !== null).map((s) => s.id.slice('panel-'.length)),
  );
}

async function newContext(width: number, height: number, extra: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, ...extra });
}

describe('Embed this', () => {
  it('writes snippets whose element, pasted into a course page on another origin, has the panels, settings and test image chosen', async () => {
    const context = await newContext(1280, 900, { permissions: ['clipboard-read', 'clipboard-write'] });
    try {
      const { page, errors } = await openPage(context, `${site.url}#lr=0.02&f=tanh&pool=max&seed=7&train=10000&aug=mild`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('embed-open').click();
      const dialog = page.getByTestId('embed-dialog');
      await dialog.waitFor();
      // It starts from the page's settings.
      expect(await page.getByTestId('embed-lr').inputValue()).toBe('0.02');
      expect(await page.getByTestId('embed-activation').inputValue()).toBe('tanh');
      expect(await page.getByTestId('embed-seed').inputValue()).toBe('7');
      expect(await page.getByTestId('embed-train-size').inputValue()).toBe('10000');
      expect(await page.getByTestId('embed-augment').inputValue()).toBe('mild');
      for (const panel of ['training', 'plots', 'draw', 'weights', 'network', 'backprop', 'test']) await page.getByTestId(`embed-panel-${panel}`).setChecked(['training', 'draw', 'network'].includes(panel));
      await page.getByTestId('embed-test-image').fill('5');
      await page.getByTestId('embed-autoplay').check();
      await page.getByTestId('embed-column').fill('1000');
      // A bad value is explained and left out of the snippet.
      await page.getByTestId('embed-seed').fill('-4');
      await expect.poll(() => page.getByTestId('embed-errors').textContent()).toMatch(/The seed must be a whole number from 0 to 4,294,967,295\./);
      await page.getByTestId('embed-seed').fill('7');
      await expect.poll(() => page.getByTestId('embed-errors').textContent()).toBe('');

      // The miniatures settle (their test image shown), and the rule takes their heights.
      await expect
        .poll(() => page.locator('.embed-dialog cnn-lab').evaluateAll((labs) => labs.map((l) => l.shadowRoot?.querySelector('[data-testid="network-caption"]')?.textContent ?? '')), { timeout: 60_000 })
        .toEqual([expect.stringMatching(/^Test image #5:/), expect.stringMatching(/^Test image #5:/)]);
      await page.waitForTimeout(500);
      const heights = await page.getByTestId('embed-heights').textContent();
      const [wide, narrow] = (/Reserved height: ([\d,]+) px in a 1,000 px column, ([\d,]+) px on a phone/.exec(heights ?? '') ?? []).slice(1).map((t) => Number(t!.replace(/,/g, '')));
      console.log(`Embed this: ${heights}`);
      expect(wide).toBeGreaterThan(1000);
      expect(narrow).toBeGreaterThan(wide!);
      await page.screenshot({ path: screenshotPath('embed-dialog') });

      // Copy: what lands on the clipboard is the snippet shown.
      const self = await page.getByTestId('embed-code-self').inputValue();
      await page.getByTestId('embed-copy-self').click();
      await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(self);
      const cdn = await page.getByTestId('embed-code-cdn').inputValue();
      expect(cdn).toContain(`<script type="module" src="https://cdn.jsdelivr.net/npm/cnnlab@${VERSION}/dist/cnn-lab.js"></script>`);
      expect(cdn.replace(`https://cdn.jsdelivr.net/npm/cnnlab@${VERSION}/dist/`, site.url)).toBe(self);
      expect(self).toContain('<cnn-lab panels="training,draw,network" seed="7" lr="0.02" activation="tanh" pooling="max" train-size="10000" augment="mild" test-image="5" autoplay>');
      expect(self).toContain(`cnn-lab:not(:defined)[panels="training,draw,network"] { min-height: ${wide}px; }`);
      expect(errors).toEqual([]);

      // Pasted into a course page of another origin, in a 1,000 px column.
      course.override('/lesson-pasted.html', new TextEncoder().encode(coursePage(self, 1000)));
      const { page: lesson, errors: lessonErrors } = await openPage(context, 'about:blank');
      await recordLayoutShifts(lesson);
      await lesson.goto(`${course.url}lesson-pasted.html`);
      const lab = lesson.locator('cnn-lab');
      await expect.poll(() => stateOf(lab), { timeout: 60_000 }).not.toBe('starting');
      expect(await shownPanels(lab)).toEqual(['training', 'draw', 'network']);
      expect(await lab.getByTestId('lr').inputValue()).toBe('0.02');
      expect(await lab.getByTestId('activation').inputValue()).toBe('tanh');
      expect(await lab.getByTestId('pooling').inputValue()).toBe('max');
      expect(await lab.getByTestId('seed').inputValue()).toBe('7');
      expect(await lab.getByTestId('train-size').inputValue()).toBe('10000');
      expect(await lab.getByTestId('augment').inputValue()).toBe('mild');
      await expect.poll(() => lab.getByTestId('network-caption').textContent(), { timeout: 30_000 }).toMatch(/^Test image #5: true digit 1/);
      await expect.poll(() => stateOf(lab), { timeout: 60_000 }).toBe('running'); // autoplay, in view
      const { cls, shifts } = await layoutShift(lesson);
      const height = await lab.evaluate((e) => e.getBoundingClientRect().height);
      console.log(`pasted snippet: reserved ${wide} px, element ${Math.round(height)} px; CLS ${cls.toFixed(4)} ${JSON.stringify(shifts)}`);
      expect(cls).toBeLessThanOrEqual(0.1);
      await lesson.screenshot({ path: screenshotPath('embed-pasted'), fullPage: true });
      expect(lessonErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the iframe snippet: embed.html with those options, sized by its listener', async () => {
    const context = await newContext(1280, 900);
    try {
      const { page } = await openPage(context, site.url);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('embed-open').click();
      for (const panel of ['training', 'plots', 'draw', 'weights', 'network', 'backprop', 'test']) await page.getByTestId(`embed-panel-${panel}`).setChecked(panel === 'draw' || panel === 'weights');
      await page.getByTestId('embed-seed').fill('3');
      await page.waitForTimeout(500);
      const iframe = await page.getByTestId('embed-code-iframe').inputValue();
      expect(iframe).toContain(`<iframe src="${site.url}embed.html?panels=draw,weights&amp;seed=3"`);
      course.override('/lesson-frame.html', new TextEncoder().encode(coursePage(iframe, 900)));
      const { page: lesson, errors } = await openPage(context, `${course.url}lesson-frame.html`);
      const frame = lesson.frameLocator('iframe');
      await frame.getByTestId('drawpad').waitFor({ timeout: 60_000 });
      expect(await shownPanels(frame.locator('cnn-lab'))).toEqual(['draw', 'weights']);
      expect(await frame.locator('cnn-lab').getByTestId('weights-file').count()).toBe(1);
      await expect
        .poll(async () => {
          const outer = await lesson.locator('iframe').evaluate((f) => f.getBoundingClientRect().height);
          const inner = await frame.locator('#embed').evaluate((e) => Math.ceil(e.getBoundingClientRect().height));
          return Math.abs(outer - inner);
        }, { timeout: 30_000 })
        .toBeLessThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fits a 390×844 phone, keyboard only: opened, filled and closed without a pointer', async () => {
    const context = await newContext(390, 844, { isMobile: true, hasTouch: true });
    try {
      const { page, errors } = await openPage(context, site.url);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('embed-open').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('embed-dialog').waitFor();
      // Focus is inside the dialog; Tab reaches a panel box and the copy buttons.
      await page.getByTestId('embed-panel-training').focus();
      await page.keyboard.press('Space');
      expect(await page.getByTestId('embed-panel-training').isChecked()).toBe(true);
      await expect.poll(() => page.getByTestId('embed-code-cdn').inputValue()).toContain('panels="training,draw,network"');
      const box = await page.getByTestId('embed-dialog').boundingBox();
      expect(box!.width).toBeLessThanOrEqual(390);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: screenshotPath('embed-dialog-phone') });
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('embed-dialog').isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('what a page downloads', () => {
  it(`index.html: at most ${BUDGET / 1e6} MB before Start (service worker included), MNIST once after`, async () => {
    const server = await serveDist({ csp: STRICT_CSP });
    const context = await newContext(1280, 900);
    try {
      const { page } = await openPage(context, server.url);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
      await page.waitForTimeout(1500);
      const before = server.bytesServed();
      const files = [...server.served().entries()].sort((a, b) => b[1].bytes - a[1].bytes);
      console.log(`index.html before Start: ${(before / 1e6).toFixed(3)} MB in ${files.length} files: ${files.slice(0, 8).map(([p, e]) => `${p} ${e.bytes}`).join(', ')}`);
      expect(files.filter(([p]) => p.startsWith('/data/'))).toEqual([]);
      expect(files.filter(([p]) => /\.(woff|ttf)$/.test(p))).toEqual([]);
      expect(before).toBeLessThanOrEqual(BUDGET);
      await page.getByTestId('start').click();
      await page.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 3, null, { timeout: 60_000 });
      await page.getByTestId('pause').click();
      await page.waitForTimeout(1500); // the service worker keeps its copy meanwhile
      const train = server.served().get(`/${MNIST_TRAIN}`);
      console.log(`index.html after Start: ${(server.bytesServed() / 1e6).toFixed(3)} MB; ${MNIST_TRAIN}: ${train?.requests} request(s), ${train?.bytes} bytes`);
      expect(train?.requests).toBe(1);
    } finally {
      await context.close();
      await server.close();
    }
  });

  it(`a course page with two elements: at most ${BUDGET / 1e6} MB before Start; the training images once for both`, async () => {
    const cdn = await serveDist({ mount: '/npm/cnnlab/', cors: true });
    const cdnUrl = `${cdn.url}npm/cnnlab/`;
    const snippet = readmeBlock('package-test: embed').replace(`https://cdn.jsdelivr.net/npm/cnnlab@${VERSION}/dist/`, cdnUrl);
    course.override(
      '/lesson-two.html',
      new TextEncoder().encode(coursePage(`${snippet}\n<p>Now train one yourself.</p>\n<cnn-lab id="b" panels="training,plots" train-size="10000"></cnn-lab>`, 960)),
    );
    const context = await newContext(1200, 900);
    try {
      const { page, errors } = await openPage(context, `${course.url}lesson-two.html`);
      const labs = page.locator('cnn-lab');
      await expect.poll(() => labs.evaluateAll((ls) => ls.map((l) => (l as Lab).state())), { timeout: 60_000 }).toEqual(['idle', 'idle']);
      await drawDigitOn(page, labs.first().getByTestId('drawpad'), 3);
      await expect.poll(() => labs.first().getByTestId('prediction').textContent(), { timeout: 15_000 }).toBe('3');
      await page.waitForTimeout(1000);
      const before = cdn.bytesServed();
      const files = [...cdn.served().entries()].sort((a, b) => b[1].bytes - a[1].bytes);
      console.log(`course page, two elements, before Start: ${(before / 1e6).toFixed(3)} MB in ${files.length} files: ${files.map(([p, e]) => `${p.replace('/npm/cnnlab/', '')} ${e.bytes}${e.requests > 1 ? ` (${e.requests}×)` : ''}`).join(', ')}`);
      expect(files.filter(([p]) => p.includes('/data/'))).toEqual([]);
      // The .wasm and the weights: one download for both elements (the page shares them).
      expect(files.filter(([p]) => /\.wasm$|cnnlab-default\.json$/.test(p)).map(([p, e]) => `${p.replace(/.*\//, '')} ${e.requests}`)).toEqual([
        expect.stringMatching(/^cnnlab-.*\.wasm 1$/),
        'cnnlab-default.json 1',
      ]);
      expect(before).toBeLessThanOrEqual(BUDGET);
      const b = page.locator('#b');
      await b.scrollIntoViewIfNeeded();
      await b.getByTestId('start').click();
      await expect.poll(() => b.evaluate((e) => (e as Lab).lossSeries().length), { timeout: 60_000 }).toBeGreaterThan(3);
      // The first element trains too: its worker gets the page's copy.
      await page.evaluate(() => (document.querySelector('cnn-lab') as Lab).setAttribute('panels', 'training,draw,network'));
      const a = labs.first();
      await expect.poll(() => stateOf(a), { timeout: 60_000 }).toBe('idle');
      await a.scrollIntoViewIfNeeded();
      await a.getByTestId('start').click();
      await expect.poll(() => a.evaluate((e) => (e as Lab).lossSeries().length), { timeout: 60_000 }).toBeGreaterThan(3);
      const train = cdn.served().get(`/npm/cnnlab/${MNIST_TRAIN}`);
      console.log(`course page after Start in both: ${(cdn.bytesServed() / 1e6).toFixed(3)} MB; training images: ${train?.requests} request(s)`);
      expect(train?.requests).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await cdn.close();
    }
  });
});

describe('layout shift while loading', () => {
  async function loadAndSettle(page: Page, url: string, ready: () => Promise<unknown>): Promise<number> {
    await recordLayoutShifts(page);
    await page.goto(url);
    await ready();
    await page.waitForTimeout(1500);
    const { cls, shifts } = await layoutShift(page);
    console.log(`CLS ${url.replace(/^http:\/\/localhost:\d+/, '')} at ${page.viewportSize()?.width} px: ${cls.toFixed(4)}${shifts.length ? ` ${JSON.stringify(shifts)}` : ''}`);
    return cls;
  }

  it('index.html on a desktop and on a 390×844 phone: CLS ≤ 0.1', async () => {
    for (const [w, h] of [[1280, 900], [390, 844]] as const) {
      const context = await newContext(w, h);
      try {
        const page = await context.newPage();
        const cls = await loadAndSettle(page, site.url, () => page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 }));
        expect(cls).toBeLessThanOrEqual(0.1);
        if (w === 390) await page.screenshot({ path: screenshotPath('index-phone') });
      } finally {
        await context.close();
      }
    }
  });

  it("a course page with the README's snippet: CLS ≤ 0.1; the same page without its <style> rule shifts (> 0.1)", async () => {
    const snippet = readmeBlock('package-test: embed');
    expect(snippet).toContain(`https://cdn.jsdelivr.net/npm/cnnlab@${VERSION}/dist/cnn-lab.js`); // pinned to this version
    const local = snippet.replace(`https://cdn.jsdelivr.net/npm/cnnlab@${VERSION}/dist/`, site.url);
    course.override('/lesson-readme.html', new TextEncoder().encode(coursePage(local, 960)));
    course.override('/lesson-bare.html', new TextEncoder().encode(coursePage(local.replace(/<style>[\s\S]*?<\/style>\n/, ''), 960)));
    const results: Record<string, number> = {};
    for (const name of ['lesson-readme', 'lesson-bare']) {
      const context = await newContext(1200, 900);
      try {
        const page = await context.newPage();
        const lab = page.locator('cnn-lab');
        results[name] = await loadAndSettle(page, `${course.url}${name}.html`, () => expect.poll(() => stateOf(lab), { timeout: 60_000 }).toBe('idle'));
      } finally {
        await context.close();
      }
    }
    expect(results['lesson-readme']).toBeLessThanOrEqual(0.1);
    expect(results['lesson-bare']).toBeGreaterThan(0.1);
  });
});

describe('when it cannot start', () => {
  it('a host without CORS: the reserved box shows the fallback text (never a 0×0 box)', async () => {
    const cdn = await serveDist({ mount: '/cnnlab/' }); // no Access-Control-Allow-Origin
    const snippet = readmeBlock('package-test: embed').replace(`https://cdn.jsdelivr.net/npm/cnnlab@${VERSION}/dist/`, `${cdn.url}cnnlab/`);
    course.override('/lesson-nocors.html', new TextEncoder().encode(coursePage(snippet, 960)));
    const context = await newContext(1200, 900);
    try {
      const { page } = await openPage(context, `${course.url}lesson-nocors.html`);
      await page.waitForTimeout(2500);
      const lab = page.locator('cnn-lab');
      expect(await page.evaluate(() => customElements.get('cnn-lab'))).toBeUndefined();
      const box = await lab.boundingBox();
      expect(box!.width).toBeGreaterThan(900);
      expect(box!.height).toBe(1688); // the README rule's height for draw,network
      expect(await lab.locator('p').isVisible()).toBe(true);
      expect(await lab.locator('p').textContent()).toMatch(/If this text stays, its script could not load: the site that serves cnn-lab\.js must send Access-Control-Allow-Origin/);
      await page.screenshot({ path: screenshotPath('embed-no-cors') });
    } finally {
      await context.close();
      await cdn.close();
    }
  });

  it('MNIST missing on the host: the element says what the host must serve, in words for the panels it shows', async () => {
    const cdn = await serveDist({ mount: '/cnnlab/', cors: true });
    cdn.override('/cnnlab/data/mnist/train-labels-idx1-ubyte.gz', null);
    course.override(
      '/lesson-nodata.html',
      new TextEncoder().encode(coursePage(`<script type="module" src="${cdn.url}cnnlab/cnn-lab.js"></script><cnn-lab panels="training,plots"></cnn-lab>`, 960)),
    );
    const context = await newContext(1200, 900);
    try {
      const { page } = await openPage(context, `${course.url}lesson-nodata.html`);
      const lab = page.locator('cnn-lab');
      await expect.poll(() => stateOf(lab), { timeout: 60_000 }).toBe('idle');
      expect(await lab.getByTestId('status').textContent()).toMatch(/^Ready: press Start to train the network\.$/);
      await lab.getByTestId('start').click();
      await expect.poll(() => lab.evaluate((e) => (e as Lab).dataState()), { timeout: 60_000 }).toBe('failed');
      const status = (await lab.getByTestId('status').textContent()) ?? '';
      expect(status).toMatch(/MNIST could not be loaded/);
      expect(status).toMatch(/train-labels-idx1-ubyte\.gz not found \(HTTP 404\)/);
      expect(status).toMatch(/The site that serves cnn-lab\.js must also serve data\/mnist\/\*\.gz next to it/);
      expect(status).not.toMatch(/draw|npm run/i);
      await lab.screenshot({ path: screenshotPath('embed-no-data') });
    } finally {
      await context.close();
      await cdn.close();
    }
  });
});

describe('texts that fit the panels shown', () => {
  it('the status line and the backprop and network panels name only what is there', async () => {
    course.override(
      '/lesson-texts.html',
      new TextEncoder().encode(coursePage(
        `<script type="module" src="${site.url}cnn-lab.js"></script>
<cnn-lab id="t" panels="training"></cnn-lab><cnn-lab id="b" panels="backprop"></cnn-lab><cnn-lab id="n" panels="network,backprop"></cnn-lab><cnn-lab id="d" panels="draw,backprop"></cnn-lab>`,
        960,
      )),
    );
    const context = await newContext(1200, 900);
    try {
      const { page, errors } = await openPage(context, `${course.url}lesson-texts.html`);
      for (const id of ['t', 'b', 'n', 'd']) await expect.poll(() => stateOf(page.locator(`#${id}`)), { timeout: 60_000 }).toBe('idle');
      const status = (id: string) => page.locator(`#${id}`).locator('.app-status-line').textContent();
      expect(await status('t')).toBe('Ready: press Start to train the network.');
      expect(await status('b')).toBe('Ready: press “Step one sample” to watch backprop.');
      expect(await status('n')).toBe('Ready: choose a test image in “Inside the network”, or press “Step one sample” to watch backprop.');
      expect(await status('d')).toBe('Ready: draw a digit, or press “Step one sample” to watch backprop.');
      // Backprop alone: no "without training" row (it would need an input panel).
      expect(await page.locator('#b').getByTestId('bp-trace').isVisible()).toBe(false);
      // With "Inside the network" but no draw pad: its test image is the input; no drawing choice, no label picker.
      const n = page.locator('#n');
      expect(await n.getByTestId('bp-trace').isVisible()).toBe(true);
      expect(await n.getByTestId('bp-trace-hint').textContent()).toBe('for the test image of “Inside the network”');
      expect(await n.getByTestId('bp-drawing-label').isVisible()).toBe(false);
      expect(await n.getByTestId('source-drawing').isVisible()).toBe(false);
      expect(await n.getByTestId('network-caption').textContent()).toBe('Choose a test image.');
      await n.getByTestId('bp-trace').click();
      await expect.poll(() => n.getByTestId('bp-caption').textContent()).toBe('Choose a test image in “Inside the network” first.');
      // With the draw pad only: the drawing is the input.
      const d = page.locator('#d');
      expect(await d.getByTestId('bp-trace-hint').textContent()).toBe('for your drawing; its label Y:');
      await d.getByTestId('bp-trace').click();
      await expect.poll(() => d.getByTestId('bp-caption').textContent()).toBe('Draw a digit first.');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

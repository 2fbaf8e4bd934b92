// The embeddable forms in a real browser: two <cnn-lab> elements on a foreign course
// page (dist/ mounted under /course/cnnlab/, the page at /course/lesson.html, the
// strict CSP, hostile page styles), and embed.html with a query string. Each element
// loads, predicts a drawn digit, trains on its own, and pauses off screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { drawDigitOn, launchChromium, openPage, screenshotPath, serveDist, STRICT_CSP, type StaticServer } from './helpers';

const MOUNT = '/course/cnnlab/';

// A teacher's page: its own fonts and colours (which must not reach inside the
// element), the module from the sub-path, two elements with a long text between them.
const LESSON = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Lesson 4: convolutional networks</title>
<link rel="icon" href="data:,">
<style>
  body { font: 19px/1.7 Georgia, serif; color: #7a1f1f; max-width: 1100px; margin: 0 auto; padding: 0 20px; background: #fffdf7; }
  h2 { color: red; text-transform: uppercase; }
  button { background: hotpink; }
  .spacer { height: 1600px; border-left: 4px solid #ddd; padding-left: 12px; }
</style>
<script type="module" src="${MOUNT}cnn-lab.js"></script>
</head>
<body>
<h1>Lesson 4: the network of the handout</h1>
<p>Press nothing: the network below starts training by itself. Draw a digit while it learns.</p>
<cnn-lab id="lab-a" seed="1" panels="training,draw,network" train-size="10000" epochs="50" weights="cnnlab/models/cnnlab-default.json" autoplay></cnn-lab>
<div class="spacer"><p>Read pages 2 to 4 of the handout before you go on.</p></div>
<h2>Exercise</h2>
<cnn-lab id="lab-b" seed="7" lr="0.02" activation="tanh" pooling="max" epochs="50" panels="draw,plots,training"></cnn-lab>
<p>End of the lesson.</p>
</body>
</html>`;

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  server = await serveDist({ mount: MOUNT, csp: STRICT_CSP });
  server.override('/course/lesson.html', new TextEncoder().encode(LESSON));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function newContext(): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
}

type Hooked = HTMLElement & { state(): string; dataState(): string; lossSeries(): number[] };

const stateOf = (page: Page, id: string) => page.evaluate((i) => (document.getElementById(i) as Hooked).state(), id);
const dataOf = (page: Page, id: string) => page.evaluate((i) => (document.getElementById(i) as Hooked).dataState(), id);
const lossOf = (page: Page, id: string) => page.evaluate((i) => (document.getElementById(i) as Hooked).lossSeries().length, id);
const cspOf = (page: Page) => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);

/** The panels of one element that are shown, by name. */
async function shownPanels(scope: Locator): Promise<string[]> {
  return scope.locator('section[id^="panel-"]').evaluateAll((sections) =>
    sections.filter((s) => !(s as HTMLElement).hidden && (s as HTMLElement).offsetParent !== null).map((s) => s.id.slice('panel-'.length)),
  );
}

async function predictOn(page: Page, scope: Locator, digit: number): Promise<string> {
  await drawDigitOn(page, scope.getByTestId('drawpad'), digit);
  await expect.poll(() => scope.getByTestId('prediction').textContent(), { timeout: 15_000 }).toMatch(/^\d$/);
  await page.waitForTimeout(200); // the last stroke's prediction
  return (await scope.getByTestId('prediction').textContent()) ?? '';
}

describe('<cnn-lab> on a course page', () => {
  it('two elements under a sub-path and the strict CSP: both load and predict, train independently, pause off screen', async () => {
    const context = await newContext();
    const { page, errors } = await openPage(context, `${server.url}course/lesson.html`);
    const a = page.locator('#lab-a');
    const b = page.locator('#lab-b');
    // A (autoplay, in view) downloads MNIST and trains; B (no autoplay) downloads nothing until asked.
    await expect.poll(() => dataOf(page, 'lab-a'), { timeout: 60_000 }).toBe('ready');
    await expect.poll(() => stateOf(page, 'lab-b'), { timeout: 60_000 }).toBe('idle');
    expect(await dataOf(page, 'lab-b')).toBe('none');

    // The attributes: panels, seed and settings per element.
    expect(await shownPanels(a)).toEqual(['training', 'draw', 'network']);
    expect(await shownPanels(b)).toEqual(["training", "plots", "draw"]);
    expect(await a.getByTestId('seed').inputValue()).toBe('1');
    expect(await b.getByTestId('seed').inputValue()).toBe('7');
    expect(await b.getByTestId('lr').inputValue()).toBe('0.02');
    expect(await b.getByTestId('activation').inputValue()).toBe('tanh');
    expect(await a.getByTestId('train-size').inputValue()).toBe('10000');

    // Autoplay: A trains by itself; B (no autoplay) does not.
    await expect.poll(() => stateOf(page, 'lab-a'), { timeout: 15_000 }).toBe('running');
    await expect.poll(() => lossOf(page, 'lab-a'), { timeout: 15_000 }).toBeGreaterThan(5);
    expect(await stateOf(page, 'lab-b')).toBe('idle');
    expect(await lossOf(page, 'lab-b')).toBe(0);

    // The page's styles stay outside: the panel headings are not red capitals.
    const heading = await a.locator('#h-draw').evaluate((e) => ({ color: getComputedStyle(e).color, transform: getComputedStyle(e).textTransform }));
    expect(heading.transform).toBe('none');
    expect(heading.color).not.toBe('rgb(255, 0, 0)');
    expect(await a.getByTestId('mnist-credit').textContent()).toMatch(/LeCun/);

    // weights="cnnlab/models/…" is relative to the page (/course/lesson.html): A's pretrained weights load.
    expect(await a.getByTestId('model-pretrained').isDisabled()).toBe(false);
    expect(await a.getByTestId('model-note').textContent()).toBe('');

    // Both predict a drawn digit (the shipped weights answer).
    expect(await predictOn(page, a, 7)).toBe('7');
    await page.screenshot({ path: screenshotPath('embed-element-a') });

    // Scrolling to B takes A out of view: A pauses, B is still idle.
    const lossBefore = await lossOf(page, 'lab-a');
    await b.scrollIntoViewIfNeeded();
    await expect.poll(() => stateOf(page, 'lab-a'), { timeout: 10_000 }).toBe('paused');
    expect(await predictOn(page, b, 3)).toBe('3');
    expect(await stateOf(page, 'lab-b')).toBe('idle');
    expect(await lossOf(page, 'lab-b')).toBe(0);
    await page.screenshot({ path: screenshotPath('embed-element-b') });

    // Training B leaves A paused; A's loss series does not grow meanwhile.
    await b.getByTestId('start').click();
    await expect.poll(() => lossOf(page, 'lab-b'), { timeout: 15_000 }).toBeGreaterThan(3);
    const lossPaused = await lossOf(page, 'lab-a');
    await page.waitForTimeout(1500);
    expect(await lossOf(page, 'lab-a')).toBe(lossPaused);
    expect(lossPaused).toBeGreaterThanOrEqual(lossBefore);
    expect(await stateOf(page, 'lab-a')).toBe('paused');

    // Back in view: A goes on by itself; B, now off screen, pauses.
    await a.scrollIntoViewIfNeeded();
    await expect.poll(() => stateOf(page, 'lab-a'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => stateOf(page, 'lab-b'), { timeout: 10_000 }).toBe('paused');
    await page.screenshot({ path: screenshotPath('embed-lesson'), fullPage: true });

    // A hidden tab pauses it too, and it goes on when the tab is back.
    const setHidden = (hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await expect.poll(() => stateOf(page, 'lab-a'), { timeout: 10_000 }).toBe('paused');
    await setHidden(false);
    await expect.poll(() => stateOf(page, 'lab-a'), { timeout: 10_000 }).toBe('running');

    // The elements leave the page's URL and globals alone.
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(await page.evaluate(() => 'cnnlab' in window || '__cnnlab' in window)).toBe(false);

    // Changing attributes later starts the element afresh with the new options.
    await page.evaluate(() => {
      const b = document.getElementById('lab-b')!;
      b.setAttribute('panels', 'draw');
      b.setAttribute('seed', '11');
    });
    await expect.poll(() => shownPanels(b)).toEqual(['draw']);
    expect(await b.getByTestId('seed').inputValue()).toBe('11');
    await expect.poll(() => stateOf(page, 'lab-b'), { timeout: 30_000 }).toBe('idle');
    expect(await dataOf(page, 'lab-b')).toBe('none'); // a new worker: MNIST only when training is asked for
    expect(await lossOf(page, 'lab-b')).toBe(0);

    expect(await cspOf(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('embed.html takes the options from its query string and shows only the listed panels (sub-path, strict CSP)', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 760 }, deviceScaleFactor: 1 });
    const { page, errors } = await openPage(context, `${server.url}course/cnnlab/embed.html?panels=draw,network&seed=3&autoplay`);
    const lab = page.locator('cnn-lab');
    await expect.poll(() => lab.evaluate((e) => (e as Hooked).dataState()), { timeout: 60_000 }).toBe('ready'); // autoplay
    expect(await shownPanels(lab)).toEqual(['draw', 'network']);
    expect(await lab.getByTestId('seed').inputValue()).toBe('3');
    await expect.poll(() => lab.evaluate((e) => (e as Hooked).state()), { timeout: 15_000 }).toBe('running');
    expect(await lab.getByTestId('mnist-credit').textContent()).toMatch(/MNIST by Yann LeCun/);
    expect(await page.locator('.app-header').count()).toBe(0);
    expect(await predictOn(page, lab, 4)).toBe('4');
    await page.screenshot({ path: screenshotPath('embed-html'), fullPage: true });
    expect(await cspOf(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
  it('embed.html tells its parent page its height, and a one-line listener sizes the frame', async () => {
    // The listener of the README, as a file (the course page runs under the strict CSP).
    server.override(
      '/course/resize.js',
      new TextEncoder().encode(
        "addEventListener('message', (e) => { if (e.data?.type !== 'cnnlab:height') return; " +
          "for (const f of document.querySelectorAll('iframe')) if (f.contentWindow === e.source) f.style.height = e.data.height + 'px'; });",
      ),
    );
    server.override(
      '/course/framed.html',
      new TextEncoder().encode(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Framed</title><link rel="icon" href="data:,">
<script src="resize.js"></script></head><body>
<iframe id="frame" src="${MOUNT}embed.html?panels=draw" title="cnnlab" style="width: 900px; height: 200px; border: 0"></iframe>
</body></html>`),
    );
    const context = await newContext();
    const { page, errors } = await openPage(context, `${server.url}course/framed.html`);
    const frame = page.frameLocator('#frame');
    await frame.getByTestId('drawpad').waitFor();
    await page.waitForFunction(() => (document.getElementById('frame') as HTMLIFrameElement).getBoundingClientRect().height > 600, null, { timeout: 30_000 });
    const outer = await page.evaluate(() => (document.getElementById('frame') as HTMLIFrameElement).getBoundingClientRect().height);
    const inner = await frame.locator('#embed').evaluate((e) => e.getBoundingClientRect().height);
    expect(Math.abs(outer - Math.ceil(inner))).toBeLessThanOrEqual(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('cnn-lab.js from another origin (a CDN with CORS): the worker starts from a blob:, the teaching panel gets its KaTeX fonts, under the site\'s CSP', async () => {
    const cdn = await serveDist({ mount: '/cnnlab/', cors: true });
    // The course site's policy names the CDN for the module, the worker's imports (a
    // module worker's imports are checked against worker-src), its fetches and the fonts.
    const cdnOrigin = new URL(cdn.url).origin;
    const siteCsp =
      `default-src 'self'; script-src 'self' ${cdnOrigin} 'wasm-unsafe-eval'; worker-src 'self' blob: ${cdnOrigin}; ` +
      `connect-src 'self' ${cdnOrigin}; font-src 'self' ${cdnOrigin}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:`;
    const site = await serveDist({ mount: '/nothing-here/', csp: siteCsp });
    const page0 = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another site</title><link rel="icon" href="data:,">
<script type="module" src="${cdn.url}cnnlab/cnn-lab.js"></script></head>
<body><h1>Backpropagation, from another site</h1>
<cnn-lab id="lab" panels="draw,backprop" seed="5"></cnn-lab></body></html>`;
    site.override('/lesson.html', new TextEncoder().encode(page0));
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    try {
      const { page, errors } = await openPage(context, `${site.url}lesson.html`);
      expect(new URL(site.url).origin).not.toBe(new URL(cdn.url).origin);
      const lab = page.locator('#lab');
      await expect.poll(() => stateOf(page, 'lab'), { timeout: 60_000 }).toBe('idle');
      expect(await shownPanels(lab)).toEqual(['draw', 'backprop']);
      expect(await predictOn(page, lab, 2)).toBe('2');
      await page.waitForTimeout(500);
      await page.screenshot({ path: screenshotPath('embed-cross-origin'), fullPage: true });
      const katexFont = await page.evaluate(async () => {
        await document.fonts.ready;
        return [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'KaTeX_Main' && f.status === 'loaded').length;
      });
      const katexNodes = await lab.locator('.katex').count();
      console.log(`cross-origin: ${katexNodes} KaTeX nodes, ${katexFont} KaTeX_Main faces loaded`);
      if (katexNodes > 0) expect(katexFont).toBeGreaterThan(0);
      expect(await cspOf(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await site.close();
      await cdn.close();
    }
  });
  it('in a narrow column of a wide page, the full element stacks its panels (container queries, not the window width)', async () => {
    server.override(
      '/course/narrow.html',
      new TextEncoder().encode(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Narrow</title><link rel="icon" href="data:,">
<script type="module" src="${MOUNT}cnn-lab.js"></script></head>
<body><div style="display: flex; gap: 24px"><div style="width: 600px"><cnn-lab id="lab"></cnn-lab></div><p>A wide page: the demo sits in a 600 px column beside the text.</p></div></body></html>`),
    );
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const { page, errors } = await openPage(context, `${server.url}course/narrow.html`);
    const lab = page.locator('#lab');
    await expect.poll(() => stateOf(page, 'lab'), { timeout: 60_000 }).toBe('idle');
    const columns = await lab.locator('.app-grid').evaluate((g) => getComputedStyle(g).gridTemplateColumns.split(' ').length);
    expect(columns).toBe(1);
    expect(await page.evaluate(() => document.getElementById('lab')!.getBoundingClientRect().width)).toBeLessThanOrEqual(600);
    await page.screenshot({ path: screenshotPath('embed-narrow'), clip: { x: 0, y: 0, width: 1400, height: 1800 }, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
  it("says what to fix when the worker's script cannot load (another origin not allowed by the site's worker-src)", async () => {
    const cdn = await serveDist({ mount: '/cnnlab/', cors: true });
    const cdnOrigin = new URL(cdn.url).origin;
    const site = await serveDist({
      mount: '/nothing-here/',
      csp: `default-src 'self'; script-src 'self' ${cdnOrigin} 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self' ${cdnOrigin}; style-src 'self' 'unsafe-inline'`,
    });
    site.override(
      '/lesson.html',
      new TextEncoder().encode(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Blocked</title><link rel="icon" href="data:,">
<script type="module" src="${cdn.url}cnnlab/cnn-lab.js"></script></head><body><cnn-lab id="lab" panels="draw"></cnn-lab></body></html>`),
    );
    const context = await newContext();
    try {
      const { page } = await openPage(context, `${site.url}lesson.html`);
      await expect.poll(() => stateOf(page, 'lab'), { timeout: 20_000 }).toBe('crashed');
      const status = await page.locator('#lab').getByTestId('status').textContent();
      expect(status).toMatch(/did not start/);
      expect(status).toMatch(/worker-src/);
      expect(status).toContain(`Its script comes from ${cdnOrigin}. That site must send Access-Control-Allow-Origin`);
      await page.screenshot({ path: screenshotPath('embed-blocked') });
    } finally {
      await context.close();
      await site.close();
      await cdn.close();
    }
  });
});

// The teaching components in a real browser: the dev demo web/dev/components.html
// (DrawPad → preprocessInk → the WASM model → ProbabilityBars + NetworkView) served
// by Vite and driven by headless Chromium through playwright-core. The model is
// trained in the page for one epoch, then digits are drawn with the mouse.
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../e2e/helpers';
import { ROOT } from './helpers/core';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Strokes in pad coordinates (0..280), one array of points per stroke. */
const DIGITS: Record<string, [number, number][][]> = {
  '7': [[[70, 60], [210, 60], [190, 110], [150, 180], [125, 235]]],
  '1': [[[150, 45], [145, 130], [140, 235]]],
  '4': [[[95, 50], [80, 150], [200, 150]], [[170, 60], [165, 150], [160, 240]]],
  '0': [[[140, 45], [90, 80], [80, 150], [105, 225], [160, 235], [200, 180], [205, 100], [180, 55], [140, 45]]],
};

type Demo = {
  cnnlabDemo: {
    renderMs(): number;
    refresh(): void;
    input(): Float32Array | null;
    model(): { tensors(): { params: Record<string, { data: Float32Array }> } } | null;
  };
};

describe('the teaching components in headless Chromium', () => {
  it('has Chromium to run in (CI installs Debian\'s chromium)', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
  });

  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await createServer({
      configFile: false,
      root: `${ROOT}web`,
      logLevel: 'error',
      // no file watching: other builds (e.g. the WASM) must not reload the page mid-test
      server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    });
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('vite gave no URL');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 2 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}dev/components.html?train`);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset['status'] ?? ''), null, {
      timeout: 150_000,
    });
    expect(errors).toEqual([]);
    expect(await page.locator('body').getAttribute('data-status')).toBe('ready');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function draw(digit: string): Promise<void> {
    await page.getByTestId('drawpad-clear').click();
    const box = (await page.getByTestId('drawpad').boundingBox())!;
    for (const stroke of DIGITS[digit]!) {
      const [x0, y0] = stroke[0]!;
      await page.mouse.move(box.x + x0, box.y + y0);
      await page.mouse.down();
      for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 12 });
      await page.mouse.up();
    }
  }

  it('trained one epoch in the page, to ≥ 95% test accuracy', async () => {
    expect(Number(await page.locator('body').getAttribute('data-accuracy'))).toBeGreaterThanOrEqual(0.95);
  });

  it('predicts a drawn 7, 1, 4 and 0 right', async () => {
    for (const digit of ['7', '1', '4', '0']) {
      await draw(digit);
      await expect.poll(() => page.getByTestId('prediction').textContent()).toBe(digit);
    }
  });

  it('shows ten bars with the probabilities, the arg-max highlighted and announced', async () => {
    await draw('7');
    const values = await page.$$eval('[data-testid^="prob-"]', (items) =>
      items.map((e) => [e.getAttribute('data-testid'), Number(e.getAttribute('data-value')), e.classList.contains('cl-prob--top')] as const),
    );
    expect(values.map((v) => v[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `prob-${d}`));
    expect(values.reduce((s, v) => s + v[1], 0)).toBeCloseTo(1, 4);
    const top = values.reduce((best, v, i) => (v[1] > values[best]![1] ? i : best), 0);
    expect(top).toBe(7);
    expect(values.filter((v) => v[2]).map((v) => v[0])).toEqual(['prob-7']);
    const live = page.locator('[aria-live="polite"]', { has: page.getByTestId('prediction') });
    await expect.poll(() => live.textContent()).toMatch(/^Prediction: 7 \((>?\d+(\.\d)?%)\)$/);
  });

  it('calls onChange at most once a frame while drawing, then on pointer up, and null after Clear', async () => {
    await page.getByTestId('drawpad-clear').click();
    expect(await page.locator('body').getAttribute('data-last-change')).toBe('null');
    await expect.poll(() => page.getByTestId('prediction').textContent()).toBe('–');
    // Clear on an empty pad reports null again, never an image
    await page.getByTestId('drawpad-clear').click();
    expect(await page.locator('body').getAttribute('data-last-change')).toBe('null');

    await page.evaluate(() => {
      const w = window as unknown as { frames_: number };
      w.frames_ = 0;
      const tick = () => {
        w.frames_++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const before = Number(await page.locator('body').getAttribute('data-changes'));
    const box = (await page.getByTestId('drawpad').boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + 140);
    await page.mouse.down();
    for (let i = 0; i < 80; i++) await page.mouse.move(box.x + 60 + 2 * i, box.y + 140 + 40 * Math.sin(i / 8));
    await page.mouse.up();
    const calls = Number(await page.locator('body').getAttribute('data-changes')) - before;
    const frames = await page.evaluate(() => (window as unknown as { frames_: number }).frames_);
    expect(calls).toBeGreaterThanOrEqual(2); // during the stroke and on pointer up
    expect(calls).toBeLessThanOrEqual(frames + 2);
    expect(await page.locator('body').getAttribute('data-last-change')).toBe('image');
  });

  it('draws with touch and pen pointers too, and the pad has touch-action: none', async () => {
    expect(await page.getByTestId('drawpad').evaluate((e) => getComputedStyle(e).touchAction)).toBe('none');
    for (const pointerType of ['touch', 'pen']) {
      await page.getByTestId('drawpad-clear').click();
      await page.getByTestId('drawpad').evaluate(async (canvas, type) => {
        const r = canvas.getBoundingClientRect();
        const send = (kind: string, x: number, y: number) =>
          canvas.dispatchEvent(
            new PointerEvent(kind, {
              pointerId: 7,
              pointerType: type,
              isPrimary: true,
              bubbles: true,
              cancelable: true,
              clientX: r.left + x,
              clientY: r.top + y,
              pressure: 0.5,
            }),
          );
        send('pointerdown', 150, 45);
        for (let i = 1; i <= 20; i++) {
          send('pointermove', 150 - i / 4, 45 + i * 9.5);
          await new Promise((ok) => requestAnimationFrame(ok));
        }
        send('pointerup', 145, 235);
      }, pointerType);
      await expect.poll(() => page.getByTestId('prediction').textContent()).toBe('1');
    }
  });

  it('NetworkView: I is the input, and kernels are shown as stored (cross-correlation, not rotated)', async () => {
    await draw('7');
    const check = await page.evaluate(() => {
      const demo = (window as unknown as Demo).cnnlabDemo;
      const pixels = (c: HTMLCanvasElement) => c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const input = demo.input()!;
      const iCanvas = document.querySelector<HTMLCanvasElement>('[data-testid="nv-input"] canvas.cl-pixels')!;
      const ip = pixels(iCanvas);
      let inputOk = iCanvas.width === 28 && iCanvas.height === 28;
      for (let k = 0; k < 784; k++) {
        const grey = ip[4 * k]!;
        // Greys: 0 is white, 1 black, darker with more ink
        if (input[k] === 0 && grey !== 255) inputOk = false;
        if (input[k]! >= 0.05 && grey >= 255) inputOk = false;
        if (input[k] === 1 && grey > 10) inputOk = false;
      }
      const w = demo.model()!.tensors().params['conv1.weight']!.data;
      let max = 0;
      for (const v of w) max = Math.max(max, Math.abs(v));
      const tiles = [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="nv-k1"] canvas.cl-pixels')];
      let agree = 0;
      let strong = 0;
      tiles.forEach((c, m) => {
        const p = pixels(c);
        for (let k = 0; k < 25; k++) {
          const v = w[m * 25 + k]!;
          if (Math.abs(v) < 0.1 * max) continue;
          strong++;
          const orange = p[4 * k]! > p[4 * k + 2]!; // PuOr: orange for > 0, purple for < 0
          if (orange === v > 0) agree++;
        }
      });
      return { inputOk, tiles: tiles.length, agree, strong };
    });
    expect(check.inputOk).toBe(true);
    expect(check.tiles).toBe(4);
    expect(check.strong).toBeGreaterThan(20);
    expect(check.agree).toBe(check.strong);
    const text = await page.locator('.cl-net').textContent();
    expect(text).toContain('Shown as applied: cross-correlation; the handout’s K');
    expect(text).toContain('rotated 180°');
    expect(text).toContain('6070 learned parameters');
    const counts = await page.evaluate(() =>
      Object.fromEntries(
        ['input', 'k1', 'c1', 'p1', 'k2', 'c2', 'p2', 'flatten', 'a1', 'out'].map((id) => [
          id,
          document.querySelectorAll(`[data-testid="nv-${id}"] canvas.cl-pixels`).length,
        ]),
      ),
    );
    expect(counts).toEqual({ input: 1, k1: 4, c1: 4, p1: 4, k2: 24, c2: 6, p2: 6, flatten: 6, a1: 1, out: 1 });
  });

  it('NetworkView renders in a few ms', async () => {
    const median = await page.evaluate(() => {
      const demo = (window as unknown as Demo).cnnlabDemo;
      const times: number[] = [];
      for (let i = 0; i < 40; i++) {
        demo.refresh();
        times.push(demo.renderMs());
      }
      return times.sort((a, b) => a - b)[20]!;
    });
    expect(median).toBeLessThan(5);
  });

  it('NetworkView with an explanation open: new inputs update it at most every 100 ms, only the cells that change, inside its own layout', async () => {
    await draw('7');
    const r = await page.evaluate(async () => {
      type Net = { select(cell: { key: string; index: number }): void };
      const demo = (window as unknown as Demo).cnnlabDemo as Demo['cnnlabDemo'] & { pad: { setImage(image: Float32Array): void }; net: Net };
      const drawn = demo.input()!.slice();
      // inputs that differ as a drawing does: the ink a little lighter or darker each time
      const shifted = (k: number) => drawn.map((v) => v * (0.55 + 0.45 * Math.abs(Math.sin(k))));
      const frame = () => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now())));
      demo.net.select({ key: 'forward:conv2', index: 64 + 3 * 8 + 3 }); // C²₂(4,4): 4 maps × 25 products
      await frame();
      await frame();
      const panel = document.querySelector<HTMLElement>('[data-testid="explain-network"]')!;
      const kernels = [...panel.querySelectorAll('table[aria-label="the kernel"]')];
      const windows = [...panel.querySelectorAll('table[aria-label="the 5×5 window"]')];
      let renders = 0;
      let typesets = 0;
      let kernelChanges = 0;
      let windowChanges = 0;
      const inside = (node: Node, tables: Element[]) => tables.some((t) => t.contains(node));
      const observer = new MutationObserver((records) => {
        for (const m of records) {
          if (m.target === panel && m.attributeName === 'data-recomputed') renders++;
          if (m.type === 'childList' && (m.target as Element).classList?.contains('cl-ex-eq')) typesets++;
          if (inside(m.target, kernels)) kernelChanges++;
          if (inside(m.target, windows)) windowChanges++;
        }
      });
      observer.observe(panel, { attributes: true, childList: true, characterData: true, subtree: true, attributeOldValue: false });
      // a student drawing: a new input every frame for 600 ms
      const start = performance.now();
      let inputs = 0;
      while (performance.now() - start < 600) {
        demo.pad.setImage(shifted(inputs++));
        await frame();
      }
      const elapsed = performance.now() - start;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await frame();
      await frame();
      observer.disconnect();
      const style = getComputedStyle(panel);
      return {
        inputs,
        elapsed,
        renders,
        typesets,
        kernelChanges,
        windowChanges,
        contain: style.contain,
        value: Number(panel.dataset['value']),
        recomputed: Number(panel.dataset['recomputed']),
        key: panel.dataset['key'],
      };
    });
    console.log(`explanation while drawing: ${r.inputs} inputs in ${r.elapsed.toFixed(0)} ms → ${r.renders} updates, ${r.typesets} typesettings; mutations in the kernel grids ${r.kernelChanges}, in the windows ${r.windowChanges}`);
    expect(r.key).toBe('forward:conv2');
    expect(r.inputs).toBeGreaterThan(10);
    expect(r.renders).toBeGreaterThanOrEqual(2); // it follows the drawing …
    expect(r.renders).toBeLessThanOrEqual(Math.ceil((r.elapsed + 300) / 100) + 1); // … at most every 100 ms
    expect(r.typesets).toBeLessThanOrEqual(Math.ceil((r.elapsed + 300) / 120) + 1); // KaTeX at most every 120 ms
    expect(r.kernelChanges).toBe(0); // the kernels do not change with the input: their cells are not touched
    expect(r.windowChanges).toBeGreaterThan(0); // the windows do
    expect(r.contain === 'content' || r.contain === 'strict' || (/layout/.test(r.contain) && /paint/.test(r.contain)), r.contain).toBe(true);
    expect(Math.abs(r.recomputed - r.value)).toBeLessThanOrEqual(Math.max(1e-6, 1e-5 * Math.abs(r.value))); // the last input's numbers
  });

  it('NetworkView takes its shapes, f and pooling from the tensors (other configs)', async () => {
    await draw('7');
    await page.selectOption('#config', 'wide'); // 8 / 12 / 100, untrained
    const wide = await page.evaluate(() =>
      ['k1', 'c1', 'k2', 'c2', 'flatten'].map((id) => document.querySelectorAll(`[data-testid="nv-${id}"] canvas.cl-pixels`).length),
    );
    expect(wide).toEqual([8, 8, 96, 12, 12]);
    expect(await page.getByTestId('nv-a1').textContent()).toContain('100');
    await page.selectOption('#config', 'tanh-max');
    expect(await page.getByTestId('nv-p1').textContent()).toContain('max pooling');
    expect(await page.getByTestId('nv-p1').textContent()).toContain('max over each 2×2 block');
    expect(await page.getByTestId('nv-c1').textContent()).toContain('f = tanh');
  });

  it('turns the bar animation off under prefers-reduced-motion', async () => {
    const duration = () => page.locator('.cl-prob-fill').first().evaluate((e) => getComputedStyle(e).transitionDuration);
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    expect(await duration()).not.toBe('0s');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await duration()).toBe('0s');
  });
});

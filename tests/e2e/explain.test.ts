// "Every number explains itself" in a real browser (static build, strict CSP): a C¹
// cell, a C_P² cell, an a₁ unit (Inside the network) and a ΔK² and a δC_P¹ cell
// (Backprop, step by step) are selected by mouse and by keyboard alone, and on a
// 390×844 touch phone by tapping. Each explanation shows the value the core computes
// for the same sample (the trace API in Node with the shipped weights, on the first
// test image they are unsure of), recomputed from its operands in the page; the cells
// are those of largest |value| in their maps (so their numbers are not all 0), found
// from the same trace: the test follows retrained weights. Its window sits where the core's
// convolution reads; the hover tooltip shows the same value. The step control slides
// the window, Play sweeps it, an open explanation follows a drawing as it changes,
// and the panel works inside <cnn-lab> (shadow DOM) and hides with its panel.
// Screenshots go to tests/e2e/screenshots/explain-*.png.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { CnnModel, TraceResult } from '../../web/src/core/cnnlab';
import { cellName, layoutOf, tensorOf, type TensorKey } from '../../web/src/explain';
import { imageFloats, loadCore, mnist } from '../web/helpers/core';
import { drawDigit, launchChromium, openPage, ROOT, screenshotPath, serveDist, STRICT_CSP, type StaticServer } from './helpers';

const MOUNT = '/course/cnnlab/';
/** The first test image the shipped weights give less than this probability for its label: large, readable δ. */
const UNSURE = 0.75;
let TEST_INDEX = -1;

let server: StaticServer;
let embedServer: StaticServer;
let browser: Browser;
let model: CnnModel;
let ref: TraceResult;

beforeAll(async () => {
  server = await serveDist({ csp: STRICT_CSP });
  embedServer = await serveDist({ mount: MOUNT, csp: STRICT_CSP });
  browser = await launchChromium();
  const core = await loadCore();
  model = core.modelFromWeights(readFileSync(`${ROOT}public/models/cnnlab-default.json`, 'utf8'));
  const split = mnist('t10k');
  for (let i = 0; i < split.count && TEST_INDEX < 0; i++) if (model.predict(imageFloats(split, i))[split.labels[i]!]! < UNSURE) TEST_INDEX = i;
  expect(TEST_INDEX).toBeGreaterThanOrEqual(0);
  ref = model.trace(imageFloats(split, TEST_INDEX), split.labels[TEST_INDEX]!);
  console.log(`explain: test image #${TEST_INDEX} (label ${split.labels[TEST_INDEX]}, S(label) = ${ref.forward.probs.data[split.labels[TEST_INDEX]!]!.toFixed(3)})`);
  CELLS = {
    c1: pick('nv-c1', 'forward:conv1', 1),
    cp2: pick('nv-p2', 'forward:pool2', 2),
    a1: pick('nv-a1', 'forward:fc1', 0),
    dk2: pick('bp-grad-conv2.weight', 'grad:conv2.weight', 4 + 2), // ΔK²₃,₂: the tile in row n = 2, column m = 3
    dcp1: pick('bp-delta_pool1', 'delta:delta_pool1', 1),
  };
});

interface Cell {
  testid: string;
  /** Which canvas of the row: the slice of the tensor. */
  canvas: number;
  rows: number;
  cols: number;
  /** 1-based, in that slice. */
  row: number;
  col: number;
  key: TensorKey;
  index: number;
  /** "C¹₂(8, 11)" and "C¹ map 2, row 8, column 11". */
  text: string;
  words: string;
}

/** The value of largest |value| in slice `slice` of a tensor of the reference trace. */
function pick(testid: string, key: TensorKey, slice: number): Cell {
  const t = tensorOf({ ...ref, label: 0 }, key);
  const L = layoutOf(t.shape);
  const per = L.rows * L.cols;
  let index = slice * per;
  for (let k = slice * per; k < slice * per + per; k++) if (Math.abs(t.data[k]!) > Math.abs(t.data[index]!)) index = k;
  const name = cellName(key, t.shape, index);
  const k = index - slice * per;
  return { testid, canvas: slice, rows: L.rows, cols: L.cols, row: Math.floor(k / L.cols) + 1, col: (k % L.cols) + 1, key, index, text: name.text, words: name.words };
}

afterAll(async () => {
  model?.dispose();
  await browser?.close();
  await server?.close();
  await embedServer?.close();
});

type Ctx = { context: BrowserContext; page: Page; errors: string[] };

async function open(phone = false, reducedMotion: 'reduce' | 'no-preference' = 'no-preference'): Promise<Ctx> {
  const context = await browser.newContext(
    phone
      ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, reducedMotion }
      : { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1, reducedMotion },
  );
  const { page, errors } = await openPage(context, server.url);
  await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
  await page.getByTestId('model-pretrained').check();
  await page.getByTestId('test-index').fill(String(TEST_INDEX));
  await page.getByTestId('test-index').dispatchEvent('change');
  await page.getByTestId('network-caption').filter({ hasText: `Test image #${TEST_INDEX}` }).waitFor({ timeout: 60_000 }); // MNIST's test set loads on demand
  return { context, page, errors };
}

/** The trace of the same sample, in the backprop panel. */
async function showBackprop(page: Page): Promise<void> {
  await page.getByTestId('bp-trace').click();
  await page.getByTestId('bp-caption').filter({ hasText: `Test image #${TEST_INDEX}` }).waitFor();
}

/** Clicks (or taps) the centre of cell (row, col), 1-based, of a canvas showing rows×cols values. */
async function pointAt(page: Page, canvas: Locator, rows: number, cols: number, row: number, col: number, how: 'click' | 'tap' | 'hover' = 'click'): Promise<void> {
  await canvas.scrollIntoViewIfNeeded();
  // a map wider than a phone (a₁: 500 px) sits in a scrolling box: bring the cell itself into view
  await canvas.evaluate((c, frac) => {
    const r = c.getBoundingClientRect();
    const x = r.left + frac * r.width;
    let box = c.parentElement;
    while (box && !(box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX !== 'visible')) box = box.parentElement;
    if (!box) return;
    const br = box.getBoundingClientRect();
    const right = Math.min(br.right, innerWidth);
    if (x < br.left + 8 || x > right - 8) box.scrollLeft += x - (br.left + right) / 2;
  }, (col - 0.5) / cols);
  const b = await canvas.boundingBox();
  if (!b) throw new Error('the map is not visible');
  const x = b.x + ((col - 0.5) * b.width) / cols;
  const y = b.y + ((row - 0.5) * b.height) / rows;
  if (how === 'tap') await page.touchscreen.tap(x, y);
  else if (how === 'hover') await page.mouse.move(x, y);
  else await page.mouse.click(x, y);
}

interface Shown {
  key: string;
  index: number;
  value: number;
  recomputed: number;
  label: string;
}

/** The open explanation of a panel, once it shows `key`[`index`]. */
async function explanation(page: Page, testid: string, key: string, index: number): Promise<Shown> {
  const panel = page.getByTestId(testid);
  await expect.poll(async () => `${await panel.getAttribute('data-key')}[${await panel.getAttribute('data-index')}]`, { timeout: 10_000 }).toBe(`${key}[${index}]`);
  await expect.poll(() => panel.isVisible()).toBe(true);
  // read at once: the panel follows new passes (a drawing's last predictions), one render's attributes together
  return panel.evaluate((e) => ({
    key: e.dataset['key']!,
    index: Number(e.dataset['index']),
    value: Number(e.dataset['value']),
    recomputed: Number(e.dataset['recomputed']),
    label: e.getAttribute('aria-label')!,
  }));
}

/** Text for a RegExp, its special characters escaped. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The core's value (Node, the same weights and sample) at a tensor's flat index. */
function coreValue(key: string, index: number): number {
  const [kind, name] = key.split(':') as [string, string];
  const table = (kind === 'forward' ? ref.forward : kind === 'delta' ? ref.deltas : kind === 'grad' ? ref.grads : ref.params) as Record<string, { data: Float32Array }>;
  return table[name]!.data[index]!;
}

function expectAgrees(shown: Shown, what: string): void {
  const expected = coreValue(shown.key, shown.index);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 || Math.abs(a - b) <= 1e-5 * Math.abs(b);
  expect(close(shown.value, expected), `${what}: the page shows ${shown.value}, the core computes ${expected}`).toBe(true);
  expect(close(shown.recomputed, shown.value), `${what}: recomputed ${shown.recomputed} from the shown operands, value ${shown.value}`).toBe(true);
}

/** The five cells of the issue (set in beforeAll, from the shipped weights' trace). */
let CELLS: Record<'c1' | 'cp2' | 'a1' | 'dk2' | 'dcp1', Cell>;
type CellName = 'c1' | 'cp2' | 'a1' | 'dk2' | 'dcp1';
const panelOf = (name: CellName) => (name === 'dk2' || name === 'dcp1' ? 'explain-backprop' : 'explain-network');
const canvasOf = (page: Page, name: CellName) => page.locator(`[data-testid="${CELLS[name].testid}"] canvas.${name === 'dk2' || name === 'dcp1' ? 'tp-pixels' : 'cl-pixels'}`).nth(CELLS[name].canvas);

describe('every number explains itself', () => {
  it('by mouse at 1280×720: a C¹, C_P², a₁, ΔK² and δC_P¹ value each show the core’s value, recomputed from their operands', async () => {
    const { context, page, errors } = await open();
    await showBackprop(page);
    for (const name of Object.keys(CELLS) as CellName[]) {
      const cell = CELLS[name];
      // hovering shows the value and its indices
      await pointAt(page, canvasOf(page, name), cell.rows, cell.cols, cell.row, cell.col, 'hover');
      const tip = page.locator('.cl-tooltip:visible');
      await expect.poll(() => tip.textContent()).toContain(`${cell.text} = `);
      const tipValue = Number((await tip.textContent())!.split(' = ')[1]!.replace('−', '-').replace(/·10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)/, (_m, e: string) => `e${[...e].map((ch) => (ch === '⁻' ? '-' : String('⁰¹²³⁴⁵⁶⁷⁸⁹'.indexOf(ch)))).join('')}`));
      // a click opens the explanation
      await pointAt(page, canvasOf(page, name), cell.rows, cell.cols, cell.row, cell.col);
      const shown = await explanation(page, panelOf(name), cell.key, cell.index);
      expect(shown.label).toBe(`How ${cell.text} was computed`);
      expectAgrees(shown, cell.text);
      // the tooltip's number is the explanation's, to the 4 digits it prints
      expect(Math.abs(tipValue - shown.value), `tooltip ${tipValue} vs ${shown.value}`).toBeLessThanOrEqual(Math.abs(shown.value) * 5e-4 + 1e-12);
      const panel = page.getByTestId(panelOf(name));
      expect(await panel.locator('.cl-ex-eq .katex').count()).toBeGreaterThan(0);
      await panel.screenshot({ path: screenshotPath(`explain-${name}-1280`) });
    }

    // The windows sit where the core reads: C¹ₘ(i,j) reads I rows i..i+4, columns j..j+4 …
    const { row: i, col: j } = CELLS.c1;
    await pointAt(page, canvasOf(page, 'c1'), 24, 24, i, j);
    await explanation(page, 'explain-network', 'forward:conv1', CELLS.c1.index);
    const win = page.getByTestId('explain-network').locator('.cl-ex-window').first();
    const box = async () => win.evaluate((e) => [parseFloat((e as HTMLElement).style.top), parseFloat((e as HTMLElement).style.left), parseFloat((e as HTMLElement).style.height)]);
    const [top, left, height] = await box();
    expect(top).toBeCloseTo(((i - 1) / 28) * 100, 3);
    expect(left).toBeCloseTo(((j - 1) / 28) * 100, 3);
    expect(height).toBeCloseTo((5 / 28) * 100, 3);
    // … the step control slides it one column (back one at the last column), and the value follows the core's
    const by = j < 24 ? 1 : -1;
    await page.getByTestId(by > 0 ? 'explain-network-next' : 'explain-network-prev').click();
    const next = await explanation(page, 'explain-network', 'forward:conv1', CELLS.c1.index + by);
    expectAgrees(next, `C¹ one column ${by > 0 ? 'right' : 'left'}`);
    expect((await box())[1]).toBeCloseTo(((j - 1 + by) / 28) * 100, 3);
    // Play sweeps the map cell by cell from C¹ₘ(1,1), Pause stops it
    await pointAt(page, canvasOf(page, 'c1'), 24, 24, 1, 1);
    await explanation(page, 'explain-network', 'forward:conv1', 576);
    await page.getByTestId('explain-network-play').click();
    await expect.poll(async () => Number(await page.getByTestId('explain-network').getAttribute('data-index')), { timeout: 10_000 }).toBeGreaterThan(576 + 3);
    await page.getByTestId('explain-network-play').click();
    expect(await page.getByTestId('explain-network-play').getAttribute('aria-pressed')).toBe('false');
    const stopped = Number(await page.getByTestId('explain-network').getAttribute('data-index'));
    await page.waitForTimeout(900);
    expect(Number(await page.getByTestId('explain-network').getAttribute('data-index'))).toBe(stopped);
    expectAgrees(await explanation(page, 'explain-network', 'forward:conv1', stopped), 'C¹ after play');

    // δC_P¹: six windows over the zero-padded δC², kernels turned 180°
    await pointAt(page, canvasOf(page, 'dcp1'), 12, 12, 1, 1);
    await explanation(page, 'explain-backprop', 'delta:delta_pool1', 144);
    const groups = page.getByTestId('explain-backprop').locator('.cl-ex-group');
    expect(await groups.count()).toBe(6);
    expect(await page.getByTestId('explain-backprop').locator('.cl-ex-outside').count()).toBe(6 * 24); // one of 25 inside, per n
    await page.locator('#panel-network').screenshot({ path: screenshotPath('explain-network-panel-1280') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('by keyboard alone: Tab to a map, arrow keys to the value, Enter explains it, Escape goes back', async () => {
    const { context, page, errors } = await open(false, 'reduce');
    await showBackprop(page);
    const live = page.getByTestId('nv-live');
    // Tab moves map to map: from C¹₁ to C¹₂
    const c1 = page.locator('[data-testid="nv-c1"] .cl-grid');
    await c1.nth(0).focus();
    await page.keyboard.press('Tab');
    expect(await c1.nth(1).evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await c1.nth(1).getAttribute('aria-label')).toMatch(/^C¹ map 2, 24 × 24 values\. Arrow keys move, Enter explains/);
    const keys = async (down: number, right: number) => {
      for (let k = 0; k < down; k++) await page.keyboard.press('ArrowDown');
      for (let k = 0; k < right; k++) await page.keyboard.press('ArrowRight');
    };
    await keys(CELLS.c1.row - 1, CELLS.c1.col - 1);
    await expect.poll(() => live.textContent()).toMatch(new RegExp(`^${CELLS.c1.words}: `));
    await page.keyboard.press('Enter');
    expectAgrees(await explanation(page, 'explain-network', CELLS.c1.key, CELLS.c1.index), 'C¹ by keyboard');
    await expect.poll(() => live.textContent()).toMatch(new RegExp(`^${escape(CELLS.c1.text)} = .*ReLU of the sum of 25 products`));
    expect(await c1.nth(1).evaluate((e) => e === document.activeElement)).toBe(true); // the focus stays on the map
    await page.locator('#panel-network').screenshot({ path: screenshotPath('explain-keyboard-c1-1280'), });
    // Escape closes the explanation; the focus stays on the map
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('explain-network').isVisible()).toBe(false);
    expect(await c1.nth(1).evaluate((e) => e === document.activeElement)).toBe(true);
    // the step buttons are reachable by Tab from the map, inside the panel
    await page.keyboard.press('Enter');
    await explanation(page, 'explain-network', CELLS.c1.key, CELLS.c1.index);
    const step = CELLS.c1.col < 24 ? 'explain-network-next' : 'explain-network-prev';
    for (let k = 0; k < 20; k++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['testid'])) === step) break;
    }
    await page.keyboard.press('Enter');
    await explanation(page, 'explain-network', CELLS.c1.key, CELLS.c1.index + (CELLS.c1.col < 24 ? 1 : -1));
    // reduced motion: the window jumps (no transition)
    expect(await page.getByTestId('explain-network').locator('.cl-ex-window').first().evaluate((e) => getComputedStyle(e).transitionDuration)).toBe('0s');

    // C_P²₃ and a₁: focus the map, arrows, Enter
    const select = async (grid: Locator, down: number, right: number, name: CellName) => {
      await grid.focus();
      await keys(down, right);
      await page.keyboard.press('Enter');
      const shown = await explanation(page, panelOf(name), CELLS[name].key, CELLS[name].index);
      expectAgrees(shown, `${CELLS[name].text} by keyboard`);
      expect(shown.label).toBe(`How ${CELLS[name].text} was computed`);
    };
    await select(page.locator('[data-testid="nv-p2"] .cl-grid').nth(2), CELLS.cp2.row - 1, CELLS.cp2.col - 1, 'cp2');
    await select(page.locator('[data-testid="nv-a1"] .cl-grid').first(), 0, CELLS.a1.col - 1, 'a1');
    await expect.poll(() => live.textContent()).toMatch(new RegExp(`^${escape(CELLS.a1.text)} = `));
    // ΔK² is one map of 6 × 4 kernels: row n·5 + u, column m·5 + v
    await select(page.locator('#panel-backprop .cl-grid[aria-label^="ΔK²"]'), 5 + CELLS.dk2.row - 1, 2 * 5 + CELLS.dk2.col - 1, 'dk2');
    await expect.poll(() => page.getByTestId('bp-live').textContent()).toMatch(new RegExp(`^${escape(CELLS.dk2.text)} = `));
    await select(page.locator('[data-testid="bp-delta_pool1"] .cl-grid').nth(1), CELLS.dcp1.row - 1, CELLS.dcp1.col - 1, 'dcp1');
    await page.getByTestId('explain-backprop').screenshot({ path: screenshotPath('explain-keyboard-dcp1-1280') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on a 390×844 touch phone: tapping a value opens its explanation, which fits the screen', async () => {
    const { context, page, errors } = await open(true);
    await showBackprop(page);
    for (const name of Object.keys(CELLS) as CellName[]) {
      const cell = CELLS[name];
      await pointAt(page, canvasOf(page, name), cell.rows, cell.cols, cell.row, cell.col, 'tap');
      const shown = await explanation(page, panelOf(name), cell.key, cell.index);
      expectAgrees(shown, `${cell.text} tapped`);
      const panel = page.getByTestId(panelOf(name));
      const b = await panel.boundingBox();
      expect(b!.x, `${name}: left edge`).toBeGreaterThanOrEqual(0);
      expect(b!.x + b!.width, `${name}: right edge`).toBeLessThanOrEqual(390 + 0.5);
      await panel.screenshot({ path: screenshotPath(`explain-${name}-390`) });
    }
    // the page itself does not scroll sideways, and no map sticks out of its row (rows clip: every value must be reachable)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('#panel-network .cl-net-row')].flatMap((row) => {
        const edge = row.getBoundingClientRect().right + 0.5;
        return [...row.querySelectorAll('.cl-grid, canvas')].filter((e) => e.getBoundingClientRect().right > edge).map(() => row.dataset['layer']);
      }),
    );
    expect(overflowing).toEqual([]);
    // the step buttons are big enough to tap (40 CSS px)
    const next = page.getByTestId('explain-backprop-next');
    const nb = await next.boundingBox();
    expect(Math.min(nb!.width, nb!.height)).toBeGreaterThanOrEqual(40);
    await (CELLS.dcp1.col < 12 ? next : page.getByTestId('explain-backprop-prev')).tap();
    await explanation(page, 'explain-backprop', CELLS.dcp1.key, CELLS.dcp1.index + (CELLS.dcp1.col < 12 ? 1 : -1));
    await page.getByTestId('nv-convention').screenshot({ path: screenshotPath('explain-convention-390') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('an open explanation follows the drawing as the student draws', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const { page, errors } = await openPage(context, server.url);
    await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
    await page.getByTestId('model-pretrained').check();
    await page.getByTestId('source-drawing').check();
    await drawDigit(page, 1);
    await page.getByTestId('network-caption').filter({ hasText: 'Your drawing' }).waitFor();
    // C¹₁(12, 12) before f: the middle of the pad (before f, so that more ink always changes it)
    await pointAt(page, page.locator('[data-testid="nv-c1pre"] canvas.cl-pixels').first(), 24, 24, 12, 12);
    const first = await explanation(page, 'explain-network', 'forward:conv1_pre', 11 * 24 + 11);
    await drawDigit(page, 8); // more ink over the same pad
    await expect.poll(async () => Number(await page.getByTestId('explain-network').getAttribute('data-value')), { timeout: 10_000 }).not.toBe(first.value);
    const after = await explanation(page, 'explain-network', 'forward:conv1_pre', 11 * 24 + 11);
    expect(Math.abs(after.recomputed - after.value)).toBeLessThanOrEqual(Math.max(1e-6, 1e-5 * Math.abs(after.value)));

    // The largest explanation (C²: 4 maps × 25 products) follows a new drawing too
    await pointAt(page, page.locator('[data-testid="nv-c2"] canvas.cl-pixels').nth(1), 8, 8, 4, 4);
    await explanation(page, 'explain-network', 'forward:conv2', 64 + 3 * 8 + 3);
    const before = await page.getByTestId('explain-network').locator('table[aria-label="the 5×5 window"]').first().textContent();
    await page.getByTestId('drawpad-clear').click();
    await drawDigit(page, 5);
    await page.getByTestId('network-caption').filter({ hasText: 'Your drawing' }).waitFor();
    await expect.poll(() => page.getByTestId('explain-network').locator('table[aria-label="the 5×5 window"]').first().textContent(), { timeout: 10_000 }).not.toBe(before);
    const c2 = await explanation(page, 'explain-network', 'forward:conv2', 64 + 3 * 8 + 3);
    expect(Math.abs(c2.recomputed - c2.value)).toBeLessThanOrEqual(Math.max(1e-6, 1e-5 * Math.abs(c2.value)));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('inside <cnn-lab> (shadow DOM) and embed.html: selectable, typeset with KaTeX, hidden with its panel', async () => {
    const lesson = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lesson</title><link rel="icon" href="data:,">
<script type="module" src="${MOUNT}cnn-lab.js"></script></head><body>
<cnn-lab id="lab" panels="network,backprop" weights="cnnlab/models/cnnlab-default.json"></cnn-lab>
<cnn-lab id="draw-only" panels="draw"></cnn-lab></body></html>`;
    embedServer.override('/course/lesson.html', new TextEncoder().encode(lesson));
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
    const { page, errors } = await openPage(context, `${embedServer.url}course/lesson.html`);
    await page.waitForFunction(() => (document.getElementById('lab') as HTMLElement & { state(): string }).state() === 'idle', null, { timeout: 60_000 });
    const lab = page.locator('#lab');
    await lab.getByTestId('test-index').fill('0');
    await lab.getByTestId('test-index').dispatchEvent('change');
    await lab.getByTestId('network-caption').filter({ hasText: 'Test image #0' }).waitFor({ timeout: 60_000 });
    await pointAt(page, lab.locator('[data-testid="nv-c1"] canvas.cl-pixels').nth(1), 24, 24, CELLS.c1.row, CELLS.c1.col);
    const panel = lab.getByTestId('explain-network');
    await expect.poll(() => panel.getAttribute('data-index')).toBe(String(CELLS.c1.index));
    const inLab = await panel.evaluate((e) => [Number(e.dataset['value']), Number(e.dataset['recomputed'])]);
    expect(Math.abs(inLab[1]! - inLab[0]!)).toBeLessThanOrEqual(Math.max(1e-6, 1e-5 * Math.abs(inLab[0]!)));
    expect(await panel.locator('.katex').count()).toBeGreaterThan(2);
    // KaTeX's fonts reach the shadow root (declared in the document by the element)
    await expect.poll(() => page.evaluate(async () => (await document.fonts.ready, document.fonts.check('16px KaTeX_Main'))), { timeout: 10_000 }).toBe(true);
    // keyboard inside the shadow root
    await lab.locator('[data-testid="nv-p2"] .cl-grid').nth(2).focus();
    for (let k = 1; k < CELLS.cp2.row; k++) await page.keyboard.press('ArrowDown');
    for (let k = 1; k < CELLS.cp2.col; k++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await expect.poll(() => panel.getAttribute('data-index')).toBe(String(CELLS.cp2.index));
    await panel.screenshot({ path: screenshotPath('explain-cnn-lab') });
    // an element showing only the draw panel has no value maps to select
    expect(await page.locator('#draw-only .cl-grid:visible').count()).toBe(0);

    // embed.html without the network panel: the backprop panel explains on its own
    const frame = await context.newPage();
    await frame.goto(`${embedServer.url}course/cnnlab/embed.html?panels=backprop,draw`);
    const embedded = frame.locator('cnn-lab');
    await expect.poll(() => embedded.evaluate((e) => (e as HTMLElement & { state(): string }).state()), { timeout: 60_000 }).toBe('idle');
    await embedded.getByTestId('bp-step').click();
    await embedded.getByTestId('bp-caption').filter({ hasText: 'sample 1 of the run' }).waitFor({ timeout: 60_000 });
    expect(await embedded.locator('[data-testid="nv-c1"]:visible').count()).toBe(0);
    await pointAt(frame, embedded.locator('[data-testid="bp-grad-conv2.weight"] canvas.tp-pixels').nth(6), 5, 5, CELLS.dk2.row, CELLS.dk2.col);
    const bp = embedded.getByTestId('explain-backprop');
    await expect.poll(() => bp.getAttribute('data-index')).toBe(String(CELLS.dk2.index));
    const [v, r] = (await bp.evaluate((e) => [Number(e.dataset['value']), Number(e.dataset['recomputed'])])) as [number, number];
    expect(Math.abs(v - r)).toBeLessThanOrEqual(Math.max(1e-6, 1e-5 * Math.abs(v)));
    expect(errors).toEqual([]);
    await context.close();
  });
});

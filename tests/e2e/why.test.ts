// "Why this answer?" and "What the network trains on" on the real page (issue 8,
// parts 2 and 5), against the real WASM module in Node (the same .wasm): the saliency
// maps the page draws for a drawing are the core's ∂S_k/∂I for the page's input, bit
// for bit; the bars are W₂[k,j]·a₁ⱼ; the view follows the drawing stroke by stroke; the
// nearest training images are the brute-force nearest by a₁ distance over all 60,000,
// and one click puts one on the pad; a clicked test-set mistake is explained; the
// network being trained is explained too (nearest images once paused); the
// augmentation control comes from a link and an embed, and the grid shows the sample
// just trained. Screenshots at 1280×720 and 390×844 (touch) go to tests/e2e/screenshots/.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Cnnlab, CnnDataset, CnnModel } from '../../web/src/core/cnnlab';
import { CHOICES } from '../../web/src/core/limits';
import { nearestByActivation } from '../../web/src/core/nearest';
import { loadCore, mnist, ROOT } from '../web/helpers/core';
import { browserAndServer, DIGIT_STROKES, drawDigit, openPage, screenshotPath } from './helpers';

const env = browserAndServer();
let core: Cnnlab;
let shipped: CnnModel;
let train: CnnDataset;

beforeAll(async () => {
  core = await loadCore();
  shipped = core.modelFromWeights(readFileSync(`${ROOT}public/models/cnnlab-default.json`, 'utf8'));
  const t = mnist('train');
  train = core.createDataset(t.images, t.labels);
});

/** The worker is ready (MNIST loads later, when something needs it). */
async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
}

/** The drawing's answer, once no prediction is pending. */
async function settled(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const host = document.querySelector('[data-testid="answer"]');
    return host?.getAttribute('aria-busy') !== 'true' && /^\d$/.test(document.querySelector('[data-testid="prediction"]')?.textContent ?? '');
  });
  return Number(await page.getByTestId('prediction').textContent());
}

const numbers = async (l: Locator, attribute: string): Promise<number[]> => JSON.parse((await l.getAttribute(attribute)) ?? '[]') as number[];

/** What the why view shows, read from its data attributes. */
async function whyShown(page: Page) {
  const view = page.getByTestId('why-view');
  return {
    k: Number(await view.getAttribute('data-k')),
    r: Number(await view.getAttribute('data-r')),
    model: await view.getAttribute('data-model'),
    input: Float32Array.from(await numbers(view, 'data-input')),
    probs: await numbers(view, 'data-probs'),
    saliencyK: await numbers(page.getByTestId('why-saliency-k'), 'data-values'),
    saliencyR: await numbers(page.getByTestId('why-saliency-r'), 'data-values'),
    barsK: await numbers(page.getByTestId('why-chart-k'), 'data-values'),
    barsR: await numbers(page.getByTestId('why-chart-r'), 'data-values'),
    caption: (await page.getByTestId('why-caption').textContent()) ?? '',
  };
}

/** The draw panel's S for the drawing. */
async function drawProbs(page: Page): Promise<number[]> {
  return page.evaluate(() => Array.from({ length: 10 }, (_, d) => Number(document.querySelector(`[data-testid="prob-${d}"]`)?.getAttribute('data-value'))));
}

/** The why view agrees with the core (in Node) for its own input: S, both saliency maps, both rows of bars. */
function expectCore(w: Awaited<ReturnType<typeof whyShown>>, model: CnnModel): void {
  expect(w.input).toHaveLength(784);
  const probs = model.predict(w.input);
  expect(w.probs).toEqual(Array.from(probs));
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b);
  expect([w.k, w.r]).toEqual(order.slice(0, 2));
  const t = model.tensors();
  const a1 = t.forward.fc1.data;
  const w2 = t.params['fc2.weight'].data;
  // (JSON writes −0 as 0: `v + 0` does the same here)
  expect(w.barsK).toEqual(Array.from(a1, (a, j) => w2[w.k * 50 + j]! * a + 0));
  expect(w.barsR).toEqual(Array.from(a1, (a, j) => w2[w.r * 50 + j]! * a + 0));
  expect(w.saliencyK).toEqual(Array.from(model.saliency(w.input, w.k), (v) => v + 0));
  expect(w.saliencyR).toEqual(Array.from(model.saliency(w.input, w.r), (v) => v + 0));
}

/** The `n` training images of each digit nearest to `input` by a₁ distance, by brute force over all 60,000. */
function bruteNearest(model: CnnModel, input: Float32Array, digits: number[], n: number): number[][] {
  const table = new Float32Array(60000 * 50);
  for (let start = 0; start < 60000; start += 10000) table.set(model.hiddenActivations(train, start, 10000), start * 50);
  model.predict(input);
  const query = model.tensors().forward.fc1.data;
  return digits.map((d) => nearestByActivation(table, 50, mnist('train').labels, query, d, n));
}

async function thumbIndices(page: Page, which: 'k' | 'r'): Promise<number[]> {
  return page.getByTestId(`why-nearest-${which}`).locator('[data-index]').evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-index'))));
}

describe('why this answer', () => {
  it('explains a drawing stroke by stroke with the core\'s saliency, finds the nearest training images, and explains a test-set mistake', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const { page, errors } = await openPage(context, env.server.url);
    await ready(page);

    // A 4 in two strokes: the view follows the drawing after each.
    const pad = page.getByTestId('drawpad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    const s = box.width / 280;
    const inputs: string[] = [];
    for (const stroke of DIGIT_STROKES[4]!) {
      const [first, ...rest] = stroke;
      await page.mouse.move(box.x + first![0] * s, box.y + first![1] * s);
      await page.mouse.down();
      for (const [x, y] of rest) await page.mouse.move(box.x + x * s, box.y + y * s, { steps: 2 });
      await page.mouse.up();
      await settled(page);
      const probs = await drawProbs(page);
      await expect.poll(async () => (await whyShown(page)).probs).toEqual(probs);
      const w = await whyShown(page);
      expect(w.caption).toMatch(new RegExp(`^Your drawing: the pretrained network says ${w.k} \\(`));
      expectCore(w, shipped);
      inputs.push(JSON.stringify(Array.from(w.input)));
    }
    expect(inputs[1]).not.toBe(inputs[0]);
    const drawn = await whyShown(page);
    expect(drawn.k).toBe(4);
    expect(drawn.model).toBe('pretrained');
    await page.locator('#panel-why').screenshot({ path: screenshotPath('why-drawing-1280') });
    await page.locator('#panel-draw').screenshot({ path: screenshotPath('why-draw-panel-1280') });

    // One click: the nearest training images of the answer and the runner-up.
    await page.getByTestId('why-nearest').click();
    await expect.poll(() => thumbIndices(page, 'r'), { timeout: 60_000 }).toHaveLength(5);
    const [nearK = [], nearR = []] = bruteNearest(shipped, drawn.input, [drawn.k, drawn.r], 5);
    expect(await thumbIndices(page, 'k')).toEqual(nearK);
    expect(await thumbIndices(page, 'r')).toEqual(nearR);
    expect(await page.getByTestId('why-view').textContent()).toMatch(/MNIST by Yann LeCun, Corinna Cortes and Christopher J\. C\. Burges, CC BY-SA 3\.0/);
    await page.locator('#panel-why').screenshot({ path: screenshotPath('why-nearest-1280') });

    // A click puts the runner-up's nearest image on the pad: it becomes the drawing, read as MNIST made it.
    await page.getByTestId('why-nearest-r').locator('button').first().click();
    await settled(page);
    await expect.poll(async () => (await whyShown(page)).input.join()).toBe(
      Array.from(mnist('train').images.subarray(nearR[0]! * 784, nearR[0]! * 784 + 784), (v) => Math.fround(v / 255)).join(),
    );
    const picked = await whyShown(page);
    expect(picked.caption).toMatch(/^Your drawing/);
    expectCore(picked, shipped);
    // The nearest images follow the new input.
    await expect.poll(() => thumbIndices(page, 'k'), { timeout: 60_000 }).toEqual(bruteNearest(shipped, picked.input, [picked.k], 5)[0]);

    // A test-set mistake from the test view's gallery (after evaluating the pretrained weights).
    await page.getByTestId('eval-pretrained').click();
    const mistake = page.getByTestId('mistakes').locator('button').first();
    await mistake.waitFor({ timeout: 60_000 });
    const [, label, said] = /a (\d) read as (\d)/.exec((await mistake.textContent()) ?? '')!;
    await mistake.click();
    await expect.poll(async () => (await whyShown(page)).caption).toMatch(new RegExp(`^Test image #[\\d,]+ \\(a ${label}\\): the pretrained network says ${said} .*It is a ${label}: the answer is wrong\\.$`));
    const wrong = await whyShown(page);
    expect(wrong.k).toBe(Number(said));
    expectCore(wrong, shipped);
    await expect.poll(() => page.getByTestId('why-view').getAttribute('data-k')).toBe(said);
    await page.locator('#panel-why').screenshot({ path: screenshotPath('why-mistake-1280') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on a phone (390×844, touch): the why view fits the width and follows a drawing', async () => {
    const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
    const { page, errors } = await openPage(context, env.server.url);
    await ready(page);
    await drawDigit(page, 2);
    await settled(page);
    await expect.poll(async () => (await whyShown(page)).caption).toMatch(/^Your drawing/);
    expectCore(await whyShown(page), shipped);
    // Under the answer, a button leads to the why panel (a long way down on a phone).
    await page.getByTestId('why-link').tap();
    await expect.poll(async () => (await page.locator('#panel-why').boundingBox())?.y ?? -1).toBeLessThan(60);
    await page.screenshot({ path: screenshotPath('why-390-viewport') });
    await page.getByTestId('why-nearest').click();
    await expect.poll(() => thumbIndices(page, 'k'), { timeout: 60_000 }).toHaveLength(5);
    const overflow = await page.evaluate(() => {
      const panel = document.getElementById('panel-why')!;
      return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, panel: panel.scrollWidth - panel.clientWidth };
    });
    expect(overflow).toEqual({ page: 0, panel: 0 });
    // Touch targets: the nearest images and the button are at least 44 px.
    const sizes = await page.locator('#panel-why button').evaluateAll((bs) =>
      bs.map((b) => ({ name: b.textContent, size: Math.min(b.getBoundingClientRect().width, b.getBoundingClientRect().height) })),
    );
    expect(sizes.filter((b) => b.size < 44)).toEqual([]);
    await page.locator('#panel-draw').screenshot({ path: screenshotPath('why-draw-panel-390') });
    await page.locator('#panel-why').screenshot({ path: screenshotPath('why-390') });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('explains the network being trained too: live while it trains, nearest images once it is paused', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 720 } });
    // 2,000 samples/s, so that the run is still training when the test asks for the nearest images.
    const { page, errors } = await openPage(context, `${env.server.url}#model=training&train=10000&speed=2000`);
    await ready(page);
    await drawDigit(page, 7);
    await settled(page);
    await page.getByTestId('start').click();
    await page.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 20, null, { timeout: 60_000 });
    await expect.poll(async () => (await whyShown(page)).caption, { timeout: 15_000 }).toMatch(/the network being trained says/);
    await page.getByTestId('why-nearest').click();
    await expect.poll(() => page.getByTestId('why-nearest-note').textContent(), { timeout: 15_000 }).toMatch(/pause training/);
    await page.getByTestId('pause').click();
    await page.waitForFunction(() => window.__cnnlab?.state() === 'paused');
    // Paused: the view settles on the paused weights; a new input asks for the nearest images again.
    await page.getByTestId('drawpad-clear').click();
    await drawDigit(page, 7);
    await settled(page);
    await expect.poll(() => thumbIndices(page, 'k'), { timeout: 60_000 }).toHaveLength(5);
    const w = await whyShown(page);
    expect(w.model).toBe('training');
    const labels = mnist('train').labels;
    expect((await thumbIndices(page, 'k')).every((i) => labels[i] === w.k)).toBe(true);
    expect((await thumbIndices(page, 'r')).every((i) => labels[i] === w.r)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('what the network trains on', () => {
  it('a link sets the augmentation; the grid shows the sample just trained, augmented; off shows it plain', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 720 } });
    // 2,000 samples/s: the run lasts 15 s, so it is still running when the test pauses it.
    const { page, errors } = await openPage(context, `${env.server.url}#aug=mild&train=10000&speed=2000`);
    await ready(page);
    expect(await page.getByTestId('augment').inputValue()).toBe('mild');
    const view = page.getByTestId('augment-view');
    // The training images load with Start (or Step), not for this picture.
    await expect.poll(() => page.getByTestId('augment-caption').textContent()).toMatch(/load when you press Start or Step/);
    expect(await view.textContent()).toMatch(/MNIST by Yann LeCun, Corinna Cortes and Christopher J\. C\. Burges, CC BY-SA 3\.0/);
    await page.getByTestId('start').click();
    await expect.poll(() => view.getAttribute('data-augment'), { timeout: 60_000 }).toBe(CHOICES.augmentPresets.mild);
    expect(await page.getByTestId('augment-versions').locator('canvas:visible').count()).toBe(9); // 8 versions and the stored image
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 3; i++) {
      await page.waitForTimeout(400);
      seen.add((await view.getAttribute('data-index')) ?? '');
    }
    expect(seen.size).toBeGreaterThanOrEqual(3); // it follows the training
    await expect.poll(() => page.getByTestId('augment-caption').textContent()).toMatch(/the sample just trained/);
    await page.locator('#panel-training').screenshot({ path: screenshotPath('augment-grid-1280') });
    await page.getByTestId('pause').click();

    // Off: a new run, and the grid says so and shows the image as stored.
    await page.getByTestId('augment').selectOption('off');
    await expect.poll(() => page.evaluate(() => location.hash)).not.toMatch(/aug=/);
    await expect.poll(() => view.getAttribute('data-augment')).toBe('off');
    expect(await page.getByTestId('augment-caption').textContent()).toMatch(/nothing trained yet in this run\)\. Data augmentation is off/);
    expect(await page.getByTestId('augment-versions').locator('canvas:visible').count()).toBe(1);
    expect(await page.getByTestId('samples-seen').textContent()).toBe('0');
    await page.getByTestId('augment').selectOption('strong');
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/aug=strong/);
    await expect.poll(() => view.getAttribute('data-augment')).toBe(CHOICES.augmentPresets.strong);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on a phone, and as an embed option: embed.html?augment=strong', async () => {
    const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
    const { page, errors } = await openPage(context, `${env.server.url}embed.html?panels=training,why&augment=strong`);
    const lab = page.locator('cnn-lab');
    await page.waitForFunction(() => (document.querySelector('cnn-lab') as unknown as { state(): string } | null)?.state() === 'idle', null, { timeout: 60_000 });
    expect(await lab.getByTestId('augment').inputValue()).toBe('strong');
    await lab.getByTestId('step').tap();
    await expect.poll(() => lab.getByTestId('augment-view').getAttribute('data-augment'), { timeout: 60_000 }).toBe(CHOICES.augmentPresets.strong);
    await expect.poll(() => lab.getByTestId('augment-caption').textContent()).toMatch(/the sample just trained/);
    expect(await lab.locator('#panel-why').isVisible()).toBe(true);
    expect(await lab.locator('#panel-draw').isVisible()).toBe(false);
    await lab.locator('#panel-training').screenshot({ path: screenshotPath('augment-grid-390') });
    expect(errors).toEqual([]);
    await context.close();
  });
});

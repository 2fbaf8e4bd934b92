// "Compare runs" in a real browser: up to four runs side by side, each in its own
// worker. A link with `#compare=` restores the cards; started together, every run
// gives the same loss series, bit for bit, as a run alone with its settings on the
// Training panel (the CSV download carries the series); MNIST's training images are
// served once for four runs; the panel at 1280×720 and on a 390×844 phone (no
// horizontal overflow), and `<cnn-lab panels="compare" compare="…">` on a course page.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { browserAndServer, openPage, screenshotPath } from './helpers';

const env = browserAndServer();

const MNIST_TRAIN = '/data/mnist/train-images-idx3-ubyte.gz';

async function newContext(width = 1280, height = 720, extra: Parameters<typeof env.browser.newContext>[0] = {}): Promise<BrowserContext> {
  return env.browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, ...extra });
}

/** Each run's state, as the table shows it (data-state of its row). */
async function states(scope: Page | Locator): Promise<string[]> {
  return scope.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['state'] ?? ''));
}

/** The curves' CSV, as a reader gets it from "Download the curves (CSV)". */
async function downloadCsv(page: Page, scope: Page | Locator = page): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), scope.getByTestId('compare-csv').click()]);
  expect(download.suggestedFilename()).toBe('cnnlab-comparison.csv');
  return readFileSync((await download.path())!, 'utf8');
}

/** Per run letter, its loss series from the CSV (the values as written: shortest round-trip form). */
function lossFromCsv(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const [header, ...rows] = text.trim().split('\n');
  const columns = header!.split(',');
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[columns.indexOf('quantity')] !== 'loss') continue;
    const run = cells[columns.indexOf('run')]!;
    out.set(run, [...(out.get(run) ?? []), cells[columns.indexOf('value')]!]);
  }
  return out;
}

/** One card's fields as shown: hash key → value. */
async function cardFields(card: Locator): Promise<Record<string, string>> {
  const get = (testid: string) => card.getByTestId(`compare-${testid}`).inputValue();
  return {
    lr: await get('lr'),
    batch: await get('batch'),
    epochs: await get('epochs'),
    f: await get('activation'),
    pool: await get('pooling'),
    seed: await get('seed'),
    train: await get('train-size'),
    speed: await get('speed'),
  };
}

/** The run alone on the Training panel, from its link: its loss series (the page's hook, as url-state.test.ts reads it). */
async function aloneOnTrainingPanel(hash: string): Promise<string[]> {
  const context = await newContext(1280, 900);
  try {
    const { page, errors } = await openPage(context, `${env.server.url}#${hash}`);
    await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
    await page.getByTestId('start').click();
    await page.waitForFunction(() => window.__cnnlab?.state() === 'done', null, { timeout: 110_000 });
    const loss = await page.evaluate(() => window.__cnnlab!.lossSeries());
    expect(errors).toEqual([]);
    return loss.map((v) => v.toString());
  } finally {
    await context.close();
  }
}

// Three runs of 2,000 samples: the url-state test's run, the same with ReLU and average
// pooling, and batch 32 with another seed.
const RUNS = ['lr=0.02&batch=4&epochs=1&f=tanh&pool=max&seed=7&train=2000', 'lr=0.02&batch=4&epochs=1&seed=7&train=2000', 'lr=0.02&batch=32&epochs=1&seed=3&train=2000'];
const COMPARE = RUNS.map((run) => run.replace(/=/g, ':').replace(/&/g, ',')).join('|');

describe('Compare runs', () => {
  let compareLoss: Map<string, string[]>;

  it('a link restores the cards; started together, each run repeats bit for bit what it gives alone on the Training panel', async () => {
    const context = await newContext();
    let csv: string;
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#compare=${COMPARE}`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      const cards = page.getByTestId('compare-run');
      expect(await cards.count()).toBe(RUNS.length);
      for (let i = 0; i < RUNS.length; i++) {
        const want = { lr: '0.01', batch: '1', epochs: '3', f: 'relu', pool: 'average', seed: '1', train: '60000', speed: '0', ...Object.fromEntries(new URLSearchParams(RUNS[i])) };
        expect(await cardFields(cards.nth(i))).toEqual(want);
      }
      expect(await page.getByTestId('compare-legend-item').allTextContents()).toEqual([
        'A · batch 4, tanh, max pooling, seed 7',
        'B · batch 4, ReLU, average pooling, seed 7',
        'C · batch 32, ReLU, average pooling, seed 3',
      ]);
      // The page's own run is not touched: only the comparison's workers train.
      await page.getByTestId('compare-start').click();
      await expect.poll(() => states(page), { timeout: 120_000 }).toEqual(['done', 'done', 'done']);
      expect(await page.evaluate(() => window.__cnnlab!.state())).toBe('idle');
      expect(await page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['samples']))).toEqual(['2000', '2000', '2000']);
      csv = await downloadCsv(page);
      // The link says the same runs, in the page's own form: what differs from the defaults or between the runs.
      expect(await page.evaluate(() => location.hash)).toBe(
        '#compare=lr:0.02,batch:4,epochs:1,f:tanh,pool:max,seed:7,train:2000|lr:0.02,batch:4,epochs:1,f:relu,pool:average,seed:7,train:2000|lr:0.02,batch:32,epochs:1,f:relu,pool:average,seed:3,train:2000',
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    compareLoss = lossFromCsv(csv);
    expect([...compareLoss.keys()]).toEqual(['A', 'B', 'C']);
    for (const [i, letter] of ['A', 'B', 'C'].entries()) {
      const alone = await aloneOnTrainingPanel(RUNS[i]!);
      expect(alone.length).toBe(20); // one point per 100 samples
      expect(compareLoss.get(letter), `run ${letter}`).toEqual(alone);
    }
    // Different settings, different curves.
    expect(compareLoss.get('A')).not.toEqual(compareLoss.get('B'));
    expect(compareLoss.get('B')).not.toEqual(compareLoss.get('C'));
  }, 600_000);

  it('four runs: MNIST\'s training images served once; the cards, the plots and the table at 1280×720', async () => {
    // The handout's activations and max pooling, one epoch each.
    const link = 'compare=f:relu,epochs:1|f:tanh,epochs:1|f:sigmoid,epochs:1|pool:max,epochs:1';
    const context = await newContext();
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#${link}`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      env.server.resetServed();
      expect(await page.getByTestId('compare-run').count()).toBe(4);
      expect(await page.getByTestId('compare-add').isDisabled()).toBe(true); // four at most
      await page.getByTestId('compare-start').click();
      await expect.poll(() => states(page), { timeout: 120_000 }).toEqual(['running', 'running', 'running', 'running']);
      const train = env.server.served().get(MNIST_TRAIN);
      const size = readFileSync(new URL(`../../dist${MNIST_TRAIN}`, import.meta.url)).length;
      console.log(`four runs: ${MNIST_TRAIN} served ${train?.requests} time(s), ${train?.bytes} bytes (the file: ${size} bytes)`);
      expect(train).toEqual({ requests: 1, bytes: size });
      await page.getByTestId('compare-loss-plot').scrollIntoViewIfNeeded();
      // The figure once every run has measured its rate (an epoch takes a few seconds
      // with the v128 kernels: a fixed wait could outlast the ReLU runs).
      const rates = () => page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset['rate'])));
      await expect.poll(async () => (await rates()).every((r) => r > 0), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => page.getByTestId('compare-total').textContent(), { timeout: 5_000 }).toMatch(/^Together: [\d,]+ samples\/s, 4 runs in parallel/);
      const total = await page.getByTestId('compare-total').textContent();
      console.log(`four runs training: ${total}; per run ${JSON.stringify(await page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['rate'])))} samples/s`);
      await page.locator('#panel-compare').screenshot({ path: screenshotPath('compare-4-runs-training') });
      await expect.poll(() => states(page), { timeout: 240_000 }).toEqual(['done', 'done', 'done', 'done']);
      // …and each run's evaluation on all 10,000 test images at the epoch's end.
      await expect.poll(() => page.getByTestId('compare-row').evaluateAll((list) => list.map((r) => (r as HTMLElement).dataset['tested'])), { timeout: 60_000 }).toEqual(['10000', '10000', '10000', '10000']);
      await page.waitForTimeout(500);
      await page.locator('#panel-compare').screenshot({ path: screenshotPath('compare-4-runs') });
      // Still once, after four whole epochs.
      expect(env.server.served().get(MNIST_TRAIN)?.requests).toBe(1);
      const rows = await page.getByTestId('compare-row').evaluateAll((list) => list.map((r) => ({ ...(r as HTMLElement).dataset })));
      console.log(`after one epoch: ${rows.map((r) => `${r['run']} ${(Number(r['accuracy']) * 100).toFixed(2)}% (best ${(Number(r['best']) * 100).toFixed(2)}%)`).join(', ')}`);
      for (const r of rows) {
        expect(r['samples']).toBe('60000');
        expect(Number(r['accuracy'])).toBeGreaterThan(0.5); // all four learn in one epoch (sigmoid the slowest)
        expect(Number(r['best'])).toBeGreaterThanOrEqual(Number(r['accuracy']));
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 400_000);

  it('on a 390×844 phone: the cards are a strip that scrolls sideways, the page does not; presets fill the cards and the link', async () => {
    const context = await newContext(390, 844, { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#compare=f:relu,epochs:1,train:10000|f:tanh,epochs:1,train:10000|f:sigmoid,epochs:1,train:10000|pool:max,epochs:1,train:10000`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('compare-start').tap();
      await expect.poll(() => states(page), { timeout: 240_000 }).toEqual(['done', 'done', 'done', 'done']);
      await page.locator('#panel-compare').scrollIntoViewIfNeeded();
      await page.waitForTimeout(500);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      // The cards side by side in a strip of their own, which scrolls (the next card peeks in); the page does not.
      const boxes = await page.getByTestId('compare-run').evaluateAll((cards) => cards.map((c) => c.getBoundingClientRect()).map((r) => ({ left: r.left, top: r.top, width: r.width })));
      for (let i = 1; i < boxes.length; i++) {
        expect(boxes[i]!.top).toBeCloseTo(boxes[0]!.top, 0);
        expect(boxes[i]!.left).toBeGreaterThan(boxes[i - 1]!.left + boxes[0]!.width);
      }
      expect(boxes[0]!.width).toBeGreaterThan(250);
      expect(boxes[1]!.left).toBeLessThan(390); // the next card shows its edge
      const strip = page.locator('.cmp-cards');
      expect(await strip.evaluate((e) => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto')).toBe(true);
      // Every value of the table is readable without scrolling sideways.
      const cells = await page.getByTestId('compare-row').locator('th, td').evaluateAll((list) => list.map((c) => c.getBoundingClientRect().right));
      expect(Math.max(...cells)).toBeLessThanOrEqual(390);
      await page.locator('#panel-compare').screenshot({ path: screenshotPath('compare-4-runs-phone') });
      // What a phone shows at a time: the first card, the plots, the table.
      for (const [name, target] of [['cards', page.getByTestId('compare-run').first()], ['plots', page.getByTestId('compare-legend')], ['table', page.getByTestId('compare-table')]] as const) {
        await target.evaluate((e) => e.scrollIntoView({ block: 'start' }));
        await page.waitForTimeout(300);
        await page.screenshot({ path: screenshotPath(`compare-phone-${name}`) });
      }
      // A preset fills the cards (the runs reset) and the link.
      await page.getByTestId('compare-preset-batch').tap();
      expect(await page.getByTestId('compare-run').count()).toBe(2);
      expect(await page.getByTestId('compare-preset-batch').getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('compare-run').nth(1).getByTestId('compare-batch').inputValue()).toBe('32');
      await expect.poll(() => page.evaluate(() => location.hash)).toBe('#compare=batch:1|batch:32');
      await expect.poll(() => states(page)).toEqual(['idle', 'idle']);
      expect(await page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['samples']))).toEqual(['0', '0']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 400_000);

  it('<cnn-lab panels="compare" compare="…"> on a course page: the same runs, the same curves', async () => {
    const course = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lesson 5</title><link rel="icon" href="data:,">
<script type="module" src="/cnn-lab.js"></script></head>
<body><h1>Lesson 5: one setting at a time</h1><p>Press “Start all”.</p>
<cnn-lab panels="compare" compare="${COMPARE}"></cnn-lab></body></html>`;
    env.server.override('/lesson-compare.html', new TextEncoder().encode(course));
    const context = await newContext(1100, 900);
    try {
      const { page, errors } = await openPage(context, `${env.server.url}lesson-compare.html`);
      const lab = page.locator('cnn-lab');
      await expect.poll(() => lab.evaluate((e) => (e as HTMLElement & { state(): string }).state()), { timeout: 60_000 }).toBe('idle');
      const shown = await lab.locator('section[id^="panel-"]').evaluateAll((list) => list.filter((s) => !(s as HTMLElement).hidden).map((s) => s.id));
      expect(shown).toEqual(['panel-compare']);
      expect(await lab.getByTestId('compare-run').count()).toBe(3);
      await lab.getByTestId('compare-start').click();
      await expect.poll(() => states(lab), { timeout: 120_000 }).toEqual(['done', 'done', 'done']);
      const loss = lossFromCsv(await downloadCsv(page, lab));
      expect(loss).toEqual(compareLoss);
      expect(await page.evaluate(() => location.hash)).toBe(''); // the element leaves the page's URL alone
      await lab.screenshot({ path: screenshotPath('compare-element') });
      expect(errors).toEqual([]);
    } finally {
      env.server.override('/lesson-compare.html', undefined);
      await context.close();
    }
  }, 300_000);

  it('one thing trains at a time: Start all pauses the Training panel\'s run, and its Start pauses the runs', async () => {
    const context = await newContext(1280, 900);
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#epochs=50&compare=epochs:50,seed:1|epochs:50,seed:2`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('start').click();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 60_000 });
      await page.getByTestId('compare-start').click();
      await expect.poll(() => states(page), { timeout: 60_000 }).toEqual(['running', 'running']);
      expect(await page.evaluate(() => window.__cnnlab!.state())).toBe('paused');
      expect(await page.getByTestId('status').textContent()).toMatch(/The Training panel’s run is paused: “Compare runs” has the cores/);
      await page.getByTestId('start').click(); // "Continue"
      await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 30_000 });
      await expect.poll(() => states(page), { timeout: 30_000 }).toEqual(['paused', 'paused']);
      expect(await page.getByTestId('compare-note').textContent()).toMatch(/the Training panel’s run has the cores now/);
      // Pausing and going on keeps the runs' curves: they continue where they were.
      const before = await page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset['samples'])));
      expect(before.every((n) => n > 0)).toBe(true);
      await page.getByTestId('compare-start').click();
      await expect.poll(() => states(page), { timeout: 30_000 }).toEqual(['running', 'running']);
      await expect
        .poll(async () => (await page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset['samples'])))).every((n, i) => n > before[i]!), { timeout: 30_000 })
        .toBe(true);
      await page.getByTestId('compare-pause').click();
      await expect.poll(() => states(page), { timeout: 30_000 }).toEqual(['paused', 'paused']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);

  it('a run that diverges says so in the core\'s words; the others train on', async () => {
    const context = await newContext(1280, 900);
    try {
      const { page, errors } = await openPage(context, `${env.server.url}#compare=lr:10,epochs:1,train:2000|lr:0.01,epochs:1,train:2000`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      await page.getByTestId('compare-start').click();
      await expect.poll(() => states(page), { timeout: 120_000 }).toEqual(['diverged', 'done']);
      const status = await page.getByTestId('compare-row').first().locator('.cmp-cell-status').textContent();
      console.log(`diverged run: ${status}`);
      // The core's message (cpp/network/model.h): where and why it stopped.
      expect(status).toMatch(/^diverged: after [\d,]+ samples? \(epoch 1, λ = 10\): .*larger than 1000.*Lower the learning rate or reset\.$/);
      expect(await page.getByTestId('compare-run').first().getByTestId('compare-run-status').textContent()).toBe(status!.charAt(0).toUpperCase() + status!.slice(1));
      // A lower λ on its card: it may go on.
      await page.getByTestId('compare-run').first().getByTestId('compare-lr').fill('0.01');
      await page.getByTestId('compare-run').first().getByTestId('compare-lr').press('Enter');
      await expect.poll(() => states(page), { timeout: 30_000 }).toEqual([expect.stringMatching(/^(paused|idle)$/), 'done']);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});

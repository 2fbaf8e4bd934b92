// Weights files in and out of the page (the "Weights files" panel), in Chromium under
// the strict CSP: downloads of either network as JSON and binary hold exactly its
// parameters (checked with the real WASM module in Node); a file loaded by the file
// picker or dropped on the panel becomes the draw pad's network or the network being
// trained; a wrong, truncated or huge file gets a message and changes nothing (the
// drawing's probabilities stay the same, bit for bit).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Cnnlab } from '../../web/src/core/cnnlab';
import { LIMITS } from '../../web/src/core/limits';
import { loadCore } from '../web/helpers/core';
import { browserAndServer, DIST, drawDigit, openPage, screenshotPath, STRICT_CSP, waitForIdle } from './helpers';

const env = browserAndServer({ csp: STRICT_CSP });
let core: Cnnlab;
beforeAll(async () => {
  core = await loadCore();
});

const SHIPPED = readFileSync(join(DIST, 'models/cnnlab-default.json'), 'utf8');
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** The ten probabilities the draw panel shows (data-value of each bar). */
async function probabilities(page: Page): Promise<string[]> {
  return Promise.all(Array.from({ length: 10 }, (_, d) => page.getByTestId(`prob-${d}`).getAttribute('data-value').then(String)));
}

/** Clicks a download button and returns the file's name and bytes. */
async function download(page: Page, testid: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

/** Drops one file on the weights panel, as a drag from the desktop does. */
async function drop(page: Page, target: Locator, name: string, bytes: Uint8Array): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name));
      return dt;
    },
    { name, data: Array.from(bytes) },
  );
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}

async function note(page: Page, pattern: RegExp): Promise<string> {
  await expect.poll(() => page.getByTestId('weights-note').textContent(), { timeout: 15_000 }).toMatch(pattern);
  return (await page.getByTestId('weights-note').textContent()) ?? '';
}

describe('weights files on the page', () => {
  it('downloads JSON and binary, loads by picker and by drop into either network; bad files change nothing', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    try {
      const { page, errors } = await openPage(context, env.server.url);
      await waitForIdle(page);
      await drawDigit(page, 7);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 15_000 }).toBe('7');
      await page.waitForTimeout(300);
      const shippedProbs = await probabilities(page);

      // Out: the draw pad's network (the shipped weights), JSON and binary, bit for bit.
      const shipped = core.parseWeightsJson(SHIPPED).params;
      const json = await download(page, 'download-pretrained-json');
      expect(json.name).toBe('cnnlab-draw-pad.json');
      expect(bits(core.parseWeightsJson(json.bytes.toString('utf8')).params)).toEqual(bits(shipped));
      const binary = await download(page, 'download-pretrained-binary');
      expect(binary.name).toBe('cnnlab-draw-pad.bin');
      expect(binary.bytes.length).toBe(24_308);
      expect(bits(core.parseWeightsBinary(binary.bytes).params)).toEqual(bits(shipped));

      // The network being trained, after some training: its file answers like it does.
      await page.getByTestId('start').click();
      await page.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 5, null, { timeout: 60_000 });
      await page.getByTestId('pause').click();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'paused', null, { timeout: 10_000 });
      const trained = await download(page, 'download-training-json');
      expect(trained.name).toMatch(/^cnnlab-trained-\d+-samples\.json$/);
      await page.getByTestId('model-training').check();
      await expect.poll(() => probabilities(page)).not.toEqual(shippedProbs);
      await page.waitForTimeout(300);
      const trainedProbs = await probabilities(page);

      // In, by the file picker, as the draw pad's network: it now answers as the trained network did.
      await page.getByTestId('model-pretrained').check();
      await page.getByTestId('weights-into-pretrained').check();
      await page.getByTestId('weights-file').setInputFiles({ name: trained.name, mimeType: 'application/json', buffer: trained.bytes });
      expect(await note(page, /^Loaded /)).toMatch(/^Loaded cnnlab-trained-\d+-samples\.json \(JSON: f = relu, average pooling, 6,070 parameters\) into the draw pad’s network/);
      await expect.poll(() => probabilities(page)).toEqual(trainedProbs);
      expect(await page.getByTestId('model-note').textContent()).toMatch(/now those of cnnlab-trained-\d+-samples\.json/);

      // A crashed worker, restarted, gets the loaded file again (the page kept it).
      await page.workers()[0]!.evaluate(() => void setTimeout(() => { throw new Error('a worker bug'); }));
      await page.waitForFunction(() => window.__cnnlab?.state() === 'crashed', null, { timeout: 15_000 });
      await page.getByTestId('restart-worker').click();
      await page.waitForFunction(() => !['crashed', 'starting'].includes(window.__cnnlab?.state() ?? ''), null, { timeout: 30_000 });
      await expect.poll(() => probabilities(page), { timeout: 15_000 }).toEqual(trainedProbs);

      // In, by drag and drop: the shipped binary back into the draw pad's network.
      const panel = page.locator('#panel-weights');
      await drop(page, panel, 'cnnlab-draw-pad.bin', binary.bytes);
      await note(page, /^Loaded cnnlab-draw-pad\.bin \(binary/);
      await expect.poll(() => probabilities(page)).toEqual(shippedProbs);

      // In, dropped, as the network being trained: a tanh / max network; the controls follow, the run starts at 0.
      const tanh = core.createModel({ activation: 'tanh', pooling: 'max' }, 5);
      const tanhJson = new TextEncoder().encode(tanh.toJson());
      tanh.dispose();
      await page.getByTestId('weights-into-training').check();
      await drop(page, panel, 'tanh-max.json', tanhJson);
      await note(page, /^Loaded tanh-max\.json \(JSON: f = tanh, max pooling, 6,070 parameters\) into the network being trained/);
      await expect.poll(() => page.getByTestId('activation').inputValue()).toBe('tanh');
      expect(await page.getByTestId('pooling').inputValue()).toBe('max');
      expect(await page.getByTestId('samples-seen').textContent()).toBe('0');
      expect(await page.evaluate(() => window.__cnnlab!.lossSeries().length)).toBe(0);
      await page.getByTestId('weights-into-pretrained').check();

      // Bad files: each says why, and nothing changes (the drawing's probabilities stay, bit for bit).
      const cases: [string, Buffer, RegExp][] = [
        ['truncated.bin', binary.bytes.subarray(0, binary.bytes.length - 100), /truncated\.bin is not a usable weights file: file is 24208 bytes, expected 24308 for 6070 parameters \(truncated\)\. Nothing was loaded: the draw pad’s network is unchanged\./],
        ['lecture-notes.json', Buffer.from('{"lecture": 4}'), /lecture-notes\.json is not a usable weights file: .*\. Nothing was loaded: the draw pad’s network is unchanged\./],
        ['photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00]), /photo\.png is not a usable weights file: it is neither a binary cnnlab weights file .* nor JSON text \(it is not UTF-8\)/],
        ['huge.bin', Buffer.alloc(LIMITS.weightsFileBytes.max + 1), /^huge\.bin has 4,194,305 bytes; a weights file has at most 4,194,304 bytes \(4 MB\)\. Nothing was loaded/],
      ];
      for (const [name, bytes, message] of cases) {
        await page.getByTestId('weights-file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
        await note(page, message);
        await page.waitForTimeout(200);
        expect(await probabilities(page), name).toEqual(shippedProbs);
      }
      // The same refusals for a drop, and into the network being trained.
      await page.getByTestId('weights-into-training').check();
      await drop(page, panel, 'truncated.bin', binary.bytes.subarray(0, 5000));
      await note(page, /truncated\.bin is not a usable weights file: .*Nothing was loaded: the network being trained is unchanged\./);
      expect(await page.getByTestId('activation').inputValue()).toBe('tanh');
      await page.locator('#panel-weights').screenshot({ path: screenshotPath('weights-error') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

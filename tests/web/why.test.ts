// "Why this answer" and "what the network trains on" at the worker-session level
// (issue 8, parts 2 and 5), in Node with the real WASM module, real MNIST and the
// shipped weights: the saliency the session sends equals finite differences of S_k
// computed through its own predict requests; the logits' parts add up to the logits;
// the nearest training images are the brute-force nearest by a₁ distance, from a table
// made in time-boxed slices, reused while the weights stay the same and made again
// when they change; the augmentation preview shows the sample just trained, with the
// run's options; the augmentation setting starts a new run and a run repeats bit for bit.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Ask } from '../../web/src/app/worker-client';
import type { Cnnlab } from '../../web/src/core/cnnlab';
import { CHOICES } from '../../web/src/core/limits';
import { nearestByActivation } from '../../web/src/core/nearest';
import { loadMnist, type Mnist } from '../../web/src/data/mnist';
import {
  DEFAULT_SETTINGS,
  resetReasons,
  SETTING_CHECKS,
  transferables,
  type EventOf,
  type Request,
  type TrainSettings,
  type WorkerEvent,
} from '../../web/src/worker/protocol';
import { Session, type SessionDeps } from '../../web/src/worker/session';
import { teach } from '../../web/src/worker/teaching';
import { answerAndRunnerUp, weightsKey } from '../../web/src/worker/why';
import { imageFloats, loadCore, mnist } from './helpers/core';

const GZ_DIR = fileURLToPath(new URL('../../public/data/mnist/', import.meta.url));
const SHIPPED = readFileSync(new URL('../../public/models/cnnlab-default.json', import.meta.url), 'utf8');
const TRAIN = 6000;
const TEST = 2000;

let core: Cnnlab;
let data: Mnist;

const diskFetch = (async (input: string | URL | Request) => {
  const url = String(input instanceof Request ? input.url : input);
  return new Response(readFileSync(`${GZ_DIR}${url.slice(url.lastIndexOf('/') + 1)}`));
}) as typeof fetch;

beforeAll(async () => {
  core = await loadCore();
  data = await loadMnist({ baseUrl: 'http://cnnlab.test/data/mnist/', fetch: diskFetch, trainLimit: TRAIN, testLimit: TEST });
});

/** A session fed by hand: its scheduled slices run when `pump` says so. */
async function session(settings: TrainSettings, deps: Partial<SessionDeps> = {}) {
  const events: WorkerEvent[] = [];
  const tasks: (() => void)[] = [];
  const s = new Session(
    {
      loadCore: async () => core,
      loadMnist: async (_url, split) => data[split],
      fetchText: async () => SHIPPED,
      now: () => performance.now(),
      schedule: (task) => void tasks.push(task),
      ...deps,
    },
    (e) => events.push(e),
  );
  await s.handle({ type: 'init', dataUrl: 'http://cnnlab.test/data/mnist/', weightsUrl: 'http://cnnlab.test/w.json', settings, resume: null, run: 0 });
  let nextId = 100;
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is EventOf<T> => e.type === type);
  const pump = (done: () => boolean = () => false, max = 100000) => {
    let n = 0;
    while (tasks.length > 0 && n++ < max && !done()) tasks.shift()!();
    return n;
  };
  /** Sends a request with an id and returns its reply (pumping the work loop until it comes). */
  async function ask<T extends WorkerEvent['type']>(request: Ask, reply: T): Promise<EventOf<T>> {
    const id = nextId++;
    await s.handle({ ...request, id } as Request);
    const mine = () => events.find((e) => 'id' in e && e.id === id);
    pump(() => mine() !== undefined);
    const e = mine();
    if (!e) throw new Error(`no reply to ${request.type}`);
    if (e.type === 'reply-error') throw new Error(e.message);
    expect(e.type).toBe(reply);
    return e as EventOf<T>;
  }
  return { session: s, events, tasks, of, pump, ask, send: (r: Request) => s.handle(r) };
}

const SMALL: TrainSettings = { ...DEFAULT_SETTINGS, trainSize: 2000, epochs: 1 };

/** Test images the shipped weights read with a top probability in (0.6, 0.95): S_k moves visibly there. */
function unsureTestImages(n: number): number[] {
  const model = core.modelFromWeights(SHIPPED);
  const ds = core.createDataset(data.test.images, data.test.labels);
  const probs = model.evaluate(ds, 0, TEST, true).probs!;
  model.dispose();
  ds.dispose();
  return Array.from({ length: TEST }, (_, i) => i)
    .filter((i) => {
      const top = Math.max(...probs.subarray(i * 10, i * 10 + 10));
      return top > 0.6 && top < 0.95;
    })
    .slice(0, n);
}

describe('why this answer, in the worker session', () => {
  it('sends ∂S_k/∂I of the answer and the runner-up that equal finite differences of the S it predicts', async () => {
    // The session's saliency for a test image against central differences of S_k from
    // the session's own 'predict' replies (the same network): ε = 0.01, or 0.001 where ±ε
    // changes the sign of a ReLU input (a kink of S_k; the snapshot says), else the pixel
    // is left out. Probed: the 30 pixels of largest |∂S_k/∂I| and 30 spread over the image.
    // Tolerance: within 0.5% of max |∂S_k/∂I|.
    const h = await session(SMALL);
    let checked = 0;
    let worst = 0;
    for (const index of unsureTestImages(2)) {
      const { why } = await h.ask({ type: 'why', input: { kind: 'test', index }, model: 'pretrained' }, 'why-result');
      expect(why.model).toBe('pretrained');
      expect([why.testIndex, why.label]).toEqual([index, data.test.labels[index]]);
      expect(Array.from(why.input)).toEqual(Array.from(imageFloats(mnist('t10k'), index)));
      expect([why.k, why.r]).toEqual(answerAndRunnerUp(why.probs));
      expect(why.probs[why.k]!).toBeGreaterThanOrEqual(why.probs[why.r]!);
      const predict = async (image: Float32Array) => {
        const p = await h.ask({ type: 'predict', image, model: 'pretrained', snapshot: true }, 'prediction');
        const f = p.snapshot!.forward;
        const signs = [f.conv1_pre, f.conv2_pre, f.fc1_pre].map((t) => Array.from(t.data, (v) => (v > 0 ? 1 : 0)).join('')).join('|');
        return { probs: p.probs, signs };
      };
      for (const [k, s] of [
        [why.k, why.saliencyK],
        [why.r, why.saliencyR],
      ] as const) {
        expect(s).toHaveLength(784);
        const scale = Math.max(...Array.from(s, Math.abs));
        expect(scale).toBeGreaterThan(0);
        const bySize = Array.from(s.keys()).sort((a, b) => Math.abs(s[b]!) - Math.abs(s[a]!));
        const pixels = new Set([...bySize.slice(0, 30), ...Array.from({ length: 30 }, (_, i) => (i * 263 + 17) % 784)]);
        let kinks = 0;
        for (const p of pixels) {
          const difference = async (e: number): Promise<number | null> => {
            const x = why.input.slice();
            x[p] = why.input[p]! + e;
            const plus = await predict(x.slice());
            x[p] = why.input[p]! - e;
            const minus = await predict(x.slice());
            return plus.signs === minus.signs ? (plus.probs[k]! - minus.probs[k]!) / (2 * e) : null;
          };
          const fd = (await difference(0.01)) ?? (await difference(0.001));
          if (fd === null) {
            kinks++;
            continue;
          }
          const error = Math.abs(fd - s[p]!) / scale;
          worst = Math.max(worst, error);
          expect(error, `test image ${index}, S_${k}, pixel ${p}: fd ${fd} vs ${s[p]}`).toBeLessThanOrEqual(0.005);
          checked++;
        }
        expect(kinks).toBeLessThan(pixels.size / 4);
      }
    }
    console.log(`session saliency vs finite differences of its own predictions: ${checked} pixels, worst ${(100 * worst).toFixed(3)}% of max |∂S_k/∂I|`);
    expect(checked).toBeGreaterThan(150);
    h.session.dispose();
  });

  it('sends what each logit is made of: Σ W₂[k,h]·a₁[h] + b₂[k] = z_k, for a drawing and both networks', async () => {
    const h = await session(SMALL);
    const image = imageFloats(mnist('t10k'), 8);
    for (const model of ['pretrained', 'training'] as const) {
      const { why } = await h.ask({ type: 'why', input: { kind: 'image', image: image.slice() }, model }, 'why-result');
      expect(why.model).toBe(model);
      expect([why.testIndex, why.label]).toEqual([-1, -1]);
      const reference = model === 'pretrained' ? core.modelFromWeights(SHIPPED) : null;
      if (reference) {
        expect(Array.from(why.probs)).toEqual(Array.from(reference.predict(image)));
        expect(Array.from(why.saliencyK)).toEqual(Array.from(reference.saliency(image, why.k)));
        reference.dispose();
      }
      for (const [c, w, b] of [
        [why.k, why.w2k, why.b2k],
        [why.r, why.w2r, why.b2r],
      ] as const) {
        expect(w).toHaveLength(50);
        let z = b;
        for (let j = 0; j < 50; j++) z += w[j]! * why.a1[j]!;
        expect(z).toBeCloseTo(why.logits[c]!, 4);
      }
      const e: WorkerEvent = { type: 'why-result', id: 1, why };
      expect(transferables(e)).toHaveLength(8);
    }
    h.session.dispose();
  });

  it('finds the nearest training images by a₁ distance: brute force agrees; made once per version of the weights', async () => {
    const h = await session(SMALL);
    const index = 3;
    const image = imageFloats(mnist('t10k'), index);
    const { why } = await h.ask({ type: 'why', input: { kind: 'test', index }, model: 'pretrained' }, 'why-result');
    const digits = [why.k, why.r];

    // The first query waits for the table (progress events meanwhile), in slices.
    const id = 1;
    await h.send({ type: 'nearest', id, input: { kind: 'test', index }, model: 'pretrained', digits, count: 5 });
    expect(h.events.some((e) => e.type === 'nearest-result' && e.id === id)).toBe(false);
    const slices = h.pump(() => h.events.some((e) => e.type === 'nearest-result' && e.id === id));
    expect(slices).toBeGreaterThan(1); // time-boxed: 6,000 forward passes do not fit one 8-ms slice
    const first = h.of('nearest-result').find((e) => e.id === id)!.nearest;
    expect(h.of('nearest-progress').length).toBeGreaterThan(0);
    expect(h.of('nearest-progress')[0]).toMatchObject({ model: 'pretrained', total: TRAIN });

    const brute = (weights: string | Float32Array) => {
      const model = core.modelFromWeights(SHIPPED);
      if (typeof weights !== 'string') model.setParams(weights);
      const ds = core.createDataset(data.train.images, data.train.labels);
      const table = model.hiddenActivations(ds, 0, TRAIN);
      model.predict(image);
      const query = model.tensors().forward.fc1.data;
      const out = digits.map((d) => nearestByActivation(table, 50, data.train.labels, query, d, 5));
      model.dispose();
      ds.dispose();
      return out;
    };
    expect(first.status).toBe('ok');
    expect(first.tableSize).toBe(TRAIN);
    expect(first.indices).toEqual(brute(SHIPPED));
    first.indices.forEach((list, i) => {
      expect(list.every((t) => data.train.labels[t] === digits[i])).toBe(true);
      expect(first.distances[i]!.every((d, j, a) => j === 0 || d >= a[j - 1]!)).toBe(true);
    });
    const flat = first.indices.flat();
    flat.forEach((t, j) => expect(Array.from(first.pixels.subarray(j * 784, j * 784 + 784))).toEqual(Array.from(data.train.images.subarray(t * 784, t * 784 + 784))));

    // The same weights: answered at once, from the table.
    await h.send({ type: 'nearest', id: 2, input: { kind: 'image', image: image.slice() }, model: 'pretrained', digits, count: 5 });
    expect(h.of('nearest-result').find((e) => e.id === 2)?.nearest.indices).toEqual(first.indices);

    // Teaching the pretrained network changes its weights: a new table.
    await h.ask({ type: 'teach', image: image.slice(), label: why.r, steps: 20, learningRate: 0.1, model: 'pretrained' }, 'taught');
    await h.send({ type: 'nearest', id: 3, input: { kind: 'test', index }, model: 'pretrained', digits, count: 5 });
    expect(h.events.some((e) => e.type === 'nearest-result' && e.id === 3)).toBe(false);
    h.pump(() => h.events.some((e) => e.type === 'nearest-result' && e.id === 3));
    const taught = h.of('nearest-result').find((e) => e.id === 3)!.nearest;
    // The same teaching on a model of our own gives the weights the session now has.
    const mine = core.modelFromWeights(SHIPPED);
    teach(mine, image, why.r, 20, 0.1, 'pretrained');
    const taughtParams = mine.getParams();
    expect(weightsKey(mine)).not.toBe(weightsKey(core.modelFromWeights(SHIPPED)));
    mine.dispose();
    expect(taught.indices).toEqual(brute(taughtParams));
    h.session.dispose();
  });

  it('the network being trained: nearest images only while it holds still; the preview follows the sample just trained', async () => {
    const h = await session({ ...SMALL, augment: 'mild' });
    // The training set loads with Start or Step, not for the preview: until then there is none.
    expect((await h.ask({ type: 'augment-preview', count: 8 }, 'augment-sample')).sample).toBeNull();
    expect(h.session.dataState('train')).toBe('none');
    await h.send({ type: 'step' });
    await h.send({ type: 'reset', settings: { ...SMALL, augment: 'mild' } }); // the data stays; a new run has trained nothing
    const preview0 = (await h.ask({ type: 'augment-preview', count: 8 }, 'augment-sample')).sample!;
    expect(preview0).toMatchObject({ trained: false, index: 0, label: data.train.labels[0], augment: CHOICES.augmentPresets.mild, run: 1 });
    expect(Array.from(preview0.pixels)).toEqual(Array.from(data.train.images.subarray(0, 784)));

    await h.send({ type: 'start' });
    h.pump(undefined, 3);
    expect(h.session.currentState).toBe('running');
    await h.send({ type: 'nearest', id: 7, input: { kind: 'test', index: 0 }, model: 'training', digits: [7, 1], count: 4 });
    expect(h.of('nearest-result').find((e) => e.id === 7)?.nearest.status).toBe('running');

    await h.send({ type: 'pause' });
    await h.send({ type: 'step' });
    const stepped = h.of('state').at(-1)!.message.match(/training image #(\d+), a (\d)/)!;
    const preview = (await h.ask({ type: 'augment-preview', count: 8 }, 'augment-sample')).sample!;
    expect(preview).toMatchObject({ trained: true, index: Number(stepped[1]), label: Number(stepped[2]) });
    // The core's preview of that image with the run's seed and options (weights do not matter).
    const same = core.createModel({}, SMALL.seed, { augment: 'mild' });
    const ds = core.createDataset(data.train.images, data.train.labels);
    expect(new Uint32Array(preview.images.buffer)).toEqual(new Uint32Array(same.augmentPreview(ds, preview.index, 8).buffer));
    same.dispose();
    ds.dispose();
    // Augmented: no version is the stored image itself.
    for (let j = 0; j < 8; j++) expect(preview.images.subarray(j * 784, j * 784 + 784).some((v, i) => v !== preview.pixels[i]! / 255)).toBe(true);

    const paused = await h.ask({ type: 'nearest', input: { kind: 'test', index: 0 }, model: 'training', digits: [7, 1], count: 4 }, 'nearest-result');
    expect(paused.nearest.status).toBe('ok');
    expect(paused.nearest.indices.map((l) => l.length)).toEqual([4, 4]);
    h.session.dispose();
  });
});

describe('data augmentation as a setting', () => {
  it('is checked from the core\'s presets, starts a new run, and the same settings give the same run bit for bit', async () => {
    expect(SETTING_CHECKS.augment('mild')).toEqual({ ok: true, value: 'mild' });
    expect(SETTING_CHECKS.augment(' Strong ')).toEqual({ ok: true, value: 'strong' });
    expect(SETTING_CHECKS.augment('rot=8')).toMatchObject({ ok: false, message: 'The data augmentation is one of off, mild, strong.' });
    expect(resetReasons(SMALL, { ...SMALL, augment: 'strong' })).toEqual(['augment']);

    const h = await session(SMALL);
    await h.send({ type: 'step' }); // loads the training set
    await h.send({ type: 'configure', settings: { ...SMALL, augment: 'strong' } });
    const s = h.of('state').at(-1)!;
    expect(s.message).toMatch(/data augmentation changed/);
    expect(s.settings.augment).toBe('strong');
    expect(s.progress.samplesSeen).toBe(0);
    expect((await h.ask({ type: 'augment-preview', count: 1 }, 'augment-sample')).sample!.augment).toBe(CHOICES.augmentPresets.strong);
    await h.send({ type: 'configure', settings: { ...SMALL, augment: 'off' } });
    const off = (await h.ask({ type: 'augment-preview', count: 2 }, 'augment-sample')).sample!;
    expect(off.augment).toBe('off');
    expect(Array.from(off.images)).toEqual([...Array.from(off.pixels, (v) => Math.fround(v / 255)), ...Array.from(off.pixels, (v) => Math.fround(v / 255))]);
    h.session.dispose();

    const run = async (augment: TrainSettings['augment']) => {
      const r = await session({ ...SMALL, trainSize: 500, augment });
      await r.send({ type: 'start' });
      r.pump();
      expect(r.session.currentState).toBe('done');
      const bytes = r.of('checkpoint').at(-1)!.checkpoint.bytes;
      r.session.dispose();
      return core.checkpointInfo(bytes);
    };
    const a = await run('mild');
    const b = await run('mild');
    const c = await run('off');
    expect(a.options.augment).toBe(CHOICES.augmentPresets.mild);
    expect(a.samplesSeen).toBe(500);
    expect(new Uint32Array(b.params.buffer)).toEqual(new Uint32Array(a.params.buffer));
    expect(new Uint32Array(c.params.buffer)).not.toEqual(new Uint32Array(a.params.buffer));
  });
});

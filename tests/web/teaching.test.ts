// The teaching requests of the worker's Session (backprop view, live gradient
// check, "teach it your digit"), in Node with the real WASM module and real MNIST.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cnnlab, DeltaName, ParamName, Tensor } from '../../web/src/core/cnnlab';
import { loadMnist, type Mnist } from '../../web/src/data/mnist';
import { DEFAULT_SETTINGS, transferables, type EventOf, type Request, type TrainSettings, type WorkerEvent } from '../../web/src/worker/protocol';
import { Session } from '../../web/src/worker/session';
import { splitParams } from '../../web/src/worker/teaching';
import { imageFloats, loadCore, mnist, ROOT } from './helpers/core';

const DATA_URL = 'http://cnnlab.test/data/mnist/';
const WEIGHTS_URL = 'http://cnnlab.test/models/cnnlab-default.json';
const SHIPPED = readFileSync(`${ROOT}public/models/cnnlab-default.json`, 'utf8');

let core: Cnnlab;
let data: Mnist;
let PARAM_NAMES: ParamName[];
const DELTA_NAMES: DeltaName[] = ['delta_out', 'delta_a1', 'delta1', 'delta_flatten', 'delta_conv2_out', 'delta_conv2', 'delta_pool1', 'delta_conv1_out', 'delta_conv1'];

beforeAll(async () => {
  core = await loadCore();
  PARAM_NAMES = core.paramTable().map((t) => t.name); // the core's table, in buffer order
  const gz = `${ROOT}public/data/mnist/`;
  const diskFetch = (async (input: string | URL) => {
    const url = String(input);
    try {
      return new Response(readFileSync(gz + url.slice(url.lastIndexOf('/') + 1)));
    } catch {
      return new Response(null, { status: 404 });
    }
  }) as typeof fetch;
  data = await loadMnist({ baseUrl: DATA_URL, fetch: diskFetch, trainLimit: 3000, testLimit: 500 });
});

async function ready(settings: Partial<TrainSettings> = {}) {
  const events: WorkerEvent[] = [];
  const session = new Session(
    {
      loadCore: async () => core,
      loadMnist: async (_url, split) => data[split],
      fetchText: async () => SHIPPED,
      now: () => performance.now(),
      schedule: () => {}, // no background slices: the tests call requests one by one
    },
    (e) => events.push(e),
  );
  await session.handle({
    type: 'init',
    dataUrl: DATA_URL,
    weightsUrl: WEIGHTS_URL,
    settings: { ...DEFAULT_SETTINGS, trainSize: 2000, epochs: 1, ...settings },
    resume: null,
    run: 0,
  });
  /** Sends a request and returns its reply (throws on reply-error). */
  async function ask<T extends WorkerEvent['type']>(request: Request, type: T): Promise<EventOf<T>> {
    const n = events.length;
    await session.handle(request);
    const fresh = events.slice(n);
    const error = fresh.find((e) => e.type === 'reply-error');
    if (error && error.type === 'reply-error') throw new Error(error.message);
    const reply = fresh.find((e): e is EventOf<T> => e.type === type);
    if (!reply) throw new Error(`no ${type} reply; got ${fresh.map((e) => e.type).join(', ')}`);
    return reply;
  }
  return { session, events, ask };
}

function expectClose(actual: Tensor, expected: Tensor, what: string, rel = 1e-5): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const scale = Math.max(1e-30, ...Array.from(expected.data, Math.abs));
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i]! - expected.data[i]!);
    if (d > rel * scale) expect.fail(`${what}[${i}]: ${actual.data[i]} vs ${expected.data[i]} (scale ${scale})`);
  }
}

function flat(params: Record<string, Tensor>): Float32Array {
  const parts = PARAM_NAMES.map((n) => params[n]!.data);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('teaching requests', () => {
  it('backprop-step trains one sample and returns the tensors trace gives for that sample and the parameters before', async () => {
    const { ask } = await ready();
    const first = (await ask({ type: 'backprop-step', id: 1 }, 'backprop')).trace;
    const second = (await ask({ type: 'backprop-step', id: 2 }, 'backprop')).trace;
    expect(first.kind).toBe('step');
    expect(first.samplesSeen).toBe(1);
    // The label and the training image come from the core (the sample it trained), not from δ.
    expect(first.index).toBeGreaterThanOrEqual(0);
    expect(first.label).toBe(data.train.labels[first.index]);
    const pixels = data.train.images.subarray(first.index * 784, first.index * 784 + 784);
    expect(Array.from(first.input.data, (v) => Math.round(v * 255))).toEqual(Array.from(pixels));
    expect(second.samplesSeen).toBe(2);

    for (const t of [first, second]) {
      const m = core.createModel(t.config);
      m.setParams(flat(t.params));
      const ref = m.trace(t.input.data, t.label);
      expect(t.loss).toBeCloseTo(ref.loss, 5);
      expect(Math.abs(t.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      for (const name of DELTA_NAMES) expectClose(t.deltas[name], ref.deltas[name], name);
      for (const name of PARAM_NAMES) expectClose(t.grads[name], ref.grads[name], `grad ${name}`);
      m.dispose();
    }
    // θ ← θ − λ·Δθ (batch 1, λ = 0.01): the second step used the first step's result.
    for (const name of PARAM_NAMES) {
      const expected = first.params[name].data.map((v, i) => v - 0.01 * first.grads[name].data[i]!);
      expectClose(second.params[name], { shape: first.params[name].shape, data: expected }, `updated ${name}`, 1e-4);
    }
    // The reply's buffers travel as transfers.
    expect(transferables({ type: 'backprop', id: 1, trace: first }).length).toBeGreaterThan(30);
  });

  it('backprop-trace on the pretrained weights equals CnnModel.trace, and changes nothing', async () => {
    const { ask } = await ready();
    const image = imageFloats(mnist('t10k'), 7);
    const label = mnist('t10k').labels[7]!;
    const t = (await ask({ type: 'backprop-trace', id: 1, image: image.slice(), label, model: 'pretrained' }, 'backprop')).trace;
    const ref = core.modelFromWeights(SHIPPED).trace(image, label);
    expect(t.kind).toBe('trace');
    expect(t.model).toBe('pretrained');
    expect(t.loss).toBe(ref.loss);
    for (const name of DELTA_NAMES) expectClose(t.deltas[name], ref.deltas[name], name, 0);
    for (const name of PARAM_NAMES) expectClose(t.grads[name], ref.grads[name], name, 0);
    const again = (await ask({ type: 'backprop-trace', id: 2, image: image.slice(), label, model: 'pretrained' }, 'backprop')).trace;
    expect(again.loss).toBe(t.loss);
  });

  it('splitParams cuts getParams by the core\'s parameter table', () => {
    const m = core.modelFromWeights(SHIPPED);
    const t = m.trace(imageFloats(mnist('t10k'), 0), 7);
    const split = splitParams(m.getParams(), core.paramTable(m.config));
    for (const name of PARAM_NAMES) expectClose(split[name], t.params[name], name, 0);
    m.dispose();
  });

  it('gradcheck: all 8 groups agree under 1e-2 with tanh', async () => {
    const { ask } = await ready({ activation: 'tanh' });
    for (let i = 0; i < 20; i++) await ask({ type: 'backprop-step', id: i + 1 }, 'backprop');
    const split = mnist('t10k');
    const r = await ask({ type: 'gradcheck', id: 99, image: imageFloats(split, 3), label: split.labels[3]!, model: 'training', probes: 10 }, 'gradcheck-result');
    expect(r.activation).toBe('tanh');
    expect(r.groups.map((g) => g.name)).toHaveLength(8);
    for (const g of r.groups) {
      expect(g.probes, g.name).toBeGreaterThanOrEqual(4); // min(10, the group's size: b¹ has 4)
      expect(g.maxRelativeError, g.name).toBeLessThan(1e-2);
    }
  });

  it('gradcheck refuses a silly probe count', async () => {
    const { ask } = await ready();
    await expect(ask({ type: 'gradcheck', id: 1, image: new Float32Array(784), label: 1, model: 'training', probes: 0 }, 'gradcheck-result')).rejects.toThrow(/probes/);
  });

  it('teach raises the probability of the given label; teach-reset restores the pretrained weights', async () => {
    const { ask } = await ready();
    const split = mnist('t10k');
    const image = imageFloats(split, 1);
    const label = (split.labels[1]! + 3) % 10; // a wrong label: its probability starts low
    const r = (await ask({ type: 'teach', id: 1, image: image.slice(), label, steps: 5, learningRate: 0.01, model: 'pretrained' }, 'taught')).result;
    expect(r.model).toBe('pretrained');
    expect(r.after[label]!).toBeGreaterThan(r.before[label]!);
    expect(r.losses).toHaveLength(5);
    expect(r.losses[4]!).toBeLessThan(r.losses[0]!);
    expect(r.k1After.shape).toEqual(r.k1Before.shape);
    expect(Array.from(r.k1After.data).some((v, i) => v !== r.k1Before.data[i])).toBe(true);

    const taught = (await ask({ type: 'backprop-trace', id: 2, image: image.slice(), label, model: 'pretrained' }, 'backprop')).trace;
    expect(taught.forward.probs.data[label]).toBeCloseTo(r.after[label]!, 6);
    expect((await ask({ type: 'teach-reset', id: 3 }, 'teach-reset-done')).restored).toBe(true);
    const back = (await ask({ type: 'backprop-trace', id: 4, image: image.slice(), label, model: 'pretrained' }, 'backprop')).trace;
    expect(back.forward.probs.data[label]).toBeCloseTo(r.before[label]!, 6);
  });

  it('teach on the network being trained; bad steps and λ are refused', async () => {
    const { ask } = await ready();
    const image = imageFloats(mnist('t10k'), 2);
    const r = (await ask({ type: 'teach', id: 1, image: image.slice(), label: 4, steps: 1, learningRate: 0.05, model: 'training' }, 'taught')).result;
    expect(r.model).toBe('training');
    expect(r.after[4]!).toBeGreaterThan(r.before[4]!);
    await expect(ask({ type: 'teach', id: 2, image: image.slice(), label: 4, steps: 0, learningRate: 0.01, model: 'training' }, 'taught')).rejects.toThrow(/Steps must be a whole number from 1 to 100/);
    await expect(ask({ type: 'teach', id: 3, image: image.slice(), label: 4, steps: 1, learningRate: -1, model: 'training' }, 'taught')).rejects.toThrow(/λ/);
  });
});

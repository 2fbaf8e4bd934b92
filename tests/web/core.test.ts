// The real WASM module on real MNIST, in Node: training, prediction, evaluation,
// weights round trips, agreement with the native build, bad arguments, no leaks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cnnlab, CnnDataset } from '../../web/src/core/cnnlab';
import { CLI_PATH, imageFloats, loadCore, mnist } from './helpers/core';

let core: Cnnlab;
let train: CnnDataset;
let test: CnnDataset;

beforeAll(async () => {
  core = await loadCore();
  const t = mnist('train');
  const v = mnist('t10k');
  train = core.createDataset(t.images, t.labels);
  test = core.createDataset(v.images, v.labels);
});

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}

describe('the WASM core on MNIST', () => {
  it('is built with the SIMD kernels and counts 6070 parameters', () => {
    expect(core.kernelName).toBe('v128');
    const model = core.createModel();
    expect(model.paramCount).toBe(6070);
    expect(model.getParams()).toHaveLength(6070);
    model.dispose();
  });

  // One seed's accuracy after 5,000 samples moves with the rounding of the kernels
  // (87–93% over seeds 1–8, natively and in WASM alike): the claim is about the mean.
  it('learns: the loss falls and 5,000 samples give ≥ 90% test accuracy (mean of seeds 1–4)', () => {
    const model = core.createModel({}, 1);
    model.setTrainingData(train);
    const before = model.evaluate(test, 0, 2000);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = model.train(1000);
      expect(r.status).toBe('ok');
      expect(r.samples).toBe(1000);
      losses.push(r.lossSum / r.samples);
    }
    const after = model.evaluate(test);
    expect(before.meanLoss).toBeGreaterThan(2.0);
    expect(losses[4]!).toBeLessThan(losses[0]!);
    expect(after.meanLoss).toBeLessThan(before.meanLoss / 3);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.85);
    const accuracies = [after.accuracy];
    for (const seed of [2, 3, 4]) {
      const m = core.createModel({}, seed);
      m.setTrainingData(train);
      expect(m.train(5000).status).toBe('ok');
      accuracies.push(m.evaluate(test).accuracy);
      m.dispose();
    }
    for (const a of accuracies) expect(a).toBeGreaterThanOrEqual(0.85);
    expect(accuracies.reduce((a, b) => a + b, 0) / 4).toBeGreaterThanOrEqual(0.9);
    expect(after.count).toBe(10000);
    const confusion = after.confusion;
    expect(confusion).toHaveLength(100);
    let diagonal = 0;
    let total = 0;
    for (let r = 0; r < 10; r++)
      for (let c = 0; c < 10; c++) {
        total += confusion[r * 10 + c]!;
        if (r === c) diagonal += confusion[r * 10 + c]!;
      }
    expect(total).toBe(10000);
    expect(diagonal / total).toBeCloseTo(after.accuracy, 10);
    // predict agrees with predictSample and with evaluate's confusion matrix
    const v = mnist('t10k');
    const p = model.predict(imageFloats(v, 0));
    expect(sameBits(p, model.predictSample(test, 0))).toBe(true);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.indexOf(Math.max(...p))).toBe(v.labels[0]); // the first test digit, a 7
    model.dispose();
  });

  it('trains in resumable chunks: 1+999+500 samples equal 1500 at once, bit for bit', () => {
    const a = core.createModel({}, 9, { batchSize: 4, momentum: 0.5 });
    const b = core.createModel({}, 9, { batchSize: 4, momentum: 0.5 });
    a.setTrainingData(train, 1000);
    b.setTrainingData(train, 1000);
    a.train(1500);
    b.train(1);
    b.train(999);
    b.train(500);
    expect(sameBits(a.getParams(), b.getParams())).toBe(true);
    expect(b.progress()).toMatchObject({ epoch: 1, position: 500, samplesSeen: 1500 });
    a.dispose();
    b.dispose();
  });

  it('round-trips the JSON and binary weights formats bit for bit', () => {
    const model = core.createModel({ activation: 'tanh', pooling: 'max', hidden: 20 }, 3);
    model.setTrainingData(train, 500);
    model.train(500);
    const params = model.getParams();
    const json = model.toJson();
    expect(JSON.parse(json)['conv2.weight'].shape).toEqual([6, 4, 5, 5]);
    const fromJson = core.modelFromWeights(json);
    expect(fromJson.config).toEqual({ activation: 'tanh', pooling: 'max', maps1: 4, maps2: 6, hidden: 20 });
    expect(sameBits(fromJson.getParams(), params)).toBe(true);
    const bin = model.toBinary();
    expect(bin.length).toBe(24 + 4 * params.length + 4);
    const fromBin = core.modelFromWeights(bin);
    expect(sameBits(fromBin.getParams(), params)).toBe(true);
    // corrupt: the checksum catches one flipped bit
    const bad = bin.slice();
    bad[100] = bad[100]! ^ 1;
    expect(() => core.parseWeightsBinary(bad)).toThrow(/checksum/i);
    expect(() => core.parseWeightsJson('{"config": 5}')).toThrow(/config/);
    for (const m of [model, fromJson, fromBin]) m.dispose();
  });

  it('agrees bit for bit with the native cnnlab train', () => {
    expect(existsSync(CLI_PATH), `${CLI_PATH} missing: build the native tree first`).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'cnnlab-')), 'native.bin');
    execFileSync(CLI_PATH, ['train', '--epochs', '1', '--train-size', '3000', '--seed', '11', '--lr', '0.02',
      '--batch', '2', '--momentum', '0.5', '--activation', 'tanh', '--out', out], { stdio: 'pipe' });
    const native = core.parseWeightsBinary(new Uint8Array(readFileSync(out)));
    const model = core.createModel({ activation: 'tanh' }, 11, { learningRate: 0.02, batchSize: 2, momentum: 0.5 });
    model.setTrainingData(train, 3000);
    expect(model.train(3000).status).toBe('ok');
    expect(native.config.activation).toBe('tanh');
    expect(sameBits(model.getParams(), native.params)).toBe(true);
    model.dispose();
  });

  it('rejects bad arguments with an Error and changes nothing', () => {
    const model = core.createModel({}, 5);
    model.setTrainingData(train, 100);
    model.train(10);
    const params = model.getParams();
    const options = model.options;
    expect(() => model.setOptions({ learningRate: 0 })).toThrow(/learning rate/);
    expect(() => model.setOptions({ learningRate: -1 })).toThrow(/learning rate/);
    expect(() => model.setOptions({ learningRate: NaN })).toThrow(/learning rate/);
    expect(() => model.setOptions({ batchSize: 0 })).toThrow(/batch size/);
    expect(() => model.setOptions({ momentum: 1 })).toThrow(/momentum/);
    expect(() => core.createModel({ activation: 'softsign' as never })).toThrow(/unknown activation/);
    expect(() => core.createModel({ pooling: 'median' as never })).toThrow(/unknown pooling/);
    expect(() => core.createModel({ maps1: 0 })).toThrow(/maps1/);
    expect(() => core.createModel({}, -1)).toThrow(/seed/);
    expect(() => model.predict(new Float32Array(783))).toThrow(/784/);
    expect(() => model.trace(new Float32Array(784), 10)).toThrow(/label/);
    expect(() => model.step(new Float32Array(784), 3, NaN)).toThrow(/learning rate/);
    expect(() => model.setParams(new Float32Array(6069))).toThrow(/6070/);
    const withNaN = params.slice();
    withNaN[3] = NaN;
    expect(() => model.setParams(withNaN)).toThrow(/not finite/);
    expect(() => model.setTrainingData(train, 0)).toThrow(/training size/);
    expect(() => model.evaluate(test, 9999, 5)).toThrow(/outside/);
    expect(() => core.createDataset(new Uint8Array(784), new Uint8Array([12]))).toThrow(/not a digit/);
    expect(() => core.createDataset(new Uint8Array(100), new Uint8Array([1]))).toThrow(/expected 784/);
    // The module itself also refuses, with the core's message (bypassing the facade's checks).
    expect(() => model.raw.setOptions({ ...options, learningRate: 0 })).toThrow(/learning rate/);
    expect(() => new core.raw.Model({ activation: 'nope' } as never, 1, {})).toThrow(/unknown activation/);
    expect(sameBits(model.getParams(), params)).toBe(true);
    expect(model.options).toEqual(options);
    expect(model.progress().samplesSeen).toBe(10);
    expect(model.train(5).status).toBe('ok');
    model.dispose();
  });

  it('stops on divergence with a message and keeps finite weights', () => {
    const model = core.createModel({}, 1, { learningRate: 1e30 });
    model.setTrainingData(train, 1000);
    let status = 'ok';
    for (let i = 0; i < 1000 && status === 'ok'; i++) status = model.train(1).status;
    expect(status).toBe('diverged');
    const p = model.progress();
    expect(p.status).toBe('diverged');
    expect(p.message).toMatch(/not finite.*learning rate/);
    expect(model.getParams().every(Number.isFinite)).toBe(true);
    expect(model.train(10).samples).toBe(0);
    model.dispose();
  });

  it('traces one sample: forward, δ and gradients, and a step moves θ by −λΔθ', () => {
    const model = core.createModel({}, 2);
    const image = imageFloats(mnist('t10k'), 1);
    const t = model.trace(image, 2);
    expect(t.loss).toBeGreaterThan(0);
    expect(t.forward.conv1.shape).toEqual([4, 24, 24]);
    expect(t.forward.pool2.shape).toEqual([6, 4, 4]);
    expect(t.deltas.delta_conv2.shape).toEqual([6, 8, 8]);
    expect(t.grads['conv2.weight'].shape).toEqual([6, 4, 5, 5]);
    // δ = S − Y
    for (let k = 0; k < 10; k++)
      expect(t.deltas.delta_out.data[k]).toBeCloseTo(t.forward.probs.data[k]! - (k === 2 ? 1 : 0), 6);
    // Δb₂ = δ
    expect(sameBits(t.grads['fc2.bias'].data, t.deltas.delta_out.data)).toBe(true);
    const before = model.getParams();
    const loss = model.step(image, 2, 0.1);
    expect(loss).toBeCloseTo(t.loss, 6);
    const after = model.getParams();
    const g = t.grads['fc1.weight'].data;
    const offset = 100 + 4 + 600 + 6;
    for (let i = 0; i < g.length; i += 97) expect(after[offset + i]).toBeCloseTo(before[offset + i]! - 0.1 * g[i]!, 6);
    model.dispose();
  });

  it('runs the live gradient check: every layer agrees with backprop away from kinks', () => {
    const model = core.createModel({ activation: 'tanh' }, 6);
    const before = model.getParams();
    const groups = model.gradientCheck(imageFloats(mnist('t10k'), 5), mnist('t10k').labels[5]!, 8);
    expect(groups.map((g) => g.name)).toEqual([
      'conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias',
    ]);
    for (const g of groups) {
      expect(g.probes).toBeGreaterThan(0);
      expect(g.maxRelativeError).toBeLessThan(1e-2);
    }
    expect(sameBits(model.getParams(), before)).toBe(true);
    expect(() => model.gradientCheck(new Float32Array(784), 3, 0)).toThrow(/probes/);
    model.dispose();
  });

  it('frees what it allocates: 1,000 create/predict/evaluate/delete cycles do not grow the heap', () => {
    const image = imageFloats(mnist('t10k'), 0);
    let n = 0;
    const cycle = () => {
      const model = core.createModel({}, 4);
      model.predict(image);
      model.evaluate(test, 0, 20);
      if (n++ % 50 === 0) {
        model.trace(image, 7); // every tensor copied out
        core.parseWeightsBinary(model.toBinary());
        model.toJson();
      }
      const ds = core.createDataset(mnist('t10k').images.subarray(0, 784 * 3), mnist('t10k').labels.subarray(0, 3));
      model.evaluate(ds);
      ds.dispose();
      model.dispose();
    };
    for (let i = 0; i < 20; i++) cycle(); // warm up allocator pools
    const heapBefore = core.raw.heapBytesInUse();
    const memoryBefore = core.raw.HEAPU8.length;
    for (let i = 0; i < 1000; i++) cycle();
    expect(core.raw.heapBytesInUse()).toBe(heapBefore);
    expect(core.raw.HEAPU8.length).toBe(memoryBefore);
  });
});

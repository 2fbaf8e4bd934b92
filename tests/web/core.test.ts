// The real WASM module on real MNIST, in Node: training, prediction, evaluation,
// weights round trips, agreement with the native build (augmentation on and off),
// saliency against finite differences, the a₁ table and the augmentation preview,
// bad arguments, no leaks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  CHOICES,
  DEFAULT_OPTIONS,
  LIMITS,
  LR_SCHEDULES,
  POOLINGS,
  nearestByActivation,
  type Cnnlab,
  type CnnDataset,
  type ParamName,
} from '../../web/src/core/cnnlab';
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
    // predict agrees with evaluate's per-image results and its confusion matrix
    const v = mnist('t10k');
    const p = model.predict(imageFloats(v, 0));
    const one = model.evaluate(test, 0, 1, true);
    expect(sameBits(p, one.probs!)).toBe(true);
    expect(one.predictions![0]).toBe(p.indexOf(Math.max(...p)));
    expect(after.predictions).toBeNull();
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.indexOf(Math.max(...p))).toBe(v.labels[0]); // the first test digit, a 7
    model.dispose();
  });

  it('trains in resumable chunks: 1+999+500 samples equal 1500 at once, bit for bit', () => {
    const a = core.createModel({}, 9, { batchSize: 4, momentum: 0.5, epochs: 2 });
    const b = core.createModel({}, 9, { batchSize: 4, momentum: 0.5, epochs: 2 });
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
    expect(model.train(3000).status).toBe('done'); // the run is one epoch, as the CLI's
    expect(native.config.activation).toBe('tanh');
    expect(sameBits(model.getParams(), native.params)).toBe(true);
    model.dispose();
  });

  it('agrees bit for bit with the native cnnlab train with augmentation and the cosine schedule on', () => {
    expect(existsSync(CLI_PATH), `${CLI_PATH} missing: build the native tree first`).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'cnnlab-')), 'native.bin');
    execFileSync(CLI_PATH, ['train', '--epochs', '2', '--train-size', '2000', '--seed', '5', '--lr', '0.02',
      '--batch', '4', '--momentum', '0.9', '--schedule', 'cosine', '--augment', 'mild', '--out', out], { stdio: 'pipe' });
    const native = core.parseWeightsBinary(new Uint8Array(readFileSync(out)));
    const options = { learningRate: 0.02, batchSize: 4, momentum: 0.9, epochs: 2, lrSchedule: 'cosine', augment: 'mild' } as const;
    const model = core.createModel({}, 5, options);
    expect(model.options.augment).toBe('rot=8,scale=0.08,shift=2,shear=0.15,stroke=0.7'); // canonical form
    model.setTrainingData(train, 2000);
    expect(model.train(4000).status).toBe('done');
    expect(sameBits(model.getParams(), native.params)).toBe(true);
    // and the augmentation was applied: the same run without it ends elsewhere
    const plain = core.createModel({}, 5, { ...options, augment: 'off' });
    plain.setTrainingData(train, 2000);
    plain.train(4000);
    expect(sameBits(plain.getParams(), native.params)).toBe(false);
    model.dispose();
    plain.dispose();
  });

  it('a checkpoint carries the augmentation and the schedule: restored runs end with the same bits', () => {
    const options = { batchSize: 8, momentum: 0.9, epochs: 3, lrSchedule: 'cosine', augment: 'strong,p=0.7' } as const;
    const whole = core.createModel({}, 21, options);
    whole.setTrainingData(train, 1000);
    whole.train(2345);
    const first = core.createModel({}, 21, options);
    first.setTrainingData(train, 1000);
    first.train(1237); // mid-epoch, mid-batch
    const bytes = first.checkpoint();
    const lambda = first.progress().learningRate;
    first.dispose();
    expect(core.checkpointInfo(bytes).options).toMatchObject({
      lrSchedule: 'cosine',
      augment: 'rot=12,scale=0.12,shift=3,shear=0.3,elastic=20,stroke=0.8,p=0.7',
    });
    const resumed = core.modelFromCheckpoint(bytes, train);
    expect(resumed.progress().learningRate).toBe(lambda);
    // cosine: λ·½(1 + cos(π·t/T)) with t the samples before the current mini-batch (1232 of 3000)
    expect(lambda).toBeCloseTo(0.01 * 0.5 * (1 + Math.cos((Math.PI * 1232) / 3000)), 8);
    resumed.train(2345 - 1237);
    expect(sameBits(resumed.getParams(), whole.getParams())).toBe(true);
    expect(resumed.progress()).toEqual(whole.progress());
    resumed.dispose();
    whole.dispose();
  });

  it('saliency: ∂S_k/∂I equals central differences of S_k over input pixels', () => {
    // The shipped network on the first three test digits it reads with a top probability
    // between 0.6 and 0.95 (near 1, a change of S_k is below single precision's
    // resolution), for the predicted class and the runner-up.
    // S_k from the module's float forward pass, ε = 0.01 (pixels are in [0, 1]); where
    // ±ε changes the sign of any ReLU input (conv1_pre, conv2_pre, fc1_pre) it crosses a
    // kink of S_k: then ε = 0.001, and if that crosses one too, the pixel is left out. Probed: the 40 pixels of largest |∂S_k/∂I| and 40
    // others spread over the image. Tolerance: |fd − ∂S_k/∂I| ≤ 0.5% of max |∂S_k/∂I|.
    const shipped = readFileSync(new URL('../../public/models/cnnlab-default.json', import.meta.url), 'utf8');
    const model = core.modelFromWeights(shipped);
    const signs = () => {
      const f = model.tensors().forward;
      return [f.conv1_pre, f.conv2_pre, f.fc1_pre].map((t) => Array.from(t.data, (v) => (v > 0 ? 1 : 0)).join('')).join('|');
    };
    const eps = 0.01;
    let checked = 0;
    let worst = 0;
    const all = model.evaluate(test, 0, 2000, true).probs!;
    const unsure = Array.from({ length: 2000 }, (_, i) => i)
      .filter((i) => {
        const top = Math.max(...all.subarray(i * 10, i * 10 + 10));
        return top > 0.6 && top < 0.95;
      })
      .slice(0, 3);
    expect(unsure).toHaveLength(3);
    for (const index of unsure) {
      const image = imageFloats(mnist('t10k'), index);
      const probs = model.predict(image);
      const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!);
      for (const k of order.slice(0, 2)) {
        const s = model.saliency(image, k);
        expect(s).toHaveLength(784);
        const scale = Math.max(...Array.from(s, Math.abs));
        expect(scale).toBeGreaterThan(0);
        const bySize = Array.from(s.keys()).sort((a, b) => Math.abs(s[b]!) - Math.abs(s[a]!));
        const pixels = new Set([...bySize.slice(0, 40), ...Array.from({ length: 40 }, (_, i) => (i * 307 + 11) % 784)]);
        let errors = 0;
        let kinks = 0;
        for (const p of pixels) {
          // ε, or ε/10 where ±ε crosses a kink
          const difference = (e: number): number | null => {
            const x = image.slice();
            x[p] = image[p]! + e;
            const plus = model.predict(x)[k]!;
            const plusSigns = signs();
            x[p] = image[p]! - e;
            const minus = model.predict(x)[k]!;
            return signs() === plusSigns ? (plus - minus) / (2 * e) : null;
          };
          const fd = difference(eps) ?? difference(eps / 10);
          if (fd === null) {
            kinks++;
            continue;
          }
          const error = Math.abs(fd - s[p]!) / scale;
          worst = Math.max(worst, error);
          if (error > 0.005) errors++;
          checked++;
        }
        expect(errors, `image ${index}, S_${k}: pixels off by more than 0.5% of max |∂S_k/∂I| ${scale}`).toBe(0);
        expect(kinks, `image ${index}, S_${k}`).toBeLessThan(pixels.size / 4);
      }
    }
    console.log(`saliency vs finite differences (test images ${unsure.join(', ')}): ${checked} pixels, worst |fd − ∂S_k/∂I| = ${(100 * worst).toFixed(3)}% of max |∂S_k/∂I|`);
    expect(checked).toBeGreaterThan(300);
    // Σ_k S_k = 1, so the ten saliencies sum to 0 at every pixel.
    const image = imageFloats(mnist('t10k'), unsure[0]!);
    const sum = new Float64Array(784);
    let scale = 0;
    for (let k = 0; k < 10; k++)
      model.saliency(image, k).forEach((v, p) => {
        sum[p]! += v;
        scale = Math.max(scale, Math.abs(v));
      });
    expect(Math.max(...Array.from(sum, Math.abs))).toBeLessThan(1e-5 * scale);
    model.dispose();
  });

  it('a₁ of many images is each image\'s hidden layer; nearest neighbours by a₁ distance', () => {
    const model = core.createModel({ hidden: 30 }, 3);
    model.setTrainingData(train, 2000);
    model.train(2000);
    const table = model.hiddenActivations(train, 100, 500);
    expect(table).toHaveLength(500 * 30);
    const t = mnist('train');
    for (const i of [0, 7, 499]) {
      model.predict(imageFloats(t, 100 + i));
      expect(sameBits(table.subarray(i * 30, i * 30 + 30), model.tensors().forward.fc1.data)).toBe(true);
    }
    const labels = t.labels.subarray(100, 600);
    // An image's own a₁ is nearest to itself (distance 0); the rest by brute force.
    const query = table.slice(42 * 30, 43 * 30);
    const digit = labels[42]!;
    const nearest = nearestByActivation(table, 30, labels, query, digit, 5);
    expect(nearest[0]).toBe(42);
    const brute = Array.from(labels.keys())
      .filter((i) => labels[i] === digit)
      .map((i) => ({ i, d: table.subarray(i * 30, i * 30 + 30).reduce((a, v, h) => a + (v - query[h]!) ** 2, 0) }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, 5)
      .map((e) => e.i);
    expect(nearest).toEqual(brute);
    expect(nearest.every((i) => labels[i] === digit)).toBe(true);
    const other = nearestByActivation(table, 30, labels, query, (digit + 1) % 10, 3);
    expect(other.every((i) => labels[i] === (digit + 1) % 10)).toBe(true);
    expect(() => nearestByActivation(table, 31, labels, query, digit, 5)).toThrow(/a₁ table/);
    expect(() => model.hiddenActivations(train, 59999, 2)).toThrow(/outside/);
    expect(() => model.hiddenActivations(train, 0, 10001)).toThrow(/between 1 and 10000/);
    model.dispose();
  });

  it('previews what the network trains on: deterministic, augmented, the image itself when off', () => {
    const model = core.createModel({}, 8, { augment: 'mild' });
    const a = model.augmentPreview(train, 5, 6);
    const b = model.augmentPreview(train, 5, 6);
    expect(a).toHaveLength(6 * 784);
    expect(sameBits(a, b)).toBe(true);
    const original = imageFloats(mnist('train'), 5);
    for (let j = 0; j < 6; j++) {
      const version = a.subarray(j * 784, j * 784 + 784);
      expect(sameBits(version, original)).toBe(false);
      expect(version.every((v) => v >= 0 && v <= 1)).toBe(true);
      for (let i = 0; i < j; i++) expect(sameBits(version, a.subarray(i * 784, i * 784 + 784))).toBe(false);
    }
    expect(sameBits(model.augmentPreview(train, 6, 1), a.subarray(0, 784))).toBe(false); // another image
    model.setOptions({ augment: 'off' });
    const off = model.augmentPreview(train, 5, 2);
    expect(sameBits(off.subarray(0, 784), original)).toBe(true);
    expect(sameBits(off.subarray(784), original)).toBe(true);
    expect(() => model.augmentPreview(train, 60000, 1)).toThrow(/outside/);
    expect(() => model.augmentPreview(train, 0, 65)).toThrow(/between 1 and 64/);
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
    expect(() => model.setOptions({ augment: 'rott=3' })).toThrow(/augmentation: unknown key 'rott'/);
    expect(() => model.setOptions({ augment: 'rot=90' })).toThrow(/augmentation: rot must be between 0 and 45 degrees, got '90'/);
    expect(() => model.setOptions({ lrSchedule: 'linear' as never })).toThrow(/unknown learning-rate schedule/);
    expect(() => core.createModel({}, 1, { augment: '' })).toThrow(/empty augmentation/);
    expect(() => core.normalizeAugment('mild,mild')).toThrow(/the preset 'mild' must come first/);
    expect(core.normalizeAugment(' on ')).toBe('rot=8,scale=0.08,shift=2,shear=0.15,stroke=0.7');
    expect(core.normalizeAugment('off')).toBe('off');
    expect(() => model.saliency(new Float32Array(784), 10)).toThrow(/class k must be a digit/);
    expect(() => model.saliency(new Float32Array(783), 1)).toThrow(/784/);
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
    expect(() => model.setTrainingData(train, 0)).toThrow(/training-set size must be a whole number between 100 and 60000/);
    expect(() => model.evaluate(test, 9999, 5)).toThrow(/outside/);
    expect(() => core.createDataset(new Uint8Array(100), new Uint8Array([1]))).toThrow(/expected 784/);
    // A label that is not a digit: the core refuses to train or evaluate on it.
    const labels = new Uint8Array(100).fill(3);
    labels[42] = 12;
    const bad = core.createDataset(new Uint8Array(78400), labels);
    const other = core.createModel({}, 5);
    expect(() => other.setTrainingData(bad)).toThrow(/label 12 at index 42 is not a digit/);
    expect(() => other.evaluate(bad)).toThrow(/label 12 at index 42 is not a digit/);
    other.dispose();
    bad.dispose();
    // The module returns the core's Error (the facade throws it); nothing is thrown inside.
    const refused = model.raw.setOptions({ ...options, learningRate: 0 });
    expect(refused).toBeInstanceOf(Error);
    expect(String(refused)).toMatch(/learning rate/);
    expect(String(core.raw.Model.create({ ...model.config, activation: 'nope' as never }, 1, options))).toMatch(/unknown activation/);
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
    expect(p.divergence).toBe('weight-blow-up');
    expect(p.message).toMatch(/diverged after 0 samples.*larger than 1000.*Lower the learning rate/);
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
    const heapBefore = core.heapBytesInUse();
    const memoryBefore = core.raw.HEAPU8.length;
    for (let i = 0; i < 1000; i++) cycle();
    expect(core.heapBytesInUse()).toBe(heapBefore);
    expect(core.raw.HEAPU8.length).toBe(memoryBefore);
  });

  it('frees what failing calls took: 1,000 failures of every kind leave the heap as it was', () => {
    const shipped = readFileSync(new URL('../../public/models/cnnlab-default.json', import.meta.url), 'utf8');
    // The shipped file cut after 8 KB: invalid JSON (parsing 70 KB 14,000 times would take a minute;
    // a leak of 8 KB per call would still show as 8 MB).
    const broken = shipped.slice(0, 8192);
    const otherShape = `{"config":{"activation":"relu","pooling":"average","maps1":4,"maps2":6,"hidden":51},"conv1.weight":{"shape":[4,1,5,5],"data":[${'0.5,'.repeat(99)}0.5]}}`;
    const model = core.createModel({}, 3);
    model.setTrainingData(train, 1000);
    const binary = model.toBinary();
    const checkpoint = model.checkpoint();
    const otherSeed = core.createModel({}, 4);
    otherSeed.setTrainingData(train, 1000);
    const failures: [string, () => unknown][] = [
      ['bad JSON', () => core.parseWeightsJson(broken)],
      ['JSON missing tensors', () => core.modelFromWeights(otherShape)],
      ['bad binary', () => core.parseWeightsBinary(binary.subarray(0, binary.length - 1))],
      ['corrupt checkpoint', () => core.modelFromCheckpoint(checkpoint.subarray(0, 500), train)],
      ['bad config', () => core.createModel({ maps1: 99 })],
      ['bad options', () => core.createModel({}, 1, { learningRate: -1 })],
      ['bad seed', () => core.createModel({}, -5)],
      ['bad setOptions', () => model.setOptions({ batchSize: 0 })],
      ['bad image', () => model.predict(new Float32Array(10))],
      ['bad label', () => model.trace(new Float32Array(784), 11)],
      ['bad evaluate range', () => model.evaluate(test, 0, 20000)],
      ['bad probes', () => model.gradientCheck(new Float32Array(784), 1, 5000)],
      ['bad params', () => model.setParams(new Float32Array(3))],
      ['checkpoint of another seed', () => otherSeed.restore(checkpoint)],
      ['bad augmentation', () => core.createModel({}, 1, { augment: 'rot=8,rot=9' })],
      ['bad augmentation in setOptions', () => model.setOptions({ augment: 'elastic=34:0.5' })],
      ['bad schedule', () => model.setOptions({ lrSchedule: 'step' as never })],
      ['bad augmentation text', () => core.normalizeAugment('x'.repeat(100))],
      ['bad saliency class', () => model.saliency(new Float32Array(784), -1)],
      ['bad saliency image', () => model.saliency(new Float32Array(5), 3)],
      ['bad preview range', () => model.augmentPreview(train, 60000, 8)],
      ['bad preview count', () => model.augmentPreview(train, 0, 1000)],
      ['bad a₁ range', () => model.hiddenActivations(test, 9990, 20)],
      ['bad a₁ count', () => model.hiddenActivations(train, 0, 20000)],
    ];
    const round = () => {
      for (const [what, call] of failures) expect(call, what).toThrow();
    };
    round(); // warm up allocator pools
    const heapBefore = core.heapBytesInUse();
    for (let i = 0; i < 1000; i++) round();
    const grown = core.heapBytesInUse() - heapBefore;
    console.log(`1,000 × ${failures.length} failing calls: the WASM heap in use changed by ${grown} bytes`);
    expect(grown).toBe(0);
    model.dispose();
    otherSeed.dispose();
  });

  it('says so when a disposed model or dataset is used, and a model keeps its training data alive', () => {
    const t = mnist('train');
    const ds = core.createDataset(t.images.subarray(0, 784 * 500), t.labels.subarray(0, 500));
    const model = core.createModel({}, 2);
    model.setTrainingData(ds);
    ds.dispose();
    expect(() => model.train(10)).toThrow(/training dataset was disposed/);
    expect(() => ds.pixels(0)).toThrow(/dataset was disposed/);
    expect(() => model.evaluate(ds)).toThrow(/dataset was disposed/);
    // The module itself keeps the data alive for the model (no use after free).
    expect(model.raw.train(10)).toMatchObject({ samples: 10, status: 'ok' });
    model.dispose();
    expect(() => model.predict(new Float32Array(784))).toThrow(/model was disposed/);
    expect(() => model.getParams()).toThrow(/model was disposed/);
    model.dispose(); // twice is harmless
  });

  it('a checkpoint restores the whole run: the same bits as a run that never stopped', () => {
    const options = { batchSize: 8, momentum: 0.9, lrDecay: 0.5, epochs: 3 };
    const whole = core.createModel({ pooling: 'max' }, 21, options);
    whole.setTrainingData(train, 1000);
    whole.train(2345);
    const first = core.createModel({ pooling: 'max' }, 21, options);
    first.setTrainingData(train, 1000);
    first.train(1237); // mid-epoch, mid-batch
    const bytes = first.checkpoint();
    first.dispose();
    expect(core.checkpointInfo(bytes)).toMatchObject({ seed: 21, trainCount: 1000, samplesSeen: 1237, epoch: 1 });
    const resumed = core.modelFromCheckpoint(bytes, train);
    expect(resumed.progress()).toMatchObject({ samplesSeen: 1237, epoch: 1, position: 237 });
    resumed.train(2345 - 1237);
    expect(sameBits(resumed.getParams(), whole.getParams())).toBe(true);
    expect(resumed.progress()).toEqual(whole.progress());
    resumed.dispose();
    whole.dispose();
  });
});

describe('the core\'s tables, as TypeScript reads them', () => {
  it('limits.json is what the module says (written by build:wasm, not by hand)', () => {
    const json = JSON.parse(readFileSync(new URL('../../web/src/wasm/limits.json', import.meta.url), 'utf8'));
    expect(json.limits).toEqual(core.raw.limits());
    expect(json.choices).toEqual(core.raw.choices());
    expect(json.defaultOptions).toEqual(core.raw.defaultOptions());
    expect(json.defaultConfig).toEqual(core.raw.defaultConfig());
    expect(json.defaultParamTable).toEqual(core.paramTable());
    expect(json.divergence).toEqual({ lossWindow: core.raw.lossWindow, explodingLoss: core.raw.explodingLoss, weightBound: core.raw.weightBound });
  });

  it('the limits hold the augmentation\'s ranges; the words and presets are the core\'s', () => {
    const choices = core.raw.choices();
    expect(choices.activation).toEqual([...ACTIVATIONS]);
    expect(choices.pooling).toEqual([...POOLINGS]);
    expect(choices.lrSchedule).toEqual([...LR_SCHEDULES]);
    expect(choices.augmentPresets).toEqual({
      off: 'off',
      mild: core.normalizeAugment('mild'),
      strong: core.normalizeAugment('strong'),
    });
    expect(choices.augmentFields.map((f) => f.name)).toEqual(['rot', 'scale', 'shift', 'shear', 'elastic alpha', 'elastic sigma', 'stroke', 'p']);
    for (const f of choices.augmentFields) expect(LIMITS[f.limit], f.name).toBeDefined();
    expect(LIMITS.augmentRotation).toEqual({ min: 0, max: 45, default: 0, integer: false });
    expect(LIMITS.augmentElasticSigma).toEqual({ min: 1, max: 8, default: 4, integer: false });
    expect(CHOICES).toEqual(choices);
    expect(DEFAULT_OPTIONS).toMatchObject({ augment: 'off', lrSchedule: 'constant' });
    // A range in the table is the core's: just outside it is refused with the field's name.
    expect(() => core.createModel({}, 1, { augment: `rot=${LIMITS.augmentRotation.max + 1}` })).toThrow(/rot must be between 0 and 45/);
    expect(core.normalizeAugment(`rot=${LIMITS.augmentRotation.max}`)).toBe('rot=45');
  });

  it('the parameter table names what the ParamName type names, in buffer order', () => {
    const names: Record<ParamName, true> = {
      'conv1.weight': true, 'conv1.bias': true, 'conv2.weight': true, 'conv2.bias': true,
      'fc1.weight': true, 'fc1.bias': true, 'fc2.weight': true, 'fc2.bias': true,
    };
    const table = core.paramTable({ maps1: 3, maps2: 5, hidden: 20 });
    expect(table.map((t) => t.name).sort()).toEqual(Object.keys(names).sort());
    let offset = 0;
    for (const t of table) {
      expect(t.offset).toBe(offset);
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
      offset += t.size;
    }
    expect(offset).toBe(core.createModel({ maps1: 3, maps2: 5, hidden: 20 }).paramCount);
  });
});

// PyTorch round trip: the network rebuilt in PyTorch from the README alone
// (tests/interop/cnnlab_torch.py) against the real CLI (`cnnlab eval`, `cnnlab trace`),
// the real WASM module and the page's worker session, on the real MNIST test set.
//
// tests/interop/torch_reference.py does the PyTorch side (Debian's python3-torch for
// /usr/bin/python3) and writes what it computed; every comparison is here. PyTorch
// missing is a failure, not a skip: CI (.ci/run) installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cnnlab, CnnDataset, NetworkConfig } from '../../web/src/core/cnnlab';
import { DEFAULT_SETTINGS, type Evaluation, type WorkerEvent } from '../../web/src/worker/protocol';
import { Session } from '../../web/src/worker/session';
import { CLI_PATH, ROOT, loadCore, mnist } from '../web/helpers/core';

const PYTHON = '/usr/bin/python3';
const HERE = `${ROOT}tests/interop/`;
const SHIPPED = `${ROOT}public/models/cnnlab-default.json`;
const FIXTURE = `${HERE}fixtures/pytorch-trained.json`;
const TENSORS = ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
const FORWARD = ['conv1_pre', 'conv1', 'pool1', 'conv2_pre', 'conv2', 'pool2', 'flatten', 'fc1_pre', 'fc1', 'logits', 'probs'];

// ---------------------------------------------------------------- what PyTorch wrote

interface Counted {
  correct: number;
  count: number;
  meanLoss: number;
  /** 10×10, row = true label, column = predicted. */
  confusion: number[];
  predictions: number[];
  /** Raw little-endian float32, 10 per test image. */
  probs: string;
  minTop2Gap: number;
}
interface Trace {
  label: number;
  loss: number;
  predicted: number;
  forward: Record<string, number[]>;
  grads: Record<string, number[]>;
  params_after_step: Record<string, number[]>;
}
interface MadeInTorch extends Counted {
  json: string;
  bin: string;
  config: NetworkConfig;
  traces: Record<string, Trace>;
}
interface Results {
  torch: string;
  threads: number;
  seconds: number;
  shipped: Counted & { traces: Record<string, Trace>; params: number[]; bin: string };
  'random-torch-init': MadeInTorch;
  'random-glorot-sigmoid-max': MadeInTorch;
  'random-glorot-tanh-max': MadeInTorch;
  trained: MadeInTorch & { seed: number; batch: number; lr: number; trainLoss: number; seconds: number };
  fixture: Counted & { json: string; sameAsTrained: boolean };
  'cnnlab-binary': Counted & { bin: string; config: NetworkConfig };
  'batch-steps': { samples: number; lr: number; momentum: number; steps: number; from: string; params: number[] };
}
const MADE_IN_TORCH = ['random-torch-init', 'random-glorot-sigmoid-max', 'random-glorot-tanh-max', 'trained'] as const;

let dir: string;
let results: Results;
let core: Cnnlab;
let testSet: CnnDataset;
const started = performance.now();
/** Figures for the log (the README quotes them). */
const figures: string[] = [];

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `PyTorch is needed for the interop test and is missing: ${PYTHON} -c 'import numpy, torch' failed ` +
        `(${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}). Install Debian's python3-torch ` +
        '(apt-get install python3-torch; bash .ci/run does).',
    );
  }
  expect(existsSync(CLI_PATH), `${CLI_PATH} missing: run npm run build:native`).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'cnnlab-interop-'));
  // A binary file written by cnnlab itself, in a config other than the default, for
  // PyTorch to read.
  execFileSync(CLI_PATH, ['train', '--train-size', '300', '--seed', '5', '--activation', 'tanh', '--pool', 'max',
    '--maps1', '3', '--maps2', '5', '--hidden', '20', '--out', join(dir, 'from-cnnlab.bin')], { cwd: ROOT, stdio: 'pipe' });
  const run = spawnSync(PYTHON, [`${HERE}torch_reference.py`, '--out', dir, '--cnnlab-binary', join(dir, 'from-cnnlab.bin')],
    { cwd: ROOT, encoding: 'utf8', timeout: 150_000 });
  if (run.error || run.status !== 0)
    throw new Error(`torch_reference.py failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr}`);
  results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
  core = await loadCore();
  const t = mnist('t10k');
  testSet = core.createDataset(t.images, t.labels);
}, 180_000);

afterAll(() => {
  testSet?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
  figures.push(`whole file: ${((performance.now() - started) / 1000).toFixed(1)} s (PyTorch side ${results?.seconds.toFixed(1)} s, torch ${results?.torch})`);
  console.log(`interop figures:\n  ${figures.join('\n  ')}`);
});

// ---------------------------------------------------------------- helpers

/** `cnnlab eval`: count correct and the confusion matrix, parsed from its output. */
function cliEval(weights: string): { correct: number; count: number; confusion: number[] } {
  const out = execFileSync(CLI_PATH, ['eval', '--weights', weights], { cwd: ROOT, encoding: 'utf8' });
  const m = /accuracy: [\d.]+% \((\d+) of (\d+)\)/.exec(out);
  expect(m, `no accuracy line in:\n${out}`).not.toBeNull();
  const confusion: number[] = [];
  for (const line of out.split('\n')) {
    const row = /^\s*(\d)((?:\s+\d+){10})\s+\|/.exec(line);
    if (row) confusion.push(...row[2]!.trim().split(/\s+/).map(Number));
  }
  expect(confusion).toHaveLength(100);
  return { correct: Number(m![1]), count: Number(m![2]), confusion };
}

interface CliTrace {
  forward: Record<string, { shape: number[]; data: number[] }>;
  grads: Record<string, { shape: number[]; data: number[] }>;
  params_after_step: Record<string, { shape: number[]; data: number[] }>;
  loss: number;
  predicted: number;
  label: number;
}
function cliTrace(weights: string, index: number): CliTrace {
  return JSON.parse(execFileSync(CLI_PATH, ['trace', '--weights', weights, '--index', String(index)],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 })) as CliTrace;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number {
  expect(a.length, `${what}: length`).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}

function readProbs(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The eight tensors of a weights JSON, concatenated, each value rounded to float32 as cnnlab reads it. */
function jsonParams(path: string): Float32Array {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { data: number[] }>;
  return Float32Array.from(TENSORS.flatMap((k) => doc[k]!.data.flat(3)));
}

/**
 * Tolerances of one trace, PyTorch vs cnnlab (float32 both, different summation orders):
 * probabilities 1e-5 absolute; every other tensor 1e-5 of its largest magnitude (at least 1).
 */
const PROB_TOL = 1e-5;
const REL_TOL = 1e-5;

interface TraceDiff {
  probs: number;
  /** max over tensors of |Δ| / max(1, max|tensor|) */
  forward: number;
  grads: number;
  step: number;
  loss: number;
}
function compareTrace(torch: Trace, cli: CliTrace, what: string): TraceDiff {
  expect(cli.label, `${what}: label`).toBe(torch.label);
  expect(cli.predicted, `${what}: predicted class`).toBe(torch.predicted);
  const scaled = (t: number[], c: { data: number[] }, name: string) => maxAbsDiff(t, c.data, name) / Math.max(1, maxAbs(t));
  const d: TraceDiff = {
    probs: maxAbsDiff(torch.forward.probs!, cli.forward.probs!.data, `${what} probs`),
    forward: Math.max(...FORWARD.map((k) => scaled(torch.forward[k]!, cli.forward[k]!, `${what} ${k}`))),
    grads: Math.max(...TENSORS.map((k) => scaled(torch.grads[k]!, cli.grads[k]!, `${what} grad ${k}`))),
    step: Math.max(...TENSORS.map((k) => scaled(torch.params_after_step[k]!, cli.params_after_step[k]!, `${what} step ${k}`))),
    loss: Math.abs(torch.loss - cli.loss) / Math.max(1, torch.loss),
  };
  expect(d.probs, `${what}: probabilities`).toBeLessThanOrEqual(PROB_TOL);
  expect(d.forward, `${what}: forward tensors`).toBeLessThanOrEqual(REL_TOL);
  expect(d.loss, `${what}: loss`).toBeLessThanOrEqual(REL_TOL);
  expect(d.grads, `${what}: gradients`).toBeLessThanOrEqual(REL_TOL);
  expect(d.step, `${what}: parameters after one SGD step`).toBeLessThanOrEqual(REL_TOL);
  return d;
}

function traceAll(weights: string, traces: Record<string, Trace>, name: string): void {
  const worst: TraceDiff = { probs: 0, forward: 0, grads: 0, step: 0, loss: 0 };
  for (const [index, t] of Object.entries(traces)) {
    const d = compareTrace(t, cliTrace(weights, Number(index)), `${name} image ${index}`);
    for (const k of Object.keys(worst) as (keyof TraceDiff)[]) worst[k] = Math.max(worst[k], d[k]);
  }
  figures.push(`${name}: trace of images ${Object.keys(traces).join(', ')}: max |Δprob| ${worst.probs.toExponential(1)}; ` +
    `scaled max |Δ| forward ${worst.forward.toExponential(1)}, loss ${worst.loss.toExponential(1)}, ` +
    `gradients ${worst.grads.toExponential(1)}, after the step ${worst.step.toExponential(1)}`);
}

/** The page's worker session (web/src/worker/session.ts) with `json` as its pretrained weights: its full test evaluation. */
async function pageEvaluation(json: string): Promise<{ ready: WorkerEvent; evaluation: Evaluation }> {
  const events: WorkerEvent[] = [];
  const tasks: (() => void)[] = [];
  const t = mnist('train');
  const session = new Session({
    loadCore: async () => core,
    loadMnist: async (_url, split) =>
      split === 'train' ? { count: 1000, images: t.images.subarray(0, 1000 * 784), labels: t.labels.subarray(0, 1000) } : mnist('t10k'),
    fetchText: async () => json,
    now: () => performance.now(),
    schedule: (task) => void tasks.push(task),
  }, (e) => events.push(e));
  try {
    await session.handle({ type: 'init', dataUrl: 'http://cnnlab.test/data/mnist/', weightsUrl: 'http://cnnlab.test/models/pytorch.json',
      settings: { ...DEFAULT_SETTINGS, trainSize: 1000 }, resume: null, run: 0 });
    await session.handle({ type: 'evaluate', model: 'pretrained' }); // loads the test set, as the page's button does
    const full = () => events.find((e): e is Extract<WorkerEvent, { type: 'evaluation' }> =>
      e.type === 'evaluation' && e.evaluation.model === 'pretrained' && e.evaluation.kind === 'full');
    for (let n = 0; tasks.length > 0 && !full() && n < 100_000; n++) tasks.shift()!();
    expect(full(), 'the session evaluated the pretrained weights on the test set').toBeDefined();
    return { ready: events.find((e) => e.type === 'ready')!, evaluation: full()!.evaluation };
  } finally {
    session.dispose();
  }
}

// ---------------------------------------------------------------- the tests

describe('the README is enough to rebuild the network in PyTorch', () => {
  it('quotes the load/save snippet of tests/interop/cnnlab_torch.py verbatim', () => {
    const source = readFileSync(`${HERE}cnnlab_torch.py`, 'utf8');
    const m = /^# >>> README snippet.*\n([\s\S]*?)^# <<< README snippet$/m.exec(source);
    expect(m, 'the README snippet markers in cnnlab_torch.py').not.toBeNull();
    const snippet = m![1]!;
    expect(snippet).toMatch(/def save_cnnlab\(model, path\):/);
    expect(snippet).toMatch(/def load_cnnlab\(path\):/);
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const at = readme.indexOf('\n## For teachers\n');
    expect(at, 'README section "## For teachers"').toBeGreaterThan(0);
    const forTeachers = readme.slice(at);
    expect(forTeachers.includes('```python\n' + snippet + '```\n'),
      'the python block under "## For teachers" must equal the snippet in tests/interop/cnnlab_torch.py').toBe(true);
  });
});

describe('the shipped weights in PyTorch (loaded with the README snippet)', () => {
  it('are read bit for bit as cnnlab reads them', () => {
    const model = core.modelFromWeights(readFileSync(SHIPPED, 'utf8'));
    expect(sameBits(Float32Array.from(results.shipped.params), model.getParams())).toBe(true);
    model.dispose();
  });

  it('give the same test accuracy as cnnlab eval: the same confusion matrix over all 10,000 images', () => {
    const cli = cliEval(SHIPPED);
    expect(results.shipped.count).toBe(10000);
    expect(results.shipped.correct).toBe(cli.correct);
    expect(results.shipped.confusion).toEqual(cli.confusion);
    figures.push(`shipped: PyTorch ${results.shipped.correct}/10000, cnnlab eval ${cli.correct}/10000 (closest top-2 logit gap in PyTorch ${results.shipped.minTop2Gap.toExponential(1)})`);
  });

  it('give the same probabilities (within 1e-5), every forward tensor, loss, gradient and SGD step as cnnlab trace', () => {
    expect(Object.keys(results.shipped.traces)).toHaveLength(10); // images 0–7 and two PyTorch gets wrong
    traceAll(SHIPPED, results.shipped.traces, 'shipped');
  });

  it('give the same prediction and probabilities (within 1e-5) for every test image in the page’s worker', async () => {
    const { ready, evaluation } = await pageEvaluation(readFileSync(SHIPPED, 'utf8'));
    expect(ready).toMatchObject({ pretrained: { ok: true, activation: 'relu', pooling: 'average' } });
    expect(Array.from(evaluation.predictions!)).toEqual(results.shipped.predictions);
    const d = maxAbsDiff(evaluation.probs!, readProbs(results.shipped.probs), 'shipped probs');
    expect(d).toBeLessThanOrEqual(PROB_TOL);
    figures.push(`shipped: page worker vs PyTorch, all 10,000 test images: same predictions, max |Δprob| ${d.toExponential(1)}`);
  });
});

describe('weights made in PyTorch, saved with the README snippet', () => {
  for (const name of MADE_IN_TORCH) {
    it(`${name}: cnnlab eval gives PyTorch's accuracy and confusion matrix, from the JSON and from the binary`, () => {
      const r = results[name];
      const json = cliEval(r.json);
      const bin = cliEval(r.bin);
      expect(json.correct).toBe(r.correct);
      expect(json.confusion).toEqual(r.confusion);
      expect(bin.confusion).toEqual(r.confusion);
      figures.push(`${name} (${Object.values(r.config).join(' ')}): PyTorch ${r.correct}/10000, cnnlab eval ${json.correct}/10000 ` +
        `(binary ${bin.correct}); closest top-2 logit gap ${r.minTop2Gap.toExponential(1)}`);
    });

    it(`${name}: cnnlab trace agrees with PyTorch (probabilities within 1e-5, gradients, one step)`, () => {
      traceAll(results[name].json, results[name].traces, name);
    });

    it(`${name}: loads in the WASM module and the page's worker, bit for bit, with PyTorch's predictions`, async () => {
      const r = results[name];
      const text = readFileSync(r.json, 'utf8');
      const model = core.modelFromWeights(text);
      expect(model.config).toEqual(r.config);
      // PyTorch writes each float32 as the double it is; cnnlab keeps exactly those values
      const params = jsonParams(r.json);
      expect(sameBits(model.getParams(), params)).toBe(true);
      const fromBin = core.modelFromWeights(new Uint8Array(readFileSync(r.bin)));
      expect(sameBits(fromBin.getParams(), params)).toBe(true);
      // the binary PyTorch wrote is byte for byte the one cnnlab writes
      expect(Buffer.from(model.toBinary()).equals(readFileSync(r.bin))).toBe(true);
      const e = model.evaluate(testSet);
      expect(Math.round(e.accuracy * e.count)).toBe(r.correct);
      expect(Array.from(e.confusion)).toEqual(r.confusion);
      model.dispose();
      fromBin.dispose();

      const page = await pageEvaluation(text);
      expect(page.ready).toMatchObject({ pretrained: { ok: true, activation: r.config.activation, pooling: r.config.pooling } });
      expect(Array.from(page.evaluation.predictions!)).toEqual(r.predictions);
      const d = maxAbsDiff(page.evaluation.probs!, readProbs(r.probs), `${name} probs`);
      expect(d).toBeLessThanOrEqual(PROB_TOL);
      figures.push(`${name}: page worker vs PyTorch, all 10,000 test images: same predictions, max |Δprob| ${d.toExponential(1)}`);
    });
  }

  it('the epoch trained in PyTorch learned (mini-batch 32, λ 0.05, seed 1): ≥ 95% test accuracy', () => {
    const r = results.trained;
    expect(r.correct / r.count).toBeGreaterThanOrEqual(0.95);
    expect(results['random-torch-init'].correct / 10000).toBeLessThan(0.3);
    figures.push(`trained: one epoch in PyTorch, ${r.seconds.toFixed(1)} s, mean training loss ${r.trainLoss.toFixed(4)}, ` +
      `test ${(100 * r.correct / r.count).toFixed(2)}%`);
  });
});

describe('training as PyTorch trains', () => {
  it('a mini-batch applies the mean Δθ and momentum is PyTorch\'s SGD(momentum): 3 steps from PyTorch-made weights', () => {
    const r = results['batch-steps'];
    const t = mnist('train');
    const data = core.createDataset(t.images.subarray(0, r.samples * 784), t.labels.subarray(0, r.samples));
    const model = core.modelFromWeights(readFileSync(r.from, 'utf8'), 1,
      { learningRate: r.lr, batchSize: r.samples, momentum: r.momentum, epochs: r.steps });
    const before = model.getParams();
    model.setTrainingData(data);
    expect(model.train(r.steps * r.samples).status).toBe('done'); // one batch per epoch, r.steps epochs
    const after = model.getParams();
    const moved = maxAbsDiff(after, before, 'batch-steps movement');
    const d = maxAbsDiff(after, r.params, 'batch-steps params');
    // 1e-6 absolute: float32 sums in two orders; the step itself moves weights by far more
    expect(moved).toBeGreaterThan(1e-3);
    expect(d).toBeLessThanOrEqual(1e-6);
    figures.push(`batch-steps: ${r.steps} steps of batch ${r.samples}, λ ${r.lr}, μ ${r.momentum}: max |Δθ| cnnlab vs PyTorch ${d.toExponential(1)} (the steps moved θ by up to ${moved.toExponential(1)})`);
    model.dispose();
    data.dispose();
  });
});

describe('the committed fixture tests/interop/fixtures/pytorch-trained.json (for tests without Python)', () => {
  it('gives the same predictions in PyTorch, cnnlab eval, the WASM module and the page’s worker', async () => {
    const r = results.fixture;
    const cli = cliEval(FIXTURE);
    expect(cli.correct).toBe(r.correct);
    expect(cli.confusion).toEqual(r.confusion);
    const text = readFileSync(FIXTURE, 'utf8');
    const model = core.modelFromWeights(text);
    expect(sameBits(model.getParams(), jsonParams(FIXTURE))).toBe(true);
    expect(Array.from(model.evaluate(testSet).confusion)).toEqual(r.confusion);
    model.dispose();
    const page = await pageEvaluation(text);
    expect(Array.from(page.evaluation.predictions!)).toEqual(r.predictions);
    expect(maxAbsDiff(page.evaluation.probs!, readProbs(r.probs), 'fixture probs')).toBeLessThanOrEqual(PROB_TOL);
    expect(r.correct / r.count).toBeGreaterThanOrEqual(0.95);
    figures.push(`fixture: ${r.correct}/10000 in PyTorch and cnnlab; regenerated here bit for bit: ${r.sameAsTrained}`);
  });
});

describe('the binary format from PyTorch', () => {
  it('PyTorch writes the shipped weights as the same bytes as cnnlab', () => {
    const model = core.modelFromWeights(readFileSync(SHIPPED, 'utf8'));
    expect(Buffer.from(model.toBinary()).equals(readFileSync(results.shipped.bin))).toBe(true);
    model.dispose();
  });

  it('PyTorch reads a binary file written by cnnlab train (tanh, max pooling, 3/5/20) and gets cnnlab eval\'s confusion matrix', () => {
    const r = results['cnnlab-binary'];
    expect(r.config).toEqual({ activation: 'tanh', pooling: 'max', maps1: 3, maps2: 5, hidden: 20 });
    const cli = cliEval(r.bin);
    expect(r.correct).toBe(cli.correct);
    expect(r.confusion).toEqual(cli.confusion);
    figures.push(`cnnlab-binary (tanh max 3 5 20, 300 samples in cnnlab): PyTorch ${r.correct}/10000, cnnlab eval ${cli.correct}/10000`);
  });
});

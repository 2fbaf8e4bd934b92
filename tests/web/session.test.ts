// The worker's Session, driven in Node with the real WASM module and real MNIST:
// the message protocol, time-boxed training, evaluation, prediction, checkpoints,
// resume after a crash, divergence and the errors the page must survive.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cnnlab } from '../../web/src/core/cnnlab';
import { LIMITS } from '../../web/src/core/limits';
import { loadMnist, loadMnistSplit, type Mnist } from '../../web/src/data/mnist';
import {
  DEFAULT_SETTINGS,
  resetReasons,
  transferables,
  type Checkpoint,
  type EventOf,
  type Request,
  type TrainSettings,
  type WorkerEvent,
} from '../../web/src/worker/protocol';
import { Session, type SessionDeps, type SessionTiming } from '../../web/src/worker/session';
import { imageFloats, loadCore, mnist } from './helpers/core';

const GZ_DIR = fileURLToPath(new URL('../../public/data/mnist/', import.meta.url));
const DATA_URL = 'http://cnnlab.test/data/mnist/';
const WEIGHTS_URL = 'http://cnnlab.test/models/cnnlab-default.json';

let core: Cnnlab;
let data: Mnist;
let pretrainedJson: string;

/** Serves public/data/mnist/*.gz from disk, like a static server. */
const diskFetch = (async (input: string | URL | Request) => {
  const url = String(input instanceof Request ? input.url : input);
  const name = url.slice(url.lastIndexOf('/') + 1);
  try {
    return new Response(readFileSync(`${GZ_DIR}${name}`));
  } catch {
    return new Response(null, { status: 404 });
  }
}) as typeof fetch;

beforeAll(async () => {
  core = await loadCore();
  data = await loadMnist({ baseUrl: DATA_URL, fetch: diskFetch, trainLimit: 6000, testLimit: 2000 });
  const m = core.createModel({}, 42);
  const t = mnist('train');
  const ds = core.createDataset(t.images.subarray(0, 784 * 3000), t.labels.subarray(0, 3000));
  m.setTrainingData(ds);
  m.train(3000);
  pretrainedJson = m.toJson();
  m.dispose();
  ds.dispose();
});

interface Harness {
  session: Session;
  events: WorkerEvent[];
  tasks: (() => void)[];
  send(request: Request): Promise<void>;
  /** Runs scheduled slices until `done` holds or nothing is scheduled. */
  pump(done?: () => boolean, maxSlices?: number): number;
  of<T extends WorkerEvent['type']>(type: T): EventOf<T>[];
  last<T extends WorkerEvent['type']>(type: T): EventOf<T>;
}

function harness(overrides: Partial<SessionDeps> = {}, timing: Partial<SessionTiming> = {}): Harness {
  const events: WorkerEvent[] = [];
  const tasks: (() => void)[] = [];
  const deps: SessionDeps = {
    loadCore: async () => core,
    loadMnist: async (_url, split) => data[split],
    fetchText: async () => null,
    now: () => performance.now(),
    schedule: (task) => void tasks.push(task),
    ...overrides,
  };
  const session = new Session(deps, (e) => events.push(e), timing);
  const h: Harness = {
    session,
    events,
    tasks,
    send: (request) => session.handle(request),
    pump(done = () => false, maxSlices = 100000) {
      let n = 0;
      while (tasks.length > 0 && n < maxSlices && !done()) {
        tasks.shift()!();
        n++;
      }
      return n;
    },
    of: <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is EventOf<T> => e.type === type),
    last<T extends WorkerEvent['type']>(type: T) {
      const list = h.of(type);
      expect(list.length, `no "${type}" event`).toBeGreaterThan(0);
      return list[list.length - 1]!;
    },
  };
  return h;
}

const SMALL: TrainSettings = { ...DEFAULT_SETTINGS, trainSize: 2000, epochs: 1 };

async function ready(
  settings: TrainSettings = SMALL,
  overrides: Partial<SessionDeps> = {},
  resume: Checkpoint | null = null,
  timing: Partial<SessionTiming> = {},
) {
  const h = harness(overrides, timing);
  await h.send({ type: 'init', dataUrl: DATA_URL, weightsUrl: WEIGHTS_URL, settings, resume, run: 0 });
  return h;
}

function lossPoints(h: Harness): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const e of h.of('progress')) {
    x.push(...e.lossX);
    y.push(...e.lossY);
  }
  return { x, y };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

describe('Session', () => {
  it('starts: ready (6070 parameters, no pretrained weights), idle, and no MNIST until training is asked for', async () => {
    const asked: string[] = [];
    const h = await ready(SMALL, {
      loadMnist: async (_url, split) => {
        asked.push(split);
        await new Promise((resolve) => setTimeout(resolve, 20)); // a download takes a while
        return data[split];
      },
    });
    const r = h.last('ready');
    expect(r.kernel).toBe('v128');
    expect(r.paramCount).toBe(6070);
    expect(r.pretrained).toEqual({ ok: false, message: 'pretrained weights not found' });
    expect(h.last('state').state).toBe('idle');
    expect(h.last('state').message).toBe(''); // the page words the hint for its panels
    expect(h.of('data')).toEqual([]);
    expect(asked).toEqual([]);
    expect(h.session.dataState('train')).toBe('none');
    // Drawing needs no data.
    await h.send({ type: 'predict', id: 1, image: imageFloats(mnist('t10k'), 0), model: 'training', snapshot: true });
    expect(h.last('prediction').snapshot).not.toBeNull();
    expect(asked).toEqual([]);
    // A test image loads the test set only.
    await h.send({ type: 'inspect', id: 2, index: 3, model: 'training' });
    expect(h.last('inspection').label).toBe(mnist('t10k').labels[3]);
    expect(asked).toEqual(['test']);
    expect(h.of('data')).toEqual([{ type: 'data', split: 'test', ok: true, count: 2000 }]);
    expect(h.session.dataState('train')).toBe('none');
    // Start (pressed twice while the download runs) and a step load the training set, once.
    const pressed = [h.send({ type: 'start' }), h.send({ type: 'start' })];
    expect(h.session.dataState('train')).toBe('loading');
    expect(h.last('state').message).toBe('Loading MNIST to train on…');
    await Promise.all(pressed);
    expect(asked).toEqual(['test', 'train']);
    expect(h.last('data')).toEqual({ type: 'data', split: 'train', ok: true, count: 6000 });
    expect(h.session.currentState).toBe('running');
    await h.send({ type: 'pause' });
    await h.send({ type: 'step' });
    expect(asked).toEqual(['test', 'train']);
    // the untrained network is evaluated at 0 samples: about chance
    h.pump(() => h.of('evaluation').length > 0);
    const e = h.last('evaluation').evaluation;
    expect(e).toMatchObject({ kind: 'quick', model: 'training', samplesSeen: 0, count: 1000 });
    expect(e.accuracy).toBeLessThan(0.3);
    h.session.dispose();
  });

  it('trains in time-boxed slices: the loss falls, evaluations and checkpoints arrive, it stops after the epochs', async () => {
    const h = await ready({ ...SMALL, epochs: 2 });
    await h.send({ type: 'start' });
    expect(h.last('state').state).toBe('running');
    const slices: number[] = [];
    let n = 0;
    while (h.tasks.length > 0 && n++ < 100000) {
      const t0 = performance.now();
      h.tasks.shift()!();
      slices.push(performance.now() - t0);
    }
    expect(h.session.currentState).toBe('done');
    expect(h.last('state').message).toMatch(/Done: 2 epochs, 4,000 samples/);
    // each slice is about 8 ms: well under a frame even with a slow sample
    slices.sort((a, b) => a - b);
    expect(slices[Math.floor(slices.length * 0.95)]!).toBeLessThan(30);

    const { x, y } = lossPoints(h);
    expect(x.length).toBe(40); // a point per 100 samples
    expect(x[x.length - 1]).toBe(4000);
    expect(x.every((v, i) => i === 0 || v > x[i - 1]!)).toBe(true);
    expect(mean(y.slice(-10))).toBeLessThan(mean(y.slice(0, 5)) * 0.6);

    const evals = h.of('evaluation').map((e) => e.evaluation);
    const quick = evals.filter((e) => e.kind === 'quick');
    expect(quick.map((e) => e.samplesSeen)).toEqual([0, 2000, 4000]);
    const full = evals.filter((e) => e.kind === 'full');
    expect(full.map((e) => e.samplesSeen)).toEqual([2000, 4000]);
    const last = full[1]!;
    expect(last.count).toBe(2000);
    expect(last.accuracy).toBeGreaterThan(0.8);
    expect(last.confusion!.reduce((a, b) => a + b, 0)).toBe(2000);
    let diagonal = 0;
    for (let d = 0; d < 10; d++) diagonal += last.confusion![d * 11]!;
    expect(diagonal / 2000).toBeCloseTo(last.accuracy, 10);
    expect(last.predictions!.length).toBe(2000);
    expect(last.probs!.length).toBe(20000);

    const progress = h.last('progress').progress;
    expect(progress).toMatchObject({ samplesSeen: 4000, epoch: 2, position: 0, trainSize: 2000, epochs: 2 });
    const checkpoints = h.of('checkpoint').map((e) => e.checkpoint);
    expect(checkpoints.at(-1)!.samplesSeen).toBe(4000);
    expect(checkpoints.at(-1)!.bytes.length).toBe(940 + 12 * 6070 + 4); // θ, momentum, partial batch, run state (checkpoint version 2)
    expect(core.checkpointInfo(checkpoints.at(-1)!.bytes)).toMatchObject({ samplesSeen: 4000, epoch: 2, trainCount: 2000 });

    // starting again is refused politely; raising the epochs lets it go on
    await h.send({ type: 'start' });
    expect(h.last('notice').message).toMatch(/epochs are done/);
    await h.send({ type: 'configure', settings: { ...SMALL, epochs: 3 } });
    expect(h.last('state').state).toBe('paused');
    h.session.dispose();
  });

  it('reports samples per second and the time left while running', async () => {
    let clock = 0;
    const h = await ready({ ...SMALL, epochs: 3 }, { now: () => (clock += 1) });
    await h.send({ type: 'start' });
    h.pump(() => h.of('progress').some((e) => e.progress.samplesPerSec > 0));
    const p = h.of('progress').find((e) => e.progress.samplesPerSec > 0)!.progress;
    expect(p.samplesPerSec).toBeGreaterThan(0);
    expect(p.secondsLeft).toBeGreaterThan(0);
    await h.send({ type: 'pause' });
    expect(h.last('state').state).toBe('paused');
    expect(h.last('state').progress.samplesPerSec).toBe(0);
    h.session.dispose();
  });

  it('keeps to a speed limit, waiting between slices instead of spinning', async () => {
    let clock = 0;
    const delays: number[] = [];
    const tasks: (() => void)[] = [];
    const h = await ready({ ...SMALL, epochs: 3, speed: 200 }, {
      now: () => clock,
      schedule: (task, delayMs) => {
        delays.push(delayMs);
        tasks.push(task);
      },
    });
    await h.send({ type: 'start' });
    const t0 = clock;
    while (clock - t0 < 2000 && tasks.length > 0) {
      clock += 5;
      tasks.shift()!();
    }
    await h.send({ type: 'pause' });
    const seen = h.last('state').progress.samplesSeen;
    expect(seen).toBeGreaterThanOrEqual(380);
    expect(seen).toBeLessThanOrEqual(420);
    expect(delays.filter((d) => d > 0).length).toBeGreaterThan(100);
    await h.send({ type: 'configure', settings: { ...SMALL, epochs: 3, speed: 7 } });
    expect(h.last('notice').message).toMatch(/speed must be one of 0, 2000, 200, 20/);
    h.session.dispose();
  });

  it('answers a prediction between two slices, with a snapshot of the handout tensors', async () => {
    const h = await ready({ ...SMALL, epochs: 5 });
    await h.send({ type: 'start' });
    h.pump(undefined, 5);
    const image = imageFloats(mnist('t10k'), 0);
    await h.send({ type: 'predict', id: 7, image, model: 'pretrained', snapshot: true });
    const p = h.last('prediction');
    expect(p.id).toBe(7);
    expect(p.model).toBe('training'); // no pretrained weights: the training model answers
    expect(p.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.ms).toBeLessThan(50);
    expect(p.snapshot!.forward.conv1.shape).toEqual([4, 24, 24]);
    expect(p.snapshot!.forward.pool2.shape).toEqual([6, 4, 4]);
    expect(p.snapshot!.params['conv2.weight'].shape).toEqual([6, 4, 5, 5]);
    expect(p.snapshot!.input.data).toHaveLength(784);
    // every buffer of the reply can be transferred
    expect(transferables(p).length).toBe(1 + 1 + 11 + 8);
    await h.send({ type: 'ping', id: 3 });
    expect(h.last('pong').id).toBe(3);
    h.session.dispose();
  });

  it('uses the pretrained weights when they exist', async () => {
    const h = await ready(SMALL, { fetchText: async () => pretrainedJson });
    expect(h.last('ready').pretrained).toEqual({ ok: true, activation: 'relu', pooling: 'average' });
    const image = imageFloats(mnist('t10k'), 0);
    await h.send({ type: 'predict', id: 1, image, model: 'pretrained', snapshot: false });
    const p = h.last('prediction');
    expect(p.model).toBe('pretrained');
    expect(p.snapshot).toBeNull();
    const reference = core.modelFromWeights(pretrainedJson);
    expect(Array.from(p.probs)).toEqual(Array.from(reference.predict(image)));
    reference.dispose();
    expect(p.probs.indexOf(Math.max(...p.probs))).toBe(7);
    // asked for, the pretrained model is evaluated on the whole test set (loaded for it)
    expect(h.of('evaluation')).toEqual([]);
    await h.send({ type: 'evaluate', model: 'pretrained' });
    h.pump(() => h.of('evaluation').some((e) => e.evaluation.model === 'pretrained'));
    const e = h.of('evaluation').find((x) => x.evaluation.model === 'pretrained')!.evaluation;
    expect(e.kind).toBe('full');
    expect(e.accuracy).toBeGreaterThan(0.85);
    h.session.dispose();
  });

  it('a run of "Compare runs" (no weights URL) asks for no weights file and trains as any run', async () => {
    const asked: string[] = [];
    const h = harness({ fetchText: async (url) => (asked.push(url), pretrainedJson) });
    await h.send({ type: 'init', dataUrl: DATA_URL, weightsUrl: null, settings: SMALL, resume: null, run: 0 });
    expect(asked).toEqual([]);
    expect(h.last('ready').pretrained).toEqual({ ok: false, message: 'no pretrained weights asked for' });
    await h.send({ type: 'start' });
    h.pump(() => h.session.currentState === 'done');
    expect(h.session.currentState).toBe('done');
    // The same loss points as a run of the same settings with the weights loaded.
    const other = await ready(SMALL, { fetchText: async () => pretrainedJson });
    await other.send({ type: 'start' });
    other.pump(() => other.session.currentState === 'done');
    expect(lossPoints(h).y).toEqual(lossPoints(other).y);
    expect(lossPoints(h).y).toHaveLength(SMALL.trainSize / 100);
    h.session.dispose();
    other.session.dispose();
  });

  it('says why the weights file is unusable', async () => {
    const h = await ready(SMALL, { fetchText: async () => '{"config": 5}' });
    const info = h.last('ready').pretrained;
    expect(info.ok).toBe(false);
    if (!info.ok) expect(info.message).toMatch(/^pretrained weights could not be read: .*config/);
    h.session.dispose();
  });

  it('returns a test image with its label and snapshot, and test images by index', async () => {
    const h = await ready();
    await h.send({ type: 'inspect', id: 2, index: 1, model: 'training' });
    const i = h.last('inspection');
    expect(i.label).toBe(mnist('t10k').labels[1]);
    expect(Array.from(i.pixels)).toEqual(Array.from(mnist('t10k').images.subarray(784, 1568)));
    expect(i.snapshot.forward.probs.data).toEqual(i.probs);
    await h.send({ type: 'test-images', id: 4, indices: [0, 5, 9] });
    const t = h.last('test-images-data');
    expect(Array.from(t.labels)).toEqual([0, 5, 9].map((k) => mnist('t10k').labels[k]));
    expect(t.pixels).toHaveLength(3 * 784);
    await h.send({ type: 'inspect', id: 5, index: 99999, model: 'training' });
    expect(h.last('reply-error')).toEqual({ type: 'reply-error', id: 5, message: 'test image 99999 does not exist (0 to 1999)' });
    h.session.dispose();
  });

  it('steps one sample at a time', async () => {
    const h = await ready();
    await h.send({ type: 'step' });
    expect(h.last('state').message).toMatch(/^Trained on one sample \(training image #\d+, a \d\): loss \d\.\d{3}/);
    await h.send({ type: 'step' });
    expect(h.last('state')).toMatchObject({ state: 'paused' });
    expect(h.last('progress').progress.samplesSeen).toBe(2);
    expect(lossPoints(h).x).toEqual([1, 2]);
    h.session.dispose();
  });

  it('applies λ, batch and epochs live; a new activation, pooling, seed or size starts a new run', async () => {
    const h = await ready({ ...SMALL, epochs: 3 });
    await h.send({ type: 'start' });
    // A few slices: mid-run (20 slices could finish all 6,000 samples with the v128 kernels).
    h.pump(undefined, 4);
    const before = h.last('progress').progress;
    await h.send({ type: 'configure', settings: { ...SMALL, epochs: 3, learningRate: 0.005, batchSize: 4 } });
    const live = h.last('state');
    expect(live.state).toBe('running');
    expect(live.progress.run).toBe(before.run);
    expect(live.settings.batchSize).toBe(4);
    await h.send({ type: 'configure', settings: { ...SMALL, epochs: 3, activation: 'tanh' } });
    const reset = h.last('state');
    expect(reset.state).toBe('idle');
    expect(reset.progress.run).toBe(before.run + 1);
    expect(reset.progress.samplesSeen).toBe(0);
    expect(reset.message).toMatch(/activation changed/);
    expect(resetReasons(SMALL, { ...SMALL, seed: 2, pooling: 'max' })).toEqual(['pooling', 'seed']);
    await h.send({ type: 'configure', settings: { ...SMALL, learningRate: -1 } });
    expect(h.last('notice').message).toMatch(/learning rate/);
    h.session.dispose();
  });

  it('stops on divergence with the core message (a refused step keeps θ); a lower λ goes on', async () => {
    const h = await ready({ ...SMALL, epochs: 3, learningRate: 1e30 });
    await h.send({ type: 'start' });
    h.pump(() => h.session.currentState === 'diverged');
    const s = h.last('state');
    expect(s.state).toBe('diverged');
    expect(s.diverged).toEqual({ divergence: 'weight-blow-up', rollbackTo: { samplesSeen: 0, learningRate: 1e30 } });
    expect(s.message).toMatch(/diverged after 0 samples.*larger than 1000.*Lower the learning rate/);
    expect(h.of('checkpoint').every((e) => e.checkpoint.samplesSeen === 0)).toBe(true); // none of a diverged run
    await h.send({ type: 'start' });
    expect(h.last('notice').message).toMatch(/diverged/);
    await h.send({ type: 'configure', settings: { ...SMALL, epochs: 3, learningRate: 0.005 } });
    expect(h.session.currentState).toBe('idle');
    await h.send({ type: 'start' });
    h.pump(() => h.of('progress').some((e) => e.progress.samplesSeen >= 1000));
    expect(h.session.currentState).toBe('running');
    expect(h.last('progress').progress.recentLoss).toBeLessThan(2);
    h.session.dispose();
  });

  it('λ = 1e13 mid-run diverges; going back to the last good checkpoint with λ = 0.01 learns again', async () => {
    const h = await ready({ ...SMALL, epochs: 3 }, {}, null, { checkpointMs: 0, sliceMs: 2 });
    await h.send({ type: 'start' });
    h.pump(() => h.of('progress').some((e) => e.progress.samplesSeen >= 1500));
    const good = h.last('checkpoint').checkpoint;
    const lossBefore = mean(lossPoints(h).y.slice(-3));
    await h.send({ type: 'configure', settings: { ...SMALL, epochs: 3, learningRate: 1e13 } });
    h.pump(() => h.session.currentState === 'diverged');
    const d = h.last('state');
    expect(d.diverged?.divergence).toBe('weight-blow-up');
    expect(d.diverged?.rollbackTo?.samplesSeen).toBeGreaterThanOrEqual(good.samplesSeen);
    await h.send({ type: 'rollback', learningRate: 0.01 });
    const back = h.last('rolled-back');
    expect(back.samplesSeen).toBe(d.diverged!.rollbackTo!.samplesSeen);
    expect(h.last('state')).toMatchObject({ state: 'paused', settings: { learningRate: 0.01 } });
    await h.send({ type: 'start' });
    const n = lossPoints(h).x.length;
    h.pump(() => h.of('progress').some((e) => e.progress.samplesSeen >= back.samplesSeen + 1500));
    const after = lossPoints(h).y.slice(n);
    expect(after.length).toBeGreaterThan(10);
    expect(mean(after.slice(-5))).toBeLessThan(lossBefore * 1.2); // learning, not at chance (2.3)
    expect(mean(after.slice(-5))).toBeLessThan(1);
    h.session.dispose();
  });

  it('an exploding loss is rolled back to a checkpoint from before the blow-up (tanh, λ = 1)', async () => {
    const h = await ready({ ...SMALL, activation: 'tanh', epochs: 3, learningRate: 0.01 }, {}, null, { checkpointMs: 0, sliceMs: 1 });
    await h.send({ type: 'start' });
    h.pump(() => h.of('progress').some((e) => e.progress.samplesSeen >= 1000));
    await h.send({ type: 'configure', settings: { ...SMALL, activation: 'tanh', epochs: 3, learningRate: 1 } });
    h.pump(() => h.session.currentState === 'diverged');
    const d = h.last('state');
    expect(d.diverged?.divergence).toBe('exploding-loss');
    expect(d.message).toMatch(/mean loss of the last 100 samples is .* more than 10·ln 10/);
    const target = d.diverged!.rollbackTo!;
    expect(target.samplesSeen).toBeLessThanOrEqual(d.progress.samplesSeen - 100);
    expect(target.learningRate).toBe(0.01);
    await h.send({ type: 'rollback', learningRate: 0.01 });
    expect(h.last('state').progress).toMatchObject({ samplesSeen: target.samplesSeen });
    expect(h.last('state').progress.recentLoss).toBeLessThan(2.3);
    h.session.dispose();
  });

  it('says when the network is not learning (λ = 0.5: dead ReLUs), instead of silence', async () => {
    const h = await ready({ ...SMALL, epochs: 3, learningRate: 0.5 });
    await h.send({ type: 'start' });
    h.pump(() => h.of('notice').length > 0 || h.session.currentState === 'done');
    expect(h.last('notice').message).toMatch(/not learning: after 4,000 samples it gets .*% of the test images right.*λ = 0.5 is probably too large.*dead ReLUs/);
    h.session.dispose();
  });

  it('resumes from a checkpoint in a new session (a restarted worker)', async () => {
    const a = await ready({ ...SMALL, epochs: 2 }, {}, null, { progressMs: 0, sliceMs: 2 });
    await a.send({ type: 'start' });
    a.pump(() => a.of('progress').some((e) => e.progress.samplesSeen >= 2500));
    await a.send({ type: 'pause' });
    const checkpoint = a.last('checkpoint').checkpoint;
    expect(checkpoint.samplesSeen).toBeGreaterThanOrEqual(2500);
    expect(checkpoint.epoch).toBe(1);
    const image = imageFloats(mnist('t10k'), 3);
    await a.send({ type: 'predict', id: 1, image, model: 'training', snapshot: false });
    const probsA = a.last('prediction').probs;

    const b = await ready({ ...SMALL }, {}, { ...checkpoint, bytes: checkpoint.bytes.slice() });
    expect(b.last('ready').resumed).toBe(true);
    const state = b.of('state')[0]!;
    expect(state.state).toBe('paused');
    expect(state.message).toMatch(/Resumed from the checkpoint/);
    expect(b.last('state').progress).toMatchObject({ samplesSeen: checkpoint.samplesSeen, epoch: 1 });
    expect(state.settings.epochs).toBe(2);
    await b.send({ type: 'predict', id: 1, image, model: 'training', snapshot: false });
    expect(Array.from(b.last('prediction').probs)).toEqual(Array.from(probsA));
    await b.send({ type: 'start' });
    b.pump();
    expect(b.session.currentState).toBe('done');
    const x = lossPoints(b).x;
    expect(x[0]).toBeGreaterThan(checkpoint.samplesSeen);
    a.session.dispose();
    b.session.dispose();
  });

  it('a crashed run resumed from its last checkpoint ends with the same weights, bit for bit, as one never interrupted', async () => {
    const settings = { ...SMALL, epochs: 2, batchSize: 8 };
    const finalParams = (h: Harness) => core.checkpointInfo(h.last('checkpoint').checkpoint.bytes).params;
    const whole = await ready(settings);
    await whole.send({ type: 'start' });
    whole.pump();
    expect(whole.session.currentState).toBe('done');

    const crashed = await ready(settings, {}, null, { checkpointMs: 0, sliceMs: 1 });
    await crashed.send({ type: 'start' });
    crashed.pump(() => crashed.of('checkpoint').some((e) => e.checkpoint.samplesSeen >= 2500));
    // The worker dies here, mid-epoch: only the page's last checkpoint survives.
    const last = crashed.last('checkpoint').checkpoint;
    crashed.session.dispose();
    expect(last.samplesSeen).toBeGreaterThan(2000);
    expect(last.samplesSeen).toBeLessThan(4000);

    const resumed = await ready(settings, {}, { ...last, bytes: last.bytes.slice() });
    await resumed.send({ type: 'start' });
    resumed.pump();
    expect(resumed.session.currentState).toBe('done');
    const a = finalParams(whole);
    const b = finalParams(resumed);
    expect(new Uint32Array(b.buffer)).toEqual(new Uint32Array(a.buffer));
    console.log(`crash at ${last.samplesSeen} samples, resumed to 4,000: ${a.length} weights bit-identical to the uninterrupted run`);
    whole.session.dispose();
    resumed.session.dispose();
  });

  it('survives missing MNIST: says how to fix it, still predicts, and tries again at the next Start', async () => {
    let missing = true;
    const h = await ready(SMALL, {
      loadMnist: (_url, split, onProgress) =>
        missing
          ? loadMnistSplit({ baseUrl: 'http://cnnlab.test/nowhere/', split, fetch: async () => new Response(null, { status: 404 }), onProgress })
          : Promise.resolve(data[split]),
      fetchText: async () => pretrainedJson,
    });
    await h.send({ type: 'start' });
    expect(h.session.dataState('train')).toBe('failed');
    const d = h.last('data');
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.message).toMatch(/not found \(HTTP 404\)/);
      expect(d.fix).toMatch(/npm run prepare:data/);
    }
    expect(h.last('notice').message).toBe('Cannot train: MNIST could not be loaded.');
    expect(h.session.currentState).toBe('idle');
    await h.send({ type: 'predict', id: 1, image: imageFloats(mnist('t10k'), 0), model: 'pretrained', snapshot: false });
    expect(h.last('prediction').model).toBe('pretrained');
    await h.send({ type: 'inspect', id: 2, index: 0, model: 'pretrained' });
    expect(h.last('reply-error').message).toMatch(/^the MNIST test images could not be loaded: .*not found \(HTTP 404\)/);
    // The files are back (the teacher uploaded them): Start tries again.
    missing = false;
    await h.send({ type: 'start' });
    expect(h.of('data').slice(-2).map((e) => `${e.split} ${e.ok}`).sort()).toEqual(['test true', 'train true']);
    expect(h.session.currentState).toBe('running');
    h.session.dispose();
  });

  it('survives corrupt MNIST with the loader message', async () => {
    const h = await ready(SMALL, {
      loadMnist: (url, split, onProgress) =>
        loadMnistSplit({ baseUrl: url, split, fetch: async () => new Response(new Uint8Array([1, 2, 3, 4])), onProgress }),
    });
    await h.send({ type: 'evaluate', model: 'training' });
    expect(h.last('notice')).toMatchObject({ level: 'error', message: expect.stringMatching(/^the MNIST test images could not be loaded: .*not valid gzip/) });
    const d = h.last('data');
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.message).toMatch(/not valid gzip/);
    h.session.dispose();
  });

  it('reports a missing browser feature as fatal, with its name', async () => {
    const h = await ready(SMALL, {
      checkSupport: () => {
        throw new Error('This browser lacks WebAssembly SIMD (fixed-width SIMD: Chrome/Edge 91+, …)');
      },
    });
    expect(h.events).toEqual([
      { type: 'fatal', kind: 'unsupported', message: 'This browser lacks WebAssembly SIMD (fixed-width SIMD: Chrome/Edge 91+, …)' },
    ]);
  });

  it('reports a .wasm that does not load as fatal, without the glue noise', async () => {
    const h = await ready(SMALL, {
      loadCore: async () => {
        throw new Error('Aborted(CompileError: WebAssembly.instantiate(): BufferSource argument is empty). Build with -s ASSERTIONS=1 for more info.');
      },
    });
    expect(h.events).toEqual([
      {
        type: 'fatal',
        kind: 'load',
        message: 'The WebAssembly module could not be loaded: CompileError: WebAssembly.instantiate(): BufferSource argument is empty',
      },
    ]);
  });
});

describe('weights files in and out of the session', () => {
  const SHIPPED = readFileSync(fileURLToPath(new URL('../../public/models/cnnlab-default.json', import.meta.url)), 'utf8');

  /** Sends a request with an id and returns its reply, or throws the reply-error's message. */
  async function ask<T extends WorkerEvent['type']>(h: Harness, request: Request, type: T): Promise<EventOf<T>> {
    const n = h.events.length;
    await h.send(request);
    const fresh = h.events.slice(n);
    const error = fresh.find((e) => e.type === 'reply-error');
    if (error?.type === 'reply-error') throw new Error(error.message);
    const reply = fresh.find((e): e is EventOf<T> => e.type === type);
    if (!reply) throw new Error(`no ${type}; got ${fresh.map((e) => e.type).join(', ')}`);
    return reply;
  }
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  const exported = async (h: Harness, model: 'pretrained' | 'training', format: 'json' | 'binary') =>
    (await ask(h, { type: 'export-weights', id: 90, model, format }, 'weights-file')).bytes;
  const paramsOf = (bytes: Uint8Array) =>
    bytes[0] === 0x43 ? core.parseWeightsBinary(bytes).params : core.parseWeightsJson(new TextDecoder().decode(bytes)).params;

  it('exports either network as JSON and binary, bit for bit the same parameters', async () => {
    const h = await ready(SMALL, { fetchText: async () => SHIPPED });
    const shipped = core.parseWeightsJson(SHIPPED).params;
    const json = await exported(h, 'pretrained', 'json');
    const binary = await exported(h, 'pretrained', 'binary');
    expect(bits(paramsOf(json))).toEqual(bits(shipped));
    expect(bits(paramsOf(binary))).toEqual(bits(shipped));
    expect(binary.length).toBe(28 + 4 * 6070);
    // The network being trained, after 300 samples: its file says so and holds its θ.
    await h.send({ type: 'start' });
    h.pump(() => (h.of('progress').at(-1)?.progress.samplesSeen ?? 0) >= 300);
    await h.send({ type: 'pause' });
    const reply = await ask(h, { type: 'export-weights', id: 91, model: 'training', format: 'binary' }, 'weights-file');
    expect(reply.samplesSeen).toBe(h.last('state').progress.samplesSeen);
    const trained = await exported(h, 'training', 'json');
    expect(bits(paramsOf(trained))).toEqual(bits(paramsOf(reply.bytes)));
    expect(bits(paramsOf(trained))).not.toEqual(bits(shipped));
    h.session.dispose();
  });

  it('loads a file into the draw pad\'s network: its predictions are the file\'s; teach-reset goes back to the file', async () => {
    const h = await ready(SMALL, { fetchText: async () => SHIPPED });
    const image = imageFloats(mnist('t10k'), 0);
    const other = core.modelFromWeights(pretrainedJson); // trained differently (3,000 samples, seed 42)
    const bytes = other.toBinary().slice();
    const loaded = await ask(h, { type: 'import-weights', id: 1, model: 'pretrained', name: 'other.bin', bytes }, 'weights-loaded');
    expect(loaded).toMatchObject({ model: 'pretrained', format: 'binary', paramCount: 6070, config: { activation: 'relu', pooling: 'average' } });
    const p = await ask(h, { type: 'predict', id: 2, image, model: 'pretrained', snapshot: false }, 'prediction');
    expect(Array.from(p.probs)).toEqual(Array.from(other.predict(image)));
    await ask(h, { type: 'teach', id: 3, image, label: 3, steps: 5, learningRate: 0.1, model: 'pretrained' }, 'taught');
    await ask(h, { type: 'teach-reset', id: 4 }, 'teach-reset-done');
    expect(bits(paramsOf(await exported(h, 'pretrained', 'binary')))).toEqual(bits(other.getParams()));
    other.dispose();
    h.session.dispose();
  });

  it('loads a file as the network being trained: a new run from its weights, with its f and pooling', async () => {
    const h = await ready(SMALL);
    const tanh = core.createModel({ activation: 'tanh', pooling: 'max' }, 9);
    const json = new TextEncoder().encode(tanh.toJson());
    const runBefore = h.last('state').progress.run;
    const loaded = await ask(h, { type: 'import-weights', id: 1, model: 'training', name: 'tanh.json', bytes: json }, 'weights-loaded');
    expect(loaded).toMatchObject({ model: 'training', format: 'json', config: { activation: 'tanh', pooling: 'max' } });
    const state = h.last('state');
    expect(state.state).toBe('idle');
    expect(state.message).toBe('Loaded tanh.json: training starts from its weights at the next Start.');
    expect(state.progress.run).toBe(runBefore + 1);
    expect(state.progress.samplesSeen).toBe(0);
    expect(state.settings).toMatchObject({ activation: 'tanh', pooling: 'max', learningRate: SMALL.learningRate, seed: SMALL.seed });
    expect(bits(paramsOf(await exported(h, 'training', 'binary')))).toEqual(bits(tanh.getParams()));
    // It trains from there.
    await h.send({ type: 'start' });
    h.pump(() => (h.of('progress').at(-1)?.progress.samplesSeen ?? 0) >= 200);
    expect(h.last('progress').progress.run).toBe(runBefore + 1);
    expect(bits(paramsOf(await exported(h, 'training', 'binary')))).not.toEqual(bits(tanh.getParams()));
    tanh.dispose();
    h.session.dispose();
  });

  it('a wrong, truncated, non-text or too large file is refused with the reason, and both networks stay as they were', async () => {
    const h = await ready(SMALL, { fetchText: async () => SHIPPED });
    const before = { pretrained: await exported(h, 'pretrained', 'binary'), training: await exported(h, 'training', 'binary') };
    const good = before.pretrained;
    const bad: [string, Uint8Array, RegExp][] = [
      ['truncated.bin', good.slice(0, good.length - 100), /file is 24208 bytes, expected 24308 for 6070 parameters \(truncated\)/],
      ['notes.txt', new TextEncoder().encode('these are my notes'), /^invalid JSON at 1:1/],
      ['photo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]), /neither a binary cnnlab weights file .* nor JSON text \(it is not UTF-8\)/],
      ['shape.json', new TextEncoder().encode(SHIPPED.replace('"shape":[4,1,5,5]', '"shape":[4,1,5,4]')), /conv1\.weight/],
      ['huge.json', new Uint8Array(LIMITS.weightsFileBytes.max + 1).fill(0x20), /^weights JSON is 4\.0 MB \(4194305 bytes\); weights files are limited to 4 MB$/],
    ];
    for (const [name, bytes, message] of bad)
      for (const model of ['pretrained', 'training'] as const)
        await expect(ask(h, { type: 'import-weights', id: 5, model, name, bytes: bytes.slice() }, 'weights-loaded'), `${name} into ${model}`).rejects.toThrow(message);
    expect(await exported(h, 'pretrained', 'binary')).toEqual(before.pretrained);
    expect(await exported(h, 'training', 'binary')).toEqual(before.training);
    expect(h.last('state').state).toBe('idle');
    h.session.dispose();
  });
});

describe('transferables', () => {
  it('transfers buffers a typed array owns, never a view into a larger one', () => {
    const own = new Float32Array(10);
    const big = new ArrayBuffer(4000);
    const view = new Float32Array(big, 40, 10);
    expect(transferables({ type: 'predict', id: 1, image: own, model: 'training', snapshot: false })).toEqual([own.buffer]);
    expect(transferables({ type: 'predict', id: 1, image: view, model: 'training', snapshot: false })).toEqual([]);
    expect(transferables({ type: 'start' })).toEqual([]);
  });
});

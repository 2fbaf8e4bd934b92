// Checks of the benchmark peers:  npx tsx tests/bench/peers/check.ts
//  (1) both peers count exactly 6070 parameters;
//  (2) weights round-trip flat → peer → flat exactly; both peers' predictions
//      match a float64 reference of the network on the flat layout (TF.js: avg
//      pool, ConvNetJS: max pool), so the converters are right;
//  (3) TF.js batch 1: one SGD step on training sample 0 on 'wasm' gives the same
//      weights as on 'cpu' (≤ 1e-5), and as the reference; batch 32 and
//      ConvNetJS steps against the reference too;
//  (4) trains each peer on 2000 samples: samples/s, accuracy on the first 1000
//      test images, single-image inference µs (median).
// Exits non-zero on any failure.
import * as tf from '@tensorflow/tfjs-core';
import { PARAM_COUNT, argmax, glorotFlat, maxAbsDiff, shuffledOrder } from './layout';
import { imageToFloat, loadMnistTestCached, loadMnistTrainCached } from './mnist';
import { runPeers } from './peers-bench';
import { referencePredict, referenceStep } from './reference';
import { conv2dBackpropFilterStatus, createTfjsPeer, ensureWasmTraining, flatToTf, tfToFlat } from './tfjs-peer';
import { convnetjsToFlat, createConvnetjsPeer, flatToConvnetjs, makeConvnetjsNet } from './convnetjs-peer';

const LR = 0.01;
const SEED = 20240601;
let failures = 0;
let passes = 0;
function check(ok: boolean, what: string): void {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
}
const fmt = (x: number) => x.toExponential(2);

async function main(): Promise<void> {
  const train = loadMnistTrainCached();
  const test = loadMnistTestCached();
  console.log(`MNIST: ${train.count} training, ${test.count} test images`);
  const flat = glorotFlat(SEED);
  await ensureWasmTraining(flat); // first: its out-of-the-box failure leaks a few tensors (reported)
  const memBefore = tf.memory().numTensors;

  // (1) parameter counts
  const tfPeer = await createTfjsPeer(flat, { lr: LR, batch: 1 });
  console.log(`\nTF.js wasm status:\n  ${conv2dBackpropFilterStatus().split('\n').join('\n  ')}\n`);
  const cjPeer = await createConvnetjsPeer(flat, { lr: LR });
  check(tfPeer.paramCount() === PARAM_COUNT, `(1) TF.js peer has ${tfPeer.paramCount()} parameters (want ${PARAM_COUNT})`);
  check(cjPeer.paramCount() === PARAM_COUNT, `(1) ConvNetJS peer has ${cjPeer.paramCount()} parameters (want ${PARAM_COUNT})`);

  // (2) exact round trips (weights, and the converters on a buffer of distinct values)
  const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  check(same(tfPeer.getFlatWeights(), flat), '(2) TF.js: flat → variables → flat is exact');
  check(same(cjPeer.getFlatWeights(), flat), '(2) ConvNetJS: flat → net → flat is exact');
  const distinct = Float32Array.from({ length: PARAM_COUNT }, (_, i) => i + 1);
  check(same(tfToFlat(flatToTf(distinct)), distinct), '(2) TF.js converters are a bijection (distinct values)');
  const net = makeConvnetjsNet();
  flatToConvnetjs(distinct, net);
  check(same(convnetjsToFlat(net), distinct), '(2) ConvNetJS converters are a bijection (distinct values)');
  let dTf = 0;
  let dCj = 0;
  let dPool = 0;
  for (let n = 0; n < 20; n++) {
    const x = imageToFloat(test.images, n);
    dTf = Math.max(dTf, maxAbsDiff(tfPeer.predict(x), referencePredict(flat, x, 'avg')));
    dCj = Math.max(dCj, maxAbsDiff(cjPeer.predict(x), referencePredict(flat, x, 'max')));
    dPool = Math.max(dPool, maxAbsDiff(referencePredict(flat, x, 'avg'), referencePredict(flat, x, 'max')));
  }
  check(dTf <= 1e-5, `(2) TF.js predictions = float64 reference (avg pool) on 20 test images: max |Δp| ${fmt(dTf)}`);
  check(dCj <= 1e-5, `(2) ConvNetJS predictions = float64 reference (max pool) on 20 test images: max |Δp| ${fmt(dCj)}` +
    ` (avg vs max pooling differ by up to ${fmt(dPool)})`);

  // (3) one SGD step on training sample 0
  await tfPeer.trainSamples(train.images, train.labels, [0]);
  const wasmStep = tfPeer.getFlatWeights();
  tfPeer.dispose();
  const cpuPeer = await createTfjsPeer(flat, { lr: LR, batch: 1, backend: 'cpu' });
  await cpuPeer.trainSamples(train.images, train.labels, [0]);
  const cpuStep = cpuPeer.getFlatWeights();
  cpuPeer.dispose();
  const refStep = referenceStep(flat, train.images, train.labels, [0], LR, 'avg');
  const moved = maxAbsDiff(cpuStep, flat);
  check(maxAbsDiff(wasmStep, cpuStep) <= 1e-5 && moved > 1e-4,
    `(3) TF.js batch 1, one step on sample 0: wasm vs cpu backend max |Δθ| ${fmt(maxAbsDiff(wasmStep, cpuStep))} (step moved θ by up to ${fmt(moved)})`);
  check(maxAbsDiff(wasmStep, refStep) <= 1e-5, `(3) TF.js wasm step vs float64 reference: max |Δθ| ${fmt(maxAbsDiff(wasmStep, refStep))}`);
  const batch = shuffledOrder(train.count, SEED).slice(0, 32);
  const tf32 = await createTfjsPeer(flat, { lr: LR, batch: 32 });
  await tf32.trainSamples(train.images, train.labels, batch);
  const d32 = maxAbsDiff(tf32.getFlatWeights(), referenceStep(flat, train.images, train.labels, batch, LR, 'avg'));
  tf32.dispose();
  check(d32 <= 1e-5, `(3) TF.js wasm batch 32, one step = reference mean-gradient step: max |Δθ| ${fmt(d32)}`);
  await cjPeer.trainSamples(train.images, train.labels, [0]);
  const dCjStep = maxAbsDiff(cjPeer.getFlatWeights(), referenceStep(flat, train.images, train.labels, [0], LR, 'max'));
  cjPeer.dispose();
  check(dCjStep <= 1e-5, `(3) ConvNetJS one step on sample 0 = reference (max pool): max |Δθ| ${fmt(dCjStep)}`);

  // (4) 2000 samples each, timed
  console.log('\n(4) training 2000 samples (shuffled order, same for all), 1 thread:');
  const order = shuffledOrder(train.count, SEED + 1);
  const results = await runPeers({
    samples: 2000, flatWeights: flat, order, lr: LR, images: train.images, labels: train.labels,
    evaluate: { images: test.images, labels: test.labels, count: 1000 }, inferenceRuns: 1000,
  });
  // the untrained network on the same images, for comparison
  let ok0 = 0;
  let loss0 = 0;
  for (let i = 0; i < 1000; i++) {
    const p = referencePredict(flat, imageToFloat(test.images, i), 'avg');
    if (argmax(p) === test.labels[i]) ok0++;
    loss0 -= Math.log(p[test.labels[i]!]!);
  }
  loss0 /= 1000;
  console.log(`  untrained (same initial weights): accuracy ${(ok0 / 10).toFixed(1)}%, mean loss ${loss0.toFixed(3)}`);
  console.log('  peer          batch  train samples/s  inference µs (median)  test acc (first 1000)  test loss');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(13)} ${String(r.batch).padStart(5)}  ${r.trainSamplesPerSec.toFixed(0).padStart(15)}  ` +
      `${r.inferenceMicros.toFixed(1).padStart(21)}  ${(100 * r.testAccuracy!).toFixed(1).padStart(20)}%  ${r.testLoss!.toFixed(3).padStart(9)}`);
  }
  for (const r of results) console.log(`  note [${r.name} b${r.batch}]: ${r.note}`);
  for (const r of results) {
    if (r.batch === 1) {
      check(r.testAccuracy! > 0.6, `(4) ${r.name} batch 1 test accuracy ${(100 * r.testAccuracy!).toFixed(1)}% > 60% (chance 10%)`);
    } else {
      // 2000 samples at batch 32 are only 63 updates of lr 0.01 on the mean
      // gradient: the network barely moves (per-sample SGD after its first 63
      // samples is no further along), so only ask that the test loss went down.
      check(r.testLoss! < loss0, `(4) ${r.name} batch ${r.batch} test loss ${r.testLoss!.toFixed(3)} < untrained ${loss0.toFixed(3)} ` +
        `(only ${Math.ceil(r.samples / r.batch)} updates; accuracy ${(100 * r.testAccuracy!).toFixed(1)}%)`);
    }
    check(r.trainSamplesPerSec > 0 && r.inferenceMicros > 0, `(4) ${r.name} batch ${r.batch} timings are positive`);
  }
  const memAfter = tf.memory().numTensors;
  check(memAfter === memBefore, `TF.js tensors alive before/after all peers: ${memBefore}/${memAfter} (no leak)`);
}

try {
  await main();
} catch (e) {
  failures++;
  console.log(`FAIL ${(e as Error).stack ?? e}`);
}
console.log(`\n${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);

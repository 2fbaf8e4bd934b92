// npm run bench [-- --samples N] [-- --json]
//
// One Node process trains the same network (6070 parameters, the same initial
// weights, learning rate 0.01, the same MNIST samples in the same order) with
//   cnnlab WASM (this project), per-sample SGD — average pooling (the handout's) and
//     max pooling (to compare with ConvNetJS, whose only pooling is max);
//   TensorFlow.js 4.22 with its WASM backend (SIMD, 1 thread), batch 1 and 32;
//   ConvNetJS 0.3, batch 1, max pooling;
// and prints training samples/s, single-digit inference µs (median of 1000 calls,
// each including the JS↔WASM copies), and the ratio of cnnlab to each peer; then
// where cnnlab's step time goes: each stage (the three 5×5 kernels and the work
// between them) timed inside the WASM module and natively, against the multiply-add
// ceiling measured in the same binary (tests/bench/kernels.ts); cnnlab's training
// samples/s with data augmentation off, mild and strong (and strong with elastic σ 3.9
// and 8); and the targets.
// --json: the same as one JSON document on stdout (nothing else goes to stdout;
// use `npm run -s bench -- --json`, since npm itself prints a banner).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCnnlab, type Cnnlab, type Pooling } from '../../web/src/core/cnnlab';
import { shuffledOrder, median, maxAbsDiff } from './peers/layout';
import { loadMnistTrainCached, loadMnistTestCached, imageToFloat } from './peers/mnist';
import { runPeers, type PeerResult } from './peers/peers-bench';
import { conv2dBackpropFilterStatus } from './peers/tfjs-peer';
import { augmentLines, benchAugmentation } from './augment-bench';
import { formatKernelReport, kernelReport, nativeProfile } from './kernels';

const args = process.argv.slice(2);
const json = args.includes('--json');
const samplesArg = args.indexOf('--samples');
const samples = samplesArg >= 0 ? Number(args[samplesArg + 1]) : 4000;
if (!Number.isInteger(samples) || samples < 100 || samples > 60000) {
  console.error('bench: --samples must be an integer from 100 to 60000');
  process.exit(2);
}
const log = (line: string) => {
  if (!json) console.log(line);
};

interface Row {
  name: string;
  batch: number;
  pooling: Pooling;
  trainSamplesPerSec: number;
  /** From this process's CPU time instead of wall time (robust to other load). */
  trainCpuSamplesPerSec: number;
  inferenceMicros: number;
  testAccuracy?: number;
  note: string;
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const core: Cnnlab = await loadCnnlab({ wasmBinary: readFileSync(`${root}web/src/wasm/cnnlab.wasm`) });
  const train = loadMnistTrainCached();
  const test = loadMnistTestCached();
  const order = shuffledOrder(train.count, 2).slice(0, samples);
  // The timed samples, copied in training order, so cnnlab (shuffle off) sees exactly `order`.
  const images = new Uint8Array(samples * 784);
  const labels = new Uint8Array(samples);
  order.forEach((idx, i) => {
    images.set(train.images.subarray(idx * 784, idx * 784 + 784), i * 784);
    labels[i] = train.labels[idx]!;
  });
  const data = core.createDataset(images, labels);
  const testData = core.createDataset(test.images.subarray(0, 1000 * 784), test.labels.subarray(0, 1000));
  const initial = core.createModel({}, 1).getParams(); // cnnlab's Glorot init, seed 1: shared by all

  const cnnlabRun = (pooling: Pooling): Row & { weights: Float32Array } => {
    const make = () => {
      const m = core.createModel({ pooling }, 1, { learningRate: 0.01, shuffle: false });
      m.setParams(initial);
      m.setTrainingData(data);
      return m;
    };
    const warm = make(); // warm up the JIT tiers
    warm.train(Math.min(samples, 1000));
    warm.dispose();
    const rates: number[] = [];
    const cpuRates: number[] = [];
    let weights: Float32Array = new Float32Array();
    let accuracy = 0;
    for (let run = 0; run < 3; run++) {
      const m = make();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = m.train(samples);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      if (r.samples !== samples) throw new Error(`cnnlab training stopped: ${r.status}`); // 'done' after its one epoch
      rates.push((samples / ms) * 1000);
      cpuRates.push(samples / ((cpu.user + cpu.system) / 1e6));
      weights = m.getParams();
      accuracy = m.evaluate(testData).accuracy;
      m.dispose();
    }
    const m = make();
    const digit = imageToFloat(test.images, 0);
    for (let i = 0; i < 200; i++) m.predict(digit);
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t0 = performance.now();
      m.predict(digit);
      times.push((performance.now() - t0) * 1000);
    }
    m.dispose();
    return {
      name: 'cnnlab WASM',
      batch: 1,
      pooling,
      trainSamplesPerSec: median(rates),
      trainCpuSamplesPerSec: median(cpuRates),
      inferenceMicros: median(times),
      testAccuracy: accuracy,
      note: `median of 3 runs; ${core.kernelName} 5×5 kernels (WebAssembly SIMD); per-sample SGD (the handout's)`,
      weights,
    };
  };

  log(`cnnlab benchmark: ${samples} MNIST training samples, lr 0.01, the same initial weights and order for all\n`);
  const average = cnnlabRun('average');
  const max = cnnlabRun('max');
  log(`cnnlab WASM avg pool: ${average.trainSamplesPerSec.toFixed(0)} samples/s, ${average.inferenceMicros.toFixed(1)} µs`);
  log(`cnnlab WASM max pool: ${max.trainSamplesPerSec.toFixed(0)} samples/s, ${max.inferenceMicros.toFixed(1)} µs`);
  const augmentation = benchAugmentation(core, data, samples, initial);
  for (const line of augmentLines(augmentation)) log(line);

  // Per stage, inside the module (warm: the training runs above used the same code).
  const wasmProfile = core.raw.benchKernels(data.raw, samples, 45);
  if (wasmProfile instanceof Error) throw wasmProfile;
  const native = nativeProfile(root);
  const kernels = kernelReport(wasmProfile, native.profile, native.note);

  const peers: PeerResult[] = await runPeers({
    samples,
    flatWeights: initial,
    order,
    images: train.images,
    labels: train.labels,
    evaluate: { images: test.images, labels: test.labels, count: 1000 },
    keepWeights: true,
    log,
  });

  // Same network, same samples, same order: TF.js at batch 1 must end at (nearly)
  // the same weights as cnnlab with average pooling.
  const tfB1 = peers.find((p) => p.name.startsWith('TF.js') && p.batch === 1);
  const agreement = tfB1?.finalWeights ? maxAbsDiff(tfB1.finalWeights, average.weights) : NaN;

  const rows: Row[] = [
    { ...average, weights: undefined } as Row,
    { ...max, weights: undefined } as Row,
    ...peers.map((p) => ({
      name: p.name,
      batch: p.batch,
      pooling: (p.name.startsWith('ConvNetJS') ? 'max' : 'average') as Pooling,
      trainSamplesPerSec: p.trainSamplesPerSec,
      trainCpuSamplesPerSec: p.trainCpuSamplesPerSec,
      inferenceMicros: p.inferenceMicros,
      ...(p.testAccuracy !== undefined ? { testAccuracy: p.testAccuracy } : {}),
      note: p.note,
    })),
  ];
  for (const r of rows) delete (r as { weights?: unknown }).weights;
  const ratios = peers.map((p) => {
    const ours = p.name.startsWith('ConvNetJS') ? max : average;
    return {
      peer: `${p.name} batch ${p.batch}`,
      trainSpeedup: ours.trainSamplesPerSec / p.trainSamplesPerSec,
      trainSpeedupCpu: ours.trainCpuSamplesPerSec / p.trainCpuSamplesPerSec,
      inferenceSpeedup: p.inferenceMicros / ours.inferenceMicros,
    };
  });

  // The targets, in this run against these peers.
  // Met on wall time (the table's figures); the CPU-time ratio is shown beside it.
  const ratioFor = (peer: string) => ratios.find((r) => r.peer === peer);
  const targets = [
    { target: 'training ≥ 25× TF.js wasm batch 1', value: ratioFor('TF.js wasm batch 1')?.trainSpeedup ?? NaN,
      valueCpu: ratioFor('TF.js wasm batch 1')?.trainSpeedupCpu ?? NaN, goal: 25, unit: '×', atLeast: true },
    { target: 'training ≥ 8× TF.js wasm batch 32', value: ratioFor('TF.js wasm batch 32')?.trainSpeedup ?? NaN,
      valueCpu: ratioFor('TF.js wasm batch 32')?.trainSpeedupCpu ?? NaN, goal: 8, unit: '×', atLeast: true },
    { target: 'inference ≤ 12 µs', value: average.inferenceMicros, valueCpu: null, goal: 12, unit: ' µs', atLeast: false },
  ].map((t) => ({ ...t, met: t.atLeast ? t.value >= t.goal : t.value <= t.goal }));

  if (json) {
    console.log(JSON.stringify({
      date: new Date().toISOString(),
      samples,
      node: process.version,
      rows,
      ratios,
      targets,
      kernels,
      tfjsBatch1MaxAbsWeightDiff: agreement,
      tfjsConv2DBackpropFilter: conv2dBackpropFilterStatus(),
      augmentation,
    }, null, 2));
    return;
  }
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  console.log('');
  console.log(`${pad('trainer', 14)}${pad('pool', 9)}${lpad('batch', 5)}${lpad('train samples/s', 17)}${lpad('(CPU time)', 12)}${lpad('inference µs', 14)}${lpad('acc@1k', 8)}${lpad('cnnlab ×train', 15)}${lpad('(CPU)', 8)}${lpad('×infer', 9)}`);
  for (const r of rows) {
    const ratio = ratios.find((q) => q.peer === `${r.name} batch ${r.batch}`);
    console.log(
      `${pad(r.name, 14)}${pad(r.pooling, 9)}${lpad(String(r.batch), 5)}${lpad(r.trainSamplesPerSec.toFixed(0), 17)}` +
        `${lpad(r.trainCpuSamplesPerSec.toFixed(0), 12)}` +
        `${lpad(r.inferenceMicros.toFixed(1), 14)}${lpad(r.testAccuracy !== undefined ? (100 * r.testAccuracy).toFixed(1) + '%' : '', 8)}` +
        `${lpad(ratio ? ratio.trainSpeedup.toFixed(1) + '×' : '—', 15)}${lpad(ratio ? ratio.trainSpeedupCpu.toFixed(1) + '×' : '', 8)}` +
        `${lpad(ratio ? ratio.inferenceSpeedup.toFixed(1) + '×' : '—', 9)}`,
    );
  }
  console.log(`\ncnnlab ×: cnnlab's rate over the peer's (against ConvNetJS: cnnlab with max pooling); (CPU): the same from`);
  console.log(`this process's CPU time, which other processes on a loaded machine do not inflate.`);
  console.log(`Same samples, same start: after ${samples} steps TF.js (batch 1) and cnnlab differ by at most ${agreement.toExponential(2)} in any weight.`);
  console.log(`TF.js: ${conv2dBackpropFilterStatus()}`);
  console.log(`\nData augmentation (cnnlab WASM, average pooling, batch 1):\n${augmentLines(augmentation).join('\n')}`);
  console.log('');
  for (const line of formatKernelReport(kernels, 1e6 / average.trainSamplesPerSec)) console.log(line);
  console.log('');
  console.log('Targets (this run):');
  for (const t of targets)
    console.log(
      `  ${t.target.padEnd(36)} ${t.value.toFixed(1)}${t.unit}  ${t.met ? 'met' : 'NOT met'}` +
        (t.valueCpu !== null ? `   (CPU time: ${t.valueCpu.toFixed(1)}${t.unit}, ${(t.atLeast ? t.valueCpu >= t.goal : t.valueCpu <= t.goal) ? 'met' : 'NOT met'})` : ''),
    );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);

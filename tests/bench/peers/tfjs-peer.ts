// Peer (b): the handout network in TensorFlow.js 4.22.0 (tfjs-core ops, the
// 'wasm' backend with SIMD and one thread), plain SGD via tf.train.sgd, batch 1
// or a mini-batch (mean gradient over the batch). Average pooling.
//
// Ops are the ones tf.layers would emit for Conv2D/Dense with a ReLU: tf.fused.conv2d
// and tf.fused.matMul (bias + ReLU fused); `fused: false` uses plain ops instead.
import * as tf from '@tensorflow/tfjs-core';
import {
  LAYOUT, PARAM_COUNT, PARAM_NAMES, type ParamName, type TrainablePeer, checkFlat, maxAbsDiff, slice,
} from './layout';

export type { TrainablePeer };
import { imageToFloat, loadMnistTrainCached } from './mnist';
import {
  BACKWARD_KERNELS, TFJS_VERSIONS, initWasmBackend, installWasmWorkaround, registerCoreGradients, useBackend,
} from './tfjs-setup';

export interface TfjsPeerOptions {
  lr: number;
  batch: number;
  /** 'wasm' (default, the one benchmarked) or 'cpu' (only for checks). */
  backend?: 'wasm' | 'cpu';
  /** tf.fused.conv2d / tf.fused.matMul (default true) or plain conv2d+add+relu. */
  fused?: boolean;
}

// ---- layout converters: cnnlab flat (PyTorch) ⇄ TF.js (NHWC, HWIO, x·W) ----

export const TF_SHAPES: Record<ParamName, number[]> = {
  conv1w: [5, 5, 1, 4], conv1b: [4],
  conv2w: [5, 5, 4, 6], conv2b: [6],
  fc1w: [96, 50], fc1b: [50],
  fc2w: [50, 10], fc2b: [10],
};

/** TF index of each flat index, per parameter (a permutation of 0..size-1). */
function tfIndexOf(name: ParamName): Int32Array {
  const shape = LAYOUT[name].shape as readonly number[];
  const n = shape.reduce((a, b) => a * b, 1);
  const map = new Int32Array(n);
  if (name === 'conv1w' || name === 'conv2w') {
    const [O, I] = shape as [number, number];
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) {
      map[((o * I + i) * 5 + r) * 5 + c] = ((r * 5 + c) * I + i) * O + o; // [out,in,r,c] → [r,c,in,out]
    }
  } else if (name === 'fc1w') {
    // PyTorch input index m*16 + r*4 + c (NCHW flatten); TF flattens NHWC: (r*4+c)*6 + m.
    for (let j = 0; j < 50; j++) for (let m = 0; m < 6; m++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
      map[j * 96 + m * 16 + r * 4 + c] = ((r * 4 + c) * 6 + m) * 50 + j; // W[j][in] → W_tf[in_nhwc][j]
    }
  } else if (name === 'fc2w') {
    for (let k = 0; k < 10; k++) for (let j = 0; j < 50; j++) map[k * 50 + j] = j * 10 + k; // transpose
  } else {
    for (let i = 0; i < n; i++) map[i] = i; // biases
  }
  return map;
}
const TF_INDEX = Object.fromEntries(PARAM_NAMES.map((n) => [n, tfIndexOf(n)])) as Record<ParamName, Int32Array>;

export function flatToTf(flat: ArrayLike<number>): Record<ParamName, Float32Array> {
  checkFlat(flat);
  const out = {} as Record<ParamName, Float32Array>;
  for (const name of PARAM_NAMES) {
    const src = slice(Float32Array.from(flat), name);
    const map = TF_INDEX[name];
    const dst = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) dst[map[i]!] = src[i]!;
    out[name] = dst;
  }
  return out;
}

export function tfToFlat(parts: Record<ParamName, ArrayLike<number>>): Float32Array {
  const flat = new Float32Array(PARAM_COUNT);
  for (const name of PARAM_NAMES) {
    const dst = slice(flat, name);
    const src = parts[name];
    const map = TF_INDEX[name];
    if (src.length !== dst.length) throw new Error(`${name}: ${src.length} values, expected ${dst.length}`);
    for (let i = 0; i < dst.length; i++) dst[i] = src[map[i]!]!;
  }
  return flat;
}

// ---- the network ----

type Params = Record<ParamName, tf.Tensor>;

function logits(p: Params, x: tf.Tensor4D, fused: boolean): tf.Tensor2D {
  const B = x.shape[0];
  let a: tf.Tensor4D;
  if (fused) {
    a = tf.fused.conv2d({ x, filter: p.conv1w as tf.Tensor4D, strides: 1, pad: 'valid', bias: p.conv1b, activation: 'relu' });
    a = tf.avgPool(a, 2, 2, 'valid');
    a = tf.fused.conv2d({ x: a, filter: p.conv2w as tf.Tensor4D, strides: 1, pad: 'valid', bias: p.conv2b, activation: 'relu' });
    a = tf.avgPool(a, 2, 2, 'valid');
    const h = tf.fused.matMul({ a: tf.reshape(a, [B, 96]), b: p.fc1w as tf.Tensor2D, bias: p.fc1b, activation: 'relu' });
    return tf.fused.matMul({ a: h, b: p.fc2w as tf.Tensor2D, bias: p.fc2b }) as tf.Tensor2D;
  }
  a = tf.relu(tf.add(tf.conv2d(x, p.conv1w as tf.Tensor4D, 1, 'valid'), p.conv1b)) as tf.Tensor4D;
  a = tf.avgPool(a, 2, 2, 'valid');
  a = tf.relu(tf.add(tf.conv2d(a, p.conv2w as tf.Tensor4D, 1, 'valid'), p.conv2b)) as tf.Tensor4D;
  a = tf.avgPool(a, 2, 2, 'valid');
  const h = tf.relu(tf.add(tf.matMul(tf.reshape(a, [B, 96]), p.fc1w as tf.Tensor2D), p.fc1b));
  return tf.add(tf.matMul(h, p.fc2w as tf.Tensor2D), p.fc2b) as tf.Tensor2D;
}

/** Mean softmax cross-entropy over the batch. */
function meanLoss(p: Params, x: tf.Tensor4D, onehot: tf.Tensor2D, fused: boolean): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(onehot, logits(p, x, fused), undefined, undefined, tf.Reduction.MEAN) as tf.Scalar;
}

function batchTensors(images: Uint8Array, labels: Uint8Array, indices: ArrayLike<number>, from: number, n: number,
  xbuf: Float32Array, ybuf: Float32Array): { x: tf.Tensor4D; y: tf.Tensor2D } {
  ybuf.fill(0, 0, n * 10);
  for (let b = 0; b < n; b++) {
    const idx = indices[from + b]!;
    const base = idx * 784;
    const o = b * 784;
    for (let i = 0; i < 784; i++) xbuf[o + i] = images[base + i]! / 255;
    ybuf[b * 10 + labels[idx]!] = 1;
  }
  return {
    x: tf.tensor4d(xbuf.subarray(0, n * 784), [n, 28, 28, 1]),
    y: tf.tensor2d(ybuf.subarray(0, n * 10), [n, 10]),
  };
}

/** ∂(mean loss)/∂θ in the cnnlab flat layout, computed on the current backend. */
function flatGradient(flat: Float32Array, images: Uint8Array, labels: Uint8Array, indices: number[], fused: boolean): Float32Array {
  const parts = flatToTf(flat);
  const grads = tf.tidy(() => {
    const ps = PARAM_NAMES.map((n) => tf.tensor(parts[n], TF_SHAPES[n]));
    const p = Object.fromEntries(PARAM_NAMES.map((n, i) => [n, ps[i]])) as Params;
    const { x, y } = batchTensors(images, labels, indices, 0, indices.length,
      new Float32Array(indices.length * 784), new Float32Array(indices.length * 10));
    const g = tf.grads((...vs: tf.Tensor[]) => {
      const q = Object.fromEntries(PARAM_NAMES.map((n, i) => [n, vs[i]])) as Params;
      return meanLoss(q, x, y, fused);
    })(ps);
    return g;
  });
  const out = tfToFlat(Object.fromEntries(PARAM_NAMES.map((n, i) => [n, grads[i]!.dataSync()])) as Record<ParamName, Float32Array>);
  grads.forEach((g) => g.dispose());
  return out;
}

// ---- the kernel gap: detect, work around, verify (once per process) ----

let status: string | null = null;
let statusPromise: Promise<string> | null = null;
export const GRADIENT_TOLERANCE = 1e-4;

/** What happened out of the box with tfjs-backend-wasm and the workaround used. */
export function conv2dBackpropFilterStatus(): string {
  return status ?? 'not checked yet (created no wasm TF.js peer in this process)';
}

/**
 * Makes the wasm backend able to train this network. Tries one real training
 * gradient out of the box; for each "Kernel 'X' not registered for backend
 * 'wasm'" error it keeps the message, registers a workaround built from wasm
 * kernels and tries again. Then compares the whole gradient (and the two conv
 * filter gradients) on a real MNIST sample with the 'cpu' backend's; throws if
 * any |Δ| > 1e-4.
 */
export function ensureWasmTraining(flat: Float32Array, fused = true): Promise<string> {
  if (!statusPromise) statusPromise = (async () => {
    const info = await initWasmBackend();
    const train = loadMnistTrainCached();
    const sample = [0];
    const lines: string[] = [];
    lines.push(`@tensorflow/tfjs-core ${TFJS_VERSIONS.core}, @tensorflow/tfjs-backend-wasm ${TFJS_VERSIONS.wasm} ` +
      `(${info.binary}, SIMD ${info.simd ? 'on' : 'off'}, threads ${info.threads}), cpu check: tfjs-backend-cpu ${TFJS_VERSIONS.cpu}`);
    const present = BACKWARD_KERNELS.filter((k) => tf.getKernel(k, 'wasm'));
    const missing = BACKWARD_KERNELS.filter((k) => !tf.getKernel(k, 'wasm'));
    lines.push(`wasm backward kernels registered out of the box: ${present.join(', ') || 'none'}; missing: ${missing.join(', ') || 'none'}`);
    const notRegistered = /Kernel '(\w+)' not registered for backend 'wasm'/;
    let wasmGrad: Float32Array | null = null;
    for (let attempt = 0; attempt < 8 && !wasmGrad; attempt++) {
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      try {
        wasmGrad = flatGradient(flat, train.images, train.labels, sample, fused);
      } catch (e) {
        const msg = (e as Error).message;
        const m = notRegistered.exec(msg);
        if (!m) throw e;
        const left = tf.memory().numTensors - before;
        lines.push(`out of the box: the gradient of the training loss on wasm threw "${msg}"` +
          (left > 0 ? ` (and left ${left} tensors behind: TF.js does not free the tensors saved for backprop when backprop throws)` : ''));
        const how = installWasmWorkaround(m[1]!);
        if (!how) throw new Error(`kernel ${m[1]} reported missing but is registered: ${msg}`);
        lines.push(`workaround for ${m[1]}: ${how}`);
      }
    }
    if (!wasmGrad) throw new Error('could not get a wasm gradient');
    if (lines.length === 2) lines.push('out of the box: a training gradient ran on wasm without errors (no workaround needed)');
    await useBackend('cpu');
    const cpuGrad = flatGradient(flat, train.images, train.labels, sample, fused);
    await useBackend('wasm');
    const all = maxAbsDiff(wasmGrad, cpuGrad);
    const c1 = maxAbsDiff(slice(wasmGrad, 'conv1w'), slice(cpuGrad, 'conv1w'));
    const c2 = maxAbsDiff(slice(wasmGrad, 'conv2w'), slice(cpuGrad, 'conv2w'));
    let gmax = 0;
    for (const v of cpuGrad) gmax = Math.max(gmax, Math.abs(v));
    const verdict = `gradient check vs cpu backend on training sample 0 (label ${train.labels[0]}): max |Δ| all 6070 = ${all.toExponential(2)}, ` +
      `conv1.weight = ${c1.toExponential(2)}, conv2.weight = ${c2.toExponential(2)} (max |g| = ${gmax.toExponential(2)}; tolerance ${GRADIENT_TOLERANCE})`;
    if (!(all <= GRADIENT_TOLERANCE) || gmax === 0) {
      status = lines.concat(`FAILED ${verdict}`).join('\n');
      throw new Error(`TF.js wasm gradient does not match the cpu backend:\n${status}`);
    }
    lines.push(verdict);
    status = lines.join('\n');
    return status;
  })();
  return statusPromise;
}

// ---- the peer ----

export async function createTfjsPeer(flatWeights: Float32Array, opts: TfjsPeerOptions): Promise<TrainablePeer> {
  checkFlat(flatWeights);
  const backend = opts.backend ?? 'wasm';
  const fused = opts.fused ?? true;
  const batch = opts.batch;
  if (!(batch >= 1) || !Number.isInteger(batch)) throw new Error(`bad batch ${batch}`);
  if (!(opts.lr > 0)) throw new Error(`bad lr ${opts.lr}`);
  registerCoreGradients();
  if (backend === 'wasm') await ensureWasmTraining(flatWeights, fused);
  await useBackend(backend);

  const parts = flatToTf(flatWeights);
  const vars = Object.fromEntries(PARAM_NAMES.map((n) => {
    const init = tf.tensor(parts[n], TF_SHAPES[n]);
    const v = tf.variable(init, true); // shares init's data; init itself must go
    init.dispose();
    return [n, v];
  })) as Record<ParamName, tf.Variable>;
  const varList = PARAM_NAMES.map((n) => vars[n]);
  const optimizer = tf.train.sgd(opts.lr);
  const xbuf = new Float32Array(batch * 784);
  const ybuf = new Float32Array(batch * 10);
  const onBackend = () => {
    if (tf.getBackend() !== backend) {
      throw new Error(`TF.js peer on '${backend}' used while the current backend is '${tf.getBackend()}'`);
    }
  };
  let disposed = false;

  return {
    name: `tfjs-${backend}`,
    batch,
    paramCount: () => varList.reduce((s, v) => s + v.size, 0),
    async trainSamples(images, labels, indices) {
      await useBackend(backend);
      for (let from = 0; from < indices.length; from += batch) {
        const n = Math.min(batch, indices.length - from); // a short last batch is averaged over its n
        const { x, y } = batchTensors(images, labels, indices, from, n, xbuf, ybuf);
        optimizer.minimize(() => meanLoss(vars, x, y, fused), false, varList);
        x.dispose();
        y.dispose();
      }
    },
    predict(image784) {
      onBackend();
      const out = tf.tidy(() => tf.softmax(logits(vars, tf.tensor4d(image784, [1, 28, 28, 1]), fused)));
      const p = out.dataSync() as Float32Array;
      out.dispose();
      return p;
    },
    getFlatWeights() {
      return tfToFlat(Object.fromEntries(PARAM_NAMES.map((n) => [n, vars[n].dataSync()])) as Record<ParamName, Float32Array>);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      varList.forEach((v) => v.dispose());
      optimizer.dispose();
    },
  };
}

/** Convenience for checks: image `index` of a split as 784 floats. */
export { imageToFloat };

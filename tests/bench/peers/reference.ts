// A plain, float64 reference of the handout network working directly on the flat
// PyTorch-layout buffer (layout.ts). It exists only to check the peers' weight
// converters: if TF.js (avg pool) and ConvNetJS (max pool) agree with it on the
// forward pass and on one SGD step, their layouts are the same network.
//
// Max pooling breaks ties like ConvNetJS: windows scanned column offset outer,
// row offset inner, first strict maximum wins.
import { LAYOUT, PARAM_COUNT, checkFlat } from './layout';

export type Pool = 'avg' | 'max';

interface Trace {
  x: Float64Array; // 28×28
  a1: Float64Array; // [4][24][24] after ReLU
  p1: Float64Array; // [4][12][12]
  s1: Int32Array; // argmax index into a1 per p1 element (max pool)
  a2: Float64Array; // [6][8][8] after ReLU
  p2: Float64Array; // [6][4][4] = flatten 96 (NCHW)
  s2: Int32Array;
  h: Float64Array; // 50 after ReLU
  prob: Float64Array; // 10
}

function conv(input: Float64Array, inC: number, inS: number, w: ArrayLike<number>, wOff: number,
  b: ArrayLike<number>, bOff: number, outC: number, out: Float64Array): void {
  const outS = inS - 4;
  for (let o = 0; o < outC; o++) {
    for (let y = 0; y < outS; y++) {
      for (let x = 0; x < outS; x++) {
        let s = b[bOff + o]!;
        for (let i = 0; i < inC; i++) {
          for (let r = 0; r < 5; r++) {
            for (let c = 0; c < 5; c++) {
              s += w[wOff + ((o * inC + i) * 5 + r) * 5 + c]! * input[(i * inS + y + r) * inS + x + c]!;
            }
          }
        }
        out[(o * outS + y) * outS + x] = s > 0 ? s : 0; // ReLU
      }
    }
  }
}

function pool(input: Float64Array, C: number, inS: number, kind: Pool, out: Float64Array, sw: Int32Array): void {
  const outS = inS / 2;
  for (let ch = 0; ch < C; ch++) {
    for (let y = 0; y < outS; y++) {
      for (let x = 0; x < outS; x++) {
        const o = (ch * outS + y) * outS + x;
        if (kind === 'avg') {
          let s = 0;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += input[(ch * inS + 2 * y + dy) * inS + 2 * x + dx]!;
          out[o] = s / 4;
        } else {
          let best = -Infinity;
          let at = -1;
          for (let dx = 0; dx < 2; dx++) {
            for (let dy = 0; dy < 2; dy++) {
              const k = (ch * inS + 2 * y + dy) * inS + 2 * x + dx;
              if (input[k]! > best) { best = input[k]!; at = k; }
            }
          }
          out[o] = best;
          sw[o] = at;
        }
      }
    }
  }
}

function forward(flat: ArrayLike<number>, image784: ArrayLike<number>, kind: Pool): Trace {
  const t: Trace = {
    x: Float64Array.from(image784),
    a1: new Float64Array(4 * 24 * 24), p1: new Float64Array(4 * 144), s1: new Int32Array(4 * 144),
    a2: new Float64Array(6 * 64), p2: new Float64Array(96), s2: new Int32Array(96),
    h: new Float64Array(50), prob: new Float64Array(10),
  };
  conv(t.x, 1, 28, flat, LAYOUT.conv1w.offset, flat, LAYOUT.conv1b.offset, 4, t.a1);
  pool(t.a1, 4, 24, kind, t.p1, t.s1);
  conv(t.p1, 4, 12, flat, LAYOUT.conv2w.offset, flat, LAYOUT.conv2b.offset, 6, t.a2);
  pool(t.a2, 6, 8, kind, t.p2, t.s2);
  for (let j = 0; j < 50; j++) {
    let s = flat[LAYOUT.fc1b.offset + j]!;
    for (let i = 0; i < 96; i++) s += flat[LAYOUT.fc1w.offset + j * 96 + i]! * t.p2[i]!;
    t.h[j] = s > 0 ? s : 0;
  }
  const z = new Float64Array(10);
  let zmax = -Infinity;
  for (let k = 0; k < 10; k++) {
    let s = flat[LAYOUT.fc2b.offset + k]!;
    for (let j = 0; j < 50; j++) s += flat[LAYOUT.fc2w.offset + k * 50 + j]! * t.h[j]!;
    z[k] = s;
    if (s > zmax) zmax = s;
  }
  let sum = 0;
  for (let k = 0; k < 10; k++) { t.prob[k] = Math.exp(z[k]! - zmax); sum += t.prob[k]!; }
  for (let k = 0; k < 10; k++) t.prob[k]! /= sum;
  return t;
}

export function referencePredict(flat: ArrayLike<number>, image784: ArrayLike<number>, kind: Pool): Float64Array {
  checkFlat(flat);
  return forward(flat, image784, kind).prob;
}

/** ∂loss/∂θ (softmax cross-entropy) for one sample, in the flat layout. */
export function referenceGradient(flat: ArrayLike<number>, image784: ArrayLike<number>, label: number,
  kind: Pool): { grad: Float64Array; loss: number } {
  checkFlat(flat);
  const t = forward(flat, image784, kind);
  const g = new Float64Array(PARAM_COUNT);
  const W = (off: number, i: number) => flat[off + i]!;
  // fc2
  const dz = Float64Array.from(t.prob);
  dz[label]! -= 1;
  const dh = new Float64Array(50);
  for (let k = 0; k < 10; k++) {
    g[LAYOUT.fc2b.offset + k] = dz[k]!;
    for (let j = 0; j < 50; j++) {
      g[LAYOUT.fc2w.offset + k * 50 + j] = dz[k]! * t.h[j]!;
      dh[j]! += W(LAYOUT.fc2w.offset, k * 50 + j) * dz[k]!;
    }
  }
  // fc1 (+ReLU)
  const df = new Float64Array(96);
  for (let j = 0; j < 50; j++) {
    const d = t.h[j]! > 0 ? dh[j]! : 0;
    g[LAYOUT.fc1b.offset + j] = d;
    for (let i = 0; i < 96; i++) {
      g[LAYOUT.fc1w.offset + j * 96 + i] = d * t.p2[i]!;
      df[i]! += W(LAYOUT.fc1w.offset, j * 96 + i) * d;
    }
  }
  // pool2 backward, ReLU
  const da2 = poolBack(df, t.a2, t.s2, 6, 8, kind);
  // conv2
  const dp1 = new Float64Array(4 * 144);
  convBack(da2, t.p1, 4, 12, 6, flat, LAYOUT.conv2w.offset, g, LAYOUT.conv2w.offset, LAYOUT.conv2b.offset, dp1);
  const da1 = poolBack(dp1, t.a1, t.s1, 4, 24, kind);
  convBack(da1, t.x, 1, 28, 4, flat, LAYOUT.conv1w.offset, g, LAYOUT.conv1w.offset, LAYOUT.conv1b.offset, null);
  return { grad: g, loss: -Math.log(t.prob[label]!) };
}

function poolBack(dout: Float64Array, act: Float64Array, sw: Int32Array, C: number, inS: number, kind: Pool): Float64Array {
  const din = new Float64Array(C * inS * inS);
  const outS = inS / 2;
  for (let ch = 0; ch < C; ch++) {
    for (let y = 0; y < outS; y++) {
      for (let x = 0; x < outS; x++) {
        const o = (ch * outS + y) * outS + x;
        if (kind === 'avg') {
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) din[(ch * inS + 2 * y + dy) * inS + 2 * x + dx]! += dout[o]! / 4;
        } else {
          din[sw[o]!]! += dout[o]!;
        }
      }
    }
  }
  for (let i = 0; i < din.length; i++) if (!(act[i]! > 0)) din[i] = 0; // ReLU'(0) = 0
  return din;
}

function convBack(dout: Float64Array, input: Float64Array, inC: number, inS: number, outC: number,
  flat: ArrayLike<number>, wOff: number, g: Float64Array, gwOff: number, gbOff: number, din: Float64Array | null): void {
  const outS = inS - 4;
  for (let o = 0; o < outC; o++) {
    for (let y = 0; y < outS; y++) {
      for (let x = 0; x < outS; x++) {
        const d = dout[(o * outS + y) * outS + x]!;
        if (d === 0) continue;
        g[gbOff + o]! += d;
        for (let i = 0; i < inC; i++) {
          for (let r = 0; r < 5; r++) {
            for (let c = 0; c < 5; c++) {
              const wi = ((o * inC + i) * 5 + r) * 5 + c;
              const xi = (i * inS + y + r) * inS + x + c;
              g[gwOff + wi]! += d * input[xi]!;
              if (din) din[xi]! += flat[wOff + wi]! * d;
            }
          }
        }
      }
    }
  }
}

/** θ − lr·mean(∇) over the given samples (one SGD step on one mini-batch). */
export function referenceStep(flat: ArrayLike<number>, images: Uint8Array, labels: Uint8Array, indices: number[],
  lr: number, kind: Pool): Float64Array {
  const sum = new Float64Array(PARAM_COUNT);
  const img = new Float64Array(784);
  for (const n of indices) {
    for (let i = 0; i < 784; i++) img[i] = images[n * 784 + i]! / 255;
    const { grad } = referenceGradient(flat, img, labels[n]!, kind);
    for (let i = 0; i < PARAM_COUNT; i++) sum[i]! += grad[i]!;
  }
  const out = new Float64Array(PARAM_COUNT);
  for (let i = 0; i < PARAM_COUNT; i++) out[i] = flat[i]! - lr * (sum[i]! / indices.length);
  return out;
}

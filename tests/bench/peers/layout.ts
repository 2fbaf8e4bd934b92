// The handout network's parameters as cnnlab exchanges them: ONE flat Float32Array
// of 6070 floats in PyTorch state_dict order and shapes.
//
//   conv1.weight [4,1,5,5]  (out,in,row,col)     100
//   conv1.bias   [4]                               4
//   conv2.weight [6,4,5,5]                       600
//   conv2.bias   [6]                               6
//   fc1.weight   [50,96]    (out,in)            4800   in = map*16 + row*4 + col (NCHW flatten)
//   fc1.bias     [50]                             50
//   fc2.weight   [10,50]                         500
//   fc2.bias     [10]                             10
//                                          total 6070

export const PARAM_COUNT = 6070;

/** What every peer offers the benchmark. Weights in and out are in the flat layout above. */
export interface TrainablePeer {
  name: string;
  batch: number;
  paramCount(): number;
  trainSamples(images: Uint8Array, labels: Uint8Array, indices: number[]): Promise<void>;
  predict(image784: Float32Array): Float32Array;
  getFlatWeights(): Float32Array;
  dispose(): void;
}

export const LAYOUT = {
  conv1w: { offset: 0, shape: [4, 1, 5, 5] },
  conv1b: { offset: 100, shape: [4] },
  conv2w: { offset: 104, shape: [6, 4, 5, 5] },
  conv2b: { offset: 704, shape: [6] },
  fc1w: { offset: 710, shape: [50, 96] },
  fc1b: { offset: 5510, shape: [50] },
  fc2w: { offset: 5560, shape: [10, 50] },
  fc2b: { offset: 6060, shape: [10] },
} as const;

export type ParamName = keyof typeof LAYOUT;
export const PARAM_NAMES = Object.keys(LAYOUT) as ParamName[];

export function sizeOf(name: ParamName): number {
  return (LAYOUT[name].shape as readonly number[]).reduce((a, b) => a * b, 1);
}

/** A view (no copy) of one parameter inside a flat buffer. */
export function slice<T extends Float32Array | Float64Array>(flat: T, name: ParamName): T {
  const { offset } = LAYOUT[name];
  return flat.subarray(offset, offset + sizeOf(name)) as T;
}

export function checkFlat(flat: ArrayLike<number>): void {
  if (flat.length !== PARAM_COUNT) {
    throw new Error(`expected ${PARAM_COUNT} parameters, got ${flat.length}`);
  }
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Stand-in for cnnlab's initial weights until its module exists: Glorot-uniform
 * weights (limit √(6/(fan_in+fan_out)), conv fans = channels·5·5), zero biases.
 */
export function glorotFlat(seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const flat = new Float32Array(PARAM_COUNT);
  const fill = (name: ParamName, fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = slice(flat, name);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rnd() - 1) * limit;
  };
  fill('conv1w', 1 * 25, 4 * 25);
  fill('conv2w', 4 * 25, 6 * 25);
  fill('fc1w', 96, 50);
  fill('fc2w', 50, 10);
  return flat;
}

/** A deterministic permutation of 0..n-1 (Fisher–Yates on mulberry32). */
export function shuffledOrder(n: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

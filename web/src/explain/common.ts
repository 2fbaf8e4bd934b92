// Pieces every explanation uses: slices of tensors as maps, f and f′ as the core
// computes them (cpp/layers/activation.cpp), index arithmetic written in TeX.
import type { Activation, Tensor } from '../core/types';
import type { FPrime, MapView, Rect } from './types';
import { layoutOf, type TensorKey } from './tensors';

/** Slice `slice` of a tensor seen as rows×cols maps (no copy). */
export function sliceOf(t: Tensor, slice: number, rows: number, cols: number): Float32Array {
  const n = rows * cols;
  return t.data.subarray(slice * n, slice * n + n);
}

/** A map of the picture: slice `slice` of the tensor (as laid out by layoutOf) with its marks. */
export function mapOf(
  t: Tensor,
  key: TensorKey | null,
  slice: number,
  tex: string,
  extra: { window?: Rect; marks?: MapView['marks']; pad?: number; rows?: number; cols?: number } = {},
): MapView {
  const layout = layoutOf(t.shape);
  const rows = extra.rows ?? layout.rows;
  const cols = extra.cols ?? layout.cols;
  const view: MapView = { key, slice, tex, rows, cols, data: sliceOf(t, slice, rows, cols) };
  if (extra.window) view.window = extra.window;
  if (extra.marks) view.marks = extra.marks;
  if (extra.pad) view.pad = extra.pad;
  return view;
}

/** f as the forward pass applies it. */
export function activate(f: Activation, z: number): number {
  if (f === 'relu') return z > 0 ? z : 0;
  if (f === 'tanh') return Math.tanh(z);
  return 1 / (1 + Math.exp(-z));
}

/** f′ as the backward pass computes it: from z for ReLU (ReLU′(0) = 0), from f(z) for tanh and sigmoid. */
export function fPrime(f: Activation, z: number, fz: number): FPrime {
  const value = f === 'relu' ? (z > 0 ? 1 : 0) : f === 'tanh' ? 1 - fz * fz : fz * (1 - fz);
  return { activation: f, z, fz, value };
}

export const F_TEX: Record<Activation, string> = {
  relu: '\\operatorname{ReLU}',
  tanh: '\\tanh',
  sigmoid: '\\sigma',
};
export const F_TEXT: Record<Activation, string> = { relu: 'ReLU', tanh: 'tanh', sigmoid: 'sigmoid' };

/** f′(z) written out for this f: "1 (z > 0)", "1 − f(z)²", "f(z)(1 − f(z))". */
export function fPrimeTex(p: FPrime): string {
  if (p.activation === 'relu') return p.z > 0 ? `1 \\;\\;(z > 0)` : `0 \\;\\;(z \\le 0)`;
  if (p.activation === 'tanh') return `1 - \\tanh^2 z`;
  return `\\sigma(z)\\,(1 - \\sigma(z))`;
}

/** "i+u−1" written for a known i: base − 1 + u, e.g. "4+u", "u", in TeX. */
export function plus(base: number, letter: string): string {
  return base === 0 ? letter : base > 0 ? `${base}+${letter}` : `${letter}${base}`;
}

/** "2i−u" for a known i: "6-u". */
export function minus(base: number, letter: string): string {
  return `${base}-${letter}`;
}

/** Σ in double precision. */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k]!;
  return s;
}

/** The index of the largest of four (first on ties), as cpp/layers/pool.cpp selects it. */
/** The 2×2 block of C that pooled cell (i, j) reads, 1-based: C(2i−u, 2j−v), u, v ∈ {0, 1}, in reading order. */
export function poolBlock(i: number, j: number): [number, number][] {
  return [
    [2 * i - 1, 2 * j - 1],
    [2 * i - 1, 2 * j],
    [2 * i, 2 * j - 1],
    [2 * i, 2 * j],
  ];
}

export function argmax4(block: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < 4; k++) if (block[k]! > block[best]!) best = k;
  return best;
}

// What an explanation of one value holds: the handout's equation for that cell with
// its indices and numbers filled in (TeX), the operands it was recomputed from, and
// the pictures of where they come from. Pure data: ui/explain-view.ts draws it.
import type { Activation, Pooling } from '../core/types';
import type { CellRef, TensorKey } from './tensors';

/** A rectangle of a map, 1-based and inclusive: rows row..row+rows−1. May reach outside the map (zero padding). */
export interface Rect {
  row: number;
  col: number;
  rows: number;
  cols: number;
}

/** A 2-D map to draw, with what to outline. */
export interface MapView {
  /** The tensor it is a slice of, and the slice (0-based): a click on it selects there. */
  key: TensorKey | null;
  slice: number;
  /** Its name (TeX). */
  tex: string;
  rows: number;
  cols: number;
  /** rows×cols values, row-major. */
  data: Float32Array;
  /** The window that feeds the value (outlined). */
  window?: Rect;
  /** Single cells to mark, 1-based: the value itself, or the arg-max of a max-pooling block. */
  marks?: { row: number; col: number; kind: 'cell' | 'chosen' }[];
  /** Shown zero-padded by this many cells on each side (the full convolution). */
  pad?: number;
}

/** One input map's share of a convolution: window ⊙ kernel = products, summed. */
export interface ConvGroup {
  source: MapView;
  /** The window's values (0 where it lies in the zero padding), row-major. */
  window: number[];
  /** Where the window lies outside the map. */
  outside: boolean[];
  /** The kernel as it multiplies the window (turned 180° for the full convolution). */
  kernel: number[];
  kernelTex: string;
  products: number[];
  sum: number;
  /** The rows × cols of the window and kernel (5 × 5). */
  size: number;
}

export interface DenseTerm {
  /** 0-based index of the input. */
  index: number;
  weight: number;
  input: number;
  product: number;
  weightTex: string;
  inputTex: string;
}

export interface FPrime {
  activation: Activation;
  /** The pre-activation z, and f(z) (the core's f′ for tanh and sigmoid uses f(z)). */
  z: number;
  fz: number;
  /** f′(z) as the core computes it. */
  value: number;
}

export type Picture =
  | {
      kind: 'conv';
      /** The output map with the value marked. */
      output: MapView;
      groups: ConvGroup[];
      /** Σ of all products. */
      sum: number;
      bias: { tex: string; value: number } | null;
      /** Σ + b (before f). */
      pre: number;
      /** f, when the value is after the activation. */
      activation: Activation | null;
      /** A full convolution (δC_P¹): windows over the zero-padded δC², kernels turned 180°. */
      full: boolean;
    }
  | {
      kind: 'pool';
      pooling: Pooling;
      source: MapView;
      output: MapView;
      /** The 2×2 block, row-major, and the names of its cells. */
      block: number[];
      blockTex: string[];
      /** Max pooling: which of the four (0..3, first on ties) is the max. */
      chosen: number | null;
    }
  | {
      kind: 'dense';
      /** The largest products by |value|, largest first (at most ten). */
      terms: DenseTerm[];
      /** The other products, summed. */
      rest: { count: number; sum: number };
      count: number;
      sum: number;
      bias: { tex: string; value: number } | null;
      pre: number;
      activation: Activation | null;
      /** δ₁: the sum is multiplied by f′(z₁). */
      fprime: FPrime | null;
      /** The term of a selected weight (W₁ or W₂), whether or not it is among the largest. */
      highlight: DenseTerm | null;
      /** The unit's value: f(Σ + b), Σ + b, or Σ·f′ (a weight's explanation shows the unit it feeds). */
      result: number;
      /** The weights as pictures (W₁ row as 6 maps of 4×4) beside the inputs, when they are maps. */
      weightMaps: MapView[];
      inputMaps: MapView[];
      /** Names for the sum's pieces. */
      weightName: string;
      inputName: string;
    }
  | {
      kind: 'softmax';
      logits: number[];
      /** exp(z − max z) of each digit, and their sum. */
      exps: number[];
      max: number;
      sumExp: number;
      digit: number;
    }
  | { kind: 'difference'; digit: number; label: number; s: number; y: number }
  | { kind: 'product'; a: { tex: string; value: number }; b: { tex: string; value: number } }
  | { kind: 'copy'; from: { tex: string; value: number }; source: MapView | null }
  | {
      kind: 'pool-back';
      pooling: Pooling;
      /** δ of the pooled map, with the block's entry marked. */
      upstream: MapView;
      upstreamValue: number;
      /** The forward map (after f) with the 2×2 block outlined and the arg-max marked. */
      forward: MapView;
      /** ¼, or 1 / 0 at / off the arg-max. */
      share: number;
      fprime: FPrime;
      output: MapView;
    }
  | {
      kind: 'kernel-grad';
      /** The input map with the shifted window outlined. */
      input: MapView;
      /** That window on its own (the input shifted by (u−1, v−1)). */
      shifted: MapView;
      /** The δ map (all of it is used). */
      delta: MapView;
      /** δ ⊙ shifted input. */
      products: MapView;
      /** The kernel gradient with (u,v) marked. */
      kernel: MapView;
    }
  | { kind: 'bias-grad'; delta: MapView; count: number; nonzero: number }
  | {
      kind: 'param';
      /** The tensor's map with the value marked (I, a kernel). */
      map: MapView;
      /** For a kernel: the handout's picture, turned 180°, with the same value marked. */
      turned: MapView | null;
      /** What the value is, in words (plain text). */
      notes: string[];
    };

export interface Explanation {
  cell: CellRef;
  /** The value's name (TeX and Unicode) and its words for a screen reader. */
  tex: string;
  text: string;
  words: string;
  /** The core's value at this cell. */
  value: number;
  /** The value recomputed here from the operands the picture shows. */
  recomputed: number;
  /** Display-style TeX lines: the equation with the indices filled in, then with the numbers. */
  lines: string[];
  /** The handout's own form of the equation (TeX), where its indexing differs from the page's. */
  handout: string | null;
  /** The handout page. */
  page: string;
  /** The computation in words (screen readers): "C¹ map 2 … equals ReLU of … = 0.43". */
  sentence: string;
  picture: Picture;
}

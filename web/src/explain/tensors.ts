// Which tensor a value belongs to, where it sits in it, and what the page calls it.
// Pure (no DOM): the explanation modules, the views and the tests share it.
//
// Index convention of the page (stated once at the top of "Inside the network"):
// every index counts from 1 — rows i, columns j of a map, kernel rows and columns
// u, v = 1..5, map numbers m, n, hidden units i, flatten entries k — except the
// ten outputs, which are named by their digit d = 0..9. Kernels are shown and
// applied as stored (cross-correlation):
//   C¹ₘ(i,j) = f( Σ_{u=1}^{5} Σ_{v=1}^{5} I(i+u−1, j+v−1)·K¹ₘ(u,v) + b¹ₘ ),  i,j = 1..24.
// The handout (p. 2) writes a true convolution Σ_{u,v=−2}^{2} I(i−u, j−v)·K(u,v)
// centred on I(i+2, j+2) (reading 4); its K(u,v) is the page's K(3−u, 3−v), the
// same kernel turned 180° (reading 3, cpp/kernels/conv5x5.h).
import type { DeltaName, ForwardName, NetworkSnapshot, ParamName, Tensor, TraceResult } from '../core/types';

/** The tensors of one forward pass, as the network view gets them. */
export type ForwardSource = NetworkSnapshot;
/** One sample's forward and backward pass (a trace): every δ and Δθ, and the label Y. */
export type BackwardSource = NetworkSnapshot & Pick<TraceResult, 'deltas' | 'grads'> & { label: number };

/** A tensor of a trace, named after the field that holds it. */
export type TensorKey = 'input' | `forward:${ForwardName}` | `param:${ParamName}` | `delta:${DeltaName}` | `grad:${ParamName}`;

/** One value: a tensor and the flat (row-major, 0-based) index of the value in it. */
export interface CellRef {
  key: TensorKey;
  index: number;
}

/**
 * The tensor as a stack of 2-D slices: index = slice·rows·cols + row·cols + col (all
 * 0-based). Maps [M][H][W] are M slices; kernels [N][M][5][5] are N·M slices (slice
 * n·M + m); vectors are one 1×L slice; W₁, W₂ one rows×cols slice.
 */
export interface Layout {
  slices: number;
  rows: number;
  cols: number;
}

export function tensorOf(source: ForwardSource | BackwardSource, key: TensorKey): Tensor {
  if (key === 'input') return source.input;
  const [kind, name] = key.split(':') as [string, string];
  const table =
    kind === 'forward' ? source.forward : kind === 'param' ? source.params : kind === 'delta' ? (source as BackwardSource).deltas : (source as BackwardSource).grads;
  const t = (table as Record<string, Tensor> | undefined)?.[name];
  if (!t) throw new Error(`no tensor ${key} in this source`);
  return t;
}

export function layoutOf(shape: readonly number[]): Layout {
  if (shape.length <= 1) return { slices: 1, rows: 1, cols: shape[0] ?? 1 };
  const rows = shape[shape.length - 2]!;
  const cols = shape[shape.length - 1]!;
  const slices = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { slices, rows, cols };
}

/** slice, row, col (0-based) of a flat index. */
export function position(layout: Layout, index: number): { slice: number; row: number; col: number } {
  const per = layout.rows * layout.cols;
  const slice = Math.floor(index / per);
  const rest = index - slice * per;
  return { slice, row: Math.floor(rest / layout.cols), col: rest % layout.cols };
}

export function flatIndex(layout: Layout, slice: number, row: number, col: number): number {
  return (slice * layout.rows + row) * layout.cols + col;
}

// ---- names ---------------------------------------------------------------------

/** How the page writes a tensor's values: TeX with {placeholders} for the indices. */
interface Naming {
  /** TeX of a value, from its 1-based indices (or the digit). */
  tex(p: Named): string;
  /** Unicode of a value, for titles and tooltips. */
  text(p: Named): string;
  /** Words for a screen reader: "C¹ map 2, row 5, column 7". */
  words(p: Named): string;
  /** The tensor's name (TeX) and the handout page it is on. */
  symbol: string;
  page: string;
}

/** A value's indices in the page's convention (1-based; d is a digit 0..9). */
export interface Named {
  /** Map (or output map n of a K² kernel) — 1-based. */
  map: number;
  /** Input map m of a K² kernel — 1-based. */
  from: number;
  /** Row and column, 1-based (for vectors: row 1, col = the entry, 1-based; digits: col − 1). */
  row: number;
  col: number;
}

const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sub = (n: number): string => [...String(n)].map((d) => SUB[Number(d)]).join('');

const at = (p: Named) => `(${p.row},${p.col})`;
const atText = (p: Named) => `(${p.row}, ${p.col})`;
const mapWords = (name: string, p: Named) => `${name} map ${p.map}, row ${p.row}, column ${p.col}`;
const kernelWords = (name: string, p: Named) => `${name} entry row ${p.row}, column ${p.col}`;
const digit = (p: Named) => p.col - 1;

function mapNaming(tex: string, text: string, words: string, page: string, after = '', afterText = ''): Naming {
  return {
    symbol: tex.replace('{m}', 'm').replace('{n}', 'n'),
    page,
    tex: (p) => `${tex.replace(/\{[mn]\}/, `{${p.map}}`)}${at(p)}${after}`,
    text: (p) => `${text}${sub(p.map)}${atText(p)}${afterText}`,
    words: (p) => mapWords(words, p) + (afterText ? `,${afterText}` : ''),
  };
}

function vectorNaming(tex: string, text: string, words: string, unit: 'unit' | 'digit' | 'entry', page: string, after = '', afterText = ''): Naming {
  const idx = (p: Named) => (unit === 'digit' ? digit(p) : p.col);
  return {
    symbol: tex,
    page,
    tex: (p) => `${tex}(${idx(p)})${after}`,
    text: (p) => `${text}(${idx(p)})${afterText}`,
    words: (p) => `${words} ${unit} ${idx(p)}${afterText ? `,${afterText}` : ''}`,
  };
}

function matrixNaming(tex: string, text: string, rowDigit: boolean, page: string): Naming {
  const r = (p: Named) => (rowDigit ? p.row - 1 : p.row);
  return {
    symbol: tex,
    page,
    tex: (p) => `${tex}(${r(p)},${p.col})`,
    text: (p) => `${text}(${r(p)}, ${p.col})`,
    words: (p) => `${text} row ${r(p)}${rowDigit ? ' (digit)' : ''}, column ${p.col}`,
  };
}

const KERNEL1: Naming = {
  symbol: 'K^1_m',
  page: 'p. 2',
  tex: (p) => `K^1_{${p.map}}${at(p)}`,
  text: (p) => `K¹${sub(p.map)}${atText(p)}`,
  words: (p) => kernelWords(`K¹ kernel ${p.map},`, p),
};
const KERNEL2: Naming = {
  symbol: 'K^2_{m,n}',
  page: 'p. 3',
  tex: (p) => `K^2_{${p.from},${p.map}}${at(p)}`,
  text: (p) => `K²${sub(p.from)},${sub(p.map)}${atText(p)}`,
  words: (p) => kernelWords(`K² from C_P¹ map ${p.from} to C² map ${p.map},`, p),
};
const D_KERNEL1: Naming = { ...KERNEL1, symbol: '\\Delta K^1_m', page: 'p. 5', tex: (p) => `\\Delta ${KERNEL1.tex(p)}`, text: (p) => `Δ${KERNEL1.text(p)}`, words: (p) => `Δ${KERNEL1.words(p)}` };
const D_KERNEL2: Naming = { ...KERNEL2, symbol: '\\Delta K^2_{m,n}', page: 'p. 4', tex: (p) => `\\Delta ${KERNEL2.tex(p)}`, text: (p) => `Δ${KERNEL2.text(p)}`, words: (p) => `Δ${KERNEL2.words(p)}` };

function biasNaming(tex: string, text: string, words: string, page: string): Naming {
  return {
    symbol: tex,
    page,
    tex: (p) => `${tex}_{${p.col}}`,
    text: (p) => `${text}${sub(p.col)}`,
    words: (p) => `${words} of map ${p.col}`,
  };
}

const NAMING: Record<TensorKey, Naming> = {
  input: {
    symbol: 'I',
    page: 'p. 2',
    tex: (p) => `I${at(p)}`,
    text: (p) => `I${atText(p)}`,
    words: (p) => `I, row ${p.row}, column ${p.col}`,
  },
  'param:conv1.weight': KERNEL1,
  'param:conv1.bias': biasNaming('b^1', 'b¹', 'b¹', 'p. 2'),
  'param:conv2.weight': KERNEL2,
  'param:conv2.bias': biasNaming('b^2', 'b²', 'b²', 'p. 3'),
  'param:fc1.weight': matrixNaming('W_1', 'W₁', false, 'p. 3'),
  'param:fc1.bias': vectorNaming('b_1', 'b₁', 'b₁', 'unit', 'p. 3'),
  'param:fc2.weight': matrixNaming('W_2', 'W₂', true, 'p. 3'),
  'param:fc2.bias': vectorNaming('b_2', 'b₂', 'b₂', 'digit', 'p. 3'),
  'forward:conv1_pre': mapNaming('C^1_{m}', 'C¹', 'C¹ before f,', 'p. 2', '\\big|_{\\text{before } f}', ' before f'),
  'forward:conv1': mapNaming('C^1_{m}', 'C¹', 'C¹', 'p. 2'),
  'forward:pool1': mapNaming('C^1_{P,{m}}', 'C¹ₚ,', 'C_P¹', 'p. 2'),
  'forward:conv2_pre': mapNaming('C^2_{n}', 'C²', 'C² before f,', 'p. 3', '\\big|_{\\text{before } f}', ' before f'),
  'forward:conv2': mapNaming('C^2_{n}', 'C²', 'C²', 'p. 3'),
  'forward:pool2': mapNaming('C^2_{P,{n}}', 'C²ₚ,', 'C_P²', 'p. 3'),
  'forward:flatten': vectorNaming('\\mathrm{flatten}', 'flatten', 'flatten', 'entry', 'p. 3'),
  'forward:fc1_pre': vectorNaming('a_1', 'a₁', 'a₁ before f,', 'unit', 'p. 3', '\\big|_{\\text{before } f}', ' before f'),
  'forward:fc1': vectorNaming('a_1', 'a₁', 'a₁', 'unit', 'p. 3'),
  'forward:logits': vectorNaming('z', 'z', 'the logit z of', 'digit', 'p. 3'),
  'forward:probs': vectorNaming('S', 'S', 'S', 'digit', 'p. 3'),
  'delta:delta_out': vectorNaming('\\delta', 'δ', 'δ', 'digit', 'p. 4'),
  'delta:delta_a1': vectorNaming('(W_2^{T}\\delta)', '(W₂ᵀδ)', 'W₂ᵀδ', 'unit', 'p. 4'),
  'delta:delta1': vectorNaming('\\delta_1', 'δ₁', 'δ₁', 'unit', 'p. 4'),
  'delta:delta_flatten': vectorNaming('\\delta_{\\mathrm{flatten}}', 'δ_flatten', 'δ flatten', 'entry', 'p. 4'),
  'delta:delta_conv2_out': mapNaming('\\delta C^2_{n}', 'δC²', 'δC² before f′,', 'p. 4', '\\big|_{\\text{before } f\'}', ' before ·f′'),
  'delta:delta_conv2': mapNaming('\\delta C^2_{n}', 'δC²', 'δC²', 'p. 4'),
  'delta:delta_pool1': mapNaming('\\delta C^1_{P,{m}}', 'δC¹ₚ,', 'δC_P¹', 'p. 5'),
  'delta:delta_conv1_out': mapNaming('\\delta C^1_{m}', 'δC¹', 'δC¹ before f′,', 'p. 5', '\\big|_{\\text{before } f\'}', ' before ·f′'),
  'delta:delta_conv1': mapNaming('\\delta C^1_{m}', 'δC¹', 'δC¹', 'p. 5'),
  'grad:conv1.weight': D_KERNEL1,
  'grad:conv1.bias': biasNaming('\\Delta b^1', 'Δb¹', 'Δb¹', 'p. 5'),
  'grad:conv2.weight': D_KERNEL2,
  'grad:conv2.bias': biasNaming('\\Delta b^2', 'Δb²', 'Δb²', 'p. 5'),
  'grad:fc1.weight': matrixNaming('\\Delta W_1', 'ΔW₁', false, 'p. 4'),
  'grad:fc1.bias': vectorNaming('\\Delta b_1', 'Δb₁', 'Δb₁', 'unit', 'p. 4'),
  'grad:fc2.weight': matrixNaming('\\Delta W_2', 'ΔW₂', true, 'p. 4'),
  'grad:fc2.bias': vectorNaming('\\Delta b_2', 'Δb₂', 'Δb₂', 'digit', 'p. 4'),
};

/** The indices of a value in the page's convention. `shape` is its tensor's shape. */
export function named(key: TensorKey, shape: readonly number[], index: number): Named {
  const layout = layoutOf(shape);
  const { slice, row, col } = position(layout, index);
  if (key === 'param:conv2.weight' || key === 'grad:conv2.weight') {
    const maps1 = shape[1]!;
    return { map: Math.floor(slice / maps1) + 1, from: (slice % maps1) + 1, row: row + 1, col: col + 1 };
  }
  return { map: slice + 1, from: 0, row: row + 1, col: col + 1 };
}

export interface CellName {
  /** TeX, e.g. C^1_{2}(5,7). */
  tex: string;
  /** Unicode, e.g. C¹₂(5, 7). */
  text: string;
  /** "C¹ map 2, row 5, column 7". */
  words: string;
  /** The 1-based indices. */
  at: Named;
}

export function cellName(key: TensorKey, shape: readonly number[], index: number): CellName {
  const p = named(key, shape, index);
  const n = NAMING[key];
  return { tex: n.tex(p), text: n.text(p), words: n.words(p), at: p };
}

/** The tensor's symbol (TeX) and the handout page of its equation. */
export function symbolOf(key: TensorKey): { tex: string; page: string } {
  const n = NAMING[key];
  return { tex: n.symbol, page: n.page };
}

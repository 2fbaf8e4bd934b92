// Explanations of the backward pass (handout pp. 4–5) for one sample's trace: every
// δ and Δθ with its equation, indices and numbers filled in, recomputed from the
// operands shown. Indices are the page's (tensors.ts): 1-based, kernels as applied,
// so the handout's ΔK(u,v) = Σᵢⱼ δ(i,j)·in(i−u, j−v) (centred u,v, true convolution)
// reads ΔK(u,v) = Σᵢⱼ δ(i,j)·in(i+u−1, j+v−1) here.
import type { Tensor } from '../core/types';
import { argmax4, fPrime, fPrimeTex, mapOf, plus, poolBlock, sliceOf, sum } from './common';
import { TOP_TERMS } from './forward';
import { texFactor, texNum, texPlus, textNum } from './numbers';
import { cellName, layoutOf, position, tensorOf, type BackwardSource, type TensorKey } from './tensors';
import type { ConvGroup, DenseTerm, Explanation, FPrime, MapView } from './types';

function base(source: BackwardSource, key: TensorKey, index: number): { t: Tensor; value: number; tex: string; text: string; words: string } {
  const t = tensorOf(source, key);
  const name = cellName(key, t.shape, index);
  return { t, value: t.data[index]!, tex: name.tex, text: name.text, words: name.words };
}

// ---- the output layer ------------------------------------------------------------

/** δ(d) = S(d) − Y(d) (p. 4). */
export function explainDeltaOut(source: BackwardSource, index: number): Explanation {
  const key = 'delta:delta_out';
  const { value, tex, text, words } = base(source, key, index);
  const s = source.forward.probs.data[index]!;
  const y = index === source.label ? 1 : 0;
  const recomputed = s - y;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines: [`${tex} = S(${index}) - Y(${index}) = ${texNum(s)} - ${y} = ${texNum(recomputed)}`],
    handout: `\\delta = S - Y`,
    page: 'p. 4',
    sentence: `${words} = S of ${index}, ${textNum(s)}, minus Y of ${index}, which is ${y} because the true label is ${source.label}: ${textNum(recomputed)}.`,
    picture: { kind: 'difference', digit: index, label: source.label, s, y },
  };
}

/** ΔW₂(d,i) = δ(d)·a₁(i) and ΔW₁(i,k) = δ₁(i)·flatten(k) (p. 4). */
export function explainWeightGrad(source: BackwardSource, key: 'grad:fc2.weight' | 'grad:fc1.weight', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const cols = t.shape[1]!;
  const row = Math.floor(index / cols);
  const col = index % cols;
  const out = key === 'grad:fc2.weight';
  const a = out
    ? { tex: `\\delta(${row})`, value: source.deltas.delta_out.data[row]!, words: `δ of digit ${row}` }
    : { tex: `\\delta_1(${row + 1})`, value: source.deltas.delta1.data[row]!, words: `δ₁ of unit ${row + 1}` };
  const b = out
    ? { tex: `a_1(${col + 1})`, value: source.forward.fc1.data[col]!, words: `a₁ of unit ${col + 1}` }
    : { tex: `\\mathrm{flatten}(${col + 1})`, value: source.forward.flatten.data[col]!, words: `flatten entry ${col + 1}` };
  const recomputed = a.value * b.value;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines: [`${tex} = ${a.tex}\\,${b.tex} = ${texFactor(a.value)}\\cdot${texFactor(b.value)} = ${texNum(recomputed)}`],
    handout: out ? `\\Delta W_2 = \\delta \\times a_1^{T}` : `\\Delta W_1 = \\delta_1 \\times \\mathrm{flatten}^{T}`,
    page: 'p. 4',
    sentence: `${words} = ${a.words}, ${textNum(a.value)}, times ${b.words}, ${textNum(b.value)}: ${textNum(recomputed)}.`,
    picture: { kind: 'product', a: { tex: a.tex, value: a.value }, b: { tex: b.tex, value: b.value } },
  };
}

/** Δb₂(d) = δ(d), Δb₁(i) = δ₁(i) (p. 4). */
export function explainDenseBiasGrad(source: BackwardSource, key: 'grad:fc2.bias' | 'grad:fc1.bias', index: number): Explanation {
  const { value, tex, text, words } = base(source, key, index);
  const out = key === 'grad:fc2.bias';
  const from = out ? { tex: `\\delta(${index})`, value: source.deltas.delta_out.data[index]! } : { tex: `\\delta_1(${index + 1})`, value: source.deltas.delta1.data[index]! };
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed: from.value,
    lines: [`${tex} = ${from.tex} = ${texNum(from.value)}`],
    handout: out ? `\\Delta b_2 = \\delta` : `\\Delta b_1 = \\delta_1`,
    page: 'p. 4',
    sentence: `${words} = ${out ? `δ of digit ${index}` : `δ₁ of unit ${index + 1}`}: ${textNum(from.value)}. A bias is added with weight 1, so its gradient is the δ itself.`,
    picture: { kind: 'copy', from, source: null },
  };
}

// ---- back through the dense layers: δ₁, δ_flatten ----------------------------------

/** Terms W(o, col)·δ(o) over the rows o of W: a column of W against δ (Wᵀδ). */
function columnTerms(W: Tensor, col: number, delta: Float32Array, weightTex: (o: number) => string, deltaTex: (o: number) => string): DenseTerm[] {
  const [rows, cols] = W.shape as [number, number];
  const all: DenseTerm[] = [];
  for (let o = 0; o < rows; o++) {
    const weight = W.data[o * cols + col]!;
    const input = delta[o]!;
    all.push({ index: o, weight, input, product: weight * input, weightTex: weightTex(o), inputTex: deltaTex(o) });
  }
  return all;
}

function byMagnitude(all: DenseTerm[]): DenseTerm[] {
  return [...all].sort((a, b) => Math.abs(b.product) - Math.abs(a.product) || a.index - b.index);
}

/** δ₁(i) = (W₂ᵀδ)(i)·f′(z₁(i)) and δ_flatten(k) = (W₁ᵀδ₁)(k) (p. 4). */
export function explainTransposed(source: BackwardSource, key: 'delta:delta1' | 'delta:delta_flatten', index: number): Explanation {
  const { value, tex, text, words } = base(source, key, index);
  const hidden = key === 'delta:delta1';
  const all = hidden
    ? columnTerms(source.params['fc2.weight'], index, source.deltas.delta_out.data, (d) => `W_2(${d},${index + 1})`, (d) => `\\delta(${d})`)
    : columnTerms(source.params['fc1.weight'], index, source.deltas.delta1.data, (i) => `W_1(${i + 1},${index + 1})`, (i) => `\\delta_1(${i + 1})`);
  const sorted = byMagnitude(all);
  const terms = sorted.slice(0, TOP_TERMS);
  const restTerms = sorted.slice(TOP_TERMS);
  const total = sum(all.map((t) => t.product));
  const count = all.length;
  const under = `\\underbrace{${texNum(total)}}_{\\Sigma\\text{ of ${count} products}}`;
  let fp: FPrime | null = null;
  let recomputed = total;
  let lines: string[];
  let sentence: string;
  if (hidden) {
    fp = fPrime(source.config.activation, source.forward.fc1_pre.data[index]!, source.forward.fc1.data[index]!);
    recomputed = total * fp.value;
    lines = [
      `${tex} = \\Big(\\sum_{d=0}^{${count - 1}} W_2(d,${index + 1})\\,\\delta(d)\\Big)\\cdot f'(z), \\qquad z = a_1(${index + 1})\\big|_{\\text{before } f} = ${texNum(fp.z)}`,
      `= ${under}\\cdot \\underbrace{${texNum(fp.value)}}_{f'(z) = ${fPrimeTex(fp)}} = ${texNum(recomputed)}`,
    ];
    sentence = `${words} = the sum over the ten digits of W₂ times δ, ${textNum(total)}, times f′ of a₁ unit ${index + 1} before f (${textNum(fp.z)}), which is ${textNum(fp.value)}: ${textNum(recomputed)}.`;
  } else {
    const pl = layoutOf(source.forward.pool2.shape);
    const per = pl.rows * pl.cols;
    const at = `\\delta C^2_{P,${Math.floor(index / per) + 1}}(${Math.floor((index % per) / pl.cols) + 1},${(index % pl.cols) + 1})`;
    lines = [`${tex} = \\sum_{i=1}^{${count}} W_1(i,${index + 1})\\,\\delta_1(i)`, `= ${under} = ${texNum(recomputed)} \\;=\\; ${at} \\text{ (reshaped)}`];
    sentence = `${words} = the sum over the ${count} hidden units of W₁ times δ₁: ${textNum(recomputed)}. Reshaped, it is the δ of C_P² map ${Math.floor(index / per) + 1}.`;
  }
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines,
    handout: hidden ? `\\delta_1 = W_2^{T}\\,\\delta \\times f'` : `\\delta_{\\mathrm{flatten}} = W_1^{T} \\times \\delta_1`,
    page: 'p. 4',
    sentence,
    picture: {
      kind: 'dense',
      terms,
      rest: { count: restTerms.length, sum: sum(restTerms.map((t) => t.product)) },
      count,
      sum: total,
      bias: null,
      pre: total,
      activation: null,
      fprime: fp,
      result: recomputed,
      highlight: null,
      weightMaps: [],
      inputMaps: [],
      weightName: hidden ? 'W₂ᵀ' : 'W₁ᵀ',
      inputName: hidden ? 'δ' : 'δ₁',
    },
  };
}

// ---- back through pooling and f: δC², δC¹ -------------------------------------------

/** δC(i,j) = ¼·δC_P(⌈i/2⌉, ⌈j/2⌉)·f′(z), or all of it at the block's arg-max (p. 4, p. 5, reading 6). */
export function explainPoolBack(source: BackwardSource, key: 'delta:delta_conv2' | 'delta:delta_conv1', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const layer = key === 'delta:delta_conv2' ? 2 : 1;
  const fwd = source.forward[layer === 2 ? 'conv2' : 'conv1'];
  const pre = source.forward[layer === 2 ? 'conv2_pre' : 'conv1_pre'];
  const L = layoutOf(t.shape);
  const { slice: n, row: y, col: x } = position(L, index);
  const i = y + 1;
  const j = x + 1;
  const pi = Math.ceil(i / 2);
  const pj = Math.ceil(j / 2);
  const pooledRows = L.rows / 2;
  const pooledCols = L.cols / 2;
  const upstreamTensor = layer === 2 ? source.deltas.delta_flatten : source.deltas.delta_pool1;
  const upstreamData = sliceOf(upstreamTensor, n, pooledRows, pooledCols);
  const g = upstreamData[(pi - 1) * pooledCols + pj - 1]!;
  const fdata = sliceOf(fwd, n, L.rows, L.cols);
  const cells = poolBlock(pi, pj);
  const block = cells.map(([r, c]) => fdata[(r - 1) * L.cols + c - 1]!);
  const avg = source.config.pooling === 'average';
  const chosen = avg ? null : argmax4(block);
  const own = cells.findIndex(([r, c]) => r === i && c === j);
  const share = avg ? 0.25 : chosen === own ? 1 : 0;
  const fp = fPrime(source.config.activation, pre.data[index]!, fwd.data[index]!);
  const recomputed = share * g * fp.value;
  const c = layer === 2 ? 'C^2' : 'C^1';
  const upTex = `\\delta ${c}_{P,${n + 1}}`;
  const zTex = `${c}_{${n + 1}}(${i},${j})\\big|_{\\text{before } f}`;
  const fwdTex = `${c}_{${n + 1}}`;
  const lines = avg
    ? [
        `${tex} = \\tfrac14\\,${upTex}(\\lceil ${i}/2\\rceil, \\lceil ${j}/2\\rceil)\\cdot f'(z) = \\tfrac14\\,${upTex}(${pi},${pj})\\cdot f'(z), \\qquad z = ${zTex} = ${texNum(fp.z)}`,
        `= \\tfrac14\\cdot ${texFactor(g)}\\cdot \\underbrace{${texNum(fp.value)}}_{f'(z) = ${fPrimeTex(fp)}} = ${texNum(recomputed)}`,
      ]
    : [
        `${tex} = \\begin{cases} ${upTex}(${pi},${pj})\\cdot f'(z) & \\text{if } ${fwdTex}(${i},${j}) \\text{ is the max of its } 2{\\times}2 \\text{ block} \\\\ 0 & \\text{otherwise} \\end{cases}, \\qquad z = ${zTex} = ${texNum(fp.z)}`,
        own === chosen
          ? `= ${texFactor(g)}\\cdot \\underbrace{${texNum(fp.value)}}_{f'(z) = ${fPrimeTex(fp)}} = ${texNum(recomputed)} \\quad (\\text{the max: } ${texNum(block[own]!)})`
          : `= 0 \\quad (\\text{the max of the block is } ${fwdTex}(${cells[chosen!]![0]},${cells[chosen!]![1]}) = ${texNum(block[chosen!]!)})`,
      ];
  const upWords = layer === 2 ? `δ of C_P² map ${n + 1}, row ${pi}, column ${pj} (δ flatten reshaped)` : `δC_P¹ map ${n + 1}, row ${pi}, column ${pj}`;
  const sentence = avg
    ? `${words} = one quarter of ${upWords}, ${textNum(g)}, times f′ of the value before f (${textNum(fp.z)}), which is ${textNum(fp.value)}: ${textNum(recomputed)}.`
    : own === chosen
      ? `${words} is the max of its 2×2 block, so it gets all of ${upWords}, ${textNum(g)}, times f′ = ${textNum(fp.value)}: ${textNum(recomputed)}.`
      : `${words} = 0: it is not the max of its 2×2 block, so max pooling sends it nothing.`;
  const marks: MapView['marks'] = [{ row: i, col: j, kind: 'cell' }];
  if (chosen !== null) marks.push({ row: cells[chosen]![0], col: cells[chosen]![1], kind: 'chosen' });
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines,
    handout:
      layer === 2
        ? `\\delta C^2_n(i,j) = \\tfrac14\\,\\delta_{\\mathrm{flatten}}(\\lceil i/2\\rceil, \\lceil j/2\\rceil)\\cdot f'`
        : `\\delta C^1_m(i,j) = \\tfrac14\\,\\delta C^1_{P_m}(\\lceil i/2\\rceil, \\lceil j/2\\rceil)\\cdot f'`,
    page: layer === 2 ? 'p. 4' : 'p. 5',
    sentence,
    picture: {
      kind: 'pool-back',
      pooling: source.config.pooling,
      upstream: {
        key: layer === 2 ? null : 'delta:delta_pool1',
        slice: n,
        tex: upTex,
        rows: pooledRows,
        cols: pooledCols,
        data: upstreamData,
        marks: [{ row: pi, col: pj, kind: 'cell' }],
      },
      upstreamValue: g,
      forward: mapOf(fwd, layer === 2 ? 'forward:conv2' : 'forward:conv1', n, fwdTex, { window: { row: 2 * pi - 1, col: 2 * pj - 1, rows: 2, cols: 2 }, marks }),
      share,
      fprime: fp,
      output: mapOf(t, key, n, `\\delta ${c}_{${n + 1}}`, { marks: [{ row: i, col: j, kind: 'cell' }] }),
    },
  };
}

// ---- kernel and bias gradients: ΔK², Δb², ΔK¹, Δb¹ ----------------------------------

/** ΔK(u,v) = Σᵢⱼ δC(i,j)·in(i+u−1, j+v−1): δ against the input shifted by (u−1, v−1) (pp. 4–5, readings 9, 10). */
export function explainKernelGrad(source: BackwardSource, key: 'grad:conv2.weight' | 'grad:conv1.weight', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const layer = key === 'grad:conv2.weight' ? 2 : 1;
  const name = cellName(key, t.shape, index);
  const { map: n1, from: m1, row: u, col: v } = name.at;
  const n = n1 - 1;
  const m = layer === 2 ? m1 - 1 : 0;
  const input = layer === 2 ? source.forward.pool1 : source.input;
  const inL = layoutOf(input.shape);
  const delta = layer === 2 ? source.deltas.delta_conv2 : source.deltas.delta_conv1;
  const dL = layoutOf(delta.shape);
  const inData = sliceOf(input, m, inL.rows, inL.cols);
  const dData = sliceOf(delta, n, dL.rows, dL.cols);
  const shifted = new Float32Array(dL.rows * dL.cols);
  const products = new Float32Array(dL.rows * dL.cols);
  let total = 0;
  for (let y = 0; y < dL.rows; y++)
    for (let x = 0; x < dL.cols; x++) {
      const s = inData[(y + u - 1) * inL.cols + x + v - 1]!;
      const p = dData[y * dL.cols + x]! * s;
      shifted[y * dL.cols + x] = s;
      products[y * dL.cols + x] = p;
      total += p;
    }
  const inTex = layer === 2 ? `C^1_{P,${m + 1}}` : 'I';
  const dTex = layer === 2 ? `\\delta C^2_{${n + 1}}` : `\\delta C^1_{${n + 1}}`;
  const K = t.shape[3]!;
  const { slice } = position(layoutOf(t.shape), index);
  const size = dL.rows;
  const lines = [
    `${tex} = \\sum_{i=1}^{${size}}\\sum_{j=1}^{${dL.cols}} ${dTex}(i,j)\\; ${inTex}(${plus(u - 1, 'i')},\\,${plus(v - 1, 'j')})`,
    `= \\underbrace{${texNum(total)}}_{\\Sigma\\text{ of ${size * dL.cols} products}}`,
  ];
  const handout =
    layer === 2
      ? `\\Delta K^2_{m,n}(u,v) = \\sum_{i=1}^{8}\\sum_{j=1}^{8} \\delta C^2_n(i,j)\\, C^1_{P_m}(i-u,\\, j-v)`
      : `\\Delta K^1_m(u,v) = \\sum_{i=1}^{24}\\sum_{j=1}^{24} \\delta C^1_m(i,j)\\, I(i-u,\\, j-v)`;
  const where = layer === 2 ? `C_P¹ map ${m + 1}` : 'I';
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed: total,
    lines,
    handout,
    page: layer === 2 ? 'p. 4' : 'p. 5',
    sentence:
      `${words} = the sum over all ${size * dL.cols} positions (i, j) of ${layer === 2 ? `δC² map ${n + 1}` : `δC¹ map ${n + 1}`} times ${where} shifted by ${u - 1} row${u - 1 === 1 ? '' : 's'} and ${v - 1} column${v - 1 === 1 ? '' : 's'}, ` +
      `that is its rows ${u} to ${u + size - 1}, columns ${v} to ${v + dL.cols - 1}: ${textNum(total)}.`,
    picture: {
      kind: 'kernel-grad',
      input: mapOf(input, layer === 2 ? 'forward:pool1' : 'input', m, inTex, { window: { row: u, col: v, rows: size, cols: dL.cols } }),
      shifted: { key: null, slice: 0, tex: `${inTex}(i${u - 1 ? `+${u - 1}` : ''},\\,j${v - 1 ? `+${v - 1}` : ''})`, rows: size, cols: dL.cols, data: shifted },
      delta: mapOf(delta, layer === 2 ? 'delta:delta_conv2' : 'delta:delta_conv1', n, dTex, { window: { row: 1, col: 1, rows: size, cols: dL.cols } }),
      products: { key: null, slice: 0, tex: `${dTex}(i,j)\\,${inTex}(i${u - 1 ? `+${u - 1}` : ''},\\,j${v - 1 ? `+${v - 1}` : ''})`, rows: size, cols: dL.cols, data: products },
      kernel: mapOf(t, key, slice, layer === 2 ? `\\Delta K^2_{${m + 1},${n + 1}}` : `\\Delta K^1_{${n + 1}}`, { marks: [{ row: u, col: v, kind: 'cell' }], rows: K, cols: K }),
    },
  };
}

/** Δb²ₙ = Σᵢⱼ δC²ₙ(i,j), Δb¹ₘ = Σᵢⱼ δC¹ₘ(i,j) (p. 5). */
export function explainConvBiasGrad(source: BackwardSource, key: 'grad:conv2.bias' | 'grad:conv1.bias', index: number): Explanation {
  const { value, tex, text, words } = base(source, key, index);
  const layer = key === 'grad:conv2.bias' ? 2 : 1;
  const delta = layer === 2 ? source.deltas.delta_conv2 : source.deltas.delta_conv1;
  const dL = layoutOf(delta.shape);
  const data = sliceOf(delta, index, dL.rows, dL.cols);
  const recomputed = sum(data);
  let nonzero = 0;
  for (const d of data) if (d !== 0) nonzero++;
  const dTex = layer === 2 ? `\\delta C^2_{${index + 1}}` : `\\delta C^1_{${index + 1}}`;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines: [`${tex} = \\sum_{i=1}^{${dL.rows}}\\sum_{j=1}^{${dL.cols}} ${dTex}(i,j) = ${texNum(recomputed)}`],
    handout: null,
    page: 'p. 5',
    sentence: `${words} = the sum of all ${data.length} values of ${layer === 2 ? 'δC²' : 'δC¹'} map ${index + 1} (${nonzero} of them non-zero): ${textNum(recomputed)}.`,
    picture: {
      kind: 'bias-grad',
      delta: mapOf(delta, layer === 2 ? 'delta:delta_conv2' : 'delta:delta_conv1', index, dTex, { window: { row: 1, col: 1, rows: dL.rows, cols: dL.cols } }),
      count: data.length,
      nonzero,
    },
  };
}

// ---- back through the layer-2 convolution: δC_P¹ (a full convolution) ---------------

/**
 * δC_P¹ₘ(i,j) = Σₙ Σᵤᵥ δC²ₙ(i+u−5, j+v−5)·K²ₘₙ(6−u, 6−v), δC² = 0 outside its 8×8:
 * the full convolution of δC²ₙ with K²ₘₙ, i.e. a window sliding over δC² padded by 4
 * zeros against the kernel turned 180° (p. 5, reading 9; cpp/kernels conv5x5_full).
 */
export function explainFullConv(source: BackwardSource, index: number): Explanation {
  const key = 'delta:delta_pool1';
  const { t, value, tex, text, words } = base(source, key, index);
  const kernels = source.params['conv2.weight'];
  const [N, M, K] = kernels.shape as [number, number, number, number];
  const delta = source.deltas.delta_conv2;
  const dL = layoutOf(delta.shape);
  const { slice: m, row: y, col: x } = position(layoutOf(t.shape), index);
  const i = y + 1;
  const j = x + 1;
  const groups: ConvGroup[] = [];
  for (let n = 0; n < N; n++) {
    const data = sliceOf(delta, n, dL.rows, dL.cols);
    const k = sliceOf(kernels, n * M + m, K, K);
    const window: number[] = [];
    const outside: boolean[] = [];
    const turned: number[] = [];
    for (let p = 0; p < K; p++)
      for (let q = 0; q < K; q++) {
        const r = i - K + 1 + p; // 1-based row of δC²: i+u−5 with u = p+1
        const c = j - K + 1 + q;
        const out = r < 1 || r > dL.rows || c < 1 || c > dL.cols;
        outside.push(out);
        window.push(out ? 0 : data[(r - 1) * dL.cols + c - 1]!);
        turned.push(k[(K - 1 - p) * K + (K - 1 - q)]!);
      }
    const products = window.map((w, q) => w * turned[q]!);
    groups.push({
      source: mapOf(delta, 'delta:delta_conv2', n, `\\delta C^2_{${n + 1}}`, { window: { row: i - K + 1, col: j - K + 1, rows: K, cols: K }, pad: K - 1 }),
      window,
      outside,
      kernel: turned,
      kernelTex: `\\operatorname{rot180}(K^2_{${m + 1},${n + 1}})`,
      products,
      sum: sum(products),
      size: K,
    });
  }
  const total = sum(groups.map((g) => g.sum));
  const sums = groups.map((g, n) => (n === 0 ? texNum(g.sum) : texPlus(g.sum))).join(' ');
  const lines = [
    `${tex} = \\sum_{n=1}^{${N}}\\sum_{u=1}^{${K}}\\sum_{v=1}^{${K}} \\delta C^2_n(${plus(i - K, 'u')},\\,${plus(j - K, 'v')})\\; K^2_{${m + 1},n}(${K + 1}-u,\\,${K + 1}-v)`,
    `= \\underbrace{${sums}}_{\\text{one sum per } n} = ${texNum(total)}`,
  ];
  const inside = groups.reduce((s, g) => s + g.outside.filter((o) => !o).length, 0);
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed: total,
    lines,
    handout: `\\delta C^1_{P_m} = \\sum_{n=1}^{6} \\delta C^2_n \\circledast \\operatorname{rot180}\\big(K^2_{m,n}\\big) \\quad\\text{(full convolution)}`,
    page: 'p. 5',
    sentence:
      `${words} = the sum over the ${N} maps δC² of the ${K}×${K} window rows ${i - K + 1} to ${i}, columns ${j - K + 1} to ${j} ` +
      `(${inside === N * K * K ? `all inside the ${dL.rows}×${dL.cols} maps` : `δC² is 0 outside its ${dL.rows}×${dL.cols}: ${inside} of ${N * K * K} terms lie inside`}) ` +
      `times the kernel K² from map ${m + 1} turned 180°: ${textNum(total)}.`,
    picture: {
      kind: 'conv',
      output: mapOf(t, key, m, `\\delta C^1_{P,${m + 1}}`, { marks: [{ row: i, col: j, kind: 'cell' }] }),
      groups,
      sum: total,
      bias: null,
      pre: total,
      activation: null,
      full: true,
    },
  };
}


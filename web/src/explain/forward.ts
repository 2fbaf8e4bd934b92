// Explanations of the forward pass (handout pp. 2–3): each function takes the
// tensors of one pass and a value's flat index, and returns the equation of that
// value with its indices and numbers filled in, the operands, and the value
// recomputed from them. Indices are the page's (tensors.ts): 1-based, kernels as
// applied (cross-correlation), C¹ₘ(i,j) = f(Σᵤᵥ I(i+u−1, j+v−1)·K¹ₘ(u,v) + b¹ₘ).
import type { Tensor } from '../core/types';
import { activate, argmax4, F_TEX, F_TEXT, mapOf, minus, plus, poolBlock, sliceOf, sum } from './common';
import { texFactor, texNum, texPlus, textNum } from './numbers';
import { cellName, layoutOf, position, tensorOf, type ForwardSource, type TensorKey } from './tensors';
import type { ConvGroup, DenseTerm, Explanation, MapView, Picture } from './types';

/** How many products a dense explanation lists (the rest are summed). */
export const TOP_TERMS = 10;

function base(source: ForwardSource, key: TensorKey, index: number): { t: Tensor; value: number; tex: string; text: string; words: string } {
  const t = tensorOf(source, key);
  const name = cellName(key, t.shape, index);
  return { t, value: t.data[index]!, tex: name.tex, text: name.text, words: name.words };
}

// ---- convolution: C¹, C² (before and after f) --------------------------------------

/** C¹ₘ(i,j) or C²ₙ(i,j), before or after f (handout eq. (1) p. 2, p. 3). */
export function explainConv(source: ForwardSource, key: 'forward:conv1' | 'forward:conv1_pre' | 'forward:conv2' | 'forward:conv2_pre', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const layer = key.includes('conv1') ? 1 : 2;
  const after = !key.endsWith('_pre');
  const input: Tensor = layer === 1 ? source.input : source.forward.pool1;
  const inKey: TensorKey = layer === 1 ? 'input' : 'forward:pool1';
  const kernels = source.params[layer === 1 ? 'conv1.weight' : 'conv2.weight'];
  const bias = source.params[layer === 1 ? 'conv1.bias' : 'conv2.bias'];
  const [, M, K] = kernels.shape as [number, number, number, number];
  const inLayout = layoutOf(input.shape);
  const outLayout = layoutOf(t.shape);
  const { slice: n, row: y, col: x } = position(outLayout, index);
  const i = y + 1;
  const j = x + 1;

  const groups: ConvGroup[] = [];
  for (let m = 0; m < M; m++) {
    const data = sliceOf(input, m, inLayout.rows, inLayout.cols);
    const kernel = Array.from(sliceOf(kernels, n * M + m, K, K));
    const window: number[] = [];
    for (let p = 0; p < K; p++) for (let q = 0; q < K; q++) window.push(data[(y + p) * inLayout.cols + x + q]!);
    const products = window.map((w, k) => w * kernel[k]!);
    const sourceTex = layer === 1 ? 'I' : `C^1_{P,${m + 1}}`;
    groups.push({
      source: mapOf(input, inKey, m, sourceTex, { window: { row: i, col: j, rows: K, cols: K } }),
      window,
      outside: window.map(() => false),
      kernel,
      kernelTex: layer === 1 ? `K^1_{${n + 1}}` : `K^2_{${m + 1},${n + 1}}`,
      products,
      sum: sum(products),
      size: K,
    });
  }
  const total = sum(groups.map((g) => g.sum));
  const b = bias.data[n]!;
  const pre = total + b;
  const f = source.config.activation;
  const recomputed = after ? activate(f, pre) : pre;
  const outTex = layer === 1 ? `C^1_{${n + 1}}` : `C^2_{${n + 1}}`;
  const biasTex = layer === 1 ? `b^1_{${n + 1}}` : `b^2_{${n + 1}}`;

  const u = plus(i - 1, 'u');
  const v = plus(j - 1, 'v');
  const term =
    layer === 1
      ? `\\sum_{u=1}^{${K}}\\sum_{v=1}^{${K}} I(${u},\\,${v})\\,K^1_{${n + 1}}(u,v)`
      : `\\sum_{m=1}^{${M}}\\sum_{u=1}^{${K}}\\sum_{v=1}^{${K}} C^1_{P,m}(${u},\\,${v})\\,K^2_{m,${n + 1}}(u,v)`;
  const products = M * K * K;
  const sums = layer === 1 ? texNum(total) : groups.map((g, m) => (m === 0 ? texNum(g.sum) : texPlus(g.sum))).join(' ');
  const under = `\\underbrace{${sums}}_{\\Sigma\\text{ of ${products} products}}`;
  const lines = after
    ? [`${tex} = f\\Big(${term} + ${biasTex}\\Big)`, `= ${F_TEX[f]}\\big(${under} ${texPlus(b)}\\big)`, `= ${F_TEX[f]}(${texNum(pre)}) = ${texNum(recomputed)}`]
    : [`${tex} = ${term} + ${biasTex}`, `= ${under} ${texPlus(b)}`, `= ${texNum(recomputed)}`];
  const handout =
    layer === 1
      ? `C^1_m(i,j) = f\\Big(\\sum_{u=-2}^{2}\\sum_{v=-2}^{2} I(i-u,\\,j-v)\\cdot K^1_m(u,v) + b^1_m\\Big)`
      : `C^2_n(i,j) = f\\Big(\\sum_{m=1}^{4}\\sum_{u=-2}^{2}\\sum_{v=-2}^{2} C^1_{P_m}(i-u,\\,j-v)\\cdot K^2_{m,n}(u,v) + b^2_n\\Big)`;
  const where = layer === 1 ? 'I' : `each of the ${M} maps C¹ₚ`;
  const sentence =
    `${words} = ${after ? `${F_TEXT[f]} of ` : ''}the sum of ${products} products, ${textNum(total)}, plus the bias ${textNum(b)}` +
    `${after ? `, that is ${F_TEXT[f]}(${textNum(pre)})` : ''} = ${textNum(recomputed)}. ` +
    `The ${K}×${K} window is rows ${i} to ${i + K - 1}, columns ${j} to ${j + K - 1} of ${where}.`;
  const picture: Picture = {
    kind: 'conv',
    output: mapOf(t, key, n, outTex, { marks: [{ row: i, col: j, kind: 'cell' }] }),
    groups,
    sum: total,
    bias: { tex: biasTex, value: b },
    pre,
    activation: after ? f : null,
    full: false,
  };
  return { cell: { key, index }, tex, text, words, value, recomputed, lines, handout, page: layer === 1 ? 'p. 2' : 'p. 3', sentence, picture };
}

// ---- pooling: C_P¹, C_P² ---------------------------------------------------------

/** C_P(i,j) = ¼ Σᵤᵥ C(2i−u, 2j−v), u,v ∈ {0,1}, or the max of the block (handout p. 2, reading 6). */
export function explainPool(source: ForwardSource, key: 'forward:pool1' | 'forward:pool2', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const layer = key === 'forward:pool1' ? 1 : 2;
  const fromKey: TensorKey = layer === 1 ? 'forward:conv1' : 'forward:conv2';
  const from = source.forward[layer === 1 ? 'conv1' : 'conv2'];
  const fl = layoutOf(from.shape);
  const { slice: m, row: y, col: x } = position(layoutOf(t.shape), index);
  const i = y + 1;
  const j = x + 1;
  const data = sliceOf(from, m, fl.rows, fl.cols);
  const cells = poolBlock(i, j);
  const block = cells.map(([r, c]) => data[(r - 1) * fl.cols + c - 1]!);
  const cTex = layer === 1 ? `C^1_{${m + 1}}` : `C^2_{${m + 1}}`;
  const blockTex = cells.map(([r, c]) => `${cTex}(${r},${c})`);
  const avg = source.config.pooling === 'average';
  const chosen = avg ? null : argmax4(block);
  const recomputed = avg ? 0.25 * sum(block) : block[chosen!]!;
  const lines = avg
    ? [
        `${tex} = \\tfrac14 \\sum_{u=0}^{1}\\sum_{v=0}^{1} ${cTex}(${minus(2 * i, 'u')},\\,${minus(2 * j, 'v')})`,
        `= \\tfrac14\\big(${blockTex.join(' + ')}\\big)`,
        `= \\tfrac14\\big(${block.map((b, k) => (k === 0 ? texNum(b) : texPlus(b))).join(' ')}\\big) = ${texNum(recomputed)}`,
      ]
    : [
        `${tex} = \\max_{u,v \\in \\{0,1\\}} ${cTex}(${minus(2 * i, 'u')},\\,${minus(2 * j, 'v')})`,
        `= \\max\\big(${block.map((b) => texNum(b)).join(',\\ ')}\\big) = ${texNum(recomputed)} = ${blockTex[chosen!]}`,
      ];
  const sentence = avg
    ? `${words} = one quarter of the sum of the 2×2 block rows ${2 * i - 1} to ${2 * i}, columns ${2 * j - 1} to ${2 * j} of ${layer === 1 ? 'C¹' : 'C²'} map ${m + 1}: (${block.map((b) => textNum(b)).join(' + ')}) / 4 = ${textNum(recomputed)}.`
    : `${words} = the largest of the 2×2 block rows ${2 * i - 1} to ${2 * i}, columns ${2 * j - 1} to ${2 * j} of ${layer === 1 ? 'C¹' : 'C²'} map ${m + 1}: max(${block.map((b) => textNum(b)).join(', ')}) = ${textNum(recomputed)}.`;
  const [r0, c0] = cells[0]!;
  const marks: MapView['marks'] = chosen === null ? [] : [{ row: cells[chosen]![0], col: cells[chosen]![1], kind: 'chosen' }];
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines,
    handout: null,
    page: layer === 1 ? 'p. 2' : 'p. 3',
    sentence,
    picture: {
      kind: 'pool',
      pooling: source.config.pooling,
      source: mapOf(from, fromKey, m, cTex, { window: { row: r0, col: c0, rows: 2, cols: 2 }, marks }),
      output: mapOf(t, key, m, layer === 1 ? `C^1_{P,${m + 1}}` : `C^2_{P,${m + 1}}`, { marks: [{ row: i, col: j, kind: 'cell' }] }),
      block,
      blockTex,
      chosen,
    },
  };
}

// ---- flatten ------------------------------------------------------------------------

/** flatten(k) = C_P²ₙ(r,c), k = 16(n−1) + 4(r−1) + c (reading 8, map-major). */
export function explainFlatten(source: ForwardSource, index: number): Explanation {
  const key = 'forward:flatten';
  const { value, tex, text, words } = base(source, key, index);
  const pool2 = source.forward.pool2;
  const pl = layoutOf(pool2.shape);
  const { slice: n, row, col } = position(pl, index);
  const per = pl.rows * pl.cols;
  const r = row + 1;
  const c = col + 1;
  const fromTex = `C^2_{P,${n + 1}}(${r},${c})`;
  const recomputed = pool2.data[index]!;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines: [
      `${tex} = ${fromTex}, \\qquad ${index + 1} = ${per}\\,(${n + 1}-1) + ${pl.cols}\\,(${r}-1) + ${c}`,
      `= ${texNum(recomputed)}`,
    ],
    handout: null,
    page: 'p. 3',
    sentence: `${words} is C_P² map ${n + 1}, row ${r}, column ${c}, copied: ${textNum(recomputed)}. The maps are laid out one after another, row by row.`,
    picture: {
      kind: 'copy',
      from: { tex: fromTex, value: recomputed },
      source: mapOf(pool2, 'forward:pool2', n, `C^2_{P,${n + 1}}`, { marks: [{ row: r, col: c, kind: 'cell' }] }),
    },
  };
}

// ---- dense: a₁ (before and after f), the logits z ------------------------------------

interface DenseSpec {
  weights: Tensor;
  bias: Tensor;
  inputs: Float32Array;
  row: number;
  weightTex: (k: number) => string;
  inputTex: (k: number) => string;
}

/** The products W[row,:] ⊙ input, the largest |product| first, and the one of `highlight` (0-based input index). */
export function denseTerms(spec: DenseSpec, highlight: number | null): { terms: DenseTerm[]; all: DenseTerm[]; highlight: DenseTerm | null } {
  const cols = spec.weights.shape[1]!;
  const all: DenseTerm[] = [];
  for (let k = 0; k < cols; k++) {
    const weight = spec.weights.data[spec.row * cols + k]!;
    const input = spec.inputs[k]!;
    all.push({ index: k, weight, input, product: weight * input, weightTex: spec.weightTex(k), inputTex: spec.inputTex(k) });
  }
  const sorted = [...all].sort((a, b) => Math.abs(b.product) - Math.abs(a.product) || a.index - b.index);
  return { terms: sorted.slice(0, TOP_TERMS), all, highlight: highlight === null ? null : all[highlight]! };
}

/** The W₁ row of hidden unit `unit` (0-based) as the maps of 4×4 it reads, and C_P² beside it. */
function unitMaps(source: ForwardSource, unit: number, mark: number | null): { weightMaps: MapView[]; inputMaps: MapView[] } {
  const pool2 = source.forward.pool2;
  const pl = layoutOf(pool2.shape);
  const per = pl.rows * pl.cols;
  const w1 = source.params['fc1.weight'];
  const cols = w1.shape[1]!;
  const weightMaps: MapView[] = [];
  const inputMaps: MapView[] = [];
  for (let n = 0; n < pl.slices; n++) {
    const marks: MapView['marks'] =
      mark !== null && Math.floor(mark / per) === n ? [{ row: Math.floor((mark % per) / pl.cols) + 1, col: (mark % pl.cols) + 1, kind: 'cell' }] : [];
    weightMaps.push({
      key: null,
      slice: n,
      tex: `\\text{map } ${n + 1}`,
      rows: pl.rows,
      cols: pl.cols,
      data: w1.data.subarray(unit * cols + n * per, unit * cols + n * per + per),
      marks,
    });
    inputMaps.push(mapOf(pool2, 'forward:pool2', n, `C^2_{P,${n + 1}}`, { marks }));
  }
  return { weightMaps, inputMaps };
}

/** a₁(i) = f(Σₖ W₁(i,k)·flatten(k) + b₁(i)) or z(d) = Σᵢ W₂(d,i)·a₁(i) + b₂(d) (handout p. 3). */
export function explainDense(
  source: ForwardSource,
  key: 'forward:fc1' | 'forward:fc1_pre' | 'forward:logits',
  index: number,
  highlight: number | null = null,
): Explanation {
  const { value, tex, text, words } = base(source, key, index);
  const hidden = key !== 'forward:logits';
  const after = key === 'forward:fc1';
  const f = source.config.activation;
  const spec: DenseSpec = hidden
    ? {
        weights: source.params['fc1.weight'],
        bias: source.params['fc1.bias'],
        inputs: source.forward.flatten.data,
        row: index,
        weightTex: (k) => `W_1(${index + 1},${k + 1})`,
        inputTex: (k) => `\\mathrm{flatten}(${k + 1})`,
      }
    : {
        weights: source.params['fc2.weight'],
        bias: source.params['fc2.bias'],
        inputs: source.forward.fc1.data,
        row: index,
        weightTex: (k) => `W_2(${index},${k + 1})`,
        inputTex: (k) => `a_1(${k + 1})`,
      };
  const { terms, all, highlight: hi } = denseTerms(spec, highlight);
  const count = all.length;
  const total = sum(all.map((term) => term.product));
  const restTerms = [...all].sort((a, b) => Math.abs(b.product) - Math.abs(a.product) || a.index - b.index).slice(TOP_TERMS);
  const rest = { count: restTerms.length, sum: sum(restTerms.map((term) => term.product)) };
  const b = spec.bias.data[index]!;
  const pre = total + b;
  const recomputed = after ? activate(f, pre) : pre;
  const biasTex = hidden ? `b_1(${index + 1})` : `b_2(${index})`;
  const symbolic = hidden
    ? `\\sum_{k=1}^{${count}} W_1(${index + 1},k)\\,\\mathrm{flatten}(k) + ${biasTex}`
    : `\\sum_{i=1}^{${count}} W_2(${index},i)\\,a_1(i) + ${biasTex}`;
  const under = `\\underbrace{${texNum(total)}}_{\\Sigma\\text{ of ${count} products}}`;
  const lines = after
    ? [`${tex} = f\\Big(${symbolic}\\Big)`, `= ${F_TEX[f]}\\big(${under} ${texPlus(b)}\\big)`, `= ${F_TEX[f]}(${texNum(pre)}) = ${texNum(recomputed)}`]
    : [`${tex} = ${symbolic}`, `= ${under} ${texPlus(b)} = ${texNum(recomputed)}`];
  const maps = hidden ? unitMaps(source, index, highlight) : { weightMaps: [], inputMaps: [] };
  const sentence =
    `${words} = ${after ? `${F_TEXT[f]} of ` : ''}the sum of ${count} products of a weight and an input, ${textNum(total)}, plus the bias ${textNum(b)}` +
    `${after ? `, that is ${F_TEXT[f]}(${textNum(pre)})` : ''} = ${textNum(recomputed)}. The largest product is ${textNum(terms[0]?.product ?? 0)}.`;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines,
    handout: hidden ? `a_1 = f(\\mathrm{flatten} \\times W_1 + b_1)` : `a_2 = \\operatorname{softmax}(a_1 \\times W_2 + b_2)`,
    page: 'p. 3',
    sentence,
    picture: {
      kind: 'dense',
      terms,
      rest,
      count,
      sum: total,
      bias: { tex: biasTex, value: b },
      pre,
      activation: after ? f : null,
      fprime: null,
      result: recomputed,
      highlight: hi,
      weightMaps: maps.weightMaps,
      inputMaps: maps.inputMaps,
      weightName: hidden ? 'W₁' : 'W₂',
      inputName: hidden ? 'flatten' : 'a₁',
    },
  };
}

// ---- softmax: S ----------------------------------------------------------------------

/** S(d) = e^{z(d)} / Σ_d' e^{z(d')} (handout p. 3), computed as the core does, with max z subtracted. */
export function explainSoftmax(source: ForwardSource, index: number): Explanation {
  const key = 'forward:probs';
  const { value, tex, text, words } = base(source, key, index);
  const logits = Array.from(source.forward.logits.data);
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sumExp = sum(exps);
  const recomputed = exps[index]! / sumExp;
  const K = logits.length;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed,
    lines: [
      `${tex} = \\frac{e^{z(${index})}}{\\sum_{d=0}^{${K - 1}} e^{z(d)}} = \\frac{e^{z(${index}) - z_{\\max}}}{\\sum_{d} e^{z(d) - z_{\\max}}}`,
      `= \\frac{e^{${texNum(logits[index]!)} - ${texFactor(max)}}}{${texNum(sumExp, 6)}} = \\frac{${texNum(exps[index]!, 6)}}{${texNum(sumExp, 6)}} = ${texNum(recomputed, 6)}`,
    ],
    handout: null,
    page: 'p. 3',
    sentence: `${words}, the probability of the digit ${index}: e to the power of its logit ${textNum(logits[index]!)}, divided by the sum over all ten digits. With the largest logit ${textNum(max)} subtracted first: ${textNum(exps[index]!, 6)} / ${textNum(sumExp, 6)} = ${textNum(recomputed, 6)}.`,
    picture: { kind: 'softmax', logits, exps, max, sumExp, digit: index },
  };
}

// ---- leaves: I and the parameters ---------------------------------------------------

/** I(i,j): a pixel of the input, bytes / 255. */
export function explainInput(source: ForwardSource, index: number): Explanation {
  const key = 'input';
  const { t, value, tex, text, words } = base(source, key, index);
  const { row, col } = position(layoutOf(t.shape), index);
  const byte = value * 255;
  const whole = Math.abs(byte - Math.round(byte)) < 1e-3;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed: value,
    lines: [whole ? `${tex} = \\frac{${Math.round(byte)}}{255} = ${texNum(value)}` : `${tex} = ${texNum(value)}`],
    handout: null,
    page: 'p. 2',
    sentence: `${words} = ${textNum(value)}: the input pixel${whole ? `, byte ${Math.round(byte)} of 255` : ''}.`,
    picture: {
      kind: 'param',
      map: mapOf(t, key, 0, 'I', { marks: [{ row: row + 1, col: col + 1, kind: 'cell' }] }),
      turned: null,
      notes: [
        whole ? `A pixel of the input: its byte ${Math.round(byte)} (0 = paper, 255 = ink) divided by 255.` : 'A pixel of the input: the ink of the drawing, averaged over the pixel (0 = paper, 1 = ink).',
        `It enters C¹ through every 5×5 window that covers it: up to 25 values of each map.`,
      ],
    },
  };
}

/** K¹ₘ(u,v) or K²ₘₙ(u,v): a learned weight, shown as applied; the handout's index is (3−u, 3−v). */
export function explainKernel(source: ForwardSource, key: 'param:conv1.weight' | 'param:conv2.weight', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const name = cellName(key, t.shape, index);
  const { map: n, from: m, row: u, col: v } = name.at;
  const K = t.shape[3]!;
  const { slice } = position(layoutOf(t.shape), index);
  const layer = key === 'param:conv1.weight' ? 1 : 2;
  const kTex = layer === 1 ? `K^1_{${n}}` : `K^2_{${m},${n}}`;
  const data = sliceOf(t, slice, K, K);
  const turned = new Float32Array(K * K);
  for (let p = 0; p < K; p++) for (let q = 0; q < K; q++) turned[p * K + q] = data[(K - 1 - p) * K + (K - 1 - q)]!;
  const c = (K + 1) / 2;
  const hu = c - u;
  const hv = c - v;
  const reads = layer === 1 ? `I(i${u - 1 ? `+${u - 1}` : ''},\\,j${v - 1 ? `+${v - 1}` : ''})` : `C^1_{P,${m}}(i${u - 1 ? `+${u - 1}` : ''},\\,j${v - 1 ? `+${v - 1}` : ''})`;
  const into = layer === 1 ? `C^1_{${n}}(i,j)` : `C^2_{${n}}(i,j)`;
  const outSide = layoutOf(source.forward[layer === 1 ? 'conv1' : 'conv2'].shape).rows;
  return {
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed: value,
    lines: [`${tex} = ${texNum(value)}`, `\\text{in every } ${into}:\\quad \\dots + ${reads}\\cdot ${tex} + \\dots, \\qquad i,j = 1..${outSide}`],
    handout: `${kTex}(${hu},${hv})\\ \\text{in the handout's indices } u,v = -${c - 1}..${c - 1}`,
    page: layer === 1 ? 'p. 2' : 'p. 3',
    sentence: `${words} = ${textNum(value)}, a learned weight. It multiplies ${layer === 1 ? 'I' : `C_P¹ map ${m}`} at row i+${u - 1}, column j+${v - 1} for every value (i, j) of ${layer === 1 ? 'C¹' : 'C²'} map ${n}. In the handout's indices it is (${hu}, ${hv}).`,
    picture: {
      kind: 'param',
      map: mapOf(t, key, slice, kTex, { marks: [{ row: u, col: v, kind: 'cell' }] }),
      turned: { key: null, slice, tex: `${kTex}\\text{ as the handout draws it}`, rows: K, cols: K, data: turned, marks: [{ row: K + 1 - u, col: K + 1 - v, kind: 'cell' }] },
      notes: [
        `A learned weight (initially uniform in ±√(6/(fan in + fan out)), reading 2), shown as the network applies it: the top-left weight meets the top-left pixel of each window.`,
        `The handout writes a true convolution with u, v = −${c - 1}..${c - 1}; there this weight is ${layer === 1 ? 'K¹' : 'K²'}(${hu}, ${hv}), in the kernel turned 180° (right).`,
      ],
    },
  };
}

/** W₁(i,k) or W₂(d,i): a learned weight; the picture is the unit it feeds, with its product marked. */
export function explainWeight(source: ForwardSource, key: 'param:fc1.weight' | 'param:fc2.weight', index: number): Explanation {
  const { t, value, tex, text, words } = base(source, key, index);
  const cols = t.shape[1]!;
  const row = Math.floor(index / cols);
  const k = index % cols;
  const hidden = key === 'param:fc1.weight';
  const unit = explainDense(source, hidden ? 'forward:fc1' : 'forward:logits', row, k);
  const pic = unit.picture;
  if (pic.kind !== 'dense' || !pic.highlight) throw new Error('a dense explanation without its term');
  const term = pic.highlight;
  let from = '';
  if (hidden) {
    const pl = layoutOf(source.forward.pool2.shape);
    const per = pl.rows * pl.cols;
    from = ` = C^2_{P,${Math.floor(k / per) + 1}}(${Math.floor((k % per) / pl.cols) + 1},${(k % pl.cols) + 1})`;
  }
  return {
    ...unit,
    cell: { key, index },
    tex,
    text,
    words,
    value,
    recomputed: value,
    lines: [
      `${tex} = ${texNum(value)}`,
      `\\text{multiplies } ${term.inputTex}${from} = ${texNum(term.input)} \\text{ in } ${hidden ? `a_1(${row + 1})` : `z(${row})`}:\\quad ${tex}\\,${term.inputTex} = ${texFactor(value)}\\cdot${texFactor(term.input)} = ${texNum(term.product)}`,
      ...unit.lines,
    ],
    handout: null,
    sentence: `${words} = ${textNum(value)}, a learned weight. It multiplies ${hidden ? `flatten entry ${k + 1}` : `a₁ unit ${k + 1}`} = ${textNum(term.input)} in ${hidden ? `a₁ unit ${row + 1}` : `the logit of digit ${row}`}: the product is ${textNum(term.product)}, one of ${cols} terms.`,
  };
}

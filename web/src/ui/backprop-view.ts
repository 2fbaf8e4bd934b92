// "Backprop, step by step": every δ and Δθ of one sample's backward pass (handout
// pp. 4–5), each beside the equation that produces it, typeset with KaTeX, signed
// values in the diverging colour map with a legend. Shapes come from the tensors.
//
// Kernels and ΔK are shown the way the forward pass applies them (cross-correlation,
// as stored, [out][in][5][5]); the handout's K(u,v) is the shown kernel turned 180°
// (reading 3), so its index formulas for ΔK describe the turned picture.
import type { Tensor } from '../core/types';
import type { BackpropTrace } from '../worker/protocol';
import { formatValue } from './colormap';
import { h } from './dom';
import { watchOverflow } from './scroll-box';
import { numberGrid, symmetric, tensorMaps, tex, valuesJson, vectorCells, vectorRows } from './teaching-parts';

const F_PRIME: Record<string, string> = {
  relu: "f'(z) = 1 \\text{ if } z > 0 \\text{, else } 0 \\;(\\text{ReLU})",
  tanh: "f'(z) = 1 - \\tanh^2 z",
  sigmoid: "f'(z) = \\sigma(z)\\,(1-\\sigma(z))",
};

function row(title: string, equation: string | string[], note: string | Node | null, ...displays: Node[]): HTMLElement {
  // The tensors scroll sideways in their own box when wider than the column (a phone).
  const show = h('div', { class: 'bp-show' }, ...displays);
  watchOverflow(show, `${title}: the values`);
  return h(
    'section',
    { class: 'bp-row' },
    h('div', { class: 'bp-eq' }, h('h3', { class: 'bp-row-title' }, title), ...(Array.isArray(equation) ? equation : [equation]).map((e) => tex(e, true)), note ? h('p', { class: 'bp-note' }, note) : null),
    show,
  );
}

function sub(t: Tensor, index: number, size: number): Float32Array {
  return t.data.subarray(index * size, index * size + size);
}

export class BackpropView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;

  constructor(container: HTMLElement) {
    this.body = h('div', { class: 'bp-body' }, h('p', { class: 'bp-empty' }, 'Press “Step one sample” to train on one sample and see every δ and Δθ of its backward pass.'));
    this.element = h('div', { class: 'bp' }, this.body);
    container.append(this.element);
  }

  render(t: BackpropTrace): void {
    const d = t.deltas;
    const g = t.grads;
    const maps1 = d.delta_conv1.shape[0]!;
    const maps2 = d.delta_conv2.shape[0]!;
    const side1 = d.delta_conv1.shape[1]!;
    const side2 = d.delta_conv2.shape[1]!;
    const sideP1 = d.delta_pool1.shape[1]!;
    const sideP2 = side2 / 2;
    const hidden = d.delta1.data.length;
    const flat = d.delta_flatten.data.length;
    const fPrime = F_PRIME[t.config.activation] ?? "f'";
    const avg = t.config.pooling === 'average';

    const probs = t.forward.probs.data;
    const y = new Float32Array(probs.length);
    y[t.label] = 1;
    const out: Node[] = [];

    // δ = S − Y
    // One table, so S, Y and δ line up column by column.
    const unit = { min: -1, max: 1 };
    const sy = vectorRows(
      [
        { testid: 'bp-probs', name: 'S', data: probs, range: unit },
        { testid: 'bp-y', name: 'Y', data: y, range: unit },
        { testid: 'bp-delta_out', name: 'δ', data: d.delta_out.data, range: unit },
      ],
      (i) => String(i),
      'S, Y and δ = S − Y for the digits 0 to 9',
    );
    out.push(
      row(
        'Output: softmax with cross-entropy',
        '\\delta = S - Y',
        h('span', {}, 'Y is one-hot at the true label ', h('strong', {}, String(t.label)), '. Loss ', tex(`L = -\\ln s_{${t.label}}`), ' = ', h('strong', { testid: 'bp-loss', 'data-value': String(t.loss) }, Number.isFinite(t.loss) ? (t.loss >= 1e-3 ? t.loss.toFixed(4) : t.loss.toExponential(3)) : String(t.loss)), '.'),
        sy,
      ),
    );

    // ΔW₂, Δb₂
    const [o2, i2] = g['fc2.weight'].shape as [number, number];
    out.push(
      row(
        'Output layer weights',
        '\\Delta W_2 = \\delta \\cdot a_1^{T} \\qquad \\Delta b_2 = \\delta',
        `ΔW₂ is ${o2}×${i2}: row k is δₖ times a₁. Rows of digits the network was sure about are pale.`,
        tensorMaps('bp-grad-fc2.weight', g['fc2.weight'].data, [o2, i2], { count: 1, rows: o2, cols: i2, scale: 5, label: () => 'ΔW₂' }),
        vectorCells('bp-grad-fc2.bias', g['fc2.bias'].data, (i) => String(i)),
      ),
    );

    // δ₁
    out.push(
      row(
        'Hidden layer a₁',
        "\\delta_1 = (W_2^{T}\\,\\delta) \\odot f'(W_1 \\cdot \\mathrm{flatten} + b_1)",
        h('span', {}, tex(fPrime), `. δ₁ has ${hidden} entries (the handout's “96×1” is a slip).`),
        tensorMaps('bp-delta1', d.delta1.data, [hidden], { count: 1, rows: 1, cols: hidden, scale: 8, label: () => 'δ₁' }),
      ),
    );

    // ΔW₁, Δb₁
    const [o1, i1] = g['fc1.weight'].shape as [number, number];
    out.push(
      row(
        'Hidden layer weights',
        '\\Delta W_1 = \\delta_1 \\cdot \\mathrm{flatten}^{T} \\qquad \\Delta b_1 = \\delta_1',
        `ΔW₁ is ${o1}×${i1}; Δb₁ is δ₁ again.`,
        tensorMaps('bp-grad-fc1.weight', g['fc1.weight'].data, [o1, i1], { count: 1, rows: o1, cols: i1, scale: 3, label: () => 'ΔW₁' }),
        tensorMaps('bp-grad-fc1.bias', g['fc1.bias'].data, [o1], { count: 1, rows: 1, cols: o1, scale: 8, label: () => 'Δb₁' }),
      ),
    );

    // δ_flatten
    out.push(
      row(
        'Back through flatten',
        '\\delta_{\\mathrm{flatten}} = W_1^{T}\\,\\delta_1',
        `${flat} values, reshaped map-major back to ${maps2} maps of ${sideP2}×${sideP2} (index = n·16 + row·4 + col).`,
        tensorMaps('bp-delta_flatten', d.delta_flatten.data, [flat], { count: maps2, rows: sideP2, cols: sideP2, scale: 12, caption: (n) => `n=${n + 1}` }),
      ),
    );

    // δC²
    out.push(
      row(
        avg ? 'Back through average pooling and f' : 'Back through max pooling and f',
        avg
          ? "\\delta C^2_n(i,j) = \\tfrac14\\,\\delta_{\\mathrm{flatten}}\\!\\left(\\lceil i/2\\rceil, \\lceil j/2\\rceil\\right) \\cdot f'"
          : "\\delta C^2_n(i,j) = \\begin{cases} \\delta_{\\mathrm{flatten}}(\\lceil i/2\\rceil, \\lceil j/2\\rceil)\\cdot f' & (i,j) = \\arg\\max \\text{ of its } 2{\\times}2 \\\\ 0 & \\text{otherwise} \\end{cases}",
        h('span', {}, `i, j = 1…${side2}. `, tex(fPrime), '.'),
        tensorMaps('bp-delta_conv2', d.delta_conv2.data, d.delta_conv2.shape, { count: maps2, rows: side2, cols: side2, scale: 7, caption: (n) => `\\delta C^2_{${n + 1}}` }),
        this.poolingZoom(t),
      ),
    );

    // ΔK², Δb²
    const k2 = g['conv2.weight'];
    const [n2, m2] = k2.shape as [number, number];
    // Stored [n][m][5][5]; shown as a grid with a row per m (input map) and a column per n.
    const k2ByM = new Float32Array(k2.data.length);
    for (let m = 0; m < m2; m++) for (let n = 0; n < n2; n++) k2ByM.set(sub(k2, n * m2 + m, 25), (m * n2 + n) * 25);
    const b2 = vectorCells('bp-grad-conv2.bias', g['conv2.bias'].data, (n) => `n=${n + 1}`);
    const k2Maps = tensorMaps('bp-grad-conv2.weight', k2ByM, k2.shape, {
      count: m2 * n2,
      rows: 5,
      cols: 5,
      scale: 7,
      perRow: n2,
      caption: (k) => `\\Delta K^2_{${Math.floor(k / n2) + 1},${(k % n2) + 1}}`,
    });
    k2Maps.dataset['values'] = valuesJson(k2.data); // the stored order [n][m][5][5]
    out.push(
      row(
        'Layer-2 kernels and biases',
        ['\\Delta K^2_{m,n}(u,v) = \\sum_{i,j=1}^{8} \\delta C^2_n(i,j)\\, C^1_{P,m}(i-u, j-v)', '\\Delta b^2_n = \\sum_{i,j=1}^{8} \\delta C^2_n(i,j)'],
        `Rows m = 1…${m2} (input map C_P¹ₘ), columns n = 1…${n2}. Kernels are shown as the forward pass applies them (cross-correlation); the handout's K(u,v) is each picture turned 180°.`,
        k2Maps,
        h('div', { class: 'bp-bias' }, tex('\\Delta b^2_n'), b2),
      ),
    );

    // δC_P¹
    out.push(
      row(
        'Back through the layer-2 convolution',
        '\\delta C^1_{P,m} = \\sum_{n=1}^{6} \\delta C^2_n \\circledast \\operatorname{rot180}\\!\\left(K^2_{m,n}\\right)',
        `A full convolution: ${side2}×${side2} with 5×5 gives ${sideP1}×${sideP1}.`,
        tensorMaps('bp-delta_pool1', d.delta_pool1.data, d.delta_pool1.shape, { count: maps1, rows: sideP1, cols: sideP1, scale: 6, caption: (m) => `\\delta C^1_{P,${m + 1}}` }),
      ),
    );

    // δC¹
    out.push(
      row(
        avg ? 'Back through average pooling and f' : 'Back through max pooling and f',
        avg
          ? "\\delta C^1_m(i,j) = \\tfrac14\\,\\delta C^1_{P,m}\\!\\left(\\lceil i/2\\rceil, \\lceil j/2\\rceil\\right) \\cdot f'"
          : "\\delta C^1_m(i,j) = \\delta C^1_{P,m}(\\lceil i/2\\rceil, \\lceil j/2\\rceil)\\cdot f' \\text{ at the arg-max, else } 0",
        `i, j = 1…${side1}.` + (t.config.activation === 'relu' ? ' Where C¹ = b¹ ≤ 0 (the blank border) ReLU′ = 0 and δC¹ is white.' : ''),
        tensorMaps('bp-delta_conv1', d.delta_conv1.data, d.delta_conv1.shape, { count: maps1, rows: side1, cols: side1, scale: 3, caption: (m) => `\\delta C^1_{${m + 1}}` }),
      ),
    );

    // ΔK¹, Δb¹
    out.push(
      row(
        'Layer-1 kernels and biases',
        ['\\Delta K^1_m(u,v) = \\sum_{i,j=1}^{24} \\delta C^1_m(i,j)\\, I(i-u, j-v)', '\\Delta b^1_m = \\sum_{i,j=1}^{24} \\delta C^1_m(i,j)'],
        'No δ is needed for the input image. Shown as applied (cross-correlation).',
        tensorMaps('bp-grad-conv1.weight', g['conv1.weight'].data, g['conv1.weight'].shape, { count: maps1, rows: 5, cols: 5, scale: 12, caption: (m) => `\\Delta K^1_{${m + 1}}` }),
        h('div', { class: 'bp-bias' }, tex('\\Delta b^1_m'), vectorCells('bp-grad-conv1.bias', g['conv1.bias'].data, (m) => `m=${m + 1}`)),
      ),
    );

    this.body.replaceChildren(...out);
  }

  /**
   * One 2×2 block of C², zoomed: the δ_flatten entry with the largest |value|,
   * spread as δ/4 (average pooling) or routed to the arg-max (max pooling), with
   * the actual numbers of this sample; the other pooling is shown for the same block.
   */
  private poolingZoom(t: BackpropTrace): HTMLElement {
    const df = t.deltas.delta_flatten.data;
    const side2 = t.deltas.delta_conv2.shape[1]!;
    const sideP = side2 / 2;
    // The block with the largest |δ_flatten| among those where f′ lets something through
    // (else, e.g. a ReLU block of zeros, the illustration would end in zeros).
    const dc2 = t.deltas.delta_conv2.data;
    const passes = (i: number) => {
      const n = Math.floor(i / (sideP * sideP));
      const p = Math.floor((i % (sideP * sideP)) / sideP);
      const q = i % sideP;
      for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) if (dc2[n * side2 * side2 + (2 * p + r) * side2 + 2 * q + c] !== 0) return true;
      return false;
    };
    let best = -1;
    for (let i = 0; i < df.length; i++) if (passes(i) && (best < 0 || Math.abs(df[i]!) > Math.abs(df[best]!))) best = i;
    if (best < 0) for (let i = 0, b = 0; i < df.length; i++) if (Math.abs(df[i]!) >= Math.abs(df[b]!)) best = b = i;
    const n = Math.floor(best / (sideP * sideP));
    const p = Math.floor((best % (sideP * sideP)) / sideP);
    const q = best % sideP;
    const dv = df[best]!;
    const at = (tensor: Tensor, r: number, c: number) => tensor.data[n * side2 * side2 + r * side2 + c]!;
    const block = (tensor: Tensor) => [0, 1].map((dr) => [0, 1].map((dc) => at(tensor, 2 * p + dr, 2 * q + dc)));
    const c2 = block(t.forward.conv2);
    let ar = 0;
    let ac = 0;
    for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) if (c2[r]![c]! > c2[ar]![ac]!) [ar, ac] = [r, c];
    const range = { min: -Math.abs(dv), max: Math.abs(dv) };
    const averaged = [0, 1].map(() => [dv / 4, dv / 4]);
    const routed = [0, 1].map((r) => [0, 1].map((c) => (r === ar && c === ac ? dv : 0)));
    const spreadNow = block(t.deltas.delta_conv2_out);
    const after = block(t.deltas.delta_conv2);
    const avg = t.config.pooling === 'average';
    const i0 = 2 * p + 1;
    const j0 = 2 * q + 1;
    const cellName = `\\delta_{\\mathrm{flatten}}\\,(n=${n + 1};\\ ${p + 1},${q + 1})`;
    const arrow = () => h('span', { class: 'bp-arrow', 'aria-hidden': 'true' }, '→');
    const one = numberGrid([[dv]], range);
    const card = (title: string, grid: HTMLElement, note: string) => h('figure', { class: 'bp-zoom-card' }, grid, h('figcaption', {}, h('strong', {}, title), ' ', note));
    const sameBlock = `C²${n + 1} rows ${i0}–${i0 + 1}, columns ${j0}–${j0 + 1}`;
    return h(
      'div',
      { class: 'bp-zoom', testid: 'bp-pool-zoom', 'data-delta': String(dv), 'data-block': JSON.stringify(spreadNow) },
      h('p', { class: 'bp-zoom-title' }, 'Zoom on one 2×2 block: ', tex(cellName), ` = ${formatValue(dv)}`),
      h(
        'div',
        { class: 'bp-zoom-flow' },
        one,
        arrow(),
        card(avg ? 'Average pooling (this network):' : 'If it used average pooling:', numberGrid(averaged, range), `each of the 4 cells of ${sameBlock} gets δ/4 = ${formatValue(dv / 4)}.`),
        card(avg ? 'If it used max pooling:' : 'Max pooling (this network):', numberGrid(routed, range, (r, c) => r === ar && c === ac), `all of δ goes to the arg-max of C² in the block (${formatValue(c2[ar]![ac]!)}, outlined); the others get 0.`),
        arrow(),
        card("⊙ f′ (this sample):", numberGrid(after, symmetric(after.flat())), `δC² in the block after the ${avg ? 'spread' : 'routing'} times f′.`),
      ),
    );
  }
}

// "Backprop, step by step": every δ and Δθ of one sample's backward pass (handout
// pp. 4–5), each beside the equation that produces it, typeset with KaTeX, signed
// values in the diverging colour map with a legend. Shapes come from the tensors.
// Every value can be pointed at and explained (ui/cell-grid.ts, ui/explain-view.ts):
// its equation with the numbers of this sample filled in.
//
// Indices are the page's (stated at the top of "Inside the network"): 1-based,
// kernels and ΔK shown the way the forward pass applies them (cross-correlation, as
// stored, [out][in][5][5]). So the handout's ΔK(u,v) = Σᵢⱼ δ(i,j)·in(i−u, j−v), with
// centred u,v and its K turned 180° (reading 3), reads ΔK(u,v) = Σᵢⱼ δ(i,j)·in(i+u−1,
// j+v−1) here. ΔK² is a grid with a row per output map n and a column per input map m,
// as K² in "Inside the network".
import type { Tensor } from '../core/types';
import type { BackpropTrace } from '../worker/protocol';
import type { CellRef, TensorKey } from '../explain';
import { canvasGeometry, cellHost, Tooltip, ValueMaps } from './cell-grid';
import { formatValue } from './colormap';
import { h } from './dom';
import { Explainer } from './explain-view';
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

/** The canvases of a tensorMaps() box, in slice order. */
function canvasesOf(box: HTMLElement): HTMLCanvasElement[] {
  return Array.from(box.querySelectorAll<HTMLCanvasElement>('canvas.tp-pixels'));
}

/** The value cells of a vectorCells() table. */
function cellsOf(table: HTMLElement): HTMLElement[] {
  return Array.from(table.querySelectorAll<HTMLElement>('tbody td'));
}

export class BackpropView {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly live: HTMLElement;
  private readonly tooltip: Tooltip;
  private readonly explainer: Explainer;
  private readonly values: ValueMaps;
  private trace: (BackpropTrace & { label: number }) | null = null;
  private readonly rowOf = new Map<TensorKey, HTMLElement>();

  constructor(container: HTMLElement) {
    this.body = h('div', { class: 'bp-body' }, h('p', { class: 'bp-empty' }, 'Press “Step one sample” to train on one sample and see every δ and Δθ of its backward pass.'));
    this.live = h('p', { class: 'cl-sr', 'aria-live': 'polite', testid: 'bp-live' });
    this.element = h('div', { class: 'bp' }, this.live, this.body);
    this.tooltip = new Tooltip(this.element);
    container.append(this.element);
    this.explainer = new Explainer({
      testid: 'explain-backprop',
      announce: (text) => (this.live.textContent = text),
      selected: (cell) => this.values.mark(cell),
      anchor: (key) => this.rowOf.get(key) ?? null,
      refocus: (cell) => this.values.focus(cell),
    });
    this.values = new ValueMaps({
      source: () => this.trace,
      open: (cell) => this.explainer.open(cell),
      close: () => this.explainer.close(true),
      announce: (text) => (this.live.textContent = text),
      tooltip: this.tooltip,
    });
  }

  /** Opens the explanation of a value (as a click on it does). */
  select(cell: CellRef): void {
    this.explainer.open(cell);
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
    const K = g['conv1.weight'].shape[3]!;
    const classes = d.delta_out.data.length;
    const fPrime = F_PRIME[t.config.activation] ?? "f'";
    const avg = t.config.pooling === 'average';
    const before = this.trace;
    this.trace = t;
    const values = this.values;
    values.clear();
    this.rowOf.clear();

    const probs = t.forward.probs.data;
    const y = new Float32Array(probs.length);
    y[t.label] = 1;
    const out: Node[] = [];
    const add = (keys: TensorKey[], section: HTMLElement) => {
      for (const key of keys) this.rowOf.set(key, section);
      out.push(section);
    };
    const mapsOf = (key: TensorKey, box: HTMLElement, rows: number, cols: number, label: (k: number) => string) =>
      canvasesOf(box).forEach((c, k) => values.map(key, c, k * rows * cols, rows, cols, label(k)));
    const cells = (key: TensorKey, table: HTMLElement, label: string) => values.cells(key, cellsOf(table), table, label);

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
    // Each row of the table is a value map of its own (the row is the tab stop).
    const syRow = (testid: string) => sy.querySelector<HTMLElement>(`[data-testid="${testid}"]`)!;
    const rowCells = (key: TensorKey, tr: HTMLElement, label: string) => values.cells(key, Array.from(tr.querySelectorAll<HTMLElement>('td')), tr, label);
    rowCells('forward:probs', syRow('bp-probs'), 'S, the probability of each digit');
    rowCells('delta:delta_out', syRow('bp-delta_out'), 'δ of each digit');
    add(
      ['delta:delta_out', 'forward:probs'],
      row(
        'Output: softmax with cross-entropy',
        ['\\delta = S - Y', `\\delta(d) = S(d) - Y(d)`],
        h('span', {}, `d = 0…${classes - 1}. Y is one-hot at the true label `, h('strong', {}, String(t.label)), '. Loss ', tex(`L = -\\ln S(${t.label})`), ' = ', h('strong', { testid: 'bp-loss', 'data-value': String(t.loss) }, Number.isFinite(t.loss) ? (t.loss >= 1e-3 ? t.loss.toFixed(4) : t.loss.toExponential(3)) : String(t.loss)), '.'),
        sy,
      ),
    );

    // ΔW₂, Δb₂
    const [o2, i2] = g['fc2.weight'].shape as [number, number];
    const dW2 = tensorMaps('bp-grad-fc2.weight', g['fc2.weight'].data, [o2, i2], { count: 1, rows: o2, cols: i2, scale: 5, label: () => 'ΔW₂' });
    mapsOf('grad:fc2.weight', dW2, o2, i2, () => `ΔW₂, ${o2} digits by ${i2} units`);
    const db2 = vectorCells('bp-grad-fc2.bias', g['fc2.bias'].data, (i) => String(i));
    cells('grad:fc2.bias', db2, 'Δb₂ of each digit');
    add(
      ['grad:fc2.weight', 'grad:fc2.bias'],
      row(
        'Output layer weights',
        ['\\Delta W_2 = \\delta \\cdot a_1^{T} \\qquad \\Delta b_2 = \\delta', `\\Delta W_2(d,i) = \\delta(d)\\,a_1(i)`, `\\Delta b_2(d) = \\delta(d)`],
        `ΔW₂ is ${o2}×${i2}: row d is δ(d) times a₁. Rows of digits the network was sure about are pale.`,
        dW2,
        db2,
      ),
    );

    // δ₁
    const d1 = tensorMaps('bp-delta1', d.delta1.data, [hidden], { count: 1, rows: 1, cols: hidden, scale: 8, label: () => 'δ₁' });
    mapsOf('delta:delta1', d1, 1, hidden, () => `δ₁, ${hidden} units`);
    add(
      ['delta:delta1'],
      row(
        'Hidden layer a₁',
        ["\\delta_1 = (W_2^{T}\\,\\delta) \\odot f'(W_1 \\cdot \\mathrm{flatten} + b_1)", `\\delta_1(i) = \\Big(\\sum_{d=0}^{${classes - 1}} W_2(d,i)\\,\\delta(d)\\Big)\\, f'\\big(z_1(i)\\big)`],
        h('span', {}, tex(fPrime), `; i = 1…${hidden}; z₁ = W₁·flatten + b₁ is a₁ before f. δ₁ has ${hidden} entries (the handout's “96×1” is a slip).`),
        d1,
      ),
    );

    // ΔW₁, Δb₁
    const [o1, i1] = g['fc1.weight'].shape as [number, number];
    const dW1 = tensorMaps('bp-grad-fc1.weight', g['fc1.weight'].data, [o1, i1], { count: 1, rows: o1, cols: i1, scale: 3, label: () => 'ΔW₁' });
    mapsOf('grad:fc1.weight', dW1, o1, i1, () => `ΔW₁, ${o1} units by ${i1} inputs`);
    const db1 = tensorMaps('bp-grad-fc1.bias', g['fc1.bias'].data, [o1], { count: 1, rows: 1, cols: o1, scale: 8, label: () => 'Δb₁' });
    mapsOf('grad:fc1.bias', db1, 1, o1, () => `Δb₁, ${o1} units`);
    add(
      ['grad:fc1.weight', 'grad:fc1.bias'],
      row(
        'Hidden layer weights',
        ['\\Delta W_1 = \\delta_1 \\cdot \\mathrm{flatten}^{T} \\qquad \\Delta b_1 = \\delta_1', `\\Delta W_1(i,k) = \\delta_1(i)\\,\\mathrm{flatten}(k)`, `\\Delta b_1(i) = \\delta_1(i)`],
        `ΔW₁ is ${o1}×${i1}; Δb₁ is δ₁ again.`,
        dW1,
        db1,
      ),
    );

    // δ_flatten
    const dFlat = tensorMaps('bp-delta_flatten', d.delta_flatten.data, [flat], { count: maps2, rows: sideP2, cols: sideP2, scale: 12, caption: (n) => `n=${n + 1}` });
    mapsOf('delta:delta_flatten', dFlat, sideP2, sideP2, (n) => `δ flatten, the part of C_P² map ${n + 1}`);
    add(
      ['delta:delta_flatten'],
      row(
        'Back through flatten',
        ['\\delta_{\\mathrm{flatten}} = W_1^{T}\\,\\delta_1', `\\delta_{\\mathrm{flatten}}(k) = \\sum_{i=1}^{${hidden}} W_1(i,k)\\,\\delta_1(i)`],
        `k = 1…${flat}: ${flat} values, reshaped map-major back to ${maps2} maps of ${sideP2}×${sideP2}: δC²_P,ₙ(i,j) = δ_flatten(${sideP2 * sideP2}(n−1) + ${sideP2}(i−1) + j).`,
        dFlat,
      ),
    );

    // δC²
    const dC2 = tensorMaps('bp-delta_conv2', d.delta_conv2.data, d.delta_conv2.shape, { count: maps2, rows: side2, cols: side2, scale: 7, caption: (n) => `\\delta C^2_{${n + 1}}` });
    mapsOf('delta:delta_conv2', dC2, side2, side2, (n) => `δC² map ${n + 1}`);
    add(
      ['delta:delta_conv2'],
      row(
        avg ? 'Back through average pooling and f' : 'Back through max pooling and f',
        avg
          ? `\\delta C^2_n(i,j) = \\tfrac14\\,\\delta C^2_{P,n}\\!\\left(\\lceil i/2\\rceil, \\lceil j/2\\rceil\\right) \\cdot f'(z)`
          : `\\delta C^2_n(i,j) = \\begin{cases} \\delta C^2_{P,n}(\\lceil i/2\\rceil, \\lceil j/2\\rceil)\\cdot f'(z) & (i,j) = \\arg\\max \\text{ of its } 2{\\times}2 \\\\ 0 & \\text{otherwise} \\end{cases}`,
        h('span', {}, `i, j = 1…${side2}. δC²_P,ₙ is δ_flatten reshaped (the handout writes δ_flatten(⌈i/2⌉, ⌈j/2⌉)); z is C²ₙ(i,j) before f. `, tex(fPrime), '.'),
        dC2,
        this.poolingZoom(t),
      ),
    );

    // ΔK², Δb²: stored [n][m][5][5], shown with a row per n (output map) and a column per m, as K²
    const k2 = g['conv2.weight'];
    const [n2, m2] = k2.shape as [number, number];
    const b2 = vectorCells('bp-grad-conv2.bias', g['conv2.bias'].data, (n) => `n=${n + 1}`);
    cells('grad:conv2.bias', b2, 'Δb² of each map n');
    const k2Maps = tensorMaps('bp-grad-conv2.weight', k2.data, k2.shape, {
      count: m2 * n2,
      rows: K,
      cols: K,
      scale: 7,
      perRow: m2,
      caption: (k) => `\\Delta K^2_{${(k % m2) + 1},${Math.floor(k / m2) + 1}}`,
    });
    k2Maps.dataset['values'] = valuesJson(k2.data); // the stored order [n][m][5][5]
    const k2Canvases = canvasesOf(k2Maps);
    k2Canvases.forEach((c) => cellHost(c));
    const k2Grid = k2Maps.querySelector<HTMLElement>('.tp-maps') ?? k2Maps;
    values.grid(
      'grad:conv2.weight',
      k2Grid,
      `ΔK², ${n2} rows n by ${m2} columns m of ${K} × ${K} kernels`,
      canvasGeometry(k2Canvases, n2 * K, m2 * K, (r, c) => [Math.floor(r / K) * m2 + Math.floor(c / K), c % K, r % K], (k, x, yy) => [Math.floor(k / m2) * K + yy, (k % m2) * K + x]),
      (r, c) => ((Math.floor(r / K) * m2 + Math.floor(c / K)) * K + (r % K)) * K + (c % K),
      (i) => {
        const slice = Math.floor(i / (K * K));
        const rest = i % (K * K);
        return [Math.floor(slice / m2) * K + Math.floor(rest / K), (slice % m2) * K + (rest % K)];
      },
    );
    add(
      ['grad:conv2.weight', 'grad:conv2.bias'],
      row(
        'Layer-2 kernels and biases',
        [
          `\\Delta K^2_{m,n}(u,v) = \\sum_{i=1}^{${side2}}\\sum_{j=1}^{${side2}} \\delta C^2_n(i,j)\\, C^1_{P,m}(i+u-1,\\, j+v-1)`,
          `\\Delta b^2_n = \\sum_{i=1}^{${side2}}\\sum_{j=1}^{${side2}} \\delta C^2_n(i,j)`,
        ],
        `u, v = 1…${K}. Rows n = 1…${n2} (output map C²ₙ), columns m = 1…${m2} (input map C_P¹ₘ), as K² in “Inside the network”. Kernels are shown as the forward pass applies them (cross-correlation); the handout's ΔK(u,v) with u, v = −2..2 is each picture turned 180°.`,
        k2Maps,
        h('div', { class: 'bp-bias' }, tex('\\Delta b^2_n'), b2),
      ),
    );

    // δC_P¹
    const dP1 = tensorMaps('bp-delta_pool1', d.delta_pool1.data, d.delta_pool1.shape, { count: maps1, rows: sideP1, cols: sideP1, scale: 6, caption: (m) => `\\delta C^1_{P,${m + 1}}` });
    mapsOf('delta:delta_pool1', dP1, sideP1, sideP1, (m) => `δC_P¹ map ${m + 1}`);
    add(
      ['delta:delta_pool1'],
      row(
        'Back through the layer-2 convolution',
        [
          `\\delta C^1_{P,m} = \\sum_{n=1}^{${n2}} \\delta C^2_n \\circledast \\operatorname{rot180}\\!\\left(K^2_{m,n}\\right)`,
          `\\delta C^1_{P,m}(i,j) = \\sum_{n=1}^{${n2}}\\sum_{u=1}^{${K}}\\sum_{v=1}^{${K}} \\delta C^2_n(i+u-${K},\\, j+v-${K})\\, K^2_{m,n}(${K + 1}-u,\\, ${K + 1}-v)`,
        ],
        `i, j = 1…${sideP1}. A full convolution: δC²ₙ is taken as 0 outside its ${side2}×${side2}, so ${side2}×${side2} with ${K}×${K} gives ${sideP1}×${sideP1}; K²ₘₙ(${K + 1}−u, ${K + 1}−v) is the kernel turned 180°.`,
        dP1,
      ),
    );

    // δC¹
    const dC1 = tensorMaps('bp-delta_conv1', d.delta_conv1.data, d.delta_conv1.shape, { count: maps1, rows: side1, cols: side1, scale: 3, caption: (m) => `\\delta C^1_{${m + 1}}` });
    mapsOf('delta:delta_conv1', dC1, side1, side1, (m) => `δC¹ map ${m + 1}`);
    add(
      ['delta:delta_conv1'],
      row(
        avg ? 'Back through average pooling and f' : 'Back through max pooling and f',
        avg
          ? `\\delta C^1_m(i,j) = \\tfrac14\\,\\delta C^1_{P,m}\\!\\left(\\lceil i/2\\rceil, \\lceil j/2\\rceil\\right) \\cdot f'(z)`
          : `\\delta C^1_m(i,j) = \\delta C^1_{P,m}(\\lceil i/2\\rceil, \\lceil j/2\\rceil)\\cdot f'(z) \\text{ at the arg-max, else } 0`,
        `i, j = 1…${side1}; z is C¹ₘ(i,j) before f.` + (t.config.activation === 'relu' ? ' Where C¹ = b¹ ≤ 0 (the blank border) ReLU′ = 0 and δC¹ is white.' : ''),
        dC1,
      ),
    );

    // ΔK¹, Δb¹
    const dK1 = tensorMaps('bp-grad-conv1.weight', g['conv1.weight'].data, g['conv1.weight'].shape, { count: maps1, rows: K, cols: K, scale: 12, caption: (m) => `\\Delta K^1_{${m + 1}}` });
    mapsOf('grad:conv1.weight', dK1, K, K, (m) => `ΔK¹ kernel ${m + 1}`);
    const db1c = vectorCells('bp-grad-conv1.bias', g['conv1.bias'].data, (m) => `m=${m + 1}`);
    cells('grad:conv1.bias', db1c, 'Δb¹ of each map m');
    add(
      ['grad:conv1.weight', 'grad:conv1.bias'],
      row(
        'Layer-1 kernels and biases',
        [
          `\\Delta K^1_m(u,v) = \\sum_{i=1}^{${side1}}\\sum_{j=1}^{${side1}} \\delta C^1_m(i,j)\\, I(i+u-1,\\, j+v-1)`,
          `\\Delta b^1_m = \\sum_{i=1}^{${side1}}\\sum_{j=1}^{${side1}} \\delta C^1_m(i,j)`,
        ],
        `u, v = 1…${K}. No δ is needed for the input image. Shown as applied (cross-correlation).`,
        dK1,
        h('div', { class: 'bp-bias' }, tex('\\Delta b^1_m'), db1c),
      ),
    );

    this.body.replaceChildren(...out);
    // An open explanation follows the new trace (the same value, this sample's numbers).
    const open = this.explainer.cell;
    this.explainer.setSource(t);
    if (open && before) this.explainer.open(open, false);
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

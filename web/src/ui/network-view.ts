// The network's insides in the handout's notation, top to bottom:
//   I → K¹ → C¹ → C_P¹ → K² → C² → C_P² → flatten → a₁ → S
// each with its symbol, shape, equation and (per row) the value range of its colours.
//
// Kernels are shown as the forward pass applies them: cross-correlation, the way
// they are stored ([out][in][5][5], PyTorch's layout), so the top-left weight meets
// the top-left pixel of each 5×5 window. The handout writes true convolution; its
// K is the shown kernel rotated 180° (docs: reading-the-handout.md, reading 3).
//
// render() runs while a student draws, so it must take a few ms: the DOM is built
// once per network shape; each render paints tiny canvases with putImageData (CSS
// scales them up, pixelated), and writes text only when it changes. Nothing reads
// layout. The shapes come from the tensors, so other configs (maps1, maps2, hidden)
// work too; f and the pooling come with the snapshot (the network's config).
import { el } from './dom';
import { onThemeChange } from './theme';
import type { NetworkSnapshot, Tensor } from '../core/types';
import {
  DIVERGING,
  SEQUENTIAL,
  cssColor,
  drawLegend,
  formatValue,
  maxAbs,
  paintSlice,
  pixelCanvas,
  type ColorMap,
  type PaintRange,
} from './colormap';

export type { NetworkSnapshot };

// ---- notation ------------------------------------------------------------------
// `C^1_m` stacks 1 over m as the handout writes it; `b_1`, `5^2` are plain sub- and
// superscripts; `{…}` groups: `K^2_{m,n}`. Built as DOM nodes, never innerHTML.

function readGroup(src: string, i: number): [string, number] {
  if (src[i] === '{') {
    const end = src.indexOf('}', i + 1);
    return end < 0 ? [src.slice(i + 1), src.length] : [src.slice(i + 1, end), end + 1];
  }
  return [src[i] ?? '', i + 1];
}

/** The nodes of a formula in the notation above. */
export function math(src: string): DocumentFragment {
  const out = document.createDocumentFragment();
  let text = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c !== '^' && c !== '_') {
      text += c;
      i++;
      continue;
    }
    let sup = '';
    let sub = '';
    while (src[i] === '^' || src[i] === '_') {
      const kind = src[i];
      const [group, next] = readGroup(src, i + 1);
      if (kind === '^') sup = group;
      else sub = group;
      i = next;
    }
    if (text) out.append(text);
    text = '';
    if (sup && sub) {
      const s = el('span', 'cl-ss');
      s.append(el('span', 'cl-ss-sup', sup), el('span', 'cl-ss-sub', sub));
      out.append(s);
    } else {
      const s = document.createElement(sup ? 'sup' : 'sub');
      s.textContent = sup || sub;
      out.append(s);
    }
  }
  if (text) out.append(text);
  return out;
}

const SUP: Record<string, string> = { '1': '¹', '2': '²', '3': '³', '4': '⁴', T: 'ᵀ' };
const SUB: Record<string, string> = {
  '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉',
  m: 'ₘ', n: 'ₙ', u: 'ᵤ', v: 'ᵥ', i: 'ᵢ', j: 'ⱼ', P: 'ₚ', ',': ',',
};

/** The formula as plain Unicode (titles, aria-labels): C^1_m → C¹ₘ. */
export function mathText(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c !== '^' && c !== '_') {
      out += c;
      i++;
      continue;
    }
    const [group, next] = readGroup(src, i + 1);
    const table = c === '^' ? SUP : SUB;
    const chars = [...group];
    out += chars.every((ch) => table[ch]) ? chars.map((ch) => table[ch]).join('') : `${c}(${group})`;
    i = next;
  }
  return out;
}

// ---- helpers -------------------------------------------------------------------


function mathEl<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, src: string): HTMLElementTagNameMap[K] {
  const e = el(tag, className);
  e.append(math(src));
  return e;
}

/** Sets the text of a node only when it changes (no style/layout work otherwise). */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function fmtBias(v: number): string {
  const s = Math.abs(v) < 0.005 ? String(Number(v.toPrecision(1))) : v.toFixed(2);
  return s.replace('-', '−');
}

/** ~96 CSS px per map, whole pixels per value. */
function scaleFor(side: number, target = 96): number {
  return Math.max(1, Math.round(target / side));
}

const ACTIVATION_NAMES = { relu: 'ReLU', tanh: 'tanh', sigmoid: 'sigmoid' } as const;

// ---- rows ----------------------------------------------------------------------

interface Shapes {
  inH: number;
  inW: number;
  maps1: number;
  maps2: number;
  k: number;
  c1: number;
  p1: number;
  c2: number;
  p2: number;
  hidden: number;
  classes: number;
}

function shapesOf(s: NetworkSnapshot): Shapes {
  const dim = (t: Tensor, i: number) => t.shape[i] ?? 1;
  const f = s.forward;
  return {
    inH: dim(s.input, s.input.shape.length - 2),
    inW: dim(s.input, s.input.shape.length - 1),
    maps1: dim(f.conv1, 0),
    maps2: dim(f.conv2, 0),
    k: dim(s.params['conv1.weight'], 3),
    c1: dim(f.conv1, 1),
    p1: dim(f.pool1, 1),
    c2: dim(f.conv2, 1),
    p2: dim(f.pool2, 1),
    hidden: dim(f.fc1, 0),
    classes: dim(f.probs, 0),
  };
}

interface Row {
  section: HTMLElement;
  maps: HTMLElement;
  legend: HTMLCanvasElement;
  legendKey: string;
  equation: HTMLElement;
  equationKey: string;
  tag: HTMLElement;
}

interface Built {
  key: string;
  s: Shapes;
  rows: Record<'input' | 'k1' | 'c1' | 'p1' | 'k2' | 'c2' | 'p2' | 'flatten' | 'a1' | 'out', Row>;
  input: HTMLCanvasElement;
  k1: HTMLCanvasElement[];
  k1Bias: HTMLElement[];
  c1: HTMLCanvasElement[];
  p1: HTMLCanvasElement[];
  k2: HTMLCanvasElement[];
  k2Bias: HTMLElement[];
  c2: HTMLCanvasElement[];
  p2: HTMLCanvasElement[];
  flatten: HTMLCanvasElement[];
  a1: HTMLCanvasElement;
  out: HTMLCanvasElement;
  outLabels: HTMLElement[];
  outTop: number;
  params: HTMLElement;
  fName: HTMLElement[];
}

const LEGEND_W = 150;
const LEGEND_H = 28;

export class NetworkView {
  readonly element: HTMLElement;
  private built: Built | null = null;
  private textColor = '';

  constructor(container: HTMLElement) {
    // The legends' text colour is read once per theme (colormap.ts repaints drawn legends).
    onThemeChange(() => {
      this.textColor = '';
    });
    this.element = el('div', 'cl-net');
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', 'Inside the network: every layer for the current input');
    container.append(this.element);
  }

  /**
   * Paints the snapshot row by row, at most ~6 ms of work per frame: a full paint
   * (60 canvases, 10 legends) took up to 70 ms in one task on a 4× slower CPU while
   * training, and held up input. A newer snapshot replaces the rest of an older one.
   */
  render(snapshot: NetworkSnapshot): void {
    const s = shapesOf(snapshot);
    const key = JSON.stringify(s);
    if (!this.built || this.built.key !== key) this.built = this.build(s, key);
    this.steps = this.paintSteps(this.built, snapshot);
    this.pump();
  }

  private steps: Generator<void> | null = null;
  private pumping = false;

  private pump(): void {
    const start = performance.now();
    while (this.steps) {
      if (this.steps.next().done) this.steps = null;
      else if (performance.now() - start > 6) break;
    }
    if (this.steps && !this.pumping) {
      this.pumping = true;
      requestAnimationFrame(() => {
        this.pumping = false;
        this.pump();
      });
    }
  }

  // ---- DOM, once per shape -----------------------------------------------------

  private build(s: Shapes, key: string): Built {
    const root = this.element;
    root.replaceChildren();

    const intro = el('div', 'cl-net-intro');
    const params = el('p', 'cl-net-params');
    const colours = el('p', 'cl-net-colours');
    colours.append(
      swatchRow(),
      ' Signed values: purple < 0, white = 0, orange > 0, each row scaled to ±max|v| (legend under its symbol). Images and probabilities: white 0 → black 1.',
    );
    intro.append(params, colours);
    root.append(intro);

    const row = (id: string, symbol: string, shape: string, tag: string): Row => {
      const section = el('div', 'cl-net-row');
      section.setAttribute('role', 'group'); // not a landmark (two demos, one page)
      section.dataset['testid'] = `nv-${id}`;
      section.dataset['layer'] = id;
      const head = el('div', 'cl-net-head');
      const sym = mathEl('div', 'cl-net-symbol', symbol);
      const shapeEl = el('div', 'cl-net-shape', shape);
      const tagEl = el('div', 'cl-net-tag', tag);
      const legend = el('canvas', 'cl-net-legend');
      legend.style.width = `${LEGEND_W}px`;
      legend.style.height = `${LEGEND_H}px`;
      head.append(sym, shapeEl, tagEl, legend);
      const body = el('div', 'cl-net-body');
      const maps = el('div', 'cl-net-maps');
      const equation = el('div', 'cl-net-eq');
      body.append(maps, equation);
      section.append(head, body);
      section.setAttribute('aria-label', `${mathText(symbol)}, ${shape}`);
      root.append(section);
      return { section, maps, legend, legendKey: '', equation, equationKey: '', tag: tagEl };
    };

    const tile = (parent: HTMLElement, rows: number, cols: number, scale: number, caption: string, extra?: HTMLElement) => {
      const fig = el('figure', 'cl-tile');
      const canvas = pixelCanvas(rows, cols, scale);
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', mathText(caption));
      fig.title = mathText(caption);
      const cap = mathEl('figcaption', 'cl-tile-caption', caption);
      if (extra) cap.append(extra);
      fig.append(canvas, cap);
      parent.append(fig);
      return canvas;
    };

    const rows = {} as Built['rows'];
    const k = s.k;
    const sq = (n: number) => `${n} × ${n}`;

    // I
    rows.input = row('input', 'I', sq(s.inH), 'input image');
    const input = tile(rows.input.maps, s.inH, s.inW, 4, 'I');

    // K¹
    rows.k1 = row('k1', 'K^1', `${s.maps1} × ${sq(k)}`, 'kernels + biases');
    const k1: HTMLCanvasElement[] = [];
    const k1Bias: HTMLElement[] = [];
    for (let m = 1; m <= s.maps1; m++) {
      const b = el('span', 'cl-tile-bias');
      const label = el('span', 'cl-tile-bias-label');
      label.append(math(`b^1_{${m}}`), ' = ');
      const wrap = el('span', 'cl-tile-biasline');
      wrap.append(label, b);
      k1.push(tile(rows.k1.maps, k, k, 12, `K^1_{${m}}`, wrap));
      k1Bias.push(b);
    }
    rows.k1.maps.append(kernelNote('K^1_m'));

    // C¹
    const fName: HTMLElement[] = [];
    const fTag = () => {
      const t = el('span', 'cl-net-f', 'f');
      fName.push(t);
      return t;
    };
    rows.c1 = row('c1', 'C^1', `${s.maps1} × ${sq(s.c1)}`, 'convolution, valid');
    rows.c1.tag.append(' · ', fTag());
    const c1 = range1(s.maps1).map((m) => tile(rows.c1.maps, s.c1, s.c1, scaleFor(s.c1), `C^1_{${m}}`));

    // C_P¹
    rows.p1 = row('p1', 'C^1_P', `${s.maps1} × ${sq(s.p1)}`, '2×2 pooling');
    const p1 = range1(s.maps1).map((m) => tile(rows.p1.maps, s.p1, s.p1, scaleFor(s.p1), `C^1_{P,${m}}`));

    // K²: row n (output map), column m (input map)
    rows.k2 = row('k2', 'K^2', `${s.maps2 * s.maps1} × ${sq(k)}`, `${s.maps2} rows (n) × ${s.maps1} (m)`);
    const grid = el('div', 'cl-k2');
    grid.style.gridTemplateColumns = `auto repeat(${s.maps1}, auto) auto`;
    grid.append(el('span', 'cl-k2-corner', ''));
    for (let m = 1; m <= s.maps1; m++) grid.append(mathEl('span', 'cl-k2-col', `from C^1_{P,${m}}`));
    grid.append(el('span', 'cl-k2-corner', ''));
    const k2: HTMLCanvasElement[] = [];
    const k2Bias: HTMLElement[] = [];
    for (let n = 1; n <= s.maps2; n++) {
      grid.append(mathEl('span', 'cl-k2-row', `n = ${n}`));
      for (let m = 1; m <= s.maps1; m++) k2.push(tile(grid, k, k, 8, `K^2_{${m},${n}}`));
      const b = el('span', 'cl-k2-bias');
      const to = mathEl('span', 'cl-k2-to', `→ C^2_{${n}}`);
      const bias = mathEl('span', 'cl-k2-biasline', `b^2_{${n}} = `);
      bias.append(b);
      to.append(el('br', ''), bias);
      grid.append(to);
      k2Bias.push(b);
    }
    rows.k2.maps.append(grid, kernelNote('K^2_{m,n}'));

    // C²
    rows.c2 = row('c2', 'C^2', `${s.maps2} × ${sq(s.c2)}`, `every C_P¹ₘ to every C²ₙ`);
    rows.c2.tag.append(' · ', fTag());
    const c2 = range1(s.maps2).map((n) => tile(rows.c2.maps, s.c2, s.c2, scaleFor(s.c2), `C^2_{${n}}`));

    // C_P²
    rows.p2 = row('p2', 'C^2_P', `${s.maps2} × ${sq(s.p2)}`, '2×2 pooling');
    const p2 = range1(s.maps2).map((n) => tile(rows.p2.maps, s.p2, s.p2, scaleFor(s.p2), `C^2_{P,${n}}`));

    // flatten: one group per map, map-major
    const per = s.p2 * s.p2;
    const flat = s.maps2 * per;
    rows.flatten = row('flatten', 'flatten', `${flat}`, 'map-major, same colours as C_P²');
    const cell = Math.max(2, Math.min(6, Math.floor(560 / flat)));
    const strip = el('div', 'cl-strip cl-flatten');
    const flatten = range1(s.maps2).map((n) => {
      const g = el('figure', 'cl-strip-group');
      const canvas = pixelCanvas(1, per, cell);
      canvas.style.height = '16px';
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `flatten ${(n - 1) * per}–${n * per - 1}: ${mathText(`C^2_{P,${n}}`)}`);
      g.append(canvas, mathEl('figcaption', 'cl-tile-caption', `C^2_{P,${n}}`));
      strip.append(g);
      return canvas;
    });
    rows.flatten.maps.append(strip);

    // a₁
    rows.a1 = row('a1', 'a_1', `${s.hidden}`, 'dense, hidden layer');
    rows.a1.tag.append(' · ', fTag());
    const a1 = pixelCanvas(1, s.hidden, Math.max(2, Math.min(10, Math.floor(560 / s.hidden))));
    a1.style.height = '16px';
    a1.setAttribute('role', 'img');
    a1.setAttribute('aria-label', `a₁, ${s.hidden} hidden units`);
    const a1Strip = el('div', 'cl-strip');
    a1Strip.append(a1);
    rows.a1.maps.append(a1Strip);

    // S
    rows.out = row('out', 'S', `${s.classes}`, 'softmax output');
    const outWrap = el('div', 'cl-softmax');
    const out = pixelCanvas(1, s.classes, 30);
    out.style.height = '30px';
    out.setAttribute('role', 'img');
    out.setAttribute('aria-label', 'S, the probability of each digit');
    const labels = el('div', 'cl-softmax-labels');
    labels.style.width = `${s.classes * 30}px`;
    const outLabels = range1(s.classes).map((d) => {
      const l = el('span', '', String(d - 1));
      labels.append(l);
      return l;
    });
    outWrap.append(out, labels);
    rows.out.maps.append(outWrap);

    this.textColor = '';
    return {
      key, s, rows, input, k1, k1Bias, c1, p1, k2, k2Bias, c2, p2, flatten, a1, out, outLabels,
      outTop: -1, params, fName,
    };
  }

  // ---- paint, every render -----------------------------------------------------

  private *paintSteps(b: Built, snap: NetworkSnapshot): Generator<void> {
    const { s, rows } = b;
    const f = snap.forward;
    const p = snap.params;
    if (!this.textColor) this.textColor = getComputedStyle(this.element).color || '#333';

    // f and the pooling: the network's config, sent with the tensors
    const act = ACTIVATION_NAMES[snap.config.activation];
    for (const t of b.fName) setText(t, `f = ${act}`);
    const pooling = snap.config.pooling;
    const fx = act;

    // I
    const inputData = snap.input.data;
    paintSlice(b.input, inputData, 0, s.inH, s.inW, SEQUENTIAL, { min: 0, max: 1 });
    this.legend(rows.input, SEQUENTIAL, { min: 0, max: 1 });
    this.equation(rows.input, 'I(i,j) = pixel / 255 ∈ [0, 1],  i, j = 1..' + s.inH, '');

    yield;
    // K¹ (stored [m][1][k][k]: as applied)
    const w1 = p['conv1.weight'].data;
    const kk = s.k * s.k;
    const r1 = sym(maxAbs(w1));
    b.k1.forEach((c, m) => paintSlice(c, w1, m * kk, s.k, s.k, DIVERGING, r1));
    b.k1Bias.forEach((e, m) => setText(e, fmtBias(p['conv1.bias'].data[m]!)));
    this.legend(rows.k1, DIVERGING, r1);
    const half = (s.k - 1) / 2;
    this.equation(
      rows.k1,
      `${s.k}×${s.k} weights per map, m = 1..${s.maps1};  initial U(±√(6/((1+${s.maps1})·${s.k}^2))), b^1_m = 0`,
      'p. 2',
    );

    yield;
    // C¹, C_P¹, C², C_P²: one canvas per map, signed colours, one range per row
    this.maps(rows.c1, b.c1, f.conv1.data, s.c1,
      `C^1_m(i,j) = ${fx}( Σ_u Σ_v I(i−u, j−v)·K^1_m(u,v) + b^1_m ),  u, v = −${half}..${half},  i, j = 1..${s.c1}`,
      'p. 2');
    yield;
    this.maps(rows.p1, b.p1, f.pool1.data, s.p1,
      pooling === 'average'
        ? `C^1_{P,m}(i,j) = ¼ Σ_u Σ_v C^1_m(2i−u, 2j−v),  u, v ∈ {0, 1},  i, j = 1..${s.p1}   (average pooling)`
        : `C^1_{P,m}(i,j) = max_{u,v ∈ {0,1}} C^1_m(2i−u, 2j−v),  i, j = 1..${s.p1}:  the max over each 2×2 block   (max pooling)`,
      'p. 2');
    rows.p1.tag.textContent = `2×2 ${pooling} pooling`;

    yield;
    // K² (stored [n][m][k][k]: tile n·maps1 + m is K²ₘ,ₙ)
    const w2 = p['conv2.weight'].data;
    const r2 = sym(maxAbs(w2));
    b.k2.forEach((c, i) => paintSlice(c, w2, i * kk, s.k, s.k, DIVERGING, r2));
    b.k2Bias.forEach((e, n) => setText(e, fmtBias(p['conv2.bias'].data[n]!)));
    this.legend(rows.k2, DIVERGING, r2);
    this.equation(
      rows.k2,
      `K^2_{m,n}: the ${s.k}×${s.k} kernel from C^1_{P,m} to C^2_n;  initial U(±√(6/((${s.maps1}+${s.maps2})·${s.k}^2))), b^2_n = 0`,
      'p. 2',
    );

    yield;
    this.maps(rows.c2, b.c2, f.conv2.data, s.c2,
      `C^2_n(i,j) = ${fx}( Σ_m Σ_u Σ_v C^1_{P,m}(i−u, j−v)·K^2_{m,n}(u,v) + b^2_n ),  m = 1..${s.maps1},  i, j = 1..${s.c2}`,
      'p. 3');
    yield;
    // C_P² and flatten (same colours)
    const p2n = s.p2 * s.p2;
    const rp2 = this.maps(rows.p2, b.p2, f.pool2.data, s.p2,
      pooling === 'average'
        ? `C^2_{P,n}(i,j) = ¼ Σ_u Σ_v C^2_n(2i−u, 2j−v),  u, v ∈ {0, 1},  i, j = 1..${s.p2}`
        : `C^2_{P,n}(i,j) = max_{u,v ∈ {0,1}} C^2_n(2i−u, 2j−v),  i, j = 1..${s.p2}:  the max over each 2×2 block`,
      'p. 3');
    rows.p2.tag.textContent = `2×2 ${pooling} pooling`;
    b.flatten.forEach((c, n) => paintSlice(c, f.flatten.data, n * p2n, 1, p2n, DIVERGING, rp2));
    this.legend(rows.flatten, DIVERGING, rp2);
    this.equation(
      rows.flatten,
      `flatten(${p2n}·n + ${s.p2}·i + j) = C^2_{P,n}(i,j), counting from 0: ${s.maps2} × ${p2n} = ${s.maps2 * p2n} values`,
      'p. 3',
    );

    yield;
    // a₁
    const ra1 = sym(maxAbs(f.fc1.data));
    paintSlice(b.a1, f.fc1.data, 0, 1, s.hidden, DIVERGING, ra1);
    this.legend(rows.a1, DIVERGING, ra1);
    this.equation(
      rows.a1,
      `a_1 = ${fx}(W_1·flatten + b_1),  W_1: ${s.hidden} × ${s.maps2 * p2n},  b_1: ${s.hidden}`,
      'p. 3',
    );

    yield;
    // S
    const probs = f.probs.data;
    paintSlice(b.out, probs, 0, 1, s.classes, SEQUENTIAL, { min: 0, max: 1 });
    this.legend(rows.out, SEQUENTIAL, { min: 0, max: 1 });
    this.equation(
      rows.out,
      `S = softmax(W_2·a_1 + b_2) = a_2,  S_k = exp(z_k) / Σ_j exp(z_j),  W_2: ${s.classes} × ${s.hidden}`,
      'p. 3',
    );
    let top = 0;
    for (let d = 1; d < s.classes; d++) if (probs[d]! > probs[top]!) top = d;
    if (top !== b.outTop) {
      b.outLabels[b.outTop]?.classList.remove('cl-softmax-top');
      b.outLabels[top]?.classList.add('cl-softmax-top');
      b.outTop = top;
    }

    yield;
    // the parameter count, from the tensors
    const count = Object.values(p).reduce((n, t) => n + t.data.length, 0);
    setText(
      b.params,
      count === 6070
        ? `6070 learned parameters: K¹ 100 + b¹ 4 + K² 600 + b² 6 + W₁ 4800 + b₁ 50 + W₂ 500 + b₂ 10. (The handout’s sum says 6170; its own terms add up to 6070.)`
        : `${count} learned parameters (the handout's network has 6070).`,
    );
  }

  /** Paints each side×side map of `data` into its canvas on one symmetric range; returns the range. */
  private maps(row: Row, canvases: HTMLCanvasElement[], data: Float32Array, side: number, equation: string, page: string): PaintRange {
    const range = sym(maxAbs(data));
    canvases.forEach((c, i) => paintSlice(c, data, i * side * side, side, side, DIVERGING, range));
    this.legend(row, DIVERGING, range);
    this.equation(row, equation, page);
    return range;
  }

  private legend(row: Row, map: ColorMap, range: PaintRange): void {
    const key = `${formatValue(range.min)}|${formatValue(range.max)}`;
    if (key === row.legendKey) return;
    row.legendKey = key;
    drawLegend(row.legend, range.min, range.max, { map, textColor: this.textColor });
  }

  private equation(row: Row, src: string, page: string): void {
    const key = src + page;
    if (key === row.equationKey) return;
    row.equationKey = key;
    row.equation.replaceChildren(math(src));
    if (page) row.equation.append(el('span', 'cl-net-page', `handout ${page}`));
  }
}

function sym(m: number): PaintRange {
  return { min: -m, max: m };
}

function range1(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function kernelNote(symbol: string): HTMLElement {
  const note = el('p', 'cl-net-kernel-note');
  note.append('Shown as applied: cross-correlation; the handout’s ', math(symbol), ' is this rotated 180°.');
  return note;
}

function swatchRow(): HTMLElement {
  const s = el('span', 'cl-net-swatches');
  s.setAttribute('aria-hidden', 'true');
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const c = el('span', 'cl-net-swatch');
    c.style.background = cssColor(DIVERGING, t, 0, 1);
    s.append(c);
  }
  return s;
}

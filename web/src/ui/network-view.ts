// The network's insides in the handout's notation, top to bottom:
//   I → K¹ → C¹ before f → C¹ → C_P¹ → K² → C² → C_P² → flatten → W₁ → a₁ → W₂ → S
// each with its symbol, shape, equation (KaTeX) and (per row) the value range of
// its colours. Every value can be pointed at (ui/cell-grid.ts: click, tap, or Tab to
// a map, arrow keys, Enter) and explained (ui/explain-view.ts, web/src/explain/).
//
// Indices on this page: 1-based (the handout's), kernels shown and applied as
// stored, i.e. cross-correlation, PyTorch's layout [out][in][5][5], so the top-left
// weight meets the top-left pixel of each 5×5 window:
//   C¹ₘ(i,j) = f(Σ_{u,v=1}^{5} I(i+u−1, j+v−1)·K¹ₘ(u,v) + b¹ₘ),  i,j = 1..24.
// The handout writes true convolution with centred u,v = −2..2; its K(u,v) is the
// shown K(3−u, 3−v), the kernel rotated 180° (reading-the-handout.md, readings 3, 4).
// K² is a grid with a row per output map n and a column per input map m (as
// stored); the backprop view's ΔK² uses the same rows and columns.
//
// render() runs while a student draws, so it must take a few ms: the DOM is built
// once per network shape; each render paints tiny canvases with putImageData (CSS
// scales them up, pixelated), and writes text only when it changes; equations are
// typeset only when they change (the network's config). Nothing reads layout. The
// shapes come from the tensors, so other configs (maps1, maps2, hidden) work too;
// f and the pooling come with the snapshot (the network's config). An open
// explanation follows each new snapshot (batched in a frame by the Explainer).
import katex from 'katex';
import { el } from './dom';
import { onThemeChange } from './theme';
import type { NetworkSnapshot, Tensor } from '../core/types';
import type { CellRef, TensorKey } from '../explain';
import { canvasGeometry, cellHost, Tooltip, ValueMaps } from './cell-grid';
import {
  DIVERGING,
  SEQUENTIAL,
  cssColor,
  drawLegend,
  formatValue,
  maxAbs,
  paintPlaced,
  paintSlice,
  pixelCanvas,
  type ColorMap,
  type PaintRange,
} from './colormap';
import { Explainer } from './explain-view';

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

type RowId = 'input' | 'k1' | 'c1pre' | 'c1' | 'p1' | 'k2' | 'c2' | 'p2' | 'flatten' | 'w1' | 'a1' | 'w2' | 'out';

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
  rows: Record<RowId, Row>;
  input: HTMLCanvasElement;
  k1: HTMLCanvasElement[];
  k1Bias: HTMLElement[];
  c1pre: HTMLCanvasElement[];
  c1: HTMLCanvasElement[];
  p1: HTMLCanvasElement[];
  k2: HTMLCanvasElement[];
  k2Bias: HTMLElement[];
  c2: HTMLCanvasElement[];
  p2: HTMLCanvasElement[];
  flatten: HTMLCanvasElement[];
  w1: HTMLCanvasElement;
  w1Layout: UnitLayout;
  a1: HTMLCanvasElement;
  w2: HTMLCanvasElement;
  out: HTMLCanvasElement;
  outLabels: HTMLElement[];
  outTop: number;
  params: HTMLElement;
  fName: HTMLElement[];
}

const LEGEND_W = 150;
const LEGEND_H = 28;

/**
 * W₁ as pictures: each unit's 96 weights as the maps of side×side it reads (one
 * after another, a 1-pixel gap between maps), units `across` per line (a 3-pixel
 * gap), lines 2 pixels apart.
 */
interface UnitLayout {
  units: number;
  maps: number;
  side: number;
  across: number;
  width: number;
  height: number;
  /** Canvas pixel (x, y) of unit i's input k. */
  place(i: number, k: number): [number, number];
  /** Unit and input of a pixel, or null for a gap. */
  at(x: number, y: number): [number, number] | null;
}

function unitLayout(units: number, maps: number, side: number, across = 5): UnitLayout {
  const unitW = maps * (side + 1) - 1;
  const stepX = unitW + 3;
  const stepY = side + 2;
  const lines = Math.ceil(units / across);
  const per = side * side;
  return {
    units,
    maps,
    side,
    across,
    width: Math.min(units, across) * stepX - 3,
    height: lines * stepY - 2,
    place(i, k) {
      const n = Math.floor(k / per);
      const r = Math.floor((k % per) / side);
      const c = k % side;
      return [(i % across) * stepX + n * (side + 1) + c, Math.floor(i / across) * stepY + r];
    },
    at(x, y) {
      const ux = Math.floor(x / stepX);
      const xin = x - ux * stepX;
      const uy = Math.floor(y / stepY);
      const yin = y - uy * stepY;
      if (xin >= unitW || yin >= side || ux >= across) return null;
      const n = Math.floor(xin / (side + 1));
      const c = xin - n * (side + 1);
      if (c >= side) return null;
      const i = uy * across + ux;
      return i < units ? [i, n * per + yin * side + c] : null;
    },
  };
}

/** KaTeX into an element (the equations change only with the network's config). */
function typeset(target: HTMLElement, src: string, display: boolean): void {
  katex.render(src, target, { throwOnError: false, displayMode: display, output: 'htmlAndMathml' });
}

export class NetworkView {
  readonly element: HTMLElement;
  private built: Built | null = null;
  private textColor = '';
  private snapshot: NetworkSnapshot | null = null;
  private readonly live: HTMLElement;
  private readonly tooltip: Tooltip;
  private readonly explainer: Explainer;
  private readonly values: ValueMaps;

  constructor(container: HTMLElement) {
    // The legends' text colour is read once per theme (colormap.ts repaints drawn legends).
    onThemeChange(() => {
      this.textColor = '';
    });
    this.element = el('div', 'cl-net');
    this.element.setAttribute('role', 'group');
    this.element.setAttribute('aria-label', 'Inside the network: every layer for the current input');
    container.append(this.element);
    this.live = el('p', 'cl-sr');
    this.live.setAttribute('aria-live', 'polite');
    this.live.dataset['testid'] = 'nv-live';
    this.tooltip = new Tooltip(this.element);
    this.explainer = new Explainer({
      testid: 'explain-network',
      announce: (text) => this.announce(text),
      selected: (cell) => this.values.mark(cell),
      anchor: (key) => this.anchorOf(key),
      refocus: (cell) => this.values.focus(cell),
    });
    this.values = new ValueMaps({
      source: () => this.snapshot,
      open: (cell) => this.explainer.open(cell),
      close: () => this.explainer.close(true),
      announce: (text) => this.announce(text),
      tooltip: this.tooltip,
    });
  }

  /**
   * Paints the snapshot row by row, at most ~6 ms of work per frame: a full paint
   * (60 canvases, 10 legends) took up to 70 ms in one task on a 4× slower CPU while
   * training, and held up input. A newer snapshot replaces the rest of an older one.
   * The explanation reads the snapshot's numbers, not the canvases: it follows at once.
   */
  render(snapshot: NetworkSnapshot): void {
    const s = shapesOf(snapshot);
    const key = JSON.stringify(s);
    this.snapshot = snapshot;
    if (!this.built || this.built.key !== key) {
      this.explainer.close();
      this.built = this.build(s, key);
    }
    this.steps = this.paintSteps(this.built, snapshot);
    this.pump();
    this.explainer.setSource(snapshot);
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

  /** Opens the explanation of a value (as a click on it does). */
  select(cell: CellRef): void {
    this.explainer.open(cell);
  }

  private announce(text: string): void {
    this.live.textContent = text;
  }

  private anchorOf(key: TensorKey): HTMLElement | null {
    const b = this.built;
    if (!b) return null;
    const row: Partial<Record<TensorKey, RowId>> = {
      input: 'input',
      'param:conv1.weight': 'k1',
      'forward:conv1_pre': 'c1pre',
      'forward:conv1': 'c1',
      'forward:pool1': 'p1',
      'param:conv2.weight': 'k2',
      'forward:conv2': 'c2',
      'forward:conv2_pre': 'c2',
      'forward:pool2': 'p2',
      'forward:flatten': 'flatten',
      'param:fc1.weight': 'w1',
      'forward:fc1': 'a1',
      'forward:fc1_pre': 'a1',
      'param:fc2.weight': 'w2',
      'forward:logits': 'out',
      'forward:probs': 'out',
    };
    const id = row[key];
    return id ? b.rows[id].section : null;
  }

  // ---- DOM, once per shape -----------------------------------------------------

  private build(s: Shapes, key: string): Built {
    const root = this.element;
    root.replaceChildren(this.live, this.tooltip.element);
    const values = this.values;
    values.clear();

    const intro = el('div', 'cl-net-intro');
    const params = el('p', 'cl-net-params');
    const colours = el('p', 'cl-net-colours');
    colours.append(
      swatchRow(),
      ' Signed values: purple < 0, white = 0, orange > 0, each row scaled to ±max|v| (legend under its symbol). Images and probabilities: white 0 → black 1.',
    );
    intro.append(params, colours, conventionNote(s));
    root.append(intro);

    const row = (id: RowId, symbol: string, shape: string, tag: string): Row => {
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
    const sq = (n: number) => `${n} × ${n}`;
    /** A row of maps of one tensor, each its own value map. */
    const mapsOf = (r: Row, tensor: TensorKey, count: number, side: number, caption: (k: number) => string, label: (k: number) => string) =>
      range1(count).map((k) => {
        const canvas = tile(r.maps, side, side, scaleFor(side), caption(k));
        values.map(tensor, canvas, (k - 1) * side * side, side, side, `${label(k)}, ${sq(side)} values`);
        return canvas;
      });

    const rows = {} as Built['rows'];
    const k = s.k;

    // I
    rows.input = row('input', 'I', sq(s.inH), 'input image');
    const input = tile(rows.input.maps, s.inH, s.inW, 4, 'I');
    values.map('input', input, 0, s.inH, s.inW, `I, the input, ${sq(s.inH)} pixels`);

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
      const canvas = tile(rows.k1.maps, k, k, 12, `K^1_{${m}}`, wrap);
      values.map('param:conv1.weight', canvas, (m - 1) * k * k, k, k, `K¹ kernel ${m}, ${sq(k)} weights`);
      k1.push(canvas);
      k1Bias.push(b);
    }
    rows.k1.maps.append(kernelNote('K^1_m'));

    // C¹ before f, C¹
    const fName: HTMLElement[] = [];
    const fTag = () => {
      const t = el('span', 'cl-net-f', 'f');
      fName.push(t);
      return t;
    };
    rows.c1pre = row('c1pre', 'C^1', `${s.maps1} × ${sq(s.c1)}`, 'convolution, valid: before f');
    rows.c1pre.section.querySelector('.cl-net-symbol')?.append(el('span', 'cl-net-symbol-note', 'before f'));
    rows.c1pre.section.setAttribute('aria-label', `C¹ before f, ${s.maps1} × ${sq(s.c1)}`);
    const c1pre = mapsOf(rows.c1pre, 'forward:conv1_pre', s.maps1, s.c1, (m) => `C^1_{${m}}`, (m) => `C¹ before f, map ${m}`);
    rows.c1 = row('c1', 'C^1', `${s.maps1} × ${sq(s.c1)}`, 'convolution, valid');
    rows.c1.tag.append(' · ', fTag());
    const c1 = mapsOf(rows.c1, 'forward:conv1', s.maps1, s.c1, (m) => `C^1_{${m}}`, (m) => `C¹ map ${m}`);

    // C_P¹
    rows.p1 = row('p1', 'C^1_P', `${s.maps1} × ${sq(s.p1)}`, '2×2 pooling');
    const p1 = mapsOf(rows.p1, 'forward:pool1', s.maps1, s.p1, (m) => `C^1_{P,${m}}`, (m) => `C_P¹ map ${m}`);

    // K²: row n (output map), column m (input map), as stored [n][m]
    rows.k2 = row('k2', 'K^2', `${s.maps2 * s.maps1} × ${sq(k)}`, `${s.maps2} rows (n: to C²ₙ) × ${s.maps1} columns (m: from C_P¹ₘ)`);
    const grid = el('div', 'cl-k2');
    grid.style.gridTemplateColumns = `auto repeat(${s.maps1}, auto) auto`;
    grid.append(el('span', 'cl-k2-corner', ''));
    for (let m = 1; m <= s.maps1; m++) grid.append(mathEl('span', 'cl-k2-col', `m = ${m}`));
    grid.append(el('span', 'cl-k2-corner', ''));
    const k2: HTMLCanvasElement[] = [];
    const k2Bias: HTMLElement[] = [];
    for (let n = 1; n <= s.maps2; n++) {
      grid.append(mathEl('span', 'cl-k2-row', `n = ${n}`));
      for (let m = 1; m <= s.maps1; m++) {
        const canvas = tile(grid, k, k, 8, `K^2_{${m},${n}}`);
        cellHost(canvas);
        k2.push(canvas);
      }
      const b = el('span', 'cl-k2-bias');
      const to = mathEl('span', 'cl-k2-to', `→ C^2_{${n}}`);
      const bias = mathEl('span', 'cl-k2-biasline', `b^2_{${n}} = `);
      bias.append(b);
      to.append(el('br', ''), bias);
      grid.append(to);
      k2Bias.push(b);
    }
    rows.k2.maps.append(grid, kernelNote('K^2_{m,n}'));
    // one value map over all of K²: rows n·5 + u, columns m·5 + v
    const M = s.maps1;
    values.grid(
      'param:conv2.weight',
      grid,
      `K², ${s.maps2} rows n by ${s.maps1} columns m of ${sq(k)} kernels`,
      canvasGeometry(k2, s.maps2 * k, M * k, (r, c) => [Math.floor(r / k) * M + Math.floor(c / k), c % k, r % k], (t, x, y) => [Math.floor(t / M) * k + y, (t % M) * k + x]),
      (r, c) => ((Math.floor(r / k) * M + Math.floor(c / k)) * k + (r % k)) * k + (c % k),
      (i) => {
        const slice = Math.floor(i / (k * k));
        const rest = i % (k * k);
        return [Math.floor(slice / M) * k + Math.floor(rest / k), (slice % M) * k + (rest % k)];
      },
    );

    // C²
    rows.c2 = row('c2', 'C^2', `${s.maps2} × ${sq(s.c2)}`, `every C_P¹ₘ to every C²ₙ`);
    rows.c2.tag.append(' · ', fTag());
    const c2 = mapsOf(rows.c2, 'forward:conv2', s.maps2, s.c2, (n) => `C^2_{${n}}`, (n) => `C² map ${n}`);

    // C_P²
    rows.p2 = row('p2', 'C^2_P', `${s.maps2} × ${sq(s.p2)}`, '2×2 pooling');
    const p2 = mapsOf(rows.p2, 'forward:pool2', s.maps2, s.p2, (n) => `C^2_{P,${n}}`, (n) => `C_P² map ${n}`);

    // flatten: one group per map, map-major; one value map of 1 × 96
    const per = s.p2 * s.p2;
    const flat = s.maps2 * per;
    rows.flatten = row('flatten', 'flatten', `${flat}`, 'map-major, same colours as C_P²');
    const cell = Math.max(2, Math.min(6, Math.floor(560 / flat)));
    const strip = el('div', 'cl-strip cl-flatten');
    const flatten = range1(s.maps2).map((n) => {
      const fig = el('figure', 'cl-strip-group');
      const canvas = pixelCanvas(1, per, cell);
      canvas.style.height = '16px';
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `flatten ${(n - 1) * per + 1}–${n * per}: ${mathText(`C^2_{P,${n}}`)}`);
      fig.append(canvas, mathEl('figcaption', 'cl-tile-caption', `C^2_{P,${n}}`));
      strip.append(fig);
      cellHost(canvas);
      return canvas;
    });
    rows.flatten.maps.append(strip);
    values.grid('forward:flatten', strip, `flatten, ${flat} values`, canvasGeometry(flatten, 1, flat, (_r, c) => [Math.floor(c / per), c % per, 0], (t, x) => [0, t * per + x]), (_r, c) => c, (i) => [0, i]);

    // W₁: each unit's row as the maps it reads
    const inputs = flat;
    rows.w1 = row('w1', 'W_1', `${s.hidden} × ${inputs}`, 'weights: each unit as the maps it reads');
    const w1Layout = unitLayout(s.hidden, s.maps2, s.p2);
    const w1 = pixelCanvas(w1Layout.height, w1Layout.width, 3);
    w1.style.height = 'auto';
    w1.setAttribute('role', 'img');
    w1.setAttribute('aria-label', `W₁: ${s.hidden} units, each as ${s.maps2} maps of ${sq(s.p2)}`);
    const w1Wrap = el('div', 'cl-w1');
    w1Wrap.append(w1);
    rows.w1.maps.append(w1Wrap);
    cellHost(w1);
    rows.w1.maps.append(
      noteEl(`Units 1–${Math.min(w1Layout.across, s.hidden)} in the first line, ${w1Layout.across} per line; in each, the ${s.maps2} maps ${mathText('C^2_{P,1}')} … ${mathText(`C^2_{P,${s.maps2}}`)} it reads, left to right: what the unit looks for (orange: a positive value there pushes a₁ up, purple pushes it down).`),
    );
    values.grid(
      'param:fc1.weight',
      w1.parentElement!,
      `W₁, ${s.hidden} units by ${inputs} inputs, each unit drawn as ${s.maps2} maps`,
      canvasGeometry([w1], s.hidden, inputs, (r, c) => [0, ...w1Layout.place(r, c)], (_t, x, y) => w1Layout.at(x, y)),
      (r, c) => r * inputs + c,
      (i) => [Math.floor(i / inputs), i % inputs],
    );

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
    values.map('forward:fc1', a1, 0, 1, s.hidden, `a₁, ${s.hidden} hidden units`);

    // W₂: a row per digit
    rows.w2 = row('w2', 'W_2', `${s.classes} × ${s.hidden}`, 'weights: a row per digit');
    const w2 = pixelCanvas(s.classes, s.hidden, Math.max(3, Math.min(8, Math.floor(400 / s.hidden))));
    w2.style.height = 'auto';
    w2.setAttribute('role', 'img');
    w2.setAttribute('aria-label', `W₂: ${s.classes} digits by ${s.hidden} units`);
    const digits = el('div', 'cl-w2-digits');
    digits.setAttribute('aria-hidden', 'true');
    for (let d = 0; d < s.classes; d++) digits.append(el('span', '', String(d)));
    const w2Wrap = el('div', 'cl-w2');
    w2Wrap.append(digits, w2);
    rows.w2.maps.append(w2Wrap);
    values.map('param:fc2.weight', w2, 0, s.classes, s.hidden, `W₂, ${s.classes} digits by ${s.hidden} units`);

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
    values.map('forward:probs', out, 0, 1, s.classes, 'S, the probability of each digit 0 to 9');

    this.textColor = '';
    return {
      key, s, rows, input, k1, k1Bias, c1pre, c1, p1, k2, k2Bias, c2, p2, flatten, w1, w1Layout, a1, w2, out, outLabels,
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
    const avg = pooling === 'average';
    const K = s.k;

    // I
    paintSlice(b.input, snap.input.data, 0, s.inH, s.inW, SEQUENTIAL, { min: 0, max: 1 });
    this.legend(rows.input, SEQUENTIAL, { min: 0, max: 1 });
    this.equation(rows.input, `I(i,j) = \\text{pixel}(i,j)/255 \\in [0,1], \\qquad i,j = 1..${s.inH}`, '', 'p. 2');

    yield;
    // K¹ (stored [m][1][k][k]: as applied)
    const w1 = p['conv1.weight'].data;
    const kk = K * K;
    const r1 = sym(maxAbs(w1));
    b.k1.forEach((c, m) => paintSlice(c, w1, m * kk, K, K, DIVERGING, r1));
    b.k1Bias.forEach((e, m) => setText(e, fmtBias(p['conv1.bias'].data[m]!)));
    this.legend(rows.k1, DIVERGING, r1);
    this.equation(
      rows.k1,
      `K^1_m(u,v),\\ u,v = 1..${K},\\ m = 1..${s.maps1}; \\qquad \\text{initially } U\\Big(\\pm\\sqrt{\\tfrac{6}{(1+${s.maps1})\\cdot ${K}^2}}\\Big),\\ b^1_m = 0`,
      '',
      'p. 2',
    );

    yield;
    // C¹ before and after f, C_P¹, C², C_P²: one canvas per map, signed colours, one range per row
    const conv1 = `\\sum_{u=1}^{${K}}\\sum_{v=1}^{${K}} I(i+u-1,\\,j+v-1)\\,K^1_m(u,v) + b^1_m`;
    this.maps(rows.c1pre, b.c1pre, f.conv1_pre.data, s.c1, `C^1_m(i,j)\\big|_{\\text{before } f} = ${conv1}, \\qquad i,j = 1..${s.c1}`, 'the value f is applied to', 'p. 2');
    yield;
    this.maps(rows.c1, b.c1, f.conv1.data, s.c1, `C^1_m(i,j) = f\\Big(${conv1}\\Big), \\qquad i,j = 1..${s.c1}`, `f = ${act}`, 'p. 2');
    const pool = (c: string, out: string, side: number) =>
      avg
        ? `${out}(i,j) = \\tfrac14 \\sum_{u=0}^{1}\\sum_{v=0}^{1} ${c}(2i-u,\\,2j-v), \\qquad i,j = 1..${side}`
        : `${out}(i,j) = \\max_{u,v \\in \\{0,1\\}} ${c}(2i-u,\\,2j-v), \\qquad i,j = 1..${side}`;
    const poolNote = avg ? 'average pooling' : 'the max over each 2×2 block (max pooling)';
    yield;
    this.maps(rows.p1, b.p1, f.pool1.data, s.p1, pool('C^1_m', 'C^1_{P,m}', s.p1), poolNote, 'p. 2');
    rows.p1.tag.textContent = `2×2 ${pooling} pooling`;

    yield;
    // K² (stored [n][m][k][k]: tile n·maps1 + m is K²ₘ,ₙ)
    const w2 = p['conv2.weight'].data;
    const r2 = sym(maxAbs(w2));
    b.k2.forEach((c, i) => paintSlice(c, w2, i * kk, K, K, DIVERGING, r2));
    b.k2Bias.forEach((e, n) => setText(e, fmtBias(p['conv2.bias'].data[n]!)));
    this.legend(rows.k2, DIVERGING, r2);
    this.equation(
      rows.k2,
      `K^2_{m,n}(u,v):\\ \\text{from } C^1_{P,m} \\text{ to } C^2_n; \\qquad \\text{initially } U\\Big(\\pm\\sqrt{\\tfrac{6}{(${s.maps1}+${s.maps2})\\cdot ${K}^2}}\\Big),\\ b^2_n = 0`,
      'row n, column m',
      'p. 2',
    );

    yield;
    this.maps(
      rows.c2,
      b.c2,
      f.conv2.data,
      s.c2,
      `C^2_n(i,j) = f\\Big(\\sum_{m=1}^{${s.maps1}}\\sum_{u=1}^{${K}}\\sum_{v=1}^{${K}} C^1_{P,m}(i+u-1,\\,j+v-1)\\,K^2_{m,n}(u,v) + b^2_n\\Big), \\qquad i,j = 1..${s.c2}`,
      `f = ${act}`,
      'p. 3',
    );
    yield;
    // C_P² and flatten (same colours)
    const p2n = s.p2 * s.p2;
    const rp2 = this.maps(rows.p2, b.p2, f.pool2.data, s.p2, pool('C^2_n', 'C^2_{P,n}', s.p2), poolNote, 'p. 3');
    rows.p2.tag.textContent = `2×2 ${pooling} pooling`;
    b.flatten.forEach((c, n) => paintSlice(c, f.flatten.data, n * p2n, 1, p2n, DIVERGING, rp2));
    this.legend(rows.flatten, DIVERGING, rp2);
    this.equation(
      rows.flatten,
      `\\mathrm{flatten}\\big(${p2n}(n-1) + ${s.p2}(i-1) + j\\big) = C^2_{P,n}(i,j), \\qquad n = 1..${s.maps2},\\ i,j = 1..${s.p2}`,
      `${s.maps2} × ${p2n} = ${s.maps2 * p2n} values`,
      'p. 3',
    );

    yield;
    // W₁ as the maps each unit reads
    const fc1w = p['fc1.weight'].data;
    const rw1 = sym(maxAbs(fc1w));
    const L = b.w1Layout;
    const inputs = s.maps2 * p2n;
    paintPlaced(b.w1, L.width, L.height, fc1w, s.hidden * inputs, (k) => {
      const [x, y] = L.place(Math.floor(k / inputs), k % inputs);
      return y * L.width + x;
    }, DIVERGING, rw1);
    this.legend(rows.w1, DIVERGING, rw1);
    this.equation(
      rows.w1,
      `W_1(i,k):\\ \\text{unit } i = 1..${s.hidden},\\ \\text{input } k = 1..${inputs}; \\qquad \\text{initially } U\\Big(\\pm\\sqrt{\\tfrac{6}{${inputs}+${s.hidden}}}\\Big)`,
      '',
      'p. 2',
    );

    yield;
    // a₁
    const ra1 = sym(maxAbs(f.fc1.data));
    paintSlice(b.a1, f.fc1.data, 0, 1, s.hidden, DIVERGING, ra1);
    this.legend(rows.a1, DIVERGING, ra1);
    this.equation(
      rows.a1,
      `a_1(i) = f\\Big(\\sum_{k=1}^{${inputs}} W_1(i,k)\\,\\mathrm{flatten}(k) + b_1(i)\\Big), \\qquad i = 1..${s.hidden}`,
      `f = ${act}`,
      'p. 3',
    );

    yield;
    // W₂
    const fc2w = p['fc2.weight'].data;
    const rw2 = sym(maxAbs(fc2w));
    paintSlice(b.w2, fc2w, 0, s.classes, s.hidden, DIVERGING, rw2);
    this.legend(rows.w2, DIVERGING, rw2);
    this.equation(
      rows.w2,
      `W_2(d,i):\\ \\text{digit } d = 0..${s.classes - 1} \\text{ (rows)},\\ \\text{unit } i = 1..${s.hidden}; \\qquad \\text{initially } U\\Big(\\pm\\sqrt{\\tfrac{6}{${s.hidden}+${s.classes}}}\\Big)`,
      '',
      'p. 2',
    );

    yield;
    // S
    const probs = f.probs.data;
    paintSlice(b.out, probs, 0, 1, s.classes, SEQUENTIAL, { min: 0, max: 1 });
    this.legend(rows.out, SEQUENTIAL, { min: 0, max: 1 });
    this.equation(
      rows.out,
      `S(d) = \\frac{e^{z(d)}}{\\sum_{d'=0}^{${s.classes - 1}} e^{z(d')}}, \\qquad z(d) = \\sum_{i=1}^{${s.hidden}} W_2(d,i)\\,a_1(i) + b_2(d), \\qquad d = 0..${s.classes - 1}`,
      'softmax: S = a₂',
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
  private maps(row: Row, canvases: HTMLCanvasElement[], data: Float32Array, side: number, equation: string, note: string, page: string): PaintRange {
    const range = sym(maxAbs(data));
    canvases.forEach((c, i) => paintSlice(c, data, i * side * side, side, side, DIVERGING, range));
    this.legend(row, DIVERGING, range);
    this.equation(row, equation, note, page);
    return range;
  }

  private legend(row: Row, map: ColorMap, range: PaintRange): void {
    const key = `${formatValue(range.min)}|${formatValue(range.max)}`;
    if (key === row.legendKey) return;
    row.legendKey = key;
    drawLegend(row.legend, range.min, range.max, { map, textColor: this.textColor });
  }

  /** The row's equation (KaTeX, typeset only when it changes), a plain note and the handout page. */
  private equation(row: Row, tex: string, note: string, page: string): void {
    const key = tex + note + page;
    if (key === row.equationKey) return;
    row.equationKey = key;
    const eq = el('div', 'cl-net-eq-tex');
    typeset(eq, tex, true);
    const foot = el('div', 'cl-net-eq-note');
    if (note) foot.append(note);
    if (page) foot.append(el('span', 'cl-net-page', `handout ${page}`));
    row.equation.replaceChildren(eq, foot);
  }
}

/** The page's index convention, stated once (tensors.ts has the same text for the code). */
function conventionNote(s: Shapes): HTMLElement {
  const box = el('div', 'cl-net-convention');
  box.dataset['testid'] = 'nv-convention';
  const lead = el('p', '');
  lead.append(
    el('strong', '', 'Indices on this page. '),
    `Rows i and columns j count from 1 at the top left, kernel entries (u, v) from 1 to ${s.k}, units and flatten entries from 1; the ten outputs are named by their digit, 0 to 9. Every kernel is shown and applied as the network stores it (cross-correlation, written ⋆, as in PyTorch):`,
  );
  const eq = el('div', '');
  typeset(eq, `C^1_m(i,j) = f\\Big(\\sum_{u=1}^{${s.k}}\\sum_{v=1}^{${s.k}} I(i+u-1,\\,j+v-1)\\,K^1_m(u,v) + b^1_m\\Big), \\qquad i,j = 1..${s.c1}.`, true);
  const handout = el('p', '');
  const h1 = el('span', '');
  typeset(h1, `\\sum_{u,v=-2}^{2} I(i-u,\\,j-v)\\,K(u,v)`, false);
  const h2 = el('span', '');
  typeset(h2, `K(u,v)`, false);
  const h3 = el('span', '');
  typeset(h3, `K(3-u,\\,3-v)`, false);
  handout.append('The handout (p. 2) writes the same sum as a true convolution, ', h1, ', centred on I(i+2, j+2); its ', h2, ' is the ', h3, ' shown here: the same kernel turned 180°.');
  const how = el('p', '');
  how.append('Click or tap any value (or Tab to a map, move with the arrow keys, press Enter) to see how it was computed.');
  box.append(lead, eq, handout, how);
  return box;
}

function noteEl(text: string): HTMLElement {
  return el('p', 'cl-net-kernel-note', text);
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

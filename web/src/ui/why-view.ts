// "Why this answer?" — why the network says k and not the runner-up r, for the
// drawing or a test image:
//   (a) the saliency ∂S_k/∂I and ∂S_r/∂I over the input, on the colour-blind-safe PuOr
//       map with the digit's outline on top: the handout's backprop carried one step
//       past p. 5, δI = Σₘ δC¹ₘ ⊛ rot180(K¹ₘ), from δ = S_k(e_k − S) instead of S − Y;
//   (b) what each of the two logits is made of, W₂[k,j]·a₁ⱼ for the hidden units j
//       (bars), and the units that decide between k and r;
//   (c) on request, the training images of k and of r nearest to the input by a₁
//       distance, each a button that puts it on the draw pad.
// Values travel in data attributes for the browser tests (data-values, data-k, …).
import { MNIST_CREDIT } from '../data/mnist';
import type { NearestResult, WhyResult } from '../worker/protocol';
import { cssColor, DIVERGING, drawLegend, formatValue, maxAbs, paintSlice, pixelCanvas, SEQUENTIAL, type PaintRange } from './colormap';
import { contourSegments } from './contour';
import { h } from './dom';
import { formatCount, formatPercent } from './format';
import { tex } from './teaching-parts';
import './why.css';

const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';
/** A whole number as subscript digits: 17 → ₁₇. */
const sub = (n: number): string => [...String(n)].map((d) => SUBSCRIPT[Number(d)] ?? d).join('');

/** CSS pixels per input pixel in the saliency maps. */
const SALIENCY_SCALE = 6;
const CHART_W = 300;
const CHART_H = 112;
/** How many deciding units are named on each side. */
const TOP_UNITS = 3;

export interface WhyViewHandlers {
  /** Show (true) or hide the nearest training images of the two digits. */
  nearest(on: boolean): void;
  /** Put a training image (784 bytes) on the draw pad. */
  useImage(pixels: Uint8Array, index: number, label: number): void;
  /** Whether there is a draw pad to put one on. */
  canUseImage(): boolean;
}

/** The units j ordered by how much they favour k over r: (W₂[k,j] − W₂[r,j])·a₁ⱼ, largest first. */
export function decidingUnits(w: Pick<WhyResult, 'a1' | 'w2k' | 'w2r'>): { unit: number; margin: number }[] {
  return Array.from(w.a1, (a, j) => ({ unit: j, margin: (w.w2k[j]! - w.w2r[j]!) * a })).sort((x, y) => y.margin - x.margin || x.unit - y.unit);
}

interface Column {
  root: HTMLElement;
  title: HTMLElement;
  saliency: HTMLCanvasElement;
  saliencyBox: HTMLElement;
  legend: HTMLCanvasElement;
  saliencyNote: HTMLElement;
  chart: HTMLCanvasElement;
  chartBox: HTMLElement;
  chartNote: HTMLElement;
  nearest: HTMLElement;
}

export class WhyView {
  readonly element: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly body: HTMLElement;
  private readonly columns: [Column, Column];
  private readonly decide: HTMLElement;
  private readonly nearestButton: HTMLButtonElement;
  private readonly nearestNote: HTMLElement;
  private readonly credit: HTMLElement;
  /** 28×28 at one canvas pixel per value: the saliency before scaling up. */
  private readonly small = pixelCanvas(28, 28, 1);
  private shown: WhyResult | null = null;

  constructor(container: HTMLElement, private readonly handlers: WhyViewHandlers, empty: string) {
    this.caption = h('p', { class: 'why-caption', testid: 'why-caption' }, empty);
    this.columns = [this.column('k'), this.column('r')];
    this.decide = h('div', { class: 'why-decide', testid: 'why-decide' });
    this.nearestButton = h('button', { type: 'button', class: 'app-button why-nearest-button', testid: 'why-nearest', 'aria-pressed': 'false' }, 'Show the nearest training images');
    this.nearestButton.addEventListener('click', () => {
      const on = this.nearestButton.getAttribute('aria-pressed') !== 'true';
      this.nearestButton.setAttribute('aria-pressed', String(on));
      this.nearestButton.textContent = on ? 'Hide the nearest training images' : 'Show the nearest training images';
      if (!on) {
        this.clearNearest();
        this.nearestNote.textContent = '';
      }
      this.handlers.nearest(on);
    });
    this.nearestNote = h('p', { class: 'why-note', testid: 'why-nearest-note' });
    this.credit = h('p', { class: 'app-credit why-credit' }, `Training images: ${MNIST_CREDIT}.`);
    this.credit.hidden = true;
    const equation = h(
      'div',
      { class: 'why-equation' },
      h(
        'p',
        { class: 'why-note' },
        'The saliency ∂S',
        h('sub', {}, 'k'),
        '/∂I says how the probability of digit k changes with each input pixel. It is the handout’s backprop (pp. 4–5) carried one step further, to the input: it starts from ',
        tex('\\delta = \\partial S_k/\\partial z = S_k\\,(e_k - S)'),
        ' at the output instead of ',
        tex('\\delta = S - Y'),
        ' (p. 4), runs pp. 4–5 unchanged down to δC¹, and one more full convolution with the layer-1 kernels — the step that gives δC',
        h('sub', {}, 'P'),
        '¹ from δC² on p. 5 — gives δ for the input (24×24 ⊛ 5×5 → 28×28):',
      ),
      tex('\\delta I = \\sum_{m} \\delta C^1_m \\circledast \\operatorname{rot}_{180^\\circ}\\!\\left(K^1_m\\right)', true, 'tp-eq why-eq'),
      h('p', { class: 'why-note' }, 'Orange: more ink there would raise the probability; purple: it would lower it; white: no effect. The line is the digit’s outline (I = ½).'),
    );
    this.body = h('div', { class: 'why-body' }, h('div', { class: 'why-columns' }, this.columns[0].root, this.columns[1].root), this.decide);
    this.body.hidden = true;
    this.element = h(
      'div',
      { class: 'why', testid: 'why-view' },
      this.caption,
      this.body,
      h('div', { class: 'why-nearest-bar' }, this.nearestButton, this.nearestNote),
      this.credit,
      equation,
    );
    container.append(this.element);
  }

  private column(which: 'k' | 'r'): Column {
    const title = h('h3', { class: 'why-title' });
    const saliency = h('canvas', { class: 'why-saliency', role: 'img', testid: `why-saliency-${which}` });
    saliency.style.width = saliency.style.height = `${28 * SALIENCY_SCALE}px`;
    const legend = h('canvas', { class: 'why-legend' });
    legend.style.width = '180px';
    legend.style.height = '28px';
    const saliencyNote = h('figcaption', { class: 'why-note why-faint', testid: `why-faint-${which}` });
    const saliencyBox = h('figure', { class: 'why-figure' }, saliency, legend, saliencyNote);
    const chart = h('canvas', { class: 'why-chart', role: 'img', testid: `why-chart-${which}` });
    chart.style.width = `${CHART_W}px`;
    chart.style.height = `${CHART_H}px`;
    const chartNote = h('p', { class: 'why-note' });
    const chartBox = h('figure', { class: 'why-figure' }, chart, chartNote);
    const nearest = h('div', { class: 'why-thumbs', testid: `why-nearest-${which}` });
    const root = h('section', { class: `why-column why-column-${which}`, testid: `why-column-${which}` }, title, h('div', { class: 'why-pair' }, saliencyBox, chartBox), nearest);
    return { root, title, saliency, saliencyBox, legend, saliencyNote, chart, chartBox, chartNote, nearest };
  }

  /** A sentence instead of an answer (no drawing yet, the worker busy or gone). */
  say(text: string): void {
    this.caption.textContent = text;
  }

  /** The question and answer in one sentence ("Your drawing: … says 8 (62%); runner-up 6 (30%)."). */
  setCaption(text: string): void {
    this.caption.textContent = text;
  }

  show(w: WhyResult): void {
    if (this.shown && (this.shown.k !== w.k || this.shown.r !== w.r)) this.clearNearest(); // they belonged to the other pair
    this.shown = w;
    this.body.hidden = false;
    this.element.dataset['k'] = String(w.k);
    this.element.dataset['r'] = String(w.r);
    this.element.dataset['input'] = JSON.stringify(Array.from(w.input));
    this.element.dataset['probs'] = JSON.stringify(Array.from(w.probs));
    this.element.dataset['model'] = w.model;
    const units = decidingUnits(w);
    const forK = units.slice(0, TOP_UNITS).filter((u) => u.margin > 0);
    const forR = units.slice(-TOP_UNITS).reverse().filter((u) => u.margin < 0);
    // One scale for both charts, so their bars compare.
    const ck = Array.from(w.a1, (a, j) => w.w2k[j]! * a);
    const cr = Array.from(w.a1, (a, j) => w.w2r[j]! * a);
    const scale = { up: Math.max(0, ...ck, ...cr), down: Math.max(0, ...ck.map((v) => -v), ...cr.map((v) => -v)) };
    this.paintColumn(this.columns[0], w, w.k, w.saliencyK, ck, scale, forK.map((u) => u.unit), 'the answer');
    this.paintColumn(this.columns[1], w, w.r, w.saliencyR, cr, scale, forR.map((u) => u.unit), 'the runner-up');
    const margin = w.logits[w.k]! - w.logits[w.r]!;
    const biases = w.b2k - w.b2r;
    const list = (us: { unit: number; margin: number }[]) => us.map((u) => `unit ${u.unit + 1} (${u.margin > 0 ? '+' : ''}${formatValue(u.margin)})`).join(', ');
    const sides = [forK.length > 0 ? `for ${w.k}, ${list(forK)}` : `no unit favours ${w.k}`, forR.length > 0 ? `for ${w.r}, ${list(forR)}` : `no unit favours ${w.r}`];
    this.decide.replaceChildren(
      h('p', { class: 'why-note' }, 'The answer beats the runner-up by ', tex(`z_{${w.k}} - z_{${w.r}} = \\sum_j \\left(W_2[${w.k},j] - W_2[${w.r},j]\\right) a_{1,j} + b_2[${w.k}] - b_2[${w.r}] = ${formatValue(margin).replace('−', '-')}`), ` (biases: ${formatValue(biases)}).`),
      h('p', { class: 'why-note', testid: 'why-units' }, `The hidden units that decide it, with (W₂[${w.k},j] − W₂[${w.r},j])·a₁ⱼ: ${sides.join('; ')}. A unit with a₁ⱼ = 0 (f switched it off) adds nothing to either logit.`),
    );
  }

  private paintColumn(c: Column, w: WhyResult, digit: number, saliency: Float32Array, parts: number[], scale: BarScale, highlight: number[], role: string): void {
    c.title.replaceChildren(`${role === 'the answer' ? 'The answer' : 'The runner-up'}: ${digit} `, h('span', { class: 'why-p' }, `(S${sub(digit)}: ${formatPercent(w.probs[digit]!)})`));
    c.root.dataset['digit'] = String(digit);
    // (a) the saliency with the digit's outline on top
    const m = maxAbs(saliency);
    const range: PaintRange = { min: -m, max: m };
    paintSlice(this.small, saliency, 0, 28, 28, DIVERGING, range);
    drawOverlay(c.saliency, this.small, w.input);
    c.saliency.dataset['values'] = JSON.stringify(Array.from(saliency));
    c.saliency.setAttribute('aria-label', `Saliency ∂S${sub(digit)}/∂I over the input, from ${formatValue(-m)} to ${formatValue(m)}, with the digit’s outline`);
    drawLegend(c.legend, -m, m, { map: DIVERGING });
    // Softmax saturates: near 0 or 1, S_k hardly moves, whatever the pixels do (∂S_k/∂z = S_k(e_k − S)).
    const p = w.probs[digit]!;
    c.saliencyNote.textContent =
      p > 0.99 || p < 0.01 ? `S${sub(digit)} is ${p > 0.99 ? 'near 1' : 'near 0'}: it can hardly change, so the map is faint (its scale says how faint).` : '';
    // Saliencies are tiny (10⁻⁶ … 10⁻²): say the ends as plain numbers a screen reader reads out.
    const plain = (v: number) => Number(v.toPrecision(2)).toString().replace('-', '−');
    if (m > 0) c.legend.setAttribute('aria-label', `colour scale from ${plain(-m)} to ${plain(m)}, ${DIVERGING.name}`);
    // (b) the parts of the logit
    drawBars(c.chart, parts, scale, highlight);
    c.chart.dataset['values'] = JSON.stringify(parts);
    c.chart.dataset['highlight'] = JSON.stringify(highlight.map((j) => j + 1));
    const sum = parts.reduce((a, v) => a + v, 0);
    const bias = role === 'the answer' ? w.b2k : w.b2r;
    c.chart.setAttribute('aria-label', `W₂[${digit},j]·a₁ⱼ for the ${parts.length} hidden units: they add up to ${formatValue(sum)}; the highlighted units are ${highlight.map((j) => j + 1).join(', ') || 'none'}`);
    c.chartNote.replaceChildren(
      tex(`W_2[${digit},j]\\,a_{1,j}`),
      ` for the hidden units j = 1…${parts.length}: their sum ${formatValue(sum)} plus b₂[${digit}] = ${formatValue(bias)} is the logit z${sub(digit)} = ${formatValue(w.logits[digit]!)}. Outlined and numbered: the units that favour ${digit} over ${role === 'the answer' ? w.r : w.k} most.`,
    );
  }

  // ---- nearest training images ------------------------------------------------

  setNearestBusy(text: string): void {
    this.nearestNote.textContent = text;
  }

  showNearest(n: NearestResult): void {
    const w = this.shown;
    this.credit.hidden = n.status !== 'ok';
    if (n.status !== 'ok' || !w) {
      for (const c of this.columns) c.nearest.replaceChildren();
      this.nearestNote.textContent =
        n.status === 'running'
          ? 'The network being trained changes with every step: pause training to find its nearest training images (their hidden layers a₁ are computed once for one version of the weights).'
          : 'The training images are not loaded (MNIST could not be loaded, or is still loading).';
      return;
    }
    let at = 0;
    n.digits.forEach((digit, i) => {
      const column = this.columns.find((c) => c.root.dataset['digit'] === String(digit));
      const list = n.indices[i]!;
      const thumbs = list.map((index, j) => {
        const pixels = n.pixels.slice((at + j) * 784, (at + j + 1) * 784);
        const canvas = pixelCanvas(28, 28, 2, 'why-thumb-canvas');
        paintSlice(canvas, pixels, 0, 28, 28, SEQUENTIAL, { min: 0, max: 255 });
        const caption = h('span', { class: 'why-thumb-caption' }, `#${formatCount(index)}`);
        if (!this.handlers.canUseImage()) {
          canvas.setAttribute('role', 'img');
          canvas.setAttribute('aria-label', `Training image #${index}, a ${digit}`);
          return h('figure', { class: 'why-thumb why-thumb-still', 'data-index': String(index) }, canvas, caption);
        }
        const b = h(
          'button',
          { type: 'button', class: 'why-thumb', 'aria-label': `Training image #${index}, a ${digit}: put it on the draw pad`, 'data-index': String(index) },
          canvas,
          caption,
        );
        b.addEventListener('click', () => this.handlers.useImage(pixels, index, digit));
        return b;
      });
      at += list.length;
      column?.nearest.replaceChildren(h('p', { class: 'why-note' }, `The ${digit}s of the training set nearest to this input by a₁ distance:`), ...thumbs);
    });
    this.nearestNote.textContent = `Nearest by the distance between hidden layers, ‖a₁(image) − a₁(input)‖², over ${formatCount(n.tableSize)} training images.${this.handlers.canUseImage() ? ' Click one to put it on the draw pad.' : ''}`;
  }

  clearNearest(): void {
    for (const c of this.columns) c.nearest.replaceChildren();
    this.credit.hidden = true;
  }
}

/** The saliency (28×28 canvas) scaled up, crisp, with the digit's outline on top. */
function drawOverlay(canvas: HTMLCanvasElement, small: HTMLCanvasElement, input: Float32Array): void {
  const css = 28 * SALIENCY_SCALE;
  const dpr = Math.max(1, Math.min(3, typeof devicePixelRatio === 'number' ? devicePixelRatio : 1));
  const side = Math.round(css * dpr);
  if (canvas.width !== side) canvas.width = canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, css, css);
  ctx.drawImage(small, 0, 0, css, css);
  // pixel (x, y) is the square [x, x+1)·scale: its centre is at (x + ½)·scale
  const at = (v: number) => (v + 0.5) * SALIENCY_SCALE;
  ctx.strokeStyle = 'rgb(17 24 39 / 0.85)';
  ctx.lineWidth = 1.5;
  ctx.lineCap = 'round';
  ctx.beginPath();
  for (const [x0, y0, x1, y1] of contourSegments(input, 28, 28, 0.5)) {
    ctx.moveTo(at(x0), at(y0));
    ctx.lineTo(at(x1), at(y1));
  }
  ctx.stroke();
}

/** The largest bar above and below zero, shared by the two charts. */
interface BarScale {
  up: number;
  down: number;
}

/** Bars of `values` about a zero line (orange > 0, purple < 0, PuOr's ends); `highlight` outlined and numbered (1-based). */
function drawBars(canvas: HTMLCanvasElement, values: number[], scale: BarScale, highlight: number[]): void {
  const dpr = Math.max(1, Math.min(3, typeof devicePixelRatio === 'number' ? devicePixelRatio : 1));
  if (canvas.width !== Math.round(CHART_W * dpr)) {
    canvas.width = Math.round(CHART_W * dpr);
    canvas.height = Math.round(CHART_H * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, CHART_W, CHART_H);
  const text = getComputedStyle(canvas).color || '#374151';
  // The zero line splits the height in proportion to the largest bar up and down.
  const top = 14;
  const bottom = CHART_H - (scale.down > 0 ? 14 : 2);
  const total = scale.up + scale.down;
  const zero = total > 0 ? top + ((bottom - top) * scale.up) / total : (top + bottom) / 2;
  const size = (v: number) => (total > 0 ? (Math.abs(v) / total) * (bottom - top) : 0);
  const n = values.length;
  const step = CHART_W / n;
  const bar = Math.max(1, step - 1);
  // The diverging map's own colours (PuOr), so the bars read like every signed map of the page.
  const orange = cssColor(DIVERGING, 0.8, -1, 1);
  const purple = cssColor(DIVERGING, -0.8, -1, 1);
  for (let j = 0; j < n; j++) {
    const v = values[j]!;
    const len = size(v);
    ctx.fillStyle = v >= 0 ? orange : purple;
    const x = j * step;
    ctx.fillRect(x, v >= 0 ? zero - len : zero, bar, Math.max(len, v === 0 ? 0 : 0.5));
  }
  ctx.strokeStyle = text;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, zero + 0.5);
  ctx.lineTo(CHART_W, zero + 0.5);
  ctx.stroke();
  ctx.font = '10px system-ui, -apple-system, "Segoe UI", sans-serif';
  ctx.textAlign = 'center';
  ctx.fillStyle = text;
  for (const j of highlight) {
    const v = values[j]!;
    const len = size(v);
    const x = j * step;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x - 1, (v >= 0 ? zero - len : zero) - 1, bar + 2, len + 2);
    ctx.textBaseline = v >= 0 ? 'bottom' : 'top';
    // (kept inside the chart: unit 1 and unit 50 sit at its edges)
    ctx.fillText(String(j + 1), Math.min(CHART_W - 8, Math.max(8, x + bar / 2)), v >= 0 ? zero - len - 2 : zero + len + 2);
  }
}

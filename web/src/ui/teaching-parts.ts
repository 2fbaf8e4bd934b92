// Small pieces shared by the teaching panels (backprop, gradient check, teach your
// digit): KaTeX equations (bundled with its CSS and fonts, no CDN, no eval) and
// signed tensors painted with the diverging map plus a legend, their values in
// data attributes for the tests.
import katex from 'katex';
import 'katex/dist/katex.min.css';
import './teaching.css';
import { DIVERGING, cssColor, drawLegend, formatValue, maxAbs, paintSlice, pixelCanvas, type PaintRange } from './colormap';
import { h } from './dom';

/** An element with `src` typeset by KaTeX (inline, or display style). */
export function tex(src: string, display = false, className = 'tp-eq'): HTMLElement {
  const e = h(display ? 'div' : 'span', { class: className });
  katex.render(src, e, { throwOnError: false, displayMode: display, output: 'htmlAndMathml' });
  return e;
}

export function symmetric(data: ArrayLike<number>): PaintRange {
  const m = maxAbs(data);
  return { min: -m, max: m };
}

/** The values as JSON for data-values (float32 values print exactly as doubles). */
export function valuesJson(data: ArrayLike<number>): string {
  return JSON.stringify(Array.from(data));
}

export interface MapsOptions {
  /** Slices of rows×cols each, from data[offset]. */
  count: number;
  rows: number;
  cols: number;
  /** CSS pixels per value. */
  scale: number;
  /** Caption under each slice (KaTeX source). */
  caption?: (k: number) => string;
  /** Slices per row of the grid (default: all in one row, wrapping). */
  perRow?: number;
  /** The colour range (default ±max|v| over the whole tensor). */
  range?: PaintRange;
  /** Alt text for each slice. */
  label?: (k: number) => string;
}

/**
 * A signed tensor as a grid of slices, one shared symmetric range (so equal
 * magnitudes look the same everywhere), and a legend. `testid` carries
 * data-values (all values, row-major) and data-shape.
 */
export function tensorMaps(testid: string, data: Float32Array, shape: number[], o: MapsOptions): HTMLElement {
  const range = o.range ?? symmetric(data);
  const grid = h('div', { class: 'tp-maps' });
  if (o.perRow) grid.style.gridTemplateColumns = `repeat(${o.perRow}, max-content)`;
  const size = o.rows * o.cols;
  for (let k = 0; k < o.count; k++) {
    const canvas = pixelCanvas(o.rows, o.cols, o.scale, 'tp-pixels');
    paintSlice(canvas, data, k * size, o.rows, o.cols, DIVERGING, range);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', o.label ? o.label(k) : `slice ${k + 1}`);
    const fig = h('figure', { class: 'tp-map' }, canvas);
    if (o.caption) fig.append(h('figcaption', {}, tex(o.caption(k))));
    grid.append(fig);
  }
  const box = h('div', { class: 'tp-tensor', testid, 'data-values': valuesJson(data), 'data-shape': JSON.stringify(shape) }, grid, legend(range));
  return box;
}

export function legend(range: PaintRange): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'tp-legend' });
  canvas.style.width = '180px';
  canvas.style.height = '28px';
  // Drawn after the canvas is in the document (text colour from CSS), next frame.
  requestAnimationFrame(() => drawLegend(canvas, range.min, range.max, { map: DIVERGING, textColor: '#374151' }));
  return canvas;
}

/** The diverging colour of v; white when the range is empty (all values 0). */
function colour(v: number, range: PaintRange): string {
  return range.max > range.min ? cssColor(DIVERGING, v, range.min, range.max) : '#ffffff';
}

/** A short vector as coloured cells with their numbers (δ, biases). */
export function vectorCells(testid: string, data: ArrayLike<number>, names: (i: number) => string, range: PaintRange = symmetric(data)): HTMLElement {
  const table = h('table', { class: 'tp-cells', testid, 'data-values': valuesJson(data) });
  const head = h('tr', {});
  const body = h('tr', {});
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    head.append(h('th', { scope: 'col' }, tex(names(i))));
    const td = h('td', { 'data-value': String(v) }, formatValue(v));
    td.style.background = colour(v, range);
    if (Math.abs(v) > 0.6 * range.max && range.max > 0) td.classList.add('tp-dark');
    body.append(td);
  }
  table.append(h('thead', {}, head), h('tbody', {}, body));
  return table;
}

/** A 2-D block of numbers with diverging backgrounds (the pooling illustration). */
export function numberGrid(values: number[][], range: PaintRange, highlight?: (r: number, c: number) => boolean): HTMLElement {
  const table = h('table', { class: 'tp-grid' });
  for (let r = 0; r < values.length; r++) {
    const tr = h('tr', {});
    for (let c = 0; c < values[r]!.length; c++) {
      const v = values[r]![c]!;
      const td = h('td', {}, formatValue(v));
      td.style.background = colour(v, range);
      if (range.max > 0 && Math.abs(v) > 0.6 * range.max) td.classList.add('tp-dark');
      if (highlight?.(r, c)) td.classList.add('tp-hi');
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}

/** "3.2e-6"-style numbers for the gradient check. */
export function sci(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(Math.log10(Math.abs(v)) - Math.round(Math.log10(Math.abs(v)))) < 1e-9) return `1e${Math.round(Math.log10(Math.abs(v)))}`.replace(/^/, v < 0 ? '-' : '');
  if (!Number.isFinite(v)) return String(v);
  return v.toExponential(1).replace('e', 'e').replace('+', '');
}

// Small pieces shared by the teaching panels (backprop, gradient check, teach your
// digit): KaTeX equations (bundled with its CSS and fonts, no CDN, no eval) and
// signed tensors painted with the diverging map plus a legend, their values in
// data attributes for the tests.
import katex from 'katex';
import 'katex/dist/katex.min.css';
import './teaching.css';
import { DIVERGING, cssColor, drawLegend, formatValue, maxAbs, needsLightInk, paintSlice, pixelCanvas, rgbAt, type PaintRange } from './colormap';
import { h } from './dom';
import { watchOverflow } from './scroll-box';

const rendered = new Map<string, string>();

/**
 * An element with `src` typeset by KaTeX (inline, or display style). The markup of
 * each source and style is made once and reused (a step shows the same ~60 formulas
 * again: typesetting them is the slow part of a render). A display formula wider
 * than its column (a phone) scrolls in its own box, with the edge shadows as cue.
 */
export function tex(src: string, display = false, className = 'tp-eq'): HTMLElement {
  const e = h(display ? 'div' : 'span', { class: className });
  const key = `${display ? 'D' : 'I'}${src}`;
  let html = rendered.get(key);
  if (html === undefined) {
    html = katex.renderToString(src, { throwOnError: false, displayMode: display, output: 'htmlAndMathml' });
    if (rendered.size > 2000) rendered.clear();
    rendered.set(key, html);
  }
  e.innerHTML = html; // KaTeX's own markup of our own sources (no user text)
  if (display) watchOverflow(e, 'Equation');
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
    // A one-row strip (δ₁, Δb₁: 50 values) shrinks to a phone's width rather than poke out.
    const canvas = pixelCanvas(o.rows, o.cols, o.scale, o.rows === 1 ? 'tp-pixels tp-strip' : 'tp-pixels');
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
  // Drawn after the canvas is in the document (text colour from CSS: the theme's), next frame.
  requestAnimationFrame(() => drawLegend(canvas, range.min, range.max, { map: DIVERGING }));
  return canvas;
}

/** The diverging colour of v; white when the range is empty (all values 0). */
function colour(v: number, range: PaintRange): string {
  return range.max > range.min ? cssColor(DIVERGING, v, range.min, range.max) : '#ffffff';
}

/** A cell on the diverging map: its colour, and white text where black would not read. */
function paintCell(td: HTMLElement, v: number, range: PaintRange): void {
  td.style.background = colour(v, range);
  if (range.max > range.min && needsLightInk(rgbAt(DIVERGING, v, range.min, range.max))) td.classList.add('tp-dark');
}

/** A column or row name: plain text when it has no TeX in it (a digit, m=1), else KaTeX. */
function nameCell(name: string): Node | string {
  return /^[\w\s=,]+$/.test(name) ? name.replace(/=/g, ' = ') : tex(name);
}

/**
 * Several vectors of one length as one table (S, Y and δ = S − Y): a header of
 * names, a row per vector, so the columns line up; in a box that scrolls sideways
 * with a cue when it is wider than the screen. Each row carries its testid and
 * data-values.
 */
export function vectorRows(rows: { testid: string; /** plain text, set as a <var> */ name: string; data: ArrayLike<number>; range?: PaintRange }[], names: (i: number) => string, caption: string): HTMLElement {
  const n = rows[0]?.data.length ?? 0;
  const head = h('tr', {}, h('td', {}));
  for (let i = 0; i < n; i++) head.append(h('th', { scope: 'col' }, nameCell(names(i))));
  const body = h('tbody', {});
  for (const r of rows) {
    const range = r.range ?? symmetric(r.data);
    const tr = h('tr', { testid: r.testid, 'data-values': valuesJson(r.data) }, h('th', { scope: 'row', class: 'tp-row-name' }, h('var', {}, r.name)));
    for (let i = 0; i < r.data.length; i++) {
      const v = r.data[i]!;
      const td = h('td', { 'data-value': String(v) }, formatValue(v));
      paintCell(td, v, range);
      tr.append(td);
    }
    body.append(tr);
  }
  const table = h('table', { class: 'tp-cells tp-rows' }, h('caption', { class: 'cl-sr' }, caption), h('thead', {}, head), body);
  const box = h('div', {}, table);
  const cue = h('p', {}, 'Scroll sideways for all ' + n + ' columns →');
  watchOverflow(box, caption, cue);
  return h('div', { class: 'tp-rows-wrap' }, cue, box);
}

/** A short vector as coloured cells with their numbers (δ, biases). */
export function vectorCells(testid: string, data: ArrayLike<number>, names: (i: number) => string, range: PaintRange = symmetric(data)): HTMLElement {
  const table = h('table', { class: 'tp-cells', testid, 'data-values': valuesJson(data) });
  const head = h('tr', {});
  const body = h('tr', {});
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    head.append(h('th', { scope: 'col' }, nameCell(names(i))));
    const td = h('td', { 'data-value': String(v) }, formatValue(v));
    paintCell(td, v, range);
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
      paintCell(td, v, range);
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

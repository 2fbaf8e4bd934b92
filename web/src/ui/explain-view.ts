// The explanation of one selected value: its equation (KaTeX) with indices and
// numbers filled in, the handout's own form, and a picture of where the numbers
// come from, drawn from what web/src/explain/ returns (this file computes nothing).
// A step control slides the selection cell by cell over its map (and plays it).
//
// Cost: the picture's maps and number grids are built once per structure (the kind,
// the tensor and its map) and updated in place, so stepping or drawing only repaints
// a few small canvases and rewrites ≤ 150 numbers; KaTeX, the expensive part, runs
// only when the equation's text changes, at most every 120 ms while the numbers
// change (a drawing), always in a requestAnimationFrame.
import katex from 'katex';
import 'katex/dist/katex.min.css';
import './explain.css';
import {
  cellNum,
  explain,
  layoutOf,
  tensorOf,
  texNum,
  textNum,
  type BackwardSource,
  type CellRef,
  type ConvGroup,
  type DenseTerm,
  type Explanation,
  type ForwardSource,
  type MapView,
  type Picture,
  type TensorKey,
} from '../explain';
import { cssColor, DIVERGING, maxAbs, paintSlice, pixelCanvas, SEQUENTIAL, type ColorMap, type PaintRange } from './colormap';
import { h, el } from './dom';

export type ExplainSource = ForwardSource | BackwardSource;

function renderTex(target: HTMLElement, src: string, display: boolean): void {
  katex.render(src, target, { throwOnError: false, displayMode: display, output: 'htmlAndMathml' });
}

/** Typeset TeX, by source: a clone of a cached node is far cheaper than typesetting again. */
const typesetCache = new Map<string, HTMLElement>();

function texEl(src: string, display = false, className = 'cl-ex-tex'): HTMLElement {
  const key = `${display ? 'D' : 'I'}${className}\u0000${src}`;
  let e = typesetCache.get(key);
  if (!e) {
    e = el(display ? 'div' : 'span', className);
    renderTex(e, src, display);
    if (typesetCache.size > 600) typesetCache.clear();
    typesetCache.set(key, e);
  }
  return e.cloneNode(true) as HTMLElement;
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function symmetric(data: ArrayLike<number>): PaintRange {
  const m = maxAbs(data);
  return { min: -m, max: m };
}

/** Images (I and its windows) are Greys on [0, 1]; everything else PuOr on ±max|v|. */
function colouring(map: MapView): { colors: ColorMap; range: PaintRange } {
  return map.tex === 'I' || map.tex.startsWith('I(') ? { colors: SEQUENTIAL, range: { min: 0, max: 1 } } : { colors: DIVERGING, range: symmetric(map.data) };
}

function background(v: number, range: PaintRange, colors: ColorMap = DIVERGING): { bg: string; dark: boolean } {
  if (!(range.max > range.min)) return { bg: '#ffffff', dark: false };
  const bg = cssColor(colors, v, range.min, range.max);
  const dark = colors === DIVERGING ? Math.abs(v) > 0.6 * Math.max(-range.min, range.max) : v > 0.55 * range.max;
  return { bg, dark };
}

// ---- building blocks, updated in place ---------------------------------------------

/** A map at a few CSS pixels per value, with its window and marked cells outlined. */
class MapFig {
  readonly element: HTMLElement;
  private readonly host: HTMLElement;
  private readonly window: HTMLElement;
  private marks: HTMLElement[] = [];
  private readonly caption: HTMLElement;
  private captionKey = '';
  private canvas: HTMLCanvasElement | null = null;
  private map: MapView | null = null;

  constructor(
    private readonly target: number,
    private readonly pick: ((cell: CellRef) => void) | null,
  ) {
    this.host = el('span', 'cl-cellhost cl-ex-maphost');
    this.window = el('span', 'cl-ex-window');
    this.window.hidden = true;
    this.caption = el('figcaption', 'cl-ex-mapcap');
    this.element = h('figure', { class: 'cl-ex-map' }, this.host, this.caption);
  }

  update(map: MapView): void {
    this.map = map;
    const pad = map.pad ?? 0;
    const R = map.rows + 2 * pad;
    const C = map.cols + 2 * pad;
    if (!this.canvas || this.canvas.width !== C || this.canvas.height !== R) {
      const scale = Math.max(2, Math.min(22, Math.round(this.target / Math.max(R, C))));
      const canvas = pixelCanvas(R, C, scale, 'cl-pixels cl-ex-pixels');
      canvas.setAttribute('aria-hidden', 'true');
      if (this.pick && map.key) {
        canvas.classList.add('cl-ex-pickable');
        canvas.addEventListener('click', (e) => this.onClick(e));
      }
      this.canvas?.remove();
      this.host.prepend(canvas);
      this.canvas = canvas;
    }
    const { colors, range } = colouring(map);
    if (pad === 0) paintSlice(this.canvas, map.data, 0, R, C, colors, range);
    else {
      const padded = new Float32Array(R * C);
      for (let r = 0; r < map.rows; r++) padded.set(map.data.subarray(r * map.cols, (r + 1) * map.cols), (r + pad) * C + pad);
      paintSlice(this.canvas, padded, 0, R, C, colors, range);
      const ctx = this.canvas.getContext('2d');
      if (ctx) {
        ctx.fillStyle = 'rgb(148 163 184 / 0.45)';
        ctx.fillRect(0, 0, C, pad);
        ctx.fillRect(0, R - pad, C, pad);
        ctx.fillRect(0, pad, pad, map.rows);
        ctx.fillRect(C - pad, pad, pad, map.rows);
      }
    }
    const box = (el: HTMLElement, row: number, col: number, rows: number, cols: number) => {
      const s = el.style;
      s.left = `${((col - 1 + pad) / C) * 100}%`;
      s.top = `${((row - 1 + pad) / R) * 100}%`;
      s.width = `${(cols / C) * 100}%`;
      s.height = `${(rows / R) * 100}%`;
    };
    if (map.window) {
      if (!this.window.parentElement) this.host.append(this.window);
      box(this.window, map.window.row, map.window.col, map.window.rows, map.window.cols);
      this.window.hidden = false;
    } else this.window.hidden = true;
    const marks = map.marks ?? [];
    while (this.marks.length < marks.length) {
      const m = el('span', 'cl-ex-mark');
      this.host.append(m);
      this.marks.push(m);
    }
    this.marks.forEach((m, k) => {
      const mark = marks[k];
      m.hidden = !mark;
      if (!mark) return;
      m.className = `cl-ex-mark cl-ex-mark-${mark.kind}`;
      box(m, mark.row, mark.col, 1, 1);
    });
    const key = map.tex + `|${map.rows}×${map.cols}`;
    if (key !== this.captionKey) {
      this.captionKey = key;
      this.caption.replaceChildren(texEl(map.tex), el('span', 'cl-ex-dims', ` ${map.rows}×${map.cols}`));
    }
  }

  private onClick(e: MouseEvent): void {
    const map = this.map;
    const canvas = this.canvas;
    if (!map?.key || !canvas || !this.pick) return;
    const r = canvas.getBoundingClientRect();
    const pad = map.pad ?? 0;
    const col = Math.floor(((e.clientX - r.left) / r.width) * canvas.width) - pad;
    const row = Math.floor(((e.clientY - r.top) / r.height) * canvas.height) - pad;
    if (row < 0 || col < 0 || row >= map.rows || col >= map.cols) return;
    this.pick({ key: map.key, index: (map.slice * map.rows + row) * map.cols + col });
  }
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const power = (e: number) => `×10${e < 0 ? '⁻' : ''}${[...String(Math.abs(e))].map((d) => SUPERSCRIPT[Number(d)]).join('')}`;

/**
 * A small grid of numbers on their colours (windows, kernels, products). Numbers much
 * smaller than 0.01 or larger than 1000 (δ and its products are often 10⁻⁴) are written
 * as mantissas with one common factor in the grid's caption, "×10⁻⁴"; each cell's
 * title has its exact value.
 */
class NumGrid {
  readonly element: HTMLTableElement;
  private readonly cells: HTMLTableCellElement[] = [];
  private readonly caption: HTMLTableCaptionElement;
  /** What each cell shows now, to touch only the cells that change (a drawing moves few of them). */
  private shown: string[] = [];

  constructor(
    readonly rows: number,
    readonly cols: number,
    label: string,
  ) {
    this.caption = h('caption', { class: 'cl-ex-scale' });
    this.element = h('table', { class: 'cl-ex-grid', 'aria-label': label }, this.caption);
    const body = h('tbody', {});
    for (let r = 0; r < rows; r++) {
      const tr = h('tr', {});
      for (let c = 0; c < cols; c++) {
        const td = h('td', {});
        this.cells.push(td);
        tr.append(td);
      }
      body.append(tr);
    }
    this.element.append(body);
  }

  update(values: ArrayLike<number>, range: PaintRange, o: { outside?: readonly boolean[]; highlight?: number | null; colors?: ColorMap } = {}): void {
    let max = 0;
    for (let k = 0; k < this.cells.length; k++) if (!o.outside?.[k]) max = Math.max(max, Math.abs(values[k] ?? 0));
    const e = max > 0 && (max < 0.01 || max >= 1000) ? Math.floor(Math.log10(max)) : 0;
    const factor = 10 ** -e;
    setText(this.caption, e ? power(e) : '');
    this.cells.forEach((td, k) => {
      const v = values[k] ?? 0;
      const out = o.outside?.[k] ?? false;
      const state = `${v}|${e}|${out}|${range.min}|${range.max}|${o.highlight === k}|${o.colors?.name ?? ''}`;
      if (this.shown[k] === state) return;
      this.shown[k] = state;
      setText(td, out ? '·' : cellNum(v * factor));
      td.title = out ? 'outside the map: 0' : textNum(v, 6);
      const { bg, dark } = out ? { bg: '', dark: false } : background(v, range, o.colors);
      td.style.background = bg;
      td.classList.toggle('cl-ex-dark', dark);
      td.classList.toggle('cl-ex-outside', out);
      td.classList.toggle('cl-ex-hi', o.highlight === k);
    });
  }
}

const op = (text: string) => el('span', 'cl-ex-op', text);

function labelled(label: string | HTMLElement, ...content: HTMLElement[]): HTMLElement {
  return h('div', { class: 'cl-ex-labelled' }, typeof label === 'string' ? el('span', 'cl-ex-label', label) : label, ...content);
}

/** A chip of the final arithmetic: "Σ = 0.51", "+ b = …", "ReLU → 0.43". */
function chip(label: string, value: number | null, strong = false): HTMLElement {
  const c = el('span', strong ? 'cl-ex-chip cl-ex-chip-value' : 'cl-ex-chip', label);
  if (value !== null) c.append(' ', el('span', 'cl-ex-num', textNum(value)));
  return c;
}

const F_NAME = { relu: 'ReLU', tanh: 'tanh', sigmoid: 'σ' } as const;

// ---- pictures -----------------------------------------------------------------------

interface PictureView {
  element: HTMLElement;
  update(ex: Explanation): void;
}

/** The structure of a picture: the same key means update in place (the window slides). */
function structureKey(ex: Explanation): string {
  const p = ex.picture;
  const slice = (m: MapView) => `${m.key}:${m.slice}:${m.rows}x${m.cols}`;
  switch (p.kind) {
    case 'conv':
      return `conv|${ex.cell.key}|${slice(p.output)}|${p.groups.map((g) => slice(g.source)).join(',')}`;
    case 'pool':
      return `pool|${ex.cell.key}|${slice(p.output)}|${p.pooling}`;
    case 'kernel-grad':
      return `kgrad|${ex.cell.key}|${slice(p.input)}|${slice(p.delta)}`;
    case 'pool-back':
      return `pback|${ex.cell.key}|${slice(p.output)}|${p.pooling}`;
    case 'param':
      return `param|${ex.cell.key}|${slice(p.map)}`;
    default:
      return `${p.kind}|${ex.cell.key}|${ex.cell.index}`;
  }
}

type Pick = (cell: CellRef) => void;

/** Several input maps (C², δC_P¹): each map's share folds away, all open on a wide screen, the first on a phone. */
function wide(): boolean {
  return typeof matchMedia !== 'function' || matchMedia('(min-width: 700px)').matches;
}

function convView(pick: Pick, first: Extract<Picture, { kind: 'conv' }>): PictureView {
  const many = first.groups.length > 1;
  const open = wide();
  const groups = first.groups.map((g: ConvGroup, index) => {
    const map = new MapFig(130, pick);
    const window = new NumGrid(g.size, g.size, `the ${g.size}×${g.size} window`);
    const kernel = new NumGrid(g.size, g.size, 'the kernel');
    const products = new NumGrid(g.size, g.size, 'the products');
    const kernelCap = el('span', 'cl-ex-label');
    kernelCap.append(texEl(g.kernelTex));
    const sum = el('span', 'cl-ex-num');
    const body = h(
      'div',
      { class: 'cl-ex-group' },
      map.element,
      h('div', { class: 'cl-ex-calc' }, labelled('window', window.element), op('⊙'), labelled(kernelCap, kernel.element), op('='), labelled('products', products.element), h('span', { class: 'cl-ex-sum' }, 'Σ = ', sum)),
    );
    const summarySum = el('span', 'cl-ex-num');
    const row = many
      ? h(
          'details',
          { class: 'cl-ex-fold', open: open || index === 0 },
          h('summary', {}, texEl(g.source.tex), ' ⊙ ', texEl(g.kernelTex), ': Σ = ', summarySum),
          body,
        )
      : body;
    return { row, map, window, kernel, products, sum, summarySum };
  });
  const output = new MapFig(130, pick);
  const chain = el('div', 'cl-ex-chain');
  const element = h('div', { class: 'cl-ex-conv' }, ...groups.map((g) => g.row), h('div', { class: 'cl-ex-result' }, chain, output.element));
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'conv') return;
      const all: number[] = p.groups.flatMap((g) => g.products);
      const productRange = symmetric(all);
      const kernelRange = symmetric(p.groups.flatMap((g) => g.kernel));
      p.groups.forEach((g, k) => {
        const v = groups[k]!;
        v.map.update(g.source);
        const { colors, range } = colouring(g.source);
        v.window.update(g.window, range, { outside: g.outside, colors });
        v.kernel.update(g.kernel, kernelRange);
        v.products.update(g.products, productRange);
        setText(v.sum, textNum(g.sum));
        setText(v.summarySum, textNum(g.sum));
      });
      const parts: HTMLElement[] = [];
      if (p.groups.length > 1) parts.push(chip(`Σ of ${p.groups.length} sums =`, p.sum));
      else parts.push(chip('Σ =', p.sum));
      if (p.bias) parts.push(op('+'), h('span', { class: 'cl-ex-chip' }, texEl(p.bias.tex), ' = ', el('span', 'cl-ex-num', textNum(p.bias.value))), op('='), chip('', p.pre));
      if (p.activation) parts.push(op('→'), chip(`${F_NAME[p.activation]} →`, null), chip('', ex.recomputed, true));
      else parts.push(op('='), chip('', ex.recomputed, true));
      chain.replaceChildren(...parts);
      output.update(p.output);
    },
  };
}

function poolView(pick: Pick): PictureView {
  const source = new MapFig(130, pick);
  const block = new NumGrid(2, 2, 'the 2×2 block');
  const rule = el('span', 'cl-ex-chip');
  const result = el('span', 'cl-ex-chip cl-ex-chip-value');
  const output = new MapFig(110, pick);
  const element = h('div', { class: 'cl-ex-flow' }, source.element, op('→'), labelled('block', block.element), op('→'), rule, result, op('→'), output.element);
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'pool') return;
      source.update(p.source);
      block.update(p.block, symmetric(p.source.data), { highlight: p.chosen });
      setText(rule, p.pooling === 'average' ? '¼ Σ =' : 'max =');
      setText(result, textNum(ex.recomputed));
      output.update(p.output);
    },
  };
}

function denseView(pick: Pick): PictureView {
  const element = el('div', 'cl-ex-dense');
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'dense') return;
      const range = symmetric(p.terms.map((t) => t.product));
      const row = (t: DenseTerm, rank: string, cls = '') => {
        const { bg, dark } = background(t.product, range);
        const product = h('td', { class: `cl-ex-num${dark ? ' cl-ex-dark' : ''}` }, textNum(t.product));
        product.style.background = bg;
        return h(
          'tr',
          { class: cls },
          h('td', { class: 'cl-ex-rank' }, rank),
          h('td', {}, texEl(t.weightTex)),
          h('td', { class: 'cl-ex-num' }, textNum(t.weight)),
          h('td', { class: 'cl-ex-op' }, '×'),
          h('td', {}, texEl(t.inputTex)),
          h('td', { class: 'cl-ex-num' }, textNum(t.input)),
          h('td', { class: 'cl-ex-op' }, '='),
          product,
        );
      };
      const body = h('tbody', {});
      p.terms.forEach((t, k) => body.append(row(t, String(k + 1), p.highlight?.index === t.index ? 'cl-ex-hi-row' : '')));
      const apart = p.highlight && !p.terms.some((t) => t.index === p.highlight!.index);
      if (apart) body.append(row(p.highlight!, 'this one', 'cl-ex-hi-row'));
      if (p.rest.count > 0)
        body.append(
          h('tr', { class: 'cl-ex-rest' }, h('td', {}, ''), h('td', { colspan: '6' }, `the other ${p.rest.count} products${apart ? ' (this one among them)' : ''}, added`), h('td', { class: 'cl-ex-num' }, textNum(p.rest.sum))),
        );
      const table = h(
        'table',
        { class: 'cl-ex-terms' },
        h('caption', {}, `The ${p.count} products ${p.weightName} × ${p.inputName}, largest |value| first${p.rest.count ? ` (the top ${p.terms.length})` : ''}`),
        body,
      );
      const chain: HTMLElement[] = [chip(`Σ of ${p.count} =`, p.sum)];
      if (p.bias) chain.push(op('+'), h('span', { class: 'cl-ex-chip' }, texEl(p.bias.tex), ' = ', el('span', 'cl-ex-num', textNum(p.bias.value))), op('='), chip('', p.pre));
      if (p.activation) chain.push(op('→'), chip(`${F_NAME[p.activation]} →`, null));
      if (p.fprime) chain.push(op('×'), chip(`f′(${textNum(p.fprime.z, 3)}) =`, p.fprime.value));
      chain.push(op('='), chip('', p.result, !p.highlight));
      const parts: HTMLElement[] = [];
      if (p.weightMaps.length) {
        const maps = (list: MapView[]) =>
          h(
            'div',
            { class: 'cl-ex-mapsrow' },
            ...list.map((m) => {
              const f = new MapFig(64, pick);
              f.update(m);
              return f.element;
            }),
          );
        parts.push(
          h(
            'div',
            { class: 'cl-ex-looks' },
            labelled(`What it looks for: its ${p.weightName} row as ${p.weightMaps.length} maps`, maps(p.weightMaps)),
            labelled('What it sees: C_P², the same places', maps(p.inputMaps)),
          ),
        );
      }
      parts.push(table, h('div', { class: 'cl-ex-chain' }, ...chain));
      element.replaceChildren(...parts);
    },
  };
}

function softmaxView(pick: Pick): PictureView {
  const element = el('div', 'cl-ex-softmax');
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'softmax') return;
      const body = h('tbody', {});
      p.logits.forEach((z, d) => {
        const button = h('button', { type: 'button', class: 'cl-ex-link', title: `How z(${d}) was computed` }, textNum(z));
        button.addEventListener('click', () => pick({ key: 'forward:logits', index: d }));
        body.append(
          h(
            'tr',
            { class: d === p.digit ? 'cl-ex-hi-row' : '' },
            h('th', { scope: 'row' }, String(d)),
            h('td', {}, button),
            h('td', { class: 'cl-ex-num' }, textNum(z - p.max)),
            h('td', { class: 'cl-ex-num' }, textNum(p.exps[d]!)),
            h('td', { class: 'cl-ex-num' }, textNum(p.exps[d]! / p.sumExp)),
          ),
        );
      });
      body.append(h('tr', { class: 'cl-ex-rest' }, h('th', { scope: 'row' }, 'Σ'), h('td', {}, ''), h('td', {}, ''), h('td', { class: 'cl-ex-num' }, textNum(p.sumExp, 6)), h('td', { class: 'cl-ex-num' }, '1')));
      const head = h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'd'), h('th', { scope: 'col' }, texEl('z(d)')), h('th', { scope: 'col' }, texEl('z(d) - z_{\\max}')), h('th', { scope: 'col' }, texEl('e^{z(d) - z_{\\max}}')), h('th', { scope: 'col' }, texEl('S(d)'))));
      element.replaceChildren(h('table', { class: 'cl-ex-terms cl-ex-softmax-table' }, h('caption', {}, 'The ten logits z (press one to see how it was computed) and their softmax'), head, body));
    },
  };
}

function simpleView(pick: Pick): PictureView {
  const element = el('div', 'cl-ex-simple');
  return {
    element,
    update(ex) {
      const p = ex.picture;
      const parts: HTMLElement[] = [];
      const map = (m: MapView, target = 120) => {
        const f = new MapFig(target, pick);
        f.update(m);
        return f.element;
      };
      switch (p.kind) {
        case 'difference':
          parts.push(chip(`S(${p.digit}) =`, p.s), op('−'), chip(`Y(${p.digit}) =`, p.y), op('='), chip('', ex.recomputed, true), el('span', 'cl-ex-note', `Y is 1 at the true label ${p.label}, 0 elsewhere.`));
          break;
        case 'product':
          parts.push(h('span', { class: 'cl-ex-chip' }, texEl(p.a.tex), ' = ', el('span', 'cl-ex-num', textNum(p.a.value))), op('×'), h('span', { class: 'cl-ex-chip' }, texEl(p.b.tex), ' = ', el('span', 'cl-ex-num', textNum(p.b.value))), op('='), chip('', ex.recomputed, true));
          break;
        case 'copy':
          if (p.source) parts.push(map(p.source), op('→'));
          parts.push(h('span', { class: 'cl-ex-chip' }, texEl(p.from.tex), ' = '), chip('', ex.recomputed, true));
          break;
        case 'bias-grad': {
          parts.push(map(p.delta, 140));
          if (p.count <= 64) {
            const g = new NumGrid(p.delta.rows, p.delta.cols, 'the values summed');
            g.update(p.delta.data, symmetric(p.delta.data));
            parts.push(op('→'), labelled('the values', g.element));
          }
          parts.push(op('Σ'), chip('', ex.recomputed, true), el('span', 'cl-ex-note', `${p.nonzero} of ${p.count} values are not 0.`));
          break;
        }
        default:
          break;
      }
      element.replaceChildren(h('div', { class: 'cl-ex-flow' }, ...parts));
    },
  };
}

function poolBackView(pick: Pick): PictureView {
  const upstream = new MapFig(90, pick);
  const forward = new MapFig(120, pick);
  const output = new MapFig(120, pick);
  const share = el('span', 'cl-ex-chip');
  const fp = el('span', 'cl-ex-chip');
  const result = el('span', 'cl-ex-chip cl-ex-chip-value');
  const element = h(
    'div',
    { class: 'cl-ex-flow' },
    upstream.element,
    op('→'),
    share,
    forward.element,
    op('×'),
    fp,
    op('='),
    result,
    op('→'),
    output.element,
  );
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'pool-back') return;
      upstream.update(p.upstream);
      forward.update(p.forward);
      output.update(p.output);
      setText(share, p.pooling === 'average' ? `¼ × ${textNum(p.upstreamValue)}` : p.share ? `arg-max: all of ${textNum(p.upstreamValue)}` : 'not the arg-max: 0');
      setText(fp, `f′(${textNum(p.fprime.z, 3)}) = ${textNum(p.fprime.value)}`);
      setText(result, textNum(ex.recomputed));
    },
  };
}

function kernelGradView(pick: Pick, first: Extract<Picture, { kind: 'kernel-grad' }>): PictureView {
  const input = new MapFig(150, pick);
  const shifted = new MapFig(120, pick);
  const delta = new MapFig(120, pick);
  const small = first.products.rows * first.products.cols <= 64;
  const productsMap = small ? null : new MapFig(120, pick);
  const productsGrid = small ? new NumGrid(first.products.rows, first.products.cols, 'the products') : null;
  const result = el('span', 'cl-ex-chip cl-ex-chip-value');
  const kernel = new MapFig(80, pick);
  const element = h(
    'div',
    { class: 'cl-ex-flow' },
    input.element,
    op('→'),
    shifted.element,
    op('⊙'),
    delta.element,
    op('='),
    productsGrid ? labelled('products', productsGrid.element) : productsMap!.element,
    op('Σ'),
    result,
    op('→'),
    kernel.element,
  );
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'kernel-grad') return;
      input.update(p.input);
      shifted.update(p.shifted);
      delta.update(p.delta);
      productsMap?.update(p.products);
      productsGrid?.update(p.products.data, symmetric(p.products.data));
      setText(result, textNum(ex.recomputed));
      kernel.update(p.kernel);
    },
  };
}

function paramView(pick: Pick): PictureView {
  const map = new MapFig(130, pick);
  const turned = new MapFig(130, null);
  const notes = el('ul', 'cl-ex-notes');
  const element = h('div', { class: 'cl-ex-param' }, h('div', { class: 'cl-ex-flow' }, map.element, turned.element), notes);
  return {
    element,
    update(ex) {
      const p = ex.picture;
      if (p.kind !== 'param') return;
      map.update(p.map);
      turned.element.hidden = !p.turned;
      if (p.turned) turned.update(p.turned);
      notes.replaceChildren(...p.notes.map((n) => h('li', {}, n)));
    },
  };
}

function pictureView(ex: Explanation, pick: Pick): PictureView {
  const p = ex.picture;
  switch (p.kind) {
    case 'conv':
      return convView(pick, p);
    case 'pool':
      return poolView(pick);
    case 'dense':
      return denseView(pick);
    case 'softmax':
      return softmaxView(pick);
    case 'pool-back':
      return poolBackView(pick);
    case 'kernel-grad':
      return kernelGradView(pick, p);
    case 'param':
      return paramView(pick);
    default:
      return simpleView(pick);
  }
}

// ---- the panel ------------------------------------------------------------------------

export interface ExplainerOptions {
  /** data-testid of the panel. */
  testid: string;
  /** Speaks in the view's live region. */
  announce(text: string): void;
  /** The selection changed (null: closed): mark it in the view's grids. */
  selected(cell: CellRef | null): void;
  /** The panel goes after this element for values of this tensor (its row). */
  anchor(key: TensorKey): HTMLElement | null;
  /** Puts the focus back on the grid that shows this value (after closing). */
  refocus(cell: CellRef): void;
}

const PLAY_MS = 350;
const PLAY_MS_REDUCED = 1000;
const TEX_EVERY_MS = 120;
const FOLLOW_MS = 100;

/** The explanation panel of one view: open(cell), setSource(tensors) on every new pass. */
export class Explainer {
  readonly element: HTMLElement;
  private source: ExplainSource | null = null;
  private cellNow: CellRef | null = null;
  private frame = 0;
  private texKey = '';
  private texAt = 0;
  private texTimer = 0;
  private playTimer = 0;
  private structure = '';
  private picture: PictureView | null = null;
  private last: Explanation | null = null;

  private readonly title: HTMLElement;
  private readonly equation: HTMLElement;
  private readonly handout: HTMLElement;
  private readonly pictureHost: HTMLElement;
  private readonly position: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly play: HTMLButtonElement;
  private readonly sentence: HTMLElement;

  constructor(private readonly o: ExplainerOptions) {
    this.title = el('h3', 'cl-ex-title');
    this.equation = el('div', 'cl-ex-eq');
    this.handout = el('p', 'cl-ex-handout');
    this.pictureHost = el('div', 'cl-ex-picture');
    this.position = el('span', 'cl-ex-position');
    const button = (text: string, label: string, testid: string) => h('button', { type: 'button', class: 'cl-ex-button', 'aria-label': label, testid, title: label }, text);
    this.prev = button('◀', 'Previous value of this map', `${o.testid}-prev`);
    this.next = button('▶', 'Next value of this map', `${o.testid}-next`);
    this.play = h('button', { type: 'button', class: 'cl-ex-button cl-ex-play', 'aria-pressed': 'false', testid: `${o.testid}-play` }, 'Play');
    const close = button('×', 'Close the explanation', `${o.testid}-close`);
    this.prev.addEventListener('click', () => this.step(-1));
    this.next.addEventListener('click', () => this.step(1));
    this.play.addEventListener('click', () => this.togglePlay());
    close.addEventListener('click', () => this.close(true));
    this.sentence = el('p', 'cl-ex-sentence');
    this.element = h(
      'section',
      { class: 'cl-ex', testid: o.testid, 'aria-label': 'How this value was computed' },
      h('header', { class: 'cl-ex-head' }, this.title, h('div', { class: 'cl-ex-steps', role: 'group', 'aria-label': 'Step through the map' }, this.prev, this.play, this.next, this.position), close),
      this.equation,
      this.handout,
      this.pictureHost,
      this.sentence,
    );
    this.element.hidden = true;
    this.element.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.close(true);
      }
    });
  }

  get cell(): CellRef | null {
    return this.cellNow;
  }

  /**
   * New tensors (a drawing, a test image, a step): an open explanation follows them,
   * at most every FOLLOW_MS while they keep coming (a student drawing), and at once
   * after a pause.
   */
  setSource(source: ExplainSource | null): void {
    this.source = source;
    if (!this.cellNow) return;
    const wait = FOLLOW_MS - (performance.now() - this.renderedAt);
    if (wait <= 0) this.schedule();
    else if (!this.followTimer)
      this.followTimer = window.setTimeout(() => {
        this.followTimer = 0;
        this.schedule();
      }, wait);
  }

  /**
   * Explains a value; `speak` announces it (a selection by the reader, not a live
   * update); `stay` keeps the panel where it is (a value picked inside its picture).
   */
  open(cell: CellRef, speak = true, stay = false): void {
    const moved = !this.cellNow || this.cellNow.key !== cell.key;
    this.cellNow = cell;
    if ((moved && !(stay && this.element.isConnected)) || !this.element.isConnected) {
      // after the row of the value; a value with no row of its own (one opened from a
      // picture, e.g. I inside ΔK¹) stays beside the row it was opened from
      const anchor = this.o.anchor(cell.key);
      if (anchor) this.anchorKey = cell.key;
      const at = anchor ?? (this.element.isConnected || !this.anchorKey ? null : this.o.anchor(this.anchorKey));
      if (at && at.nextElementSibling !== this.element) at.after(this.element);
    }
    this.element.hidden = false;
    this.o.selected(cell);
    this.schedule();
    if (speak) this.speakNext = true;
  }

  close(refocus = false): void {
    const cell = this.cellNow;
    this.stopPlay();
    this.cellNow = null;
    this.element.hidden = true;
    this.structure = '';
    this.picture = null;
    this.texKey = '';
    this.pendingTex = null;
    this.o.selected(null);
    if (refocus && cell) this.o.refocus(cell);
  }

  private speakNext = false;
  private anchorKey: TensorKey | null = null;
  private renderedAt = -Infinity;
  private followTimer = 0;
  private pendingTex: Explanation | null = null;

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const cell = this.cellNow;
    const source = this.source;
    if (!cell || !source) return;
    let ex: Explanation;
    try {
      ex = explain(source, cell);
    } catch {
      this.close(); // the network changed shape, or the pass has no such tensor
      return;
    }
    this.last = ex;
    this.renderedAt = performance.now();
    const e = this.element;
    e.dataset['key'] = cell.key;
    e.dataset['index'] = String(cell.index);
    e.dataset['value'] = String(ex.value);
    e.dataset['recomputed'] = String(ex.recomputed);
    e.setAttribute('aria-label', `How ${ex.text} was computed`);

    // the picture: in place when its structure is the same
    const structure = structureKey(ex);
    if (structure !== this.structure || !this.picture) {
      this.structure = structure;
      this.picture = pictureView(ex, (c) => this.open(c, true, true));
      this.pictureHost.replaceChildren(this.picture.element);
    }
    this.picture.update(ex);

    // the step control
    const t = tensorOf(source, cell.key);
    const L = layoutOf(t.shape);
    const per = L.rows * L.cols;
    const k = cell.index % per;
    setText(this.position, `${k + 1} of ${per}`);
    this.prev.disabled = k === 0;
    this.next.disabled = k === per - 1;
    setText(this.sentence, ex.sentence);

    // KaTeX: only when the text changed; at most every TEX_EVERY_MS while numbers change
    // (then the newest text is typeset on its own, later, without redrawing the picture)
    const texKey = [ex.tex, ex.value, ...ex.lines, ex.handout ?? ''].join('\u0000');
    if (texKey !== this.texKey) {
      const now = performance.now();
      const sameCell = this.texKey.startsWith(ex.tex + '\u0000');
      const wait = sameCell ? TEX_EVERY_MS - (now - this.texAt) : 0;
      if (wait > 0) {
        this.pendingTex = ex;
        if (!this.texTimer)
          this.texTimer = window.setTimeout(() => {
            this.texTimer = 0;
            requestAnimationFrame(() => {
              const pending = this.pendingTex;
              this.pendingTex = null;
              if (pending && this.cellNow && pending.cell.key === this.cellNow.key && pending.cell.index === this.cellNow.index) this.typeset(pending);
            });
          }, wait);
      } else {
        this.pendingTex = null;
        this.typeset(ex);
      }
    }
    if (this.speakNext) {
      this.speakNext = false;
      this.o.announce(`${ex.text} = ${textNum(ex.value)}. ${ex.sentence}`);
    }
  }

  private typeset(ex: Explanation): void {
    this.texKey = [ex.tex, ex.value, ...ex.lines, ex.handout ?? ''].join('\u0000');
    this.texAt = performance.now();
    this.renderTex(ex);
  }

  private renderTex(ex: Explanation): void {
    renderTex(this.title, `${ex.tex} = ${texNum(ex.value)}`, false);
    this.equation.replaceChildren(...ex.lines.map((line) => texEl(line, true, 'cl-ex-line')));
    if (ex.handout) this.handout.replaceChildren(`In the handout (${ex.page}): `, texEl(ex.handout), handoutNote(ex.cell.key));
    else this.handout.replaceChildren(`The same equation in the handout, ${ex.page}.`);
  }

  private step(by: number): void {
    const cell = this.cellNow;
    const source = this.source;
    if (!cell || !source) return;
    const L = layoutOf(tensorOf(source, cell.key).shape);
    const per = L.rows * L.cols;
    const start = cell.index - (cell.index % per);
    const index = cell.index + by;
    if (index < start || index >= start + per) {
      this.stopPlay();
      return;
    }
    this.open({ key: cell.key, index }, !this.playTimer);
  }

  private togglePlay(): void {
    if (this.playTimer) {
      this.stopPlay();
      return;
    }
    const cell = this.cellNow;
    const source = this.source;
    if (!cell || !source) return;
    const per = (() => {
      const L = layoutOf(tensorOf(source, cell.key).shape);
      return L.rows * L.cols;
    })();
    if (cell.index % per === per - 1) this.open({ key: cell.key, index: cell.index - per + 1 }, false); // from the start again
    const reduced = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.playTimer = window.setInterval(() => this.step(1), reduced ? PLAY_MS_REDUCED : PLAY_MS);
    this.play.textContent = 'Pause';
    this.play.setAttribute('aria-pressed', 'true');
  }

  private stopPlay(): void {
    if (!this.playTimer) return;
    window.clearInterval(this.playTimer);
    this.playTimer = 0;
    this.play.textContent = 'Play';
    this.play.setAttribute('aria-pressed', 'false');
    if (this.last) this.o.announce(`Paused at ${this.last.text} = ${textNum(this.last.value)}.`);
  }
}

/** The values whose handout formula uses its centred, true-convolution indices. */
const CENTRED: ReadonlySet<TensorKey> = new Set<TensorKey>([
  'forward:conv1_pre',
  'forward:conv1',
  'forward:conv2_pre',
  'forward:conv2',
  'grad:conv1.weight',
  'grad:conv2.weight',
  'delta:delta_pool1',
]);

function handoutNote(key: TensorKey): string {
  return CENTRED.has(key)
    ? ' — a true convolution with centred u, v = −2..2; its K is the kernel shown here turned 180°, which is why this page writes the same sum with u, v = 1..5.'
    : '';
}

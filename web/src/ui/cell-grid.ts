// Every value of a map can be pointed at: a CellGrid puts a keyboard- and pointer-
// driven cursor on a picture of a tensor (one or more canvases, or a table of
// cells). One tab stop per grid; arrow keys move a visible cursor, Home/End go to
// the ends of a row, Enter or Space selects, Escape closes the explanation. Hovering
// shows a tooltip with the value and its indices; a click or a tap selects.
// Cursors are absolutely positioned boxes in % of the cell's host, so nothing reads
// layout except a pointer event (one getBoundingClientRect) and keyboard moves.
import { cellName, tensorOf, textNum, type BackwardSource, type CellRef, type ForwardSource, type TensorKey } from '../explain';
import { el } from './dom';

type ExplainSource = ForwardSource | BackwardSource;

/** Where a cell is drawn: a positioned host element and the cell's box in fractions of it. */
export interface CellBox {
  host: HTMLElement;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GridGeometry {
  rows: number;
  cols: number;
  box(row: number, col: number): CellBox;
  /** The cell under the pointer, or null (a gap, the border). */
  hit(event: MouseEvent): [number, number] | null;
}

export interface CellGridOptions {
  /** The tab stop; it gets tabindex, role and the accessible name. */
  focus: HTMLElement;
  label: string;
  geometry: GridGeometry;
  /** Flat index of the tensor value at (row, col) of this grid. */
  index(row: number, col: number): number;
  /** (row, col) of a flat index, or null when the value is not in this grid. */
  cell(index: number): [number, number] | null;
  /** The value's name ("C¹₂(5, 7)"), its words ("C¹ map 2, row 5, column 7") and its current value. */
  describe(index: number): { text: string; words: string; value: string };
  select(index: number): void;
  escape?(): void;
  announce(text: string): void;
  tooltip: Tooltip;
}

/** One floating label for a view (position: fixed at the pointer). */
export class Tooltip {
  readonly element: HTMLElement;
  constructor(parent: HTMLElement) {
    this.element = el('div', 'cl-tooltip');
    this.element.setAttribute('aria-hidden', 'true'); // the live region speaks instead
    this.element.hidden = true;
    parent.append(this.element);
  }

  show(text: string, clientX: number, clientY: number): void {
    if (this.element.textContent !== text) this.element.textContent = text;
    this.element.hidden = false;
    const s = this.element.style;
    // Above the pointer; flipped under it near the top of the window, kept inside horizontally.
    const below = clientY < 60;
    s.left = `${Math.max(4, Math.min(clientX + 12, innerWidth - 220))}px`;
    s.top = `${below ? clientY + 18 : clientY - 34}px`;
  }

  hide(): void {
    this.element.hidden = true;
  }
}

function placeBox(mark: HTMLElement, b: CellBox): void {
  if (mark.parentElement !== b.host) b.host.append(mark);
  const s = mark.style;
  s.left = `${b.x * 100}%`;
  s.top = `${b.y * 100}%`;
  s.width = `${b.w * 100}%`;
  s.height = `${b.h * 100}%`;
}

export class CellGrid {
  private row = 0;
  private col = 0;
  private readonly cursor: HTMLElement;
  private readonly selected: HTMLElement;
  private pointerInside = false;

  constructor(private readonly o: CellGridOptions) {
    const f = o.focus;
    f.tabIndex = 0;
    f.setAttribute('role', 'application');
    f.setAttribute('aria-roledescription', 'value map');
    f.setAttribute('aria-label', `${o.label}. Arrow keys move, Enter explains the value.`);
    f.classList.add('cl-grid');
    this.cursor = el('span', 'cl-cell-cursor');
    this.selected = el('span', 'cl-cell-selected');
    this.cursor.hidden = true;
    this.selected.hidden = true;

    f.addEventListener('keydown', (e) => this.onKey(e));
    f.addEventListener('focus', () => {
      this.showCursor(false);
    });
    f.addEventListener('blur', () => {
      if (!this.pointerInside) this.cursor.hidden = true;
      o.tooltip.hide();
    });
    f.addEventListener('pointermove', (e) => this.onPointer(e));
    f.addEventListener('pointerleave', () => {
      this.pointerInside = false;
      o.tooltip.hide();
      if ((f.getRootNode() as Document | ShadowRoot).activeElement !== f) this.cursor.hidden = true;
    });
    f.addEventListener('click', (e) => {
      const at = o.geometry.hit(e);
      if (!at) return;
      [this.row, this.col] = at;
      this.showCursor(false);
      this.o.select(this.o.index(this.row, this.col));
    });
  }

  /** Marks the selected value (null: none, or not in this grid) and moves the cursor there. */
  mark(index: number | null): void {
    const at = index === null ? null : this.o.cell(index);
    if (!at) {
      this.selected.hidden = true;
      return;
    }
    [this.row, this.col] = at;
    placeBox(this.selected, this.o.geometry.box(at[0], at[1]));
    this.selected.hidden = false;
    if (!this.cursor.hidden) placeBox(this.cursor, this.o.geometry.box(at[0], at[1]));
  }

  /** Focuses the grid with the cursor on a value of it. */
  focusIndex(index: number): void {
    const at = this.o.cell(index);
    if (at) [this.row, this.col] = at;
    this.o.focus.focus({ preventScroll: false });
    this.showCursor(false);
  }

  /** The value is in this grid. */
  has(index: number): boolean {
    return this.o.cell(index) !== null;
  }

  private onPointer(e: PointerEvent): void {
    this.pointerInside = true;
    const at = this.o.geometry.hit(e);
    if (!at) {
      this.o.tooltip.hide();
      return;
    }
    const d = this.o.describe(this.o.index(at[0], at[1]));
    this.o.tooltip.show(`${d.text} = ${d.value}`, e.clientX, e.clientY);
    placeBox(this.cursor, this.o.geometry.box(at[0], at[1]));
    this.cursor.hidden = false;
  }

  private showCursor(announce: boolean): void {
    const b = this.o.geometry.box(this.row, this.col);
    placeBox(this.cursor, b);
    this.cursor.hidden = false;
    if (!announce) return;
    const d = this.o.describe(this.o.index(this.row, this.col));
    this.o.announce(`${d.words}: ${d.value}`);
    // the tooltip beside the cursor (one layout read per key press)
    const r = this.cursor.getBoundingClientRect();
    this.o.tooltip.show(`${d.text} = ${d.value}`, r.right, r.top);
  }

  private onKey(e: KeyboardEvent): void {
    const { rows, cols } = this.o.geometry;
    let r = this.row;
    let c = this.col;
    switch (e.key) {
      case 'ArrowLeft':
        c = Math.max(0, c - 1);
        break;
      case 'ArrowRight':
        c = Math.min(cols - 1, c + 1);
        break;
      case 'ArrowUp':
        r = Math.max(0, r - 1);
        break;
      case 'ArrowDown':
        r = Math.min(rows - 1, r + 1);
        break;
      case 'Home':
        c = 0;
        break;
      case 'End':
        c = cols - 1;
        break;
      case 'PageUp':
        r = Math.max(0, r - 5);
        break;
      case 'PageDown':
        r = Math.min(rows - 1, r + 5);
        break;
      case 'Enter':
      case ' ':
        e.preventDefault();
        this.o.tooltip.hide();
        this.o.select(this.o.index(r, c));
        return;
      case 'Escape':
        if (this.o.escape) {
          e.preventDefault();
          this.o.escape();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    this.row = r;
    this.col = c;
    this.showCursor(true);
  }
}

// ---- geometries -------------------------------------------------------------------

/** Wraps a canvas in a positioned host (for the cursor boxes); returns the host. */
export function cellHost(canvas: HTMLCanvasElement): HTMLElement {
  const host = el('span', 'cl-cellhost');
  canvas.replaceWith(host);
  host.append(canvas);
  return host;
}

/**
 * Canvases painted at one canvas pixel per value: `place` gives the canvas and the
 * pixel of a logical (row, col), `at` the logical cell of a pixel (null: a gap).
 */
export function canvasGeometry(
  canvases: HTMLCanvasElement[],
  rows: number,
  cols: number,
  place: (row: number, col: number) => [number, number, number],
  at: (canvas: number, x: number, y: number) => [number, number] | null,
): GridGeometry {
  return {
    rows,
    cols,
    box(row, col) {
      const [k, x, y] = place(row, col);
      const canvas = canvases[k]!;
      return { host: canvas.parentElement ?? canvas, x: x / canvas.width, y: y / canvas.height, w: 1 / canvas.width, h: 1 / canvas.height };
    },
    hit(e) {
      const k = canvases.indexOf(e.target as HTMLCanvasElement);
      if (k < 0) return null;
      const canvas = canvases[k]!;
      const r = canvas.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return null;
      const x = Math.floor(((e.clientX - r.left) / r.width) * canvas.width);
      const y = Math.floor(((e.clientY - r.top) / r.height) * canvas.height);
      if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) return null;
      return at(k, x, y);
    },
  };
}

/** One canvas, one value per pixel: the plain map. */
export function mapGeometry(canvas: HTMLCanvasElement, rows: number, cols: number): GridGeometry {
  return canvasGeometry([canvas], rows, cols, (r, c) => [0, c, r], (_k, x, y) => [y, x]);
}

/** A row of cells (table cells, buttons): each is its own host. */
export function cellsGeometry(cells: HTMLElement[], container: HTMLElement): GridGeometry {
  return {
    rows: 1,
    cols: cells.length,
    box(_row, col) {
      return { host: cells[col]!, x: 0, y: 0, w: 1, h: 1 };
    },
    hit(e) {
      const target = (e.target as HTMLElement | null)?.closest?.('[data-col]');
      if (!target || !container.contains(target)) return null;
      return [0, Number((target as HTMLElement).dataset['col'])];
    },
  };
}

// ---- the value maps of one view -----------------------------------------------------

export interface ValueMapsOptions {
  /** The tensors the maps show now (read when a value is described). */
  source(): ExplainSource | null;
  open(cell: CellRef): void;
  close(): void;
  announce(text: string): void;
  tooltip: Tooltip;
}

/** Every value map of a view, by tensor: made once per DOM build, marks the selection. */
export class ValueMaps {
  private readonly grids = new Map<TensorKey, CellGrid[]>();

  constructor(private readonly o: ValueMapsOptions) {}

  clear(): void {
    this.grids.clear();
  }

  /** A value map of `key` over `focus` (the tab stop). */
  grid(key: TensorKey, focus: HTMLElement, label: string, geometry: GridGeometry, index: (r: number, c: number) => number, cell: (index: number) => [number, number] | null): CellGrid {
    const g = new CellGrid({
      focus,
      label,
      geometry,
      index,
      cell,
      describe: (i) => {
        const source = this.o.source();
        if (!source) return { text: '', words: '', value: '' };
        const t = tensorOf(source, key);
        const name = cellName(key, t.shape, i);
        return { text: name.text, words: name.words, value: textNum(t.data[i]!) };
      },
      select: (i) => this.o.open({ key, index: i }),
      escape: () => this.o.close(),
      announce: (text) => this.o.announce(text),
      tooltip: this.o.tooltip,
    });
    const list = this.grids.get(key) ?? [];
    list.push(g);
    this.grids.set(key, list);
    return g;
  }

  /** One canvas showing rows×cols values of `key`; `first` is the flat index of its top-left value. */
  map(key: TensorKey, canvas: HTMLCanvasElement, first: number, rows: number, cols: number, label: string): CellGrid {
    const host = canvas.parentElement?.classList.contains('cl-cellhost') ? canvas.parentElement : cellHost(canvas);
    const n = rows * cols;
    return this.grid(
      key,
      host,
      label,
      mapGeometry(canvas, rows, cols),
      (r, c) => first + r * cols + c,
      (i) => (i >= first && i < first + n ? [Math.floor((i - first) / cols), (i - first) % cols] : null),
    );
  }

  /** A row of table cells (δ, biases, S), one value each, flat indices 0.. in order. */
  cells(key: TensorKey, cells: HTMLElement[], container: HTMLElement, label: string): CellGrid {
    cells.forEach((c, k) => {
      c.dataset['col'] = String(k);
      c.classList.add('cl-cells-cell');
    });
    return this.grid(key, container, label, cellsGeometry(cells, container), (_r, c) => c, (i) => (i >= 0 && i < cells.length ? [0, i] : null));
  }

  mark(cell: CellRef | null): void {
    for (const [key, grids] of this.grids) for (const g of grids) g.mark(cell && cell.key === key ? cell.index : null);
  }

  /** Focus on the grid that shows this value (after the explanation closes). */
  focus(cell: CellRef): void {
    for (const g of this.grids.get(cell.key) ?? []) {
      if (g.has(cell.index)) {
        g.focusIndex(cell.index);
        return;
      }
    }
  }
}

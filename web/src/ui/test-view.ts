// The test-set view: accuracy, the 10×10 confusion matrix (rows true digit,
// columns predicted; a click or Enter on a cell shows those test images), and a
// gallery of the most confident mistakes with their top probabilities. Clicking a
// test image opens it in "Inside the network".
import { MNIST_CREDIT } from '../data/mnist';
import { formatAccuracy, formatCount, formatPercent as percent } from './format';
import type { Evaluation } from '../worker/protocol';
import { paintSlice, pixelCanvas, SEQUENTIAL } from './colormap';
import { h } from './dom';
import { errorText } from '../core/util';
import { scrollBehavior } from './motion';
import { recheckOverflow, watchOverflow } from './scroll-box';

export interface TestImages {
  indices: number[];
  labels: Uint8Array;
  pixels: Uint8Array;
}

export interface TestViewDeps {
  /** The pixels of these test images (from the worker). */
  images(indices: number[]): Promise<TestImages>;
  /** Shows test image `index` in "Inside the network". */
  inspect(index: number): void;
  /** Whether "Inside the network" is shown (else test images are pictures, not buttons). */
  canInspect(): boolean;
}

const CELL_IMAGES = 60;
const GALLERY_IMAGES = 24;


/** Indices of the two largest values among probs[i*10 .. i*10+10). */
function topTwo(probs: Float32Array, i: number): [number, number] {
  let a = 0;
  let b = 1;
  for (let k = 0; k < 10; k++) {
    const v = probs[i * 10 + k]!;
    if (v > probs[i * 10 + a]!) {
      b = a;
      a = k;
    } else if (k !== a && (b === a || v > probs[i * 10 + b]!)) b = k;
  }
  return [a, b];
}

export class TestView {
  readonly element: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly matrix: HTMLElement;
  private readonly cell: HTMLElement;
  private readonly gallery: HTMLElement;
  private evaluation: Evaluation | null = null;
  private selected: [number, number] | null = null;
  private readonly cache = new Map<number, Uint8Array>();
  private request = 0;

  constructor(container: HTMLElement, private readonly deps: TestViewDeps) {
    this.summary = h('div', { class: 'app-test-summary', testid: 'test-summary' }, h('p', { class: 'app-muted' }, 'No evaluation yet.'));
    this.matrix = h('div', { class: 'app-confusion-wrap', testid: 'confusion-scroll' });
    const cue = h('p', { testid: 'confusion-cue' }, 'The matrix is wider than the screen: scroll it sideways →');
    watchOverflow(this.matrix, 'Confusion matrix', cue);
    this.cell = h('div', { class: 'app-cell-images', 'aria-live': 'polite' });
    this.gallery = h('div', { class: 'app-gallery-wrap' });
    const credit = h('p', { class: 'app-credit' }, MNIST_CREDIT);
    this.element = h(
      'div',
      { class: 'app-test' },
      this.summary,
      h('div', { class: 'app-test-body' },
        h('div', { class: 'app-test-matrix' }, h('h3', { class: 'app-h3' }, 'Confusion matrix'), cue, this.matrix, this.cell),
        h('div', { class: 'app-test-gallery' }, h('h3', { class: 'app-h3' }, 'Most confident mistakes'), this.gallery),
      ),
      credit,
    );
    container.append(this.element);
  }

  /** Shows a full evaluation; `who` says which network and when. */
  show(evaluation: Evaluation, who: string): void {
    if (!evaluation.confusion || !evaluation.predictions || !evaluation.probs || !evaluation.labels) return;
    this.evaluation = evaluation;
    const correct = Math.round(evaluation.accuracy * evaluation.count);
    this.summary.replaceChildren(
      h('p', { class: 'app-big', testid: 'test-accuracy' }, formatAccuracy(evaluation.accuracy)),
      h(
        'div',
        { class: 'app-test-facts' },
        h('p', {}, `${formatCount(correct)} of ${formatCount(evaluation.count)} test images right, ${formatCount(evaluation.count - correct)} wrong`),
        h('p', { class: 'app-muted' }, `${who} · mean loss ${evaluation.meanLoss.toFixed(3)}`),
      ),
    );
    this.renderMatrix(evaluation.confusion);
    if (this.selected) this.openCell(this.selected[0], this.selected[1], false);
    else this.cell.replaceChildren(h('p', { class: 'app-muted app-hint' }, 'Choose a cell to see its test images.'));
    void this.renderGallery(evaluation);
  }

  private renderMatrix(confusion: Int32Array): void {
    let maxOff = 1;
    const rowSums: number[] = [];
    for (let r = 0; r < 10; r++) {
      let sum = 0;
      for (let c = 0; c < 10; c++) {
        const v = confusion[r * 10 + c]!;
        sum += v;
        if (r !== c && v > maxOff) maxOff = v;
      }
      rowSums.push(sum);
    }
    const head = h('tr', {}, h('th', { class: 'app-cm-corner', scope: 'col' }, h('span', { class: 'cl-sr' }, 'true digit'), 'true ↓', h('br'), 'said →'), ...Array.from({ length: 10 }, (_, c) => h('th', { scope: 'col' }, String(c))));
    const rows = Array.from({ length: 10 }, (_, r) => {
      const cells = Array.from({ length: 10 }, (_, c) => {
        const v = confusion[r * 10 + c]!;
        const diagonal = r === c;
        // Diagonal: share of the row right (blue). Off-diagonal: count against the worst mistake (orange), √ to show small ones.
        const t = diagonal ? (rowSums[r]! > 0 ? v / rowSums[r]! : 0) : Math.sqrt(v / maxOff);
        // The colour is the theme's (styles.css mixes --cm-diag / --cm-off by --t); the text stays readable on every mix.
        const strength = v === 0 ? 0 : diagonal ? 0.15 + 0.85 * t : 0.1 + 0.9 * t;
        const button = h(
          'button',
          {
            type: 'button',
            class: `app-cm-cell${diagonal ? ' app-cm-diag' : ''}`,
            testid: `cm-${r}-${c}`,
            'aria-label': `true ${r}, predicted ${c}: ${v} image${v === 1 ? '' : 's'}`,
            'aria-pressed': this.selected?.[0] === r && this.selected?.[1] === c ? 'true' : 'false',
          },
          v === 0 ? '·' : String(v),
        );
        button.style.setProperty('--t', strength.toFixed(3));
        button.addEventListener('click', () => this.openCell(r, c, true));
        return h('td', {}, button);
      });
      return h('tr', {}, h('th', { scope: 'row' }, String(r)), ...cells);
    });
    const table = h('table', { class: 'app-cm', testid: 'confusion-matrix' }, h('caption', { class: 'cl-sr' }, 'Confusion matrix: rows are the true digit, columns the predicted digit'), h('thead', {}, head), h('tbody', {}, ...rows));
    this.matrix.replaceChildren(table);
    recheckOverflow(this.matrix);
  }

  private openCell(r: number, c: number, focusKeep: boolean): void {
    const e = this.evaluation;
    if (!e?.labels || !e.predictions || !e.probs) return;
    this.selected = [r, c];
    for (const b of this.matrix.querySelectorAll<HTMLButtonElement>('.app-cm-cell')) {
      b.setAttribute('aria-pressed', b.dataset['testid'] === `cm-${r}-${c}` ? 'true' : 'false');
    }
    const indices: number[] = [];
    for (let i = 0; i < e.labels.length; i++) if (e.labels[i] === r && e.predictions[i] === c) indices.push(i);
    const title = h('p', { class: 'app-cell-title' }, `True ${r}, predicted ${c}: ${formatCount(indices.length)} image${indices.length === 1 ? '' : 's'}${indices.length > CELL_IMAGES ? ` (first ${CELL_IMAGES} shown)` : ''}`);
    if (indices.length === 0) {
      this.cell.replaceChildren(title);
      return;
    }
    const shown = indices.slice(0, CELL_IMAGES);
    const grid = h('div', { class: 'app-thumbs', testid: 'cell-images' });
    this.cell.replaceChildren(title, grid);
    void this.fill(grid, shown, (i) => `#${i} · ${percent(e.probs![i * 10 + c]!)}`);
    if (focusKeep) this.cell.scrollIntoView({ block: 'nearest', behavior: scrollBehavior() });
  }

  private async renderGallery(e: Evaluation): Promise<void> {
    const { labels, predictions, probs } = e;
    if (!labels || !predictions || !probs) return;
    const wrong: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] !== predictions[i]) wrong.push(i);
    wrong.sort((a, b) => probs[b * 10 + predictions[b]!]! - probs[a * 10 + predictions[a]!]!);
    if (wrong.length === 0) {
      this.gallery.replaceChildren(h('p', { class: 'app-muted' }, 'No mistakes.'));
      return;
    }
    const grid = h('div', { class: 'app-gallery', testid: 'mistakes' });
    this.gallery.replaceChildren(
      h('p', { class: 'app-muted app-hint' }, `${formatCount(wrong.length)} mistakes; the ${Math.min(GALLERY_IMAGES, wrong.length)} the network was surest of:`),
      grid,
    );
    await this.fill(grid, wrong.slice(0, GALLERY_IMAGES), (i) => {
      const [a, b] = topTwo(probs, i);
      return `a ${labels[i]} read as ${a}\n${a}: ${percent(probs[i * 10 + a]!)} · ${b}: ${percent(probs[i * 10 + b]!)}`;
    });
  }

  /** Fills `grid` with the test images `indices`, captioned. */
  private async fill(grid: HTMLElement, indices: number[], caption: (index: number) => string): Promise<void> {
    const token = String(++this.request);
    grid.dataset['request'] = token;
    const missing = indices.filter((i) => !this.cache.has(i));
    if (missing.length > 0) {
      grid.setAttribute('aria-busy', 'true');
      try {
        const got = await this.deps.images(missing);
        got.indices.forEach((index, k) => this.cache.set(index, got.pixels.slice(k * 784, k * 784 + 784)));
      } catch (error) {
        grid.replaceChildren(h('p', { class: 'app-muted' }, `The images could not be fetched: ${errorText(error)}`));
        return;
      } finally {
        grid.removeAttribute('aria-busy');
      }
    }
    if (grid.dataset['request'] !== token) return; // a newer fill of this grid won
    grid.replaceChildren(
      ...indices.map((index) => {
        const canvas = pixelCanvas(28, 28, 2, 'app-thumb-canvas');
        const pixels = this.cache.get(index);
        if (pixels) paintSlice(canvas, pixels, 0, 28, 28, SEQUENTIAL, { min: 0, max: 255 });
        const [line1, line2] = caption(index).split('\n');
        const parts = [canvas, h('span', { class: 'app-thumb-caption' }, line1 ?? ''), line2 ? h('span', { class: 'app-thumb-caption app-muted' }, line2) : null];
        if (!this.deps.canInspect()) return h('figure', { class: 'app-thumb', title: `Test image #${index}` }, ...parts);
        const button = h('button', { type: 'button', class: 'app-thumb', title: `Test image #${index}: open it in "Inside the network"` }, ...parts);
        button.addEventListener('click', () => this.deps.inspect(index));
        return button;
      }),
    );
  }
}

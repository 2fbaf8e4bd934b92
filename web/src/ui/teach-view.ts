// "Teach it your digit" (Draw panel): the student picks the true label, 1 or k
// steps and λ, and the answering model takes that many SGD steps on the drawing,
// θ ← θ − λ·Δθ (handout p. 6). Shows S before → after and the kernels K¹ (and the
// change of K²) before, after and their difference in the diverging map.
import type { TeachResult } from '../worker/protocol';
import { formatValue } from './colormap';
import { h } from './dom';
import { formatPercent } from './format';
import { symmetric, tensorMaps, tex, valuesJson } from './teaching-parts';

const SUBSCRIPT = '₀₁₂₃₄₅₆₇₈₉';
const sub = (d: number): string => SUBSCRIPT[d] ?? String(d);

export const TEACH_STEPS = [1, 5, 20] as const;

export interface TeachRequest {
  label: number;
  steps: number;
  learningRate: number;
}

export interface TeachViewHandlers {
  teach(request: TeachRequest): void;
  reset(): void;
}

export class TeachView {
  readonly element: HTMLElement;
  private label: number | null = null;
  private steps = 1;
  private readonly labelButtons: HTMLButtonElement[] = [];
  private readonly stepInputs: HTMLInputElement[] = [];
  private readonly lr: HTMLInputElement;
  private readonly run: HTMLButtonElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly note: HTMLElement;
  private readonly result: HTMLElement;
  private hasDrawing = false;
  private busy = false;

  constructor(container: HTMLElement, private readonly handlers: TeachViewHandlers) {
    const labels = h('div', { class: 'tv-labels', role: 'group', 'aria-label': 'The true digit' });
    for (let d = 0; d < 10; d++) {
      const b = h('button', { type: 'button', class: 'tv-label', testid: `teach-label-${d}`, 'aria-pressed': 'false' }, String(d));
      b.addEventListener('click', () => this.pick(d));
      this.labelButtons.push(b);
      labels.append(b);
    }
    const steps = h('fieldset', { class: 'tv-steps' }, h('legend', {}, 'Steps'));
    for (const k of TEACH_STEPS) {
      const input = h('input', { type: 'radio', name: 'teach-steps', value: String(k), testid: `teach-steps-${k}` });
      input.checked = k === 1;
      input.addEventListener('change', () => {
        if (input.checked) this.steps = k;
      });
      this.stepInputs.push(input);
      steps.append(h('label', { class: 'tv-step' }, input, h('span', {}, String(k))));
    }
    this.lr = h('input', { type: 'number', class: 'tv-lr', min: '0.0001', max: '10', step: '0.001', value: '0.01', testid: 'teach-lr', 'aria-label': 'Learning rate λ' });
    this.run = h('button', { type: 'button', class: 'app-button app-button-primary tv-run', testid: 'teach-run' }, 'Teach it');
    this.run.addEventListener('click', () => this.submit());
    this.resetButton = h('button', { type: 'button', class: 'app-button tv-reset', testid: 'teach-reset' }, 'Restore the pretrained weights');
    this.resetButton.addEventListener('click', () => this.handlers.reset());
    this.note = h('p', { class: 'tv-note', 'aria-live': 'polite', testid: 'teach-note' });
    this.result = h('div', { class: 'tv-result' });

    this.element = h(
      'div',
      { class: 'tv', role: 'group', 'aria-labelledby': 'tv-title' },
      h('h3', { id: 'tv-title', class: 'tv-title' }, 'Teach it your digit'),
      h('p', { class: 'tv-lede' }, 'Say which digit you drew, then let the answering network take SGD steps on this one image: ', tex('\\theta \\leftarrow \\theta - \\lambda\\,\\Delta\\theta'), '.'),
      h('div', { class: 'tv-row tv-row-labels' }, h('span', { class: 'tv-row-label' }, 'It is a'), labels),
      h('div', { class: 'tv-row' }, steps, h('label', { class: 'tv-lr-label' }, tex('\\lambda'), ' ', this.lr), this.run, this.resetButton),
      this.note,
      this.result,
    );
    container.append(this.element);
    this.update();
  }

  /** Whether there is a drawing to teach. */
  setDrawing(present: boolean): void {
    this.hasDrawing = present;
    this.update();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.update();
  }

  say(text: string): void {
    this.note.textContent = text;
  }

  private pick(d: number): void {
    this.label = d;
    this.labelButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(i === d)));
    this.update();
  }

  private update(): void {
    this.run.disabled = this.busy || !this.hasDrawing || this.label === null;
    if (!this.hasDrawing) this.run.title = 'Draw a digit first';
    else if (this.label === null) this.run.title = 'Pick the digit you drew';
    else this.run.removeAttribute('title');
  }

  private submit(): void {
    const lr = Number(this.lr.value);
    if (this.label === null) return;
    if (!(Number.isFinite(lr) && lr > 0 && lr <= 10)) {
      this.say('λ must be a number above 0 and at most 10.');
      return;
    }
    this.handlers.teach({ label: this.label, steps: this.steps, learningRate: lr });
  }

  render(r: TeachResult, who: string): void {
    const list = h('ol', { class: 'tv-probs', 'aria-label': 'Probability of each digit before and after' });
    for (let d = 0; d < 10; d++) {
      const b = r.before[d]!;
      const a = r.after[d]!;
      const bar = (p: number, cls: string, testid: string) => {
        const fill = h('span', { class: `tv-bar-fill ${cls}` });
        fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
        return h('span', { class: 'tv-bar', testid, 'data-value': String(p) }, fill);
      };
      list.append(
        h(
          'li',
          { class: d === r.label ? 'tv-prob tv-prob-label' : 'tv-prob' },
          h('span', { class: 'tv-digit' }, String(d)),
          h('span', { class: 'tv-bars' }, bar(b, 'tv-before', `teach-before-${d}`), bar(a, 'tv-after', `teach-after-${d}`)),
          h('span', { class: 'tv-pct' }, `${formatPercent(b)} → ${formatPercent(a)}`),
        ),
      );
    }
    const k1d = r.k1After.data.map((v, i) => v - r.k1Before.data[i]!);
    const k2d = r.k2After.data.map((v, i) => v - r.k2Before.data[i]!);
    const maps1 = r.k1Before.shape[0]!;
    const k1Range = symmetric(Float32Array.from([...r.k1Before.data, ...r.k1After.data]));
    const [n2, m2] = r.k2Before.shape as [number, number];
    const losses = Array.from(r.losses);
    // Stored [n][m][5][5]; shown with a row per m like the backprop view (data-values keep the stored order).
    const k2ByM = new Float32Array(k2d.length);
    for (let m = 0; m < m2; m++) for (let n = 0; n < n2; n++) k2ByM.set(k2d.subarray((n * m2 + m) * 25, (n * m2 + m) * 25 + 25), (m * n2 + n) * 25);
    const k2Diff = tensorMaps('teach-k2-diff', k2ByM, r.k2Before.shape, { count: n2 * m2, rows: 5, cols: 5, scale: 6, perRow: n2 });
    k2Diff.dataset['values'] = valuesJson(k2d);
    this.result.replaceChildren(
      h('p', { class: 'tv-summary', testid: 'teach-summary' }, `${who}: ${r.steps} step${r.steps === 1 ? '' : 's'} with λ = ${r.learningRate} and label ${r.label}. Loss −ln s${sub(r.label)} ${formatValue(losses[0]!)} → ${formatValue(-Math.log(Math.max(r.after[r.label]!, 1e-30)))}.`),
      h('div', { class: 'tv-legend-row' }, h('span', { class: 'tv-key tv-before' }), 'before ', h('span', { class: 'tv-key tv-after' }), 'after'),
      list,
      h('h4', { class: 'tv-sub' }, 'Kernels K¹ (as applied), before, after and the change'),
      h(
        'div',
        { class: 'tv-kernels' },
        h('div', {}, tex('K^1 \\text{ before}'), tensorMaps('teach-k1-before', r.k1Before.data, r.k1Before.shape, { count: maps1, rows: 5, cols: 5, scale: 8, range: k1Range })),
        h('div', {}, tex('K^1 \\text{ after}'), tensorMaps('teach-k1-after', r.k1After.data, r.k1After.shape, { count: maps1, rows: 5, cols: 5, scale: 8, range: k1Range })),
        h('div', {}, tex('K^1_{\\text{after}} - K^1_{\\text{before}} = -\\lambda\\textstyle\\sum \\Delta K^1'), tensorMaps('teach-k1-diff', k1d, r.k1Before.shape, { count: maps1, rows: 5, cols: 5, scale: 8 })),
      ),
      h('h4', { class: 'tv-sub' }, `The change of K²: a row per input map m = 1…${m2}, a column per output map n = 1…${n2}`),
      k2Diff,
    );
  }
}

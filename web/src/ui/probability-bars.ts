// The softmax output S as ten horizontal bars, 0–9, the arg-max highlighted, and the
// prediction in a polite live region ("Prediction: 7 (97%)").
//
// update() runs on every animation frame while a student draws, so it only writes
// what changed: a transform per bar (no layout), texts only when their rounded value
// differs. Bar animations are off under prefers-reduced-motion (components.css).

import { el } from './dom';
import { formatPercent } from './format';
const DIGITS = 10;



interface Row {
  item: HTMLLIElement;
  fill: HTMLSpanElement;
  value: HTMLSpanElement;
  text: string;
  dataValue: string;
}

export class ProbabilityBars {
  readonly element: HTMLElement;
  private readonly rows: Row[] = [];
  private readonly digit: HTMLElement;
  private readonly confidence: HTMLElement;
  private top = -1;
  private announced = '';

  constructor(container: HTMLElement) {
    // A group, not a region landmark: two demos on one page would have two of the same name.
    const root = el('div', 'cl-probs');
    root.setAttribute('role', 'group');
    root.setAttribute('aria-label', 'Network output: probability of each digit');

    const live = el('p', 'cl-probs-live');
    live.setAttribute('aria-live', 'polite');
    live.setAttribute('aria-atomic', 'true');
    live.append(el('span', 'cl-probs-live-label', 'Prediction: '));
    this.digit = el('span', 'cl-probs-digit', '–');
    this.digit.dataset['testid'] = 'prediction';
    live.append(this.digit, ' ');
    this.confidence = el('span', 'cl-probs-confidence', '');
    live.append(this.confidence);

    const list = el('ol', 'cl-probs-list');
    list.setAttribute('aria-label', 'Softmax output S, one probability per digit');
    for (let d = 0; d < DIGITS; d++) {
      const item = el('li', 'cl-prob');
      item.dataset['testid'] = `prob-${d}`;
      item.dataset['value'] = '0';
      const label = el('span', 'cl-prob-digit', String(d));
      const track = el('span', 'cl-prob-track');
      track.setAttribute('aria-hidden', 'true');
      const fill = el('span', 'cl-prob-fill');
      track.append(fill);
      const value = el('span', 'cl-prob-value', '');
      item.append(label, track, value);
      list.append(item);
      this.rows.push({ item, fill, value, text: '', dataValue: '0' });
    }

    const caption = el('p', 'cl-probs-caption');
    caption.append('S = softmax(W', sub('2'), '·a', sub('1'), ' + b', sub('2'), '), the handout’s a', sub('2'));

    root.append(live, list, caption);
    container.append(root);
    this.element = root;
    this.update(null);
  }

  /** Ten probabilities (S), or null for "no input". */
  update(probs: Float32Array | null): void {
    if (probs && probs.length !== DIGITS) throw new Error(`ProbabilityBars needs 10 probabilities, got ${probs.length}`);
    let top = -1;
    if (probs) {
      top = 0;
      for (let d = 1; d < DIGITS; d++) if (probs[d]! > probs[top]!) top = d;
    }
    for (let d = 0; d < DIGITS; d++) {
      const row = this.rows[d]!;
      const p = probs ? Math.min(1, Math.max(0, probs[d]!)) : 0;
      row.fill.style.transform = `scaleX(${p})`;
      const dataValue = probs ? String(probs[d]) : '0';
      if (dataValue !== row.dataValue) {
        row.item.dataset['value'] = dataValue;
        row.dataValue = dataValue;
      }
      const text = probs ? formatPercent(p) : '';
      if (text !== row.text) {
        row.value.textContent = text;
        row.text = text;
      }
    }
    if (top !== this.top) {
      if (this.top >= 0) this.rows[this.top]!.item.classList.remove('cl-prob--top');
      if (top >= 0) this.rows[top]!.item.classList.add('cl-prob--top');
      this.top = top;
    }
    // The live region changes only when its rounded text does, so that a screen
    // reader is not sent a new announcement on every frame of drawing.
    const digit = top >= 0 ? String(top) : '–';
    const confidence = top >= 0 ? `(${formatPercent(probs![top]!)})` : '';
    const announced = `${digit} ${confidence}`;
    if (announced !== this.announced) {
      this.digit.textContent = digit;
      this.confidence.textContent = confidence;
      this.announced = announced;
    }
  }
}

function sub(text: string): HTMLElement {
  const s = document.createElement('sub');
  s.textContent = text;
  return s;
}

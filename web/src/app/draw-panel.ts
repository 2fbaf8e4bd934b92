// The Draw panel: the pad (ui/drawpad.ts), a test image put on the pad from the
// keyboard, which network answers, and the ten probabilities. It predicts the
// drawing in the worker — one request in flight, the newest drawing next — and
// gives the drawing's tensors to the network panel.
import { errorText } from '../core/util';
import type { ModelChoice, PretrainedInfo } from '../worker/protocol';
import { h } from '../ui/dom';
import { DrawPad, type DrawInput } from '../ui/drawpad';
import { capitalise, modelName } from '../ui/format';
import { KeyboardDigit } from '../ui/keyboard-digit';
import { ProbabilityBars } from '../ui/probability-bars';
import type { NetworkPanel } from './network-panel';
import type { Ask, ReplyMap } from './worker-client';

export interface DrawPanelPort {
  request<A extends Ask>(ask: A, timeoutMs?: number): Promise<ReplyMap[A['type']]>;
  /** The worker can answer now. */
  canPredict(): boolean;
  /** Whether the worker is still there (a rejected request after a crash says nothing). */
  running(): boolean;
  model(): ModelChoice;
  chooseModel(model: ModelChoice): void;
  testCount(): number;
  /** Whether "Inside the network" is shown (then predictions bring the tensors too). */
  networkShown(): boolean;
  /** The drawing changed (or was cleared). */
  drawingChanged(): void;
  /** Whether "Why this answer?" is shown, and a way to it. */
  whyShown(): boolean;
  showWhy(): void;
}

export class DrawPanel {
  /** The network's input for the current drawing (784 values in [0, 1]), or null. */
  drawing: Float32Array | null = null;
  /** The body the teaching panel adds "teach it your digit" to. */
  readonly host: HTMLElement;
  private predicting = false;
  private predictAgain = false;
  private readonly pad: DrawPad;
  private readonly bars: ProbabilityBars;
  private readonly radios: Record<ModelChoice, HTMLInputElement>;
  private readonly modelNote: HTMLElement;
  private readonly answerNote: HTMLElement;
  private readonly barsHost: HTMLElement;
  private readonly whyButton: HTMLButtonElement;

  constructor(host: HTMLElement, private readonly port: DrawPanelPort, private readonly network: NetworkPanel) {
    this.host = host;
    const padHost = h('div', { class: 'app-pad-host' });
    const radio = (value: ModelChoice, label: string) => {
      const input = h('input', { type: 'radio', name: 'model', value, testid: `model-${value}` });
      input.addEventListener('change', () => input.checked && port.chooseModel(value));
      return { input, label: h('label', { class: 'app-switch-option' }, input, h('span', {}, label)) };
    };
    const pre = radio('pretrained', 'Pretrained weights');
    const tr = radio('training', 'The network being trained');
    this.radios = { pretrained: pre.input, training: tr.input };
    this.radios[port.model()].checked = true;
    this.modelNote = h('p', { class: 'app-note', testid: 'model-note' });
    this.answerNote = h('p', { class: 'app-note app-muted', testid: 'answer-note' });
    const switchBox = h('fieldset', { class: 'app-switch' }, h('legend', {}, 'Answered by'), pre.label, tr.label);
    // aria-busy while the newest drawing has no answer yet (assistive tech, and the browser tests, wait on it).
    this.barsHost = h('div', { class: 'app-bars-host', testid: 'answer' });
    const barsHost = this.barsHost;
    this.whyButton = h('button', { type: 'button', class: 'app-button app-why-link', testid: 'why-link' }, 'Why this answer? ↓');
    this.whyButton.hidden = true;
    this.whyButton.addEventListener('click', () => port.showWhy());
    const stagesHost = h('div', { class: 'app-stages-host' });
    // The pad and its answer side by side where there is room, the bars right under a
    // smaller pad on a phone (styles.css .app-draw); the recipe's stages after them.
    const more = h('div', { class: 'app-draw-more' }, stagesHost, switchBox, this.modelNote);
    host.append(
      h('div', { class: 'app-draw' },
        h('div', { class: 'app-draw-pad' }, padHost),
        h('div', { class: 'app-draw-answer', testid: 'draw-answer' }, barsHost, this.answerNote, this.whyButton),
        more,
      ),
    );
    this.pad = new DrawPad(padHost, { onChange: (input) => this.onDraw(input), stagesHost });
    this.bars = new ProbabilityBars(barsHost);
    // Without a pointer: a test image onto the pad (ui/keyboard-digit.ts).
    const keyboardDigit = new KeyboardDigit({
      count: () => port.testCount(),
      image: (index) => port.request({ type: 'test-images', indices: [index] }).then((r) => ({ pixels: r.pixels, label: r.labels[0]! })),
      show: (image) => this.pad.setImage(image),
    });
    switchBox.before(keyboardDigit.element);
  }

  /** Puts a 28×28 image (784 values in [0, 1]) on the pad as the drawing. */
  showImage(image: Float32Array): void {
    this.pad.setImage(image);
  }

  /** The model switch follows the page's options (a hash change). */
  showModel(model: ModelChoice): void {
    this.radios[model].checked = true;
  }

  /** What the worker said about the pretrained weights (`file`: a weights file loaded in their place). */
  pretrainedInfo(info: PretrainedInfo, file?: string): void {
    this.radios.pretrained.disabled = !info.ok;
    this.modelNote.textContent = info.ok
      ? file
        ? `“Pretrained weights” are now those of ${file}.`
        : ''
      : `${capitalise(info.message)}: predictions use the network being trained.`;
    this.modelNote.classList.toggle('app-note-warning', !info.ok);
  }

  /** Without WebAssembly nothing answers. */
  fatal(): void {
    this.modelNote.textContent = 'Nothing can be predicted without WebAssembly.';
  }

  /** A crashed or restarted worker: nothing is in flight any more. */
  workerStopped(): void {
    this.predicting = false;
  }

  private onDraw(input: DrawInput | null): void {
    if (!input) {
      this.drawing = null;
      this.barsHost.removeAttribute('aria-busy');
      this.bars.update(null);
      this.answerNote.textContent = '';
      this.whyButton.hidden = true;
      this.network.drawingCleared();
      this.port.drawingChanged();
      return;
    }
    this.drawing = input.image.slice();
    this.barsHost.setAttribute('aria-busy', 'true');
    this.predict();
    this.port.drawingChanged();
  }

  /** Predicts the current drawing; one request in flight, the newest drawing next. */
  predict(): void {
    if (!this.drawing || !this.port.canPredict()) return;
    if (this.predicting) {
      this.predictAgain = true;
      return;
    }
    this.predicting = true;
    const snapshot = this.network.source.kind === 'drawing' && this.port.networkShown();
    const sent = performance.now();
    this.port
      .request({ type: 'predict', image: this.drawing.slice(), model: this.port.model(), snapshot }, 5000)
      .then((r) => {
        if (!this.drawing) return;
        this.bars.update(r.probs);
        const ms = performance.now() - sent;
        this.answerNote.textContent = `Answered by ${modelName(r.model)} in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms.`;
        this.whyButton.hidden = !this.port.whyShown();
        if (r.snapshot) this.network.showDrawing(r.probs, r.model, r.snapshot);
      })
      .catch((error: unknown) => {
        if (this.port.running()) this.answerNote.textContent = `No prediction: ${errorText(error)}`;
      })
      .finally(() => {
        this.predicting = false;
        if (this.predictAgain) {
          this.predictAgain = false;
          this.predict();
        } else this.barsHost.removeAttribute('aria-busy');
      });
  }
}

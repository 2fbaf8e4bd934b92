// The teaching panels: "Backprop, step by step" (with the live gradient check) and
// "Teach it your digit" in the Draw panel. They talk to the training worker only
// through the small TeachingPort the App passes in, so the App needs just a few
// lines to mount them.
import type { Ask, ReplyMap } from './worker-client';
import type { BackpropTrace, ModelChoice } from '../worker/protocol';
import { errorText } from '../core/util';
import { paintSlice, pixelCanvas, SEQUENTIAL } from '../ui/colormap';
import { h } from '../ui/dom';
import { modelName } from '../ui/format';
import { BackpropView } from '../ui/backprop-view';
import { GradcheckView } from '../ui/gradcheck-view';
import { TeachView, type TeachRequest } from '../ui/teach-view';
import { backpropNoInput, backpropSourceHint, type Shown } from './texts';

export type TeachingSource = { kind: 'drawing'; image: Float32Array | null } | { kind: 'test'; index: number };

export interface TeachingPort {
  request<A extends Ask>(ask: A, timeoutMs?: number): Promise<ReplyMap[A['type']]>;
  /** What "Inside the network" shows. */
  source(): TeachingSource;
  /** The current drawing (784 values in [0, 1]) or null. */
  drawing(): Float32Array | null;
  /** The model answering in the Draw panel. */
  model(): ModelChoice;
  /** The answering model's weights changed: predictions should be refreshed. */
  modelChanged(): void;
  /** The panels shown (hints name only those). */
  shown(): Shown;
}

export interface TeachingHosts {
  /** The body of the "Backprop, step by step" panel. */
  backprop: HTMLElement;
  /** The Draw panel's body (the teach view is appended). */
  draw: HTMLElement;
}

const PROBES = 10;

export class Teaching {
  private readonly view: BackpropView;
  private readonly gradcheck: GradcheckView;
  private readonly teachView: TeachView;
  private readonly caption: HTMLElement;
  private readonly sample: HTMLCanvasElement;
  private readonly stepButton: HTMLButtonElement;
  private readonly traceButton: HTMLButtonElement;
  private readonly checkButton: HTMLButtonElement;
  private readonly drawingLabel: HTMLSelectElement;
  private readonly traceRow: HTMLElement;
  private readonly traceHint: HTMLElement;
  private shown: { image: Float32Array; label: number; model: ModelChoice; kind: 'step' | 'trace' } | null = null;
  private busy = false;
  private taughtPretrained = false;

  constructor(hosts: TeachingHosts, private readonly port: TeachingPort) {
    this.stepButton = h('button', { type: 'button', class: 'app-button app-button-primary', testid: 'bp-step' }, 'Step one sample');
    this.stepButton.addEventListener('click', () => void this.step());
    this.traceButton = h('button', { type: 'button', class: 'app-button', testid: 'bp-trace' }, 'Show this sample’s backprop without training');
    this.traceButton.addEventListener('click', () => void this.trace());
    this.drawingLabel = h('select', { class: 'bp-label-pick', testid: 'bp-drawing-label', 'aria-label': 'True label Y of your drawing' }, h('option', { value: '' }, 'pick…'));
    for (let d = 0; d < 10; d++) this.drawingLabel.append(h('option', { value: String(d) }, String(d)));
    this.sample = pixelCanvas(28, 28, 3, 'bp-sample');
    this.sample.hidden = true;
    this.sample.setAttribute('role', 'img');
    this.sample.setAttribute('aria-label', 'The sample of the backward pass');
    this.caption = h('p', { class: 'bp-caption', testid: 'bp-caption', 'aria-live': 'polite' }, 'No sample yet.');
    this.traceHint = h('span', { testid: 'bp-trace-hint' });
    this.traceRow = h('div', { class: 'bp-actions' }, this.traceButton, h('label', { class: 'bp-hint' }, this.traceHint, ' ', this.drawingLabel));
    const bar = h(
      'div',
      { class: 'bp-bar' },
      h('div', { class: 'bp-actions' },
        this.stepButton,
        h('span', { class: 'bp-hint' }, 'trains the network being trained on exactly one sample, then shows it'),
      ),
      this.traceRow,
      h('div', { class: 'bp-sample-row' }, this.sample, this.caption),
    );
    hosts.backprop.append(bar);
    this.view = new BackpropView(hosts.backprop);

    this.checkButton = h('button', { type: 'button', class: 'app-button', testid: 'gradcheck-run', disabled: true }, 'Check the gradients');
    this.checkButton.addEventListener('click', () => void this.check());
    const gc = h(
      'div', // a group, not a region landmark (two demos on one page would repeat its name)
      { class: 'gc-section', role: 'group', 'aria-labelledby': 'h-gradcheck' },
      h('h3', { id: 'h-gradcheck', class: 'gc-title' }, 'Is backprop right? A live gradient check'),
      h('div', { class: 'bp-actions' }, this.checkButton, h('span', { class: 'bp-hint' }, `finite differences for ${PROBES} parameters per layer, on the model and sample shown above`)),
    );
    hosts.backprop.append(gc);
    this.gradcheck = new GradcheckView(gc);

    this.teachView = new TeachView(hosts.draw, {
      teach: (r) => void this.teach(r),
      reset: () => void this.resetPretrained(),
    });
    this.teachView.setDrawing(true);
    this.panelsChanged();
  }

  /** The panels shown changed: the "without training" row names its input, or goes when there is none. */
  panelsChanged(): void {
    const shown = this.port.shown();
    const hint = backpropSourceHint(shown);
    this.traceRow.hidden = hint === null;
    this.traceHint.textContent = hint ?? '';
    this.drawingLabel.hidden = !shown.has('draw');
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.stepButton.disabled = busy;
    this.traceButton.disabled = busy;
    this.checkButton.disabled = busy || this.shown === null;
    this.teachView.setBusy(busy);
  }

  private async step(): Promise<void> {
    if (this.busy) return;
    this.setBusy(true);
    try {
      const r = await this.port.request({ type: 'backprop-step' });
      this.show(r.trace, `Trained on one training sample (sample ${r.trace.samplesSeen.toLocaleString('en-US')} of the run), true label ${r.trace.label}. The tensors are those of the step, with the parameters before its update.`);
    } catch (error) {
      this.caption.textContent = `No step: ${errorText(error)}.`;
    } finally {
      this.setBusy(false);
    }
  }

  private async trace(): Promise<void> {
    if (this.busy) return;
    const source = this.port.source();
    let image: Float32Array;
    let label: number;
    let what: string;
    if (source.kind === 'test') {
      this.setBusy(true);
      try {
        const r = await this.port.request({ type: 'inspect', index: source.index, model: this.port.model() });
        image = Float32Array.from(r.pixels, (v) => v / 255);
        label = r.label;
        what = `Test image #${r.index}, true label ${label}`;
      } catch (error) {
        this.caption.textContent = `Could not load test image #${source.index}: ${errorText(error)}.`;
        this.setBusy(false);
        return;
      }
      this.setBusy(false);
    } else {
      const drawing = this.port.drawing();
      if (!drawing) {
        this.caption.textContent = backpropNoInput(this.port.shown());
        return;
      }
      if (this.drawingLabel.value === '') {
        this.caption.textContent = 'Pick the label Y of your drawing first.';
        this.drawingLabel.focus();
        return;
      }
      image = drawing.slice();
      label = Number(this.drawingLabel.value);
      what = `Your drawing, label ${label} as you picked it`;
    }
    this.setBusy(true);
    try {
      const r = await this.port.request({ type: 'backprop-trace', image: image.slice(), label, model: this.port.model() });
      this.show(r.trace, `${what}: ${modelName(r.trace.model)}, nothing trained.`);
    } catch (error) {
      this.caption.textContent = `No backprop: ${errorText(error)}.`;
    } finally {
      this.setBusy(false);
    }
  }

  private show(t: BackpropTrace, text: string): void {
    this.shown = { image: t.input.data.slice(), label: t.label, model: t.model, kind: t.kind };
    paintSlice(this.sample, t.input.data, 0, 28, 28, SEQUENTIAL, { min: 0, max: 1 });
    this.sample.hidden = false;
    this.caption.replaceChildren(text, ' ', h('span', { testid: 'bp-label', 'data-value': String(t.label) }, `Y = ${t.label}`), `, f = ${t.config.activation}, ${t.config.pooling} pooling.`);
    this.view.render(t);
    this.gradcheck.message('Press “Check the gradients” to compare backprop with finite differences for this sample.');
    this.checkButton.disabled = this.busy;
  }

  private async check(): Promise<void> {
    const s = this.shown;
    if (!s || this.busy) return;
    this.setBusy(true);
    this.gradcheck.message('Checking…');
    try {
      const r = await this.port.request({ type: 'gradcheck', image: s.image.slice(), label: s.label, model: s.model, probes: PROBES }, 30000);
      const when = s.kind === 'step' ? 'after the step’s update' : 'as shown';
      this.gradcheck.render(r.groups, r.activation, `${modelName(r.model)} ${when}, label ${s.label}`);
    } catch (error) {
      this.gradcheck.message(`The gradient check failed: ${errorText(error)}.`);
    } finally {
      this.setBusy(false);
    }
  }

  private async teach(req: TeachRequest): Promise<void> {
    const drawing = this.port.drawing();
    if (!drawing) {
      this.teachView.say('Draw a digit first.');
      return;
    }
    if (this.busy) return;
    this.setBusy(true);
    try {
      const r = await this.port.request({ type: 'teach', image: drawing.slice(), label: req.label, steps: req.steps, learningRate: req.learningRate, model: this.port.model() });
      const res = r.result;
      if (res.model === 'pretrained') this.taughtPretrained = true;
      const who =
        res.model === 'pretrained'
          ? 'The pretrained network (the page’s copy of its weights; “Restore the pretrained weights” puts them back)'
          : 'The network being trained (its own weights: training goes on from here)';
      this.teachView.render(res, who);
      this.teachView.say(`P(${res.label}) went from ${(res.before[res.label]! * 100).toFixed(1)}% to ${(res.after[res.label]! * 100).toFixed(1)}%.`);
      this.port.modelChanged();
    } catch (error) {
      this.teachView.say(`Not taught: ${errorText(error)}.`);
    } finally {
      this.setBusy(false);
    }
  }

  private async resetPretrained(): Promise<void> {
    if (this.busy) return;
    this.setBusy(true);
    try {
      const r = await this.port.request({ type: 'teach-reset' });
      this.teachView.say(r.restored ? (this.taughtPretrained ? 'The pretrained weights are restored.' : 'The pretrained weights were not changed.') : 'There are no pretrained weights to restore.');
      this.taughtPretrained = false;
      this.port.modelChanged();
    } catch (error) {
      this.teachView.say(`Not restored: ${errorText(error)}.`);
    } finally {
      this.setBusy(false);
    }
  }
}

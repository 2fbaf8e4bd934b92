// The "Inside the network" panel: which input (the drawing or a test image #), a
// caption saying what the network answered, and the view of every tensor (ui/
// network-view.ts). It asks the worker for a test image's tensors itself; the draw
// panel hands it the drawing's.
import { argmax, errorText } from '../core/util';
import type { NetworkSnapshot } from '../core/types';
import type { ModelChoice } from '../worker/protocol';
import { paintSlice, pixelCanvas, SEQUENTIAL } from '../ui/colormap';
import { h } from '../ui/dom';
import { formatCount, formatPercent, modelName } from '../ui/format';
import { NetworkView } from '../ui/network-view';
import type { Ask, ReplyMap } from './worker-client';
import { networkEmptyCaption, type Shown } from './texts';

export type NetworkSource = { kind: 'drawing' } | { kind: 'test'; index: number };

export interface NetworkPanelPort {
  request<A extends Ask>(ask: A, timeoutMs?: number): Promise<ReplyMap[A['type']]>;
  /** The worker runs and has loaded its module. */
  ready(): boolean;
  model(): ModelChoice;
  testCount(): number;
  /** The drawing was chosen as the input again: predict it (with tensors). */
  wantDrawing(): void;
  /** The panels shown (the drawing is an input only with the Draw panel). */
  shown(): Shown;
  /** The input changed (the drawing or another test image): "why this answer" follows it. */
  sourceChanged(): void;
}

export class NetworkPanel {
  private sourceNow: NetworkSource = { kind: 'drawing' };
  private inspecting = false;
  private painted: Promise<void> = Promise.resolve();
  private pending: NetworkSnapshot | null = null;
  private readonly view: NetworkView;
  private readonly caption: HTMLElement;
  private readonly radios: Record<'drawing' | 'test', HTMLInputElement>;
  private readonly testIndex: HTMLInputElement;
  private readonly preview: HTMLCanvasElement;
  private readonly fromDrawing: HTMLElement;

  constructor(host: HTMLElement, private readonly port: NetworkPanelPort) {
    const source = (kind: 'drawing' | 'test', label: string) => {
      const input = h('input', { type: 'radio', name: 'network-source', value: kind, testid: `source-${kind}` });
      input.addEventListener('change', () => {
        if (input.checked) this.choose(kind);
      });
      return { input, label: h('label', { class: 'app-switch-option' }, input, h('span', {}, label)) };
    };
    const fromDrawing = source('drawing', 'Your drawing');
    const fromTest = source('test', 'Test image #');
    this.radios = { drawing: fromDrawing.input, test: fromTest.input };
    fromDrawing.input.checked = true;
    this.testIndex = h('input', { type: 'number', min: '0', max: '9999', step: '1', value: '0', testid: 'test-index', 'aria-label': 'Test image number', class: 'app-index' });
    this.testIndex.addEventListener('change', () => void this.showTestImage(Number(this.testIndex.value)));
    const random = h('button', { type: 'button', class: 'app-button', testid: 'random-test' }, 'Random');
    random.addEventListener('click', () => void this.showTestImage(Math.floor(Math.random() * this.port.testCount())));
    this.preview = pixelCanvas(28, 28, 1, 'app-test-preview');
    this.preview.hidden = true;
    this.fromDrawing = fromDrawing.label;
    this.caption = h('p', { class: 'app-network-caption', testid: 'network-caption', 'aria-live': 'polite' }, networkEmptyCaption(port.shown()));
    const viewHost = h('div', { class: 'app-network-host' });
    host.append(
      h('div', { class: 'app-network-bar' },
        h('fieldset', { class: 'app-switch app-switch-inline' }, h('legend', {}, 'Input'), fromDrawing.label, h('span', { class: 'app-inline' }, fromTest.label, this.testIndex, random)),
        this.preview,
        this.caption,
      ),
      viewHost,
    );
    this.view = new NetworkView(viewHost);
    this.panelsChanged();
  }

  /** Without the Draw panel the drawing is no input: a test image is the only one. */
  panelsChanged(): void {
    const drawing = this.port.shown().has('draw');
    this.fromDrawing.hidden = !drawing;
    if (!drawing && this.sourceNow.kind === 'drawing') {
      this.radios.test.checked = true;
      this.caption.textContent = networkEmptyCaption(this.port.shown());
    }
  }

  get source(): NetworkSource {
    return this.sourceNow;
  }

  /** The MNIST test set arrived: its size. */
  dataReady(testCount: number): void {
    this.testIndex.max = String(testCount - 1);
  }


  /** The drawing becomes the input (a training image put on the pad from "why this answer"). */
  followDrawing(): void {
    if (this.sourceNow.kind === 'drawing') return;
    this.radios.drawing.checked = true;
    this.choose('drawing');
  }

  drawingCleared(): void {
    if (this.sourceNow.kind === 'drawing') this.caption.textContent = 'Draw a digit to see it pass through the network.';
  }

  /** The drawing's answer and tensors (from the draw panel's prediction). */
  showDrawing(probs: Float32Array, model: ModelChoice, snapshot: NetworkSnapshot): void {
    if (this.sourceNow.kind !== 'drawing') return;
    const best = argmax(probs);
    this.caption.textContent = `Your drawing: ${modelName(model)} says ${best} (${formatPercent(probs[best]!)}).`;
    this.render(snapshot);
  }

  /** The answering network changed (or learned): show its view of the current input again. */
  refresh(): void {
    if (this.sourceNow.kind === 'test') void this.inspect();
  }

  /** A test image by number (from the test view's mistakes too); resolves once it is shown (or could not be). */
  showTestImage(index: number): Promise<void> {
    const count = this.port.testCount();
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      this.caption.textContent = `Test images are numbered 0 to ${formatCount(count - 1)}.`;
      return Promise.resolve();
    }
    this.sourceNow = { kind: 'test', index };
    this.radios.test.checked = true;
    this.testIndex.value = String(index);
    this.port.sourceChanged();
    return this.inspect();
  }

  /** A restarted worker: nothing is in flight any more. */
  workerStopped(): void {
    this.inspecting = false;
  }

  private choose(kind: 'drawing' | 'test'): void {
    if (kind === 'test') {
      void this.showTestImage(Number(this.testIndex.value) || 0);
      return;
    }
    this.sourceNow = { kind: 'drawing' };
    this.preview.hidden = true;
    this.caption.textContent = 'Draw a digit to see it pass through the network.';
    this.port.sourceChanged();
    this.port.wantDrawing();
  }

  private async inspect(): Promise<void> {
    if (this.sourceNow.kind !== 'test' || this.inspecting || !this.port.ready()) return;
    this.inspecting = true;
    const index = this.sourceNow.index;
    // The first test image loads MNIST's test set (1.6 MB), not the training set.
    const slow = window.setTimeout(() => (this.caption.textContent = 'Loading the 10,000 MNIST test images…'), 150);
    try {
      const r = await this.port.request({ type: 'inspect', index, model: this.port.model() });
      // Cleared here, not only in finally: the paint below waits a frame, and a timer due
      // before the reply but run after it (a busy page runs tasks out of that order) would
      // put "Loading…" back over the answer for good.
      window.clearTimeout(slow);
      if (this.sourceNow.kind !== 'test' || this.sourceNow.index !== r.index) return;
      paintSlice(this.preview, r.pixels, 0, 28, 28, SEQUENTIAL, { min: 0, max: 255 });
      this.preview.hidden = false;
      const best = argmax(r.probs);
      this.caption.textContent = `Test image #${r.index}: true digit ${r.label}; ${modelName(r.model)} says ${best} (${formatPercent(r.probs[best]!)})${best === r.label ? '' : ' ✗'}.`;
      await this.render(r.snapshot);
    } catch (error) {
      this.caption.textContent = `Could not show test image #${index}: ${errorText(error)}`;
    } finally {
      window.clearTimeout(slow);
      this.inspecting = false;
      // Another test image chosen meanwhile: show that one.
      if (this.sourceNow.kind === 'test' && this.sourceNow.index !== index) void this.inspect();
    }
  }

  /** At most one paint per frame, of the newest snapshot; resolves once it is painted. */
  private render(snapshot: NetworkSnapshot): Promise<void> {
    const first = this.pending === null;
    this.pending = snapshot;
    if (!first) return this.painted;
    this.painted = new Promise((resolve) =>
      requestAnimationFrame(() => {
        const s = this.pending;
        this.pending = null;
        if (s) this.view.render(s);
        resolve();
      }),
    );
    return this.painted;
  }
}

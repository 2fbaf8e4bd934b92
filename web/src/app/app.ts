// The app: wires the panels to the training worker. The main thread never
// trains: it sends requests, keeps the series for the plots and the last
// checkpoint of the parameters, and redraws a few times a second.
// It mounts into any root that holds the panel skeleton of index.html (ids looked
// up inside that root): the full page (main.ts: the document, options in the URL
// hash) and the <cnn-lab> element (embed/cnn-lab.ts: a shadow root, options from
// attributes) are its two users. Each App owns its own training worker.
import { formatCount } from './settings';
import type { EventOf, ModelChoice, NetworkSnapshot, PretrainedInfo, ProgressInfo, Checkpoint, WorkerEvent, TrainSettings } from '../worker/protocol';
import { Controls, type PageState } from '../ui/controls';
import { h } from '../ui/dom';
import { AccuracyPlot, LossPlot } from '../ui/plots';
import { ProbabilityBars, formatPercent } from '../ui/probability-bars';
import { ProgressView } from '../ui/progress';
import { StatusArea } from '../ui/status';
import { TestView } from '../ui/test-view';
import { paintSlice, pixelCanvas, SEQUENTIAL } from '../ui/colormap';
import { DrawPad, type DrawInput } from '../ui/drawpad';
import { NetworkView } from '../ui/network-view';
import { KeyboardDigit } from '../ui/keyboard-digit';
import { scrollBehavior } from '../ui/motion';
import { AccuracySeries, LossSeries } from './series';
import { formatHash, PANELS, type PageOptions, type Panel } from './settings';
import type { TestHooks } from './test-hooks';
import { WorkerClient } from './worker-client';
import { createTrainingWorker } from './training-worker';
import { Teaching } from './teaching';

type DataState = 'loading' | 'ready' | 'failed';
type NetworkSource = { kind: 'drawing' } | { kind: 'test'; index: number };

/** Why training is paused by the app rather than by the user. */
export type SuspendReason = 'hidden' | 'offscreen';

export interface AppOptions {
  /** Holds the panel skeleton of index.html (#status, #panel-*, #training, …). */
  root: Document | ShadowRoot | HTMLElement;
  /** Gets `data-state` (the page: <body>; the element: the element). */
  stateHost: HTMLElement;
  /** Settings, model and hidden panels at start. */
  options: PageOptions;
  /** Absolute URL of the folder that holds data/mnist/ and models/. */
  assetBase: string;
  /** Absolute URL of the pretrained weights (default: models/cnnlab-default.json under assetBase). */
  weightsUrl?: string;
  /** Start training as soon as MNIST is loaded (when not hidden or off screen). */
  autoplay?: boolean;
  /** The options changed through the controls (the page writes them to the hash). */
  onOptionsChange?(options: PageOptions): void;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const TEST_COUNT_FALLBACK = 10000;

export class App {
  /** Hooks for browser tests: window.__cnnlab on the page, element methods on <cnn-lab>. */
  readonly hooks: TestHooks;
  private page: PageOptions;
  private state: PageState = 'starting';
  private dataState: DataState = 'loading';
  private pretrained: PretrainedInfo | null = null;
  private run = 0;
  private progress: ProgressInfo | null = null;
  private checkpoint: Checkpoint | null = null;
  private readonly loss = new LossSeries();
  private readonly accuracy = new AccuracySeries();
  private plotsDirty = false;
  private autoPaused = false;
  private readonly suspended = new Set<SuspendReason>();
  private autoplayPending: boolean;
  private readonly timers: number[] = [];
  /** The current worker has sent something: its module loaded. */
  private workerAnswered = false;
  private readonly onVisibilityChange = (): void => this.setSuspended('hidden', document.hidden);
  private testCount = TEST_COUNT_FALLBACK;

  private drawing: Float32Array | null = null;
  private predicting = false;
  private predictAgain = false;
  private network: NetworkSource = { kind: 'drawing' };
  /** Until the user picks an input, the network view shows test image #0 and switches to the first drawing. */
  private autoSource = true;
  private inspecting = false;

  private readonly client: WorkerClient;
  private readonly status: StatusArea;
  private readonly controls: Controls;
  private readonly progressView: ProgressView;
  private readonly lossPlot: LossPlot;
  private readonly accuracyPlot: AccuracyPlot;
  private readonly bars: ProbabilityBars;
  private readonly testView: TestView;
  private readonly drawPad: DrawPad;
  private readonly networkView: NetworkView;

  private readonly modelRadios: Record<ModelChoice, HTMLInputElement>;
  private readonly modelNote: HTMLElement;
  private readonly answerNote: HTMLElement;
  private readonly networkCaption: HTMLElement;
  private readonly networkHost: HTMLElement;
  private readonly sourceRadios: Record<'drawing' | 'test', HTMLInputElement>;
  private readonly testIndex: HTMLInputElement;
  private readonly testPreview: HTMLCanvasElement;
  private readonly kernelNote: HTMLElement;

  private readonly dataUrl: string;
  private readonly weightsUrl: string;
  private readonly root: AppOptions['root'];
  private readonly stateHost: HTMLElement;
  private readonly onOptionsChange: (options: PageOptions) => void;

  constructor(options: AppOptions) {
    this.root = options.root;
    this.stateHost = options.stateHost;
    this.onOptionsChange = options.onOptionsChange ?? (() => {});
    this.autoplayPending = options.autoplay ?? false;
    this.dataUrl = new URL('data/mnist/', options.assetBase).href;
    this.weightsUrl = options.weightsUrl ?? new URL('models/cnnlab-default.json', options.assetBase).href;
    const byId = (id: string): HTMLElement => this.byId(id);
    this.page = options.options;
    this.applyHidden(this.page.hidden);

    this.status = new StatusArea(byId('status'));
    this.controls = new Controls(byId('training'), this.page.settings, {
      start: () => this.start(),
      pause: () => {
        this.autoPaused = false;
        this.client.send({ type: 'pause' });
      },
      step: () => {
        this.autoPaused = false;
        this.client.send({ type: 'step' });
      },
      reset: () => this.reset(),
      change: (settings) => this.changeSettings(settings),
    });
    this.progressView = new ProgressView(byId('training'));

    const plots = byId('plots');
    this.lossPlot = new LossPlot(plots);
    this.accuracyPlot = new AccuracyPlot(plots);

    // Draw panel: the pad, the model switch, the probabilities.
    const drawHost = byId('draw');
    const padHost = h('div', { class: 'app-pad-host' });
    const radio = (value: ModelChoice, label: string) => {
      const input = h('input', { type: 'radio', name: 'model', value, testid: `model-${value}` });
      input.addEventListener('change', () => input.checked && this.chooseModel(value));
      return { input, label: h('label', { class: 'app-switch-option' }, input, h('span', {}, label)) };
    };
    const pre = radio('pretrained', 'Pretrained weights');
    const tr = radio('training', 'The network being trained');
    this.modelRadios = { pretrained: pre.input, training: tr.input };
    this.modelRadios[this.page.model].checked = true;
    this.modelNote = h('p', { class: 'app-note', testid: 'model-note' });
    this.answerNote = h('p', { class: 'app-note app-muted', testid: 'answer-note' });
    const switchBox = h('fieldset', { class: 'app-switch' }, h('legend', {}, 'Answered by'), pre.label, tr.label);
    const barsHost = h('div', { class: 'app-bars-host' });
    drawHost.append(padHost, switchBox, this.modelNote, barsHost, this.answerNote);
    this.drawPad = new DrawPad(padHost, { onChange: (input) => this.onDraw(input) });
    this.bars = new ProbabilityBars(barsHost);
    // Without a pointer: a test image onto the pad (ui/keyboard-digit.ts).
    const keyboardDigit = new KeyboardDigit({
      count: () => this.testCount,
      image: (index) => this.client.request({ type: 'test-images', indices: [index] }).then((r) => ({ pixels: r.pixels, label: r.labels[0]! })),
      show: (image) => this.drawPad.setImage(image),
    });
    switchBox.before(keyboardDigit.element);

    // Inside the network: which input, then the view.
    const networkHost = byId('network');
    const source = (kind: 'drawing' | 'test', label: string) => {
      const input = h('input', { type: 'radio', name: 'network-source', value: kind, testid: `source-${kind}` });
      input.addEventListener('change', () => {
        this.autoSource = false;
        if (input.checked) this.chooseSource(kind);
      });
      return { input, label: h('label', { class: 'app-switch-option' }, input, h('span', {}, label)) };
    };
    const fromDrawing = source('drawing', 'Your drawing');
    const fromTest = source('test', 'Test image #');
    this.sourceRadios = { drawing: fromDrawing.input, test: fromTest.input };
    fromDrawing.input.checked = true;
    this.testIndex = h('input', { type: 'number', min: '0', max: String(TEST_COUNT_FALLBACK - 1), step: '1', value: '0', testid: 'test-index', 'aria-label': 'Test image number', class: 'app-index' });
    this.testIndex.addEventListener('change', () => {
      this.autoSource = false;
      this.showTestImage(Number(this.testIndex.value));
    });
    const random = h('button', { type: 'button', class: 'app-button', testid: 'random-test' }, 'Random');
    random.addEventListener('click', () => {
      this.autoSource = false;
      this.showTestImage(Math.floor(Math.random() * this.testCount));
    });
    this.testPreview = pixelCanvas(28, 28, 1, 'app-test-preview');
    this.testPreview.hidden = true;
    this.networkCaption = h('p', { class: 'app-network-caption', testid: 'network-caption', 'aria-live': 'polite' }, 'Draw a digit, or choose a test image.');
    this.networkHost = h('div', { class: 'app-network-host' });
    networkHost.append(
      h('div', { class: 'app-network-bar' },
        h('fieldset', { class: 'app-switch app-switch-inline' }, h('legend', {}, 'Input'), fromDrawing.label, h('span', { class: 'app-inline' }, fromTest.label, this.testIndex, random)),
        this.testPreview,
        this.networkCaption,
      ),
      this.networkHost,
    );
    this.networkView = new NetworkView(this.networkHost);

    // Backprop step by step, the gradient check and "teach it your digit" (app/teaching.ts).
    const backpropHost = this.root.querySelector<HTMLElement>('#backprop');
    if (backpropHost)
      new Teaching(
        { backprop: backpropHost, draw: drawHost },
        {
          request: (ask, timeoutMs) => this.client.request(ask, timeoutMs),
          source: () => (this.network.kind === 'test' ? { kind: 'test', index: this.network.index } : { kind: 'drawing', image: this.drawing }),
          drawing: () => this.drawing,
          model: () => this.page.model,
          modelChanged: () => this.refreshPredictions(),
        },
      );

    this.testView = new TestView(byId('test'), {
      images: async (indices) => {
        const r = await this.client.request({ type: 'test-images', indices });
        return { indices: r.indices, labels: r.labels, pixels: r.pixels };
      },
      inspect: (index) => {
        this.autoSource = false;
        this.showTestImage(index);
        this.byId('panel-network').scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
      },
    });
    const evalButtons = byId('test-actions');
    const evalButton = (model: ModelChoice, label: string) => {
      const b = h('button', { type: 'button', class: 'app-button', testid: `eval-${model}` }, label);
      b.addEventListener('click', () => this.client.send({ type: 'evaluate', model }));
      return b;
    };
    evalButtons.append(evalButton('pretrained', 'Evaluate the pretrained weights'), evalButton('training', 'Evaluate the network being trained'));

    this.kernelNote = byId('kernel');

    this.client = new WorkerClient(createTrainingWorker, { onEvent: (e) => this.onEvent(e), onCrash: (reason) => this.onCrash(reason) });

    this.hooks = {
      lossSeries: () => [...this.loss.raw],
      accuracySeries: () => this.accuracy.points.map((p) => p.accuracy),
      state: () => this.state,
      dataState: () => this.dataState,
      crashWorker: () => this.client.send({ type: 'debug', action: 'crash' }),
      hangWorker: (ms: number) => this.client.send({ type: 'debug', action: 'hang', ms }),
      configure: (settings: Partial<TrainSettings>) => this.client.send({ type: 'configure', settings: { ...this.controls.current, ...settings } }),
    };

    document.addEventListener('visibilitychange', this.onVisibilityChange);
    if (document.hidden) this.suspended.add('hidden');
    this.timers.push(window.setInterval(() => this.tick(), 250), window.setInterval(() => this.refreshWhileTraining(), 700));

    this.setState('starting');
    this.status.say('Starting the training worker…');
    this.startWorker(null);
  }

  /** An element of the skeleton, looked up inside the root. */
  private byId(id: string): HTMLElement {
    const e = this.root.querySelector<HTMLElement>(`#${id}`);
    if (!e) throw new Error(`the page skeleton (index.html) has no #${id}`);
    return e;
  }

  /** Stops the worker and the timers (the element was removed from its page). */
  destroy(): void {
    this.client.stop();
    for (const t of this.timers) window.clearInterval(t);
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
  }

  // ------------------------------------------------------------ worker lifecycle

  private startWorker(resume: Checkpoint | null): void {
    this.dataState = 'loading';
    this.workerAnswered = false;
    this.client.start({
      type: 'init',
      dataUrl: this.dataUrl,
      weightsUrl: this.weightsUrl,
      settings: this.controls.current,
      resume: resume ? { ...resume, params: resume.params.slice() } : null, // keep our copy
      run: this.run,
    });
  }

  private restart(): void {
    const cp = this.checkpoint;
    if (cp && cp.run === this.run) {
      this.loss.truncateAfter(cp.samplesSeen);
      this.accuracy.truncateAfter(cp.samplesSeen);
    } else {
      this.loss.clear();
      this.accuracy.clear();
    }
    this.plotsDirty = true;
    this.status.hide('crash');
    this.setState('starting');
    this.status.say(cp ? `Restarting the worker from the checkpoint at ${formatCount(cp.samplesSeen)} samples…` : 'Restarting the training worker…');
    this.startWorker(cp && cp.run === this.run ? cp : null);
  }

  private onCrash(reason: string): void {
    this.setState('crashed');
    this.predicting = false;
    this.inspecting = false;
    const cp = this.checkpoint;
    const kept = cp
      ? `Nothing is lost: the page kept the parameters from ${formatCount(cp.samplesSeen)} samples, and a restarted worker goes on from there.`
      : 'No training had been saved yet: a restarted worker starts a new network.';
    this.status.say('Training is stopped until the worker restarts.');
    if (!this.workerAnswered && /^crashed$/.test(reason)) {
      // No message at all: the worker's script never ran (a module that did not load).
      this.status.show('crash', {
        level: 'error',
        title: 'The training worker did not start: its script did not load.',
        text: 'When cnnlab comes from another site, that site must send `Access-Control-Allow-Origin`, and this page\'s Content-Security-Policy must name it in script-src, worker-src and connect-src.',
        actions: [{ label: 'Try again', testid: 'restart-worker', primary: true, run: () => this.restart() }],
      });
      return;
    }
    this.status.show('crash', {
      level: 'error',
      title: `The training worker ${reason}.`,
      text: kept,
      actions: [{ label: 'Restart the worker', testid: 'restart-worker', primary: true, run: () => this.restart() }],
    });
  }

  // ------------------------------------------------------------ events from the worker

  private onEvent(e: WorkerEvent): void {
    this.workerAnswered = true;
    switch (e.type) {
      case 'ready':
        return this.onReady(e);
      case 'fatal':
        this.setState('fatal');
        this.status.say(e.kind === 'unsupported' ? 'cnnlab cannot run in this browser.' : 'cnnlab could not start.');
        this.status.show('wasm', {
          level: 'error',
          title: e.kind === 'unsupported' ? 'A WebAssembly feature is missing.' : 'The WebAssembly module did not load.',
          text: e.message,
          fix:
            e.kind === 'unsupported'
              ? 'Open the page in a current Chrome, Edge, Firefox or Safari.'
              : 'Reload the page. If it persists, check that the server sends assets/*.wasm (as application/wasm) next to the page.',
        });
        this.modelNote.textContent = 'Nothing can be predicted without WebAssembly.';
        return;
      case 'data-progress':
        return this.onDataProgress(e);
      case 'data':
        return this.onData(e);
      case 'state':
        return this.onState(e);
      case 'progress':
        this.followRun(e.progress.run);
        this.loss.pushAll(e.lossX, e.lossY);
        this.plotsDirty = true;
        this.updateProgress(e.progress);
        return;
      case 'evaluation':
        return this.onEvaluation(e);
      case 'checkpoint':
        if (e.checkpoint.run >= this.run) this.checkpoint = e.checkpoint;
        return;
      case 'step':
        return;
      case 'notice':
        this.status.show('notice', { level: e.level, title: e.message, text: '' }, 6000);
        return;
      default:
        return; // replies are matched by the client
    }
  }

  private onReady(e: EventOf<'ready'>): void {
    this.pretrained = e.pretrained;
    this.kernelNote.textContent = `WebAssembly kernel: ${e.kernel === 'scalar' ? e.kernel : `${e.kernel} (SIMD)`} · ${formatCount(e.paramCount)} parameters`;
    if (!e.pretrained.ok) {
      this.modelRadios.pretrained.disabled = true;
      this.modelNote.textContent = `${capitalise(e.pretrained.message)}: predictions use the network being trained.`;
      this.modelNote.classList.add('app-note-warning');
    } else {
      this.modelRadios.pretrained.disabled = false;
      this.modelNote.textContent = '';
      this.modelNote.classList.remove('app-note-warning');
    }
    this.refreshPredictions();
  }

  private readonly files = new Map<string, { phase: string; loaded: number; total: number | null }>();

  private onDataProgress(e: EventOf<'data-progress'>): void {
    this.files.set(e.file, { phase: e.phase, loaded: e.loaded, total: e.total });
    const all = [...this.files.values()];
    const downloading = all.filter((f) => f.phase === 'download');
    if (downloading.length > 0 && downloading.every((f) => f.total !== null) && this.files.size === 4) {
      const loaded = downloading.reduce((s, f) => s + f.loaded, 0);
      const total = downloading.reduce((s, f) => s + (f.total ?? 0), 0);
      this.status.meterValue(total > 0 ? loaded / total : NaN);
      this.status.say(`Downloading MNIST: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB…`);
    } else {
      this.status.meterValue(NaN);
      this.status.say(downloading.length > 0 ? 'Downloading MNIST…' : 'Unpacking MNIST…');
    }
  }

  private onData(e: EventOf<'data'>): void {
    this.status.meterValue(null);
    if (e.ok) {
      this.dataState = 'ready';
      this.testCount = e.testCount;
      this.testIndex.max = String(e.testCount - 1);
      this.status.hide('data');
      if (this.autoSource && !this.drawing) this.showTestImage(0);
      if (this.autoplayPending) {
        this.autoplayPending = false;
        if (this.suspended.size === 0) this.start();
        else this.autoPaused = true; // starts when it comes into view
      }
    } else {
      this.dataState = 'failed';
      this.status.show('data', {
        level: 'error',
        title: 'MNIST could not be loaded.',
        text: e.message,
        fix: e.fix,
      });
    }
    this.setState(this.state);
  }

  private onState(e: EventOf<'state'>): void {
    this.followRun(e.progress.run);
    this.setState(e.state);
    this.controls.setSettings(e.settings);
    this.page = { ...this.page, settings: e.settings };
    this.writeHash();
    this.updateProgress(e.progress);
    if (e.state === 'diverged') this.status.say('Paused: training diverged.');
    else if (e.message) this.status.say(e.message);
    if (e.state === 'diverged') {
      this.status.show('diverged', {
        level: 'warning',
        title: 'Training diverged and was paused.',
        text: capitalise(e.message),
        actions: [
          { label: 'Halve the learning rate and continue', testid: 'halve-lr', primary: true, run: () => this.halveAndContinue() },
          { label: 'Reset', testid: 'diverged-reset', run: () => this.reset() },
        ],
      });
    } else {
      this.status.hide('diverged');
    }
  }

  private onEvaluation(e: EventOf<'evaluation'>): void {
    const v = e.evaluation;
    if (v.model === 'training') {
      if (v.run !== this.run) return;
      this.accuracy.add({ x: v.samplesSeen, accuracy: v.accuracy, full: v.kind === 'full' });
      this.plotsDirty = true;
    }
    if (v.kind !== 'full') return;
    const who =
      v.model === 'pretrained'
        ? 'The pretrained weights (public/models/cnnlab-default.json)'
        : `The network being trained, after ${formatCount(v.samplesSeen)} samples (${v.epoch} epoch${v.epoch === 1 ? '' : 's'})`;
    this.testView.show(v, who);
  }

  /** A progress or state event of a newer run: the plots start again. */
  private followRun(run: number): void {
    if (run === this.run) return;
    this.run = run;
    this.loss.clear();
    this.accuracy.clear();
    this.plotsDirty = true;
  }

  // ------------------------------------------------------------ user actions

  private start(): void {
    this.autoPaused = false;
    this.client.send({ type: 'start' });
  }

  private reset(): void {
    this.autoPaused = false;
    this.client.send({ type: 'reset', settings: this.controls.current });
  }

  private changeSettings(settings: TrainSettings): void {
    this.page = { ...this.page, settings };
    this.writeHash();
    this.client.send({ type: 'configure', settings });
  }

  private halveAndContinue(): void {
    const settings = { ...this.controls.current };
    settings.learningRate = Number((settings.learningRate / 2).toPrecision(6));
    this.controls.setSettings(settings);
    this.changeSettings(settings);
    this.client.send({ type: 'start' });
  }

  private chooseModel(model: ModelChoice): void {
    this.page = { ...this.page, model };
    this.writeHash();
    this.refreshPredictions();
  }

  private chooseSource(kind: 'drawing' | 'test'): void {
    if (kind === 'test') this.showTestImage(Number(this.testIndex.value) || 0);
    else {
      this.network = { kind: 'drawing' };
      this.testPreview.hidden = true;
      if (this.drawing) this.requestPrediction();
      else this.networkCaption.textContent = 'Draw a digit to see it pass through the network.';
    }
  }

  private showTestImage(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.testCount) {
      this.networkCaption.textContent = `Test images are numbered 0 to ${formatCount(this.testCount - 1)}.`;
      return;
    }
    this.network = { kind: 'test', index };
    this.sourceRadios.test.checked = true;
    this.testIndex.value = String(index);
    void this.inspect();
  }

  private async inspect(): Promise<void> {
    if (this.network.kind !== 'test' || this.inspecting || !this.client.running || this.state === 'starting') return;
    if (this.dataState !== 'ready') {
      this.networkCaption.textContent = this.dataState === 'failed' ? 'The test images are not available (MNIST could not be loaded).' : 'The test images are still loading…';
      return;
    }
    this.inspecting = true;
    const index = this.network.index;
    try {
      const r = await this.client.request({ type: 'inspect', index, model: this.page.model });
      if (this.network.kind !== 'test' || this.network.index !== r.index) return;
      paintSlice(this.testPreview, r.pixels, 0, 28, 28, SEQUENTIAL, { min: 0, max: 255 });
      this.testPreview.hidden = false;
      const best = argmax(r.probs);
      this.networkCaption.textContent = `Test image #${r.index}: true digit ${r.label}; ${this.modelName(r.model)} says ${best} (${formatPercent(r.probs[best]!)})${best === r.label ? '' : ' ✗'}.`;
      this.renderNetwork(r.snapshot);
    } catch (error) {
      this.networkCaption.textContent = `Could not show test image #${index}: ${errorText(error)}`;
    } finally {
      this.inspecting = false;
    }
  }

  private onDraw(input: DrawInput | null): void {
    if (!input) {
      this.drawing = null;
      this.bars.update(null);
      this.answerNote.textContent = '';
      if (this.network.kind === 'drawing') this.networkCaption.textContent = 'Draw a digit to see it pass through the network.';
      return;
    }
    this.drawing = input.image.slice();
    if (this.autoSource && this.network.kind === 'test') {
      this.autoSource = false;
      this.network = { kind: 'drawing' };
      this.sourceRadios.drawing.checked = true;
      this.testPreview.hidden = true;
    }
    this.requestPrediction();
  }

  /** Predicts the current drawing; one request in flight, the newest drawing next. */
  private requestPrediction(): void {
    if (!this.drawing || !this.client.running || this.state === 'starting' || this.state === 'fatal') return;
    if (this.predicting) {
      this.predictAgain = true;
      return;
    }
    this.predicting = true;
    const snapshot = this.network.kind === 'drawing' && !this.page.hidden.includes('network');
    const sent = performance.now();
    this.client
      .request(
        { type: 'predict', image: this.drawing.slice(), model: this.page.model, snapshot },
        5000,
      )
      .then((r) => {
        if (!this.drawing) return;
        this.bars.update(r.probs);
        const ms = performance.now() - sent;
        this.answerNote.textContent = `Answered by ${this.modelName(r.model)} in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms.`;
        if (r.snapshot && this.network.kind === 'drawing') {
          const best = argmax(r.probs);
          this.networkCaption.textContent = `Your drawing: ${this.modelName(r.model)} says ${best} (${formatPercent(r.probs[best]!)}).`;
          this.renderNetwork(r.snapshot);
        }
      })
      .catch((error: unknown) => {
        if (this.client.running) this.answerNote.textContent = `No prediction: ${errorText(error)}`;
      })
      .finally(() => {
        this.predicting = false;
        if (this.predictAgain) {
          this.predictAgain = false;
          this.requestPrediction();
        }
      });
  }

  private refreshPredictions(): void {
    this.requestPrediction();
    if (this.network.kind === 'test') void this.inspect();
  }

  /** While the network being trained answers, its predictions change as it learns. */
  private refreshWhileTraining(): void {
    if (this.state !== 'running' || document.hidden) return;
    if (this.page.model === 'training' || (this.pretrained && !this.pretrained.ok)) this.refreshPredictions();
  }

  private pendingSnapshot: NetworkSnapshot | null = null;

  private renderNetwork(snapshot: NetworkSnapshot): void {
    const first = this.pendingSnapshot === null;
    this.pendingSnapshot = snapshot;
    if (!first) return;
    requestAnimationFrame(() => {
      const s = this.pendingSnapshot;
      this.pendingSnapshot = null;
      if (s) this.networkView.render(s);
    });
  }

  private modelName(model: ModelChoice): string {
    return model === 'pretrained' ? 'the pretrained network' : 'the network being trained';
  }

  // ------------------------------------------------------------ page state

  private setState(state: PageState): void {
    this.state = state;
    this.controls.setState(state, this.dataState === 'ready');
    this.stateHost.dataset['state'] = state;
  }

  private updateProgress(p: ProgressInfo): void {
    this.progress = p;
    this.progressView.update(p, this.state);
    if (this.state === 'running') {
      const e = Math.min(p.epoch + 1, p.epochs);
      this.status.say(`Training: epoch ${e} of ${p.epochs}, ${formatCount(p.samplesSeen)} samples seen.`);
    }
  }

  private tick(): void {
    if (!this.plotsDirty) return;
    this.plotsDirty = false;
    this.lossPlot.set(this.loss.x, this.loss.raw, this.loss.smooth);
    this.accuracyPlot.set(this.accuracy.aligned());
  }

  /**
   * Pauses training while the tab is hidden or the element is off screen, and
   * goes on when neither holds and it was running before.
   */
  setSuspended(reason: SuspendReason, on: boolean): void {
    const before = this.suspended.size > 0;
    if (on) this.suspended.add(reason);
    else this.suspended.delete(reason);
    const now = this.suspended.size > 0;
    if (now && !before) {
      if (this.state === 'running') {
        this.autoPaused = true;
        this.client.send({ type: 'pause' });
        const where = reason === 'hidden' ? 'this tab is hidden' : 'it is scrolled out of view';
        this.status.show('hidden', { level: 'info', title: `Training paused: ${where}.`, text: 'It goes on when you come back.' });
      }
    } else if (!now && before && this.autoPaused) {
      this.autoPaused = false;
      if (this.state === 'paused' || this.state === 'idle') this.client.send({ type: 'start' });
      this.status.show('hidden', { level: 'info', title: 'Training goes on.', text: 'It was paused while out of sight.' }, 5000);
    }
  }

  /** New options from outside (the page: a hash change). */
  setOptions(next: PageOptions): void {
    if (formatHash(next) === formatHash(this.page)) return;
    this.page = next;
    this.applyHidden(next.hidden);
    this.controls.setSettings(next.settings);
    this.modelRadios[next.model].checked = true;
    this.client.send({ type: 'configure', settings: next.settings });
    this.refreshPredictions();
  }

  private writeHash(): void {
    this.onOptionsChange(this.page);
  }

  /** A teacher's `#hide=…`: the panels left flow into the space. */
  private applyHidden(hidden: Panel[]): void {
    for (const panel of PANELS) {
      const section = this.root.querySelector<HTMLElement>(`#panel-${panel}`);
      if (section) section.hidden = hidden.includes(panel);
    }
    this.root.querySelector('.app-grid')?.classList.toggle('app-grid-flow', hidden.length > 0);
  }
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

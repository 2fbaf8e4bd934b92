// The training session: everything the worker does, as a pure class (no worker
// globals), so Vitest can drive it in Node with the real WASM module.
//
// It owns the Cnnlab module, the MNIST datasets, the model being trained and the
// pretrained model. Requests come in through `handle`; events go out through the
// `emit` callback. Training and evaluation run in time-boxed slices (`work`,
// about 8 ms each) scheduled through `deps.schedule`, so the worker answers any
// request between two slices.
import type { Cnnlab, CnnDataset, CnnModel } from '../core/cnnlab';
import type { Mnist, MnistProgress } from '../data/mnist';
import {
  DEFAULT_SETTINGS,
  SPEEDS,
  resetReasons,
  type Checkpoint,
  type Evaluation,
  type InitRequest,
  type ModelChoice,
  type NetworkSnapshot,
  type PretrainedInfo,
  type ProgressInfo,
  type Request,
  type SessionState,
  type TrainSettings,
  type WorkerEvent,
} from './protocol';
import { backpropTrace, checkProbes, labelOf, splitParams, teach, traceSample } from './teaching';

export interface SessionDeps {
  /** Throws an Error naming the missing browser feature (checkWasmSupport). */
  checkSupport?(): void;
  loadCore(): Promise<Cnnlab>;
  loadMnist(dataUrl: string, onProgress: (progress: MnistProgress) => void): Promise<Mnist>;
  /** The file's text, or null when it does not exist (HTTP 404). */
  fetchText(url: string): Promise<string | null>;
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `task` after `delayMs`, or soon after pending messages when 0 (the worker uses a MessageChannel). */
  schedule(task: () => void, delayMs: number): void;
}

export interface SessionTiming {
  /** Work per slice, ms. */
  sliceMs: number;
  /** Samples per loss point. */
  pointSamples: number;
  /** A quick evaluation every this many samples… */
  quickEvery: number;
  /** …on this many test images. */
  quickCount: number;
  /** Least time between two progress events, ms. */
  progressMs: number;
  /** Least time between two checkpoints while running, ms. */
  checkpointMs: number;
}

export const DEFAULT_TIMING: Readonly<SessionTiming> = {
  sliceMs: 8,
  pointSamples: 100,
  quickEvery: 2000,
  quickCount: 1000,
  progressMs: 150,
  checkpointMs: 2000,
};

export const DATA_FIX =
  'Run `npm run prepare:data` in the project folder (it writes public/data/mnist/*.gz), then reload the page. ' +
  'Drawing with the pretrained weights still works meanwhile.';

const MAX_TEST_IMAGES = 200;

interface EvalJob {
  kind: 'quick' | 'full';
  model: ModelChoice;
  run: number;
  samplesSeen: number;
  epoch: number;
  start: number;
  end: number;
  cursor: number;
  lossSum: number;
  correct: number;
  confusion: Int32Array;
  predictions: Uint8Array | null;
  probs: Float32Array | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The Emscripten glue's "Aborted(reason). Build with -s ASSERTIONS=1…" → reason. */
function glueMessage(error: unknown): string {
  return message(error)
    .replace(/\s*Build with -s ASSERTIONS=1 for more info\.?/, '')
    .replace(/^Aborted\((.*)\)\.?$/s, '$1')
    .trim();
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export class Session {
  private core: Cnnlab | null = null;
  private model: CnnModel | null = null;
  private pretrained: CnnModel | null = null;
  /** The pretrained weights as loaded: "teach it your digit" changes them until teach-reset. */
  private pretrainedOriginal: Float32Array | null = null;
  /** The loss of the last Step command's sample (before its update). */
  private lastStepLoss = NaN;
  private train: CnnDataset | null = null;
  private test: CnnDataset | null = null;
  /** The test images and labels in JS memory, for pictures sent to the page. */
  private testImages: Uint8Array | null = null;
  private testLabels: Uint8Array | null = null;

  private settings: TrainSettings = { ...DEFAULT_SETTINGS };
  private state: SessionState = 'starting';
  private stateMessage = '';
  private run = 0;
  /** Counters carried over from a checkpoint (a restarted worker). */
  private offsetSamples = 0;
  private offsetEpochs = 0;

  private jobs: EvalJob[] = [];
  /** Samples seen at which the next quick evaluation is due. */
  private nextQuick = 0;
  private pointLoss = 0;
  private pointCount = 0;
  private lossX: number[] = [];
  private lossY: number[] = [];
  private msPerSample = 0.1;
  /** Speed limit bookkeeping: samples trained since `paceStart` (ms). */
  private paceStart = 0;
  private paceSamples = 0;
  private rateHistory: { t: number; seen: number }[] = [];
  private lastProgress = -Infinity;
  private lastCheckpoint = 0;
  private checkpointSeen = -1;
  private pumpScheduled = false;
  private dataFailed = false;

  readonly timing: SessionTiming;

  constructor(
    private readonly deps: SessionDeps,
    private readonly emit: (event: WorkerEvent) => void,
    timing: Partial<SessionTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  /** Handles one request; init resolves when the data is loaded (or failed to load). */
  async handle(request: Request): Promise<void> {
    try {
      switch (request.type) {
        case 'init':
          return await this.init(request);
        case 'ping':
          return this.emit({ type: 'pong', id: request.id });
        case 'start':
          return this.start();
        case 'pause':
          return this.pause('Paused.');
        case 'step':
          return this.step();
        case 'reset':
          return this.reset(request.settings, 'New network: ready to train.');
        case 'configure':
          return this.configure(request.settings);
        case 'predict':
          return this.predict(request.id, request.image, request.model, request.snapshot);
        case 'inspect':
          return this.inspect(request.id, request.index, request.model);
        case 'test-images':
          return this.sendTestImages(request.id, request.indices);
        case 'evaluate':
          return this.queueFullEvaluation(request.model);
        case 'debug':
          return; // handled by the worker shell
        case 'backprop-step':
          return this.backpropStep(request.id);
        case 'backprop-trace': {
          const { model, used } = this.modelFor(request.model);
          return this.emit({ type: 'backprop', id: request.id, trace: traceSample(model, request.image, request.label, used) });
        }
        case 'gradcheck': {
          const { model, used } = this.modelFor(request.model);
          const groups = model.gradientCheck(request.image, request.label, checkProbes(request.probes));
          return this.emit({ type: 'gradcheck-result', id: request.id, model: used, activation: model.config.activation, groups });
        }
        case 'teach': {
          const { model, used } = this.modelFor(request.model);
          const result = teach(model, request.image, request.label, request.steps, request.learningRate, used);
          return this.emit({ type: 'taught', id: request.id, result });
        }
        case 'teach-reset': {
          const restored = this.pretrained !== null && this.pretrainedOriginal !== null;
          if (restored) this.pretrained!.setParams(this.pretrainedOriginal!);
          return this.emit({ type: 'teach-reset-done', id: request.id, restored });
        }
      }
    } catch (error) {
      if ('id' in request) this.emit({ type: 'reply-error', id: request.id, message: message(error) });
      else this.emit({ type: 'notice', level: 'error', message: message(error) });
    }
  }

  /** The state, for tests. */
  get currentState(): SessionState {
    return this.state;
  }

  /** Frees the WASM objects. */
  dispose(): void {
    this.model?.dispose();
    this.pretrained?.dispose();
    this.train?.dispose();
    this.test?.dispose();
    this.model = this.pretrained = this.train = this.test = null;
  }

  // ------------------------------------------------------------ setup

  private async init(request: InitRequest): Promise<void> {
    if (this.core) throw new Error('the session is already initialised');
    try {
      this.deps.checkSupport?.();
    } catch (error) {
      this.emit({ type: 'fatal', kind: 'unsupported', message: message(error) });
      return;
    }
    try {
      this.core = await this.deps.loadCore();
    } catch (error) {
      this.emit({ type: 'fatal', kind: 'load', message: `The WebAssembly module could not be loaded: ${glueMessage(error)}` });
      return;
    }
    const pretrained = await this.loadPretrained(request.weightsUrl);

    const resume = request.resume;
    this.run = resume ? resume.run : request.run;
    this.createModel(resume ? resume.settings : request.settings);
    if (resume) {
      this.model!.setParams(resume.params);
      this.offsetSamples = resume.samplesSeen;
      this.offsetEpochs = resume.epoch;
      this.nextQuick = this.nextQuickAfter(resume.samplesSeen);
      this.checkpointSeen = resume.samplesSeen;
    }
    this.state = resume && resume.samplesSeen > 0 ? (this.isFinished() ? 'done' : 'paused') : 'idle';
    this.emit({
      type: 'ready',
      kernel: this.core.kernelName,
      paramCount: this.model!.paramCount,
      pretrained,
      resumed: resume !== null,
    });
    this.emitState(resume ? `Resumed from the checkpoint at ${resume.samplesSeen.toLocaleString('en-US')} samples.` : 'Loading MNIST…');
    await this.loadData(request.dataUrl, resume === null);
  }

  private async loadPretrained(url: string): Promise<PretrainedInfo> {
    let text: string | null;
    try {
      text = await this.deps.fetchText(url);
    } catch (error) {
      return { ok: false, message: `pretrained weights not found (${message(error)})` };
    }
    if (text === null) return { ok: false, message: 'pretrained weights not found' };
    try {
      this.pretrained = this.core!.modelFromWeights(text);
      this.pretrainedOriginal = this.pretrained.getParams();
      const c = this.pretrained.config;
      return { ok: true, activation: c.activation, pooling: c.pooling };
    } catch (error) {
      return { ok: false, message: `pretrained weights could not be read: ${message(error)}` };
    }
  }

  private async loadData(dataUrl: string, fresh: boolean): Promise<void> {
    let lastReport = -Infinity;
    let mnist: Mnist;
    try {
      mnist = await this.deps.loadMnist(dataUrl, (p) => {
        const t = this.deps.now();
        if (t - lastReport < 100 && p.loaded !== p.total) return;
        lastReport = t;
        this.emit({ type: 'data-progress', file: p.file, phase: p.phase, loaded: p.loaded, total: p.total });
      });
      this.train = this.core!.createDataset(mnist.train.images, mnist.train.labels);
      this.test = this.core!.createDataset(mnist.test.images, mnist.test.labels);
    } catch (error) {
      this.dataFailed = true;
      this.emit({ type: 'data', ok: false, message: message(error), fix: DATA_FIX });
      this.emitState('Training is off until MNIST loads.');
      return;
    }
    this.testImages = mnist.test.images;
    this.testLabels = mnist.test.labels;
    this.attachData();
    this.emit({ type: 'data', ok: true, trainCount: this.train.count, testCount: this.test.count });
    if (this.pretrained) this.queueFullEvaluation('pretrained');
    if (fresh) this.queueQuick(); // the untrained network's accuracy, at 0 samples
    this.emitState(this.state === 'idle' ? 'Ready: press Start to train the network, or draw a digit.' : this.stateMessage);
  }

  private attachData(): void {
    if (!this.model || !this.train) return;
    this.model.setTrainingData(this.train, Math.min(this.settings.trainSize, this.train.count));
  }

  private createModel(settings: TrainSettings): void {
    const core = this.core!;
    const model = core.createModel(
      { activation: settings.activation, pooling: settings.pooling },
      settings.seed,
      { learningRate: settings.learningRate, batchSize: settings.batchSize },
    );
    if (!Number.isInteger(settings.epochs) || settings.epochs < 1 || settings.epochs > 1000) {
      model.dispose();
      throw new Error(`epochs must be an integer from 1 to 1000, got ${settings.epochs}`);
    }
    if (!(SPEEDS as readonly number[]).includes(settings.speed)) {
      model.dispose();
      throw new Error(`speed must be one of ${SPEEDS.join(', ')} samples per second, got ${settings.speed}`);
    }
    if (!Number.isInteger(settings.trainSize) || settings.trainSize < 1 || settings.trainSize > 60000) {
      model.dispose();
      throw new Error(`training-set size must be an integer from 1 to 60000, got ${settings.trainSize}`);
    }
    this.model?.dispose();
    this.model = model;
    this.settings = { ...settings };
    this.offsetSamples = 0;
    this.offsetEpochs = 0;
    this.nextQuick = this.timing.quickEvery;
    this.attachData();
  }

  // ------------------------------------------------------------ commands

  private requireData(what: string): boolean {
    if (this.train && this.model) return true;
    const why = this.dataFailed ? 'MNIST could not be loaded' : 'MNIST is still loading';
    this.emit({ type: 'notice', level: 'warning', message: `Cannot ${what}: ${why}.` });
    return false;
  }

  private start(): void {
    if (!this.requireData('train')) return;
    if (this.state === 'running') return;
    if (this.state === 'diverged') {
      this.emit({ type: 'notice', level: 'warning', message: 'Training diverged: lower the learning rate or reset first.' });
      return;
    }
    if (this.isFinished()) {
      this.emit({ type: 'notice', level: 'info', message: `All ${this.settings.epochs} epochs are done: raise Epochs or press Reset.` });
      return;
    }
    this.state = 'running';
    this.restartPace();
    this.rateHistory = [{ t: this.deps.now(), seen: this.seen() }];
    this.emitState('Training…');
    this.ensurePump();
  }

  private pause(text: string): void {
    if (this.state !== 'running') return;
    this.flushPoint();
    this.state = 'paused';
    this.emitProgress(true);
    this.emitState(text);
    this.emitCheckpoint();
  }

  /** The Step command, then the trained sample's tensors (from before the update) for the backprop view. */
  private backpropStep(id: number): void {
    const model = this.model;
    if (!model || !this.train) throw new Error(this.dataFailed ? 'MNIST could not be loaded' : 'MNIST is still loading');
    const seenBefore = this.seen();
    const params = model.getParams();
    this.step();
    if (this.seen() === seenBefore) throw new Error('nothing was trained: reset the network, or raise Epochs');
    const t = model.tensors();
    const label = labelOf(t.deltas.delta_out.data);
    const trace = backpropTrace(model, { ...t, loss: this.lastStepLoss }, 'step', 'training', label, splitParams(params, t.params), this.seen());
    this.emit({ type: 'backprop', id, trace });
  }

  private step(): void {
    if (!this.requireData('step')) return;
    if (this.state === 'running') this.pause('Paused.');
    if ((this.state as SessionState) === 'diverged' || this.isFinished()) {
      this.emit({ type: 'notice', level: 'info', message: 'Nothing to step: reset, or raise Epochs.' });
      return;
    }
    const r = this.trainSamples(1);
    if (r === null) return;
    this.lastStepLoss = r.loss;
    this.flushPoint();
    this.emit({ type: 'step', run: this.run, loss: r.loss, correct: r.correct });
    if (this.state !== 'diverged') {
      this.state = this.isFinished() ? 'done' : 'paused';
      this.emitProgress(true);
      this.emitState(`Trained on one sample: loss ${r.loss.toFixed(3)}, ${r.correct ? 'classified correctly' : 'misclassified'} before the update.`);
    }
    this.ensurePump();
  }

  private reset(settings: TrainSettings, text: string): void {
    if (!this.core) throw new Error('the WASM module is not loaded yet');
    this.createModel(settings);
    this.run++;
    this.jobs = this.jobs.filter((j) => j.model === 'pretrained');
    this.pointLoss = this.pointCount = 0;
    this.lossX = [];
    this.lossY = [];
    this.rateHistory = [];
    this.checkpointSeen = -1;
    this.state = 'idle';
    if (this.test) this.queueQuick();
    this.emitProgress(true);
    this.emitState(text);
    this.emitCheckpoint();
  }

  private configure(settings: TrainSettings): void {
    if (!this.model) throw new Error('the WASM module is not loaded yet');
    const reasons = resetReasons(this.settings, settings);
    if (reasons.length > 0) {
      const names: Record<string, string> = {
        activation: 'activation',
        pooling: 'pooling',
        seed: 'seed',
        trainSize: 'training-set size',
      };
      return this.reset(settings, `New network (${reasons.map((r) => names[r]).join(', ')} changed): ready to train.`);
    }
    if (!Number.isInteger(settings.epochs) || settings.epochs < 1 || settings.epochs > 1000)
      throw new Error(`epochs must be an integer from 1 to 1000, got ${settings.epochs}`);
    if (!(SPEEDS as readonly number[]).includes(settings.speed))
      throw new Error(`speed must be one of ${SPEEDS.join(', ')} samples per second, got ${settings.speed}`);
    this.model.setOptions({ learningRate: settings.learningRate, batchSize: settings.batchSize }); // clears 'diverged'
    if (settings.speed !== this.settings.speed) {
      this.restartPace();
      this.rateHistory = [{ t: this.deps.now(), seen: this.seen() }];
    }
    this.settings = { ...settings };
    const finished = this.isFinished();
    if (this.state === 'diverged') {
      this.state = this.seen() > 0 ? 'paused' : 'idle';
      this.emitState(`Learning rate is now ${settings.learningRate}: press Start to go on.`);
    } else if (this.state === 'done' && !finished) {
      this.state = 'paused';
      this.emitState(`Epochs raised to ${settings.epochs}: press Start to go on.`);
    } else if (this.state === 'running' && finished) {
      this.flushPoint();
      this.state = 'done';
      this.emitProgress(true);
      this.emitState(`Done: ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'}.`);
    } else {
      this.emitProgress(true);
      this.emitState(this.stateMessage);
    }
  }

  private modelFor(choice: ModelChoice): { model: CnnModel; used: ModelChoice } {
    if (choice === 'pretrained' && this.pretrained) return { model: this.pretrained, used: 'pretrained' };
    if (!this.model) throw new Error('the WASM module is not loaded yet');
    return { model: this.model, used: 'training' };
  }

  private snapshot(model: CnnModel): NetworkSnapshot {
    const t = model.tensors();
    return { input: t.input, forward: t.forward, params: t.params };
  }

  private predict(id: number, image: Float32Array, choice: ModelChoice, withSnapshot: boolean): void {
    const t0 = this.deps.now();
    const { model, used } = this.modelFor(choice);
    const probs = model.predict(image);
    const snapshot = withSnapshot ? this.snapshot(model) : null;
    this.emit({ type: 'prediction', id, model: used, probs, snapshot, ms: this.deps.now() - t0 });
  }

  private testImage(index: number): { pixels: Uint8Array; label: number } {
    if (!this.testImages || !this.testLabels) throw new Error('the MNIST test images are not loaded');
    const count = this.testLabels.length;
    if (!Number.isInteger(index) || index < 0 || index >= count)
      throw new Error(`test image ${index} does not exist (0 to ${count - 1})`);
    return { pixels: this.testImages.slice(index * 784, index * 784 + 784), label: this.testLabels[index]! };
  }

  private inspect(id: number, index: number, choice: ModelChoice): void {
    const { pixels, label } = this.testImage(index);
    const { model, used } = this.modelFor(choice);
    const image = new Float32Array(784);
    for (let i = 0; i < 784; i++) image[i] = pixels[i]! / 255;
    const probs = model.predict(image);
    this.emit({ type: 'inspection', id, index, label, model: used, pixels, probs, snapshot: this.snapshot(model) });
  }

  private sendTestImages(id: number, indices: number[]): void {
    const list = indices.slice(0, MAX_TEST_IMAGES);
    const pixels = new Uint8Array(list.length * 784);
    const labels = new Uint8Array(list.length);
    list.forEach((index, k) => {
      const image = this.testImage(index);
      pixels.set(image.pixels, k * 784);
      labels[k] = image.label;
    });
    this.emit({ type: 'test-images-data', id, indices: list, labels, pixels });
  }

  // ------------------------------------------------------------ counters

  private seen(): number {
    return this.offsetSamples + (this.model ? this.model.progress().samplesSeen : 0);
  }

  private progressInfo(): ProgressInfo {
    const p = this.model?.progress();
    const samplesSeen = this.offsetSamples + (p?.samplesSeen ?? 0);
    const epoch = this.offsetEpochs + (p?.epoch ?? 0);
    const position = p?.position ?? 0;
    const trainSize = this.settings.trainSize;
    let samplesPerSec = 0;
    let secondsLeft: number | null = null;
    if (this.state === 'running' && this.rateHistory.length >= 2) {
      const first = this.rateHistory[0]!;
      const last = this.rateHistory[this.rateHistory.length - 1]!;
      const dt = (last.t - first.t) / 1000;
      if (dt >= 0.25) {
        samplesPerSec = (last.seen - first.seen) / dt;
        const left = Math.max(0, (this.settings.epochs - epoch) * trainSize - position);
        if (samplesPerSec > 0) secondsLeft = left / samplesPerSec;
      }
    }
    return {
      run: this.run,
      samplesSeen,
      epoch,
      position,
      trainSize,
      epochs: this.settings.epochs,
      learningRate: this.settings.learningRate,
      samplesPerSec,
      secondsLeft,
    };
  }

  private isFinished(): boolean {
    const p = this.model?.progress();
    return this.offsetEpochs + (p?.epoch ?? 0) >= this.settings.epochs;
  }

  private nextQuickAfter(seen: number): number {
    return (Math.floor(seen / this.timing.quickEvery) + 1) * this.timing.quickEvery;
  }

  // ------------------------------------------------------------ the work loop

  private hasWork(): boolean {
    return this.jobs.length > 0 || this.state === 'running';
  }

  private ensurePump(): void {
    if (this.pumpScheduled || !this.hasWork()) return;
    this.pumpScheduled = true;
    // Under a speed limit with nothing else to do, wait for the next sample instead of spinning.
    const wait = this.jobs.length === 0 ? this.paceWaitMs() : 0;
    this.deps.schedule(() => {
      this.pumpScheduled = false;
      this.work();
      this.ensurePump();
    }, wait);
  }

  /** Samples the speed limit allows now (Infinity without a limit). */
  private paceAllowance(): number {
    const speed = this.settings.speed;
    if (!(speed > 0)) return Infinity;
    const due = Math.floor(((this.deps.now() - this.paceStart) * speed) / 1000);
    const burst = Math.ceil(speed / 4); // after a pause (an evaluation), catch up a quarter second at most
    if (due - this.paceSamples > burst) this.paceSamples = due - burst;
    return due - this.paceSamples;
  }

  private paceWaitMs(): number {
    if (this.state !== 'running' || this.paceAllowance() > 0) return 0;
    return Math.max(4, Math.min(250, 1000 / this.settings.speed));
  }

  private restartPace(): void {
    this.paceStart = this.deps.now();
    this.paceSamples = 0;
  }

  /** One slice: evaluation jobs first, then training, until the time box is used. */
  work(budgetMs = this.timing.sliceMs): void {
    const deadline = this.deps.now() + budgetMs;
    try {
      while (this.deps.now() < deadline) {
        const job = this.jobs[0];
        if (job) {
          this.runJob(job, deadline);
          continue;
        }
        if (this.state !== 'running' || this.paceAllowance() <= 0) break;
        this.trainUntil(deadline);
      }
    } catch (error) {
      // A failure inside the module: stop cleanly and say so; the page keeps its checkpoint.
      this.jobs = [];
      if (this.state === 'running') this.state = 'paused';
      this.emit({ type: 'notice', level: 'error', message: `Training stopped: ${message(error)}` });
      this.emitState('Stopped by an error.');
    }
    if (this.state === 'running') {
      const t = this.deps.now();
      if (t - this.lastProgress >= this.timing.progressMs) this.emitProgress(false);
      if (t - this.lastCheckpoint >= this.timing.checkpointMs) this.emitCheckpoint();
    }
  }

  /** Trains `n` samples (not past the epoch end); null when no data. */
  private trainSamples(n: number): { loss: number; correct: boolean; samples: number } | null {
    const model = this.model;
    if (!model || !this.train) return null;
    const r = model.train(n);
    this.pointLoss += r.lossSum;
    this.pointCount += r.samples;
    if (this.pointCount >= this.timing.pointSamples) this.flushPoint();
    const seen = this.seen();
    if (r.status === 'diverged') {
      this.flushPoint();
      this.state = 'diverged';
      this.jobs = this.jobs.filter((j) => j.model === 'pretrained');
      this.emitProgress(true);
      this.emitState(model.progress().message || 'Training diverged: the loss is not finite.');
      this.emitCheckpoint();
      return { loss: NaN, correct: false, samples: r.samples };
    }
    if (seen >= this.nextQuick) {
      this.queueQuick();
      this.nextQuick = this.nextQuickAfter(seen);
    }
    if (r.samples > 0 && model.progress().position === 0) this.endOfEpoch();
    return { loss: r.samples > 0 ? r.lossSum / r.samples : NaN, correct: r.correct > 0, samples: r.samples };
  }

  private endOfEpoch(): void {
    this.flushPoint();
    this.queueFullEvaluation('training');
    if (this.isFinished() && this.state === 'running') {
      this.state = 'done';
      this.emitProgress(true);
      const e = this.settings.epochs;
      this.emitState(`Done: ${e} epoch${e === 1 ? '' : 's'}, ${this.seen().toLocaleString('en-US')} samples.`);
    } else {
      this.emitProgress(true);
    }
    this.emitCheckpoint();
  }

  private trainUntil(deadline: number): void {
    const model = this.model!;
    const p = model.progress();
    const toEpochEnd = this.settings.trainSize - p.position;
    const toPoint = this.timing.pointSamples - this.pointCount;
    const toQuick = Math.max(1, this.nextQuick - this.seen());
    const fit = Math.floor((deadline - this.deps.now()) / this.msPerSample);
    const n = Math.max(1, Math.min(fit, toEpochEnd, toPoint, toQuick, this.paceAllowance()));
    const t0 = this.deps.now();
    const r = this.trainSamples(n);
    if (r === null || r.samples === 0) {
      if (this.state === 'running') this.pause('Paused.');
      return;
    }
    this.paceSamples += r.samples;
    const per = (this.deps.now() - t0) / r.samples;
    if (Number.isFinite(per) && per > 0) this.msPerSample = 0.7 * this.msPerSample + 0.3 * per;
  }

  private flushPoint(): void {
    if (this.pointCount === 0) return;
    const mean = this.pointLoss / this.pointCount;
    if (Number.isFinite(mean)) {
      // (a diverged step's loss is not a point to plot)
      this.lossX.push(this.seen());
      this.lossY.push(mean);
    }
    this.pointLoss = this.pointCount = 0;
  }

  private queueQuick(): void {
    if (!this.test) return;
    const count = Math.min(this.timing.quickCount, this.test.count);
    this.jobs.push(this.newJob('quick', 'training', count));
    this.ensurePump();
  }

  private queueFullEvaluation(choice: ModelChoice): void {
    if (!this.test) throw new Error('the MNIST test images are not loaded');
    if (choice === 'pretrained' && !this.pretrained) throw new Error('pretrained weights not found');
    // A newer full evaluation of the same model replaces one still waiting.
    this.jobs = this.jobs.filter((j) => !(j.kind === 'full' && j.model === choice && j.cursor === j.start));
    this.jobs.push(this.newJob('full', choice, this.test.count));
    this.ensurePump();
  }

  private newJob(kind: 'quick' | 'full', model: ModelChoice, count: number): EvalJob {
    const p = this.progressInfo();
    return {
      kind,
      model,
      run: this.run,
      samplesSeen: model === 'training' ? p.samplesSeen : 0,
      epoch: model === 'training' ? p.epoch : 0,
      start: 0,
      end: count,
      cursor: 0,
      lossSum: 0,
      correct: 0,
      confusion: new Int32Array(100),
      predictions: kind === 'full' ? new Uint8Array(count) : null,
      probs: kind === 'full' ? new Float32Array(count * 10) : null,
    };
  }

  private runJob(job: EvalJob, deadline: number): void {
    const test = this.test;
    const model = job.model === 'pretrained' ? this.pretrained : this.model;
    if (!test || !model || !this.testLabels) {
      this.jobs.shift();
      return;
    }
    if (job.kind === 'quick') {
      // The core's evaluate, 250 images a call (a few ms).
      const count = Math.min(250, job.end - job.cursor);
      const r = model.evaluate(test, job.cursor, count);
      job.lossSum += r.meanLoss * r.count;
      job.correct += Math.round(r.accuracy * r.count);
      for (let i = 0; i < 100; i++) job.confusion[i]! += r.confusion[i]!;
      job.cursor += count;
    } else {
      // Per image, to keep each prediction for the test view.
      while (job.cursor < job.end && this.deps.now() < deadline) {
        const end = Math.min(job.end, job.cursor + 50);
        for (let i = job.cursor; i < end; i++) {
          const probs = model.predictSample(test, i);
          const label = this.testLabels[i]!;
          const predicted = argmax(probs);
          job.probs!.set(probs, i * 10);
          job.predictions![i] = predicted;
          job.confusion[label * 10 + predicted]!++;
          if (predicted === label) job.correct++;
          job.lossSum -= Math.log(Math.max(probs[label]!, 1e-12));
        }
        job.cursor = end;
      }
    }
    if (job.cursor < job.end) return;
    this.jobs.shift();
    const count = job.end - job.start;
    const evaluation: Evaluation = {
      kind: job.kind,
      model: job.model,
      run: job.run,
      samplesSeen: job.samplesSeen,
      epoch: job.epoch,
      accuracy: job.correct / count,
      meanLoss: job.lossSum / count,
      count,
      confusion: job.kind === 'full' ? job.confusion : null,
      labels: job.kind === 'full' ? this.testLabels.slice(job.start, job.end) : null,
      predictions: job.predictions,
      probs: job.probs,
    };
    this.emit({ type: 'evaluation', evaluation });
  }

  // ------------------------------------------------------------ events

  private emitState(text: string): void {
    this.stateMessage = text;
    this.emit({ type: 'state', state: this.state, progress: this.progressInfo(), settings: { ...this.settings }, message: text });
  }

  private emitProgress(force: boolean): void {
    const t = this.deps.now();
    if (this.state === 'running') {
      this.rateHistory.push({ t, seen: this.seen() });
      while (this.rateHistory.length > 2 && t - this.rateHistory[1]!.t >= 2000) this.rateHistory.shift();
    }
    if (!force && this.lossX.length === 0 && t - this.lastProgress < 500) return;
    this.lastProgress = t;
    const lossX = Float64Array.from(this.lossX);
    const lossY = Float32Array.from(this.lossY);
    this.lossX = [];
    this.lossY = [];
    this.emit({ type: 'progress', progress: this.progressInfo(), lossX, lossY });
  }

  private emitCheckpoint(): void {
    if (!this.model) return;
    this.lastCheckpoint = this.deps.now();
    const p = this.progressInfo();
    if (p.samplesSeen === this.checkpointSeen) return;
    this.checkpointSeen = p.samplesSeen;
    this.emit({
      type: 'checkpoint',
      checkpoint: {
        run: this.run,
        settings: { ...this.settings },
        params: this.model.getParams(),
        samplesSeen: p.samplesSeen,
        epoch: p.epoch,
        position: p.position,
      },
    });
  }
}

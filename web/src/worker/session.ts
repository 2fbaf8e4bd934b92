// The training session: everything the worker does, as a pure class (no worker
// globals), so Vitest can drive it in Node with the real WASM module.
//
// It owns the Cnnlab module, the MNIST datasets, the model being trained and the
// pretrained model. MNIST is loaded when first needed, not at start: the test set
// (1.6 MB of gzip) for a test image or an evaluation, the training set (9.6 MB) as
// well for Start or Step. Drawing and "Inside the network" need neither. The RUN (epoch, position, samples seen, λ after decay, the
// divergence rule) is the core's: the session reads it from the model and keeps no
// counters of its own. Requests come in through `handle`; events go out through
// `emit`. Training and evaluation (evaluator.ts) run in time-boxed slices (`work`,
// about 8 ms each, paced by pacer.ts) scheduled through `deps.schedule`, so the
// worker answers any request between two slices.
import type { Cnnlab, CnnDataset, CnnModel } from '../core/cnnlab';
import { DIVERGENCE, LIMITS, rangeText, within } from '../core/limits';
import type { LoadedWeights, ParamTensorInfo, RunProgress } from '../core/types';
import { errorText } from '../core/util';
import type { MnistProgress, MnistSplit } from '../data/mnist';
import { Evaluator } from './evaluator';
import { Pacer } from './pacer';
import {
  DEFAULT_SETTINGS,
  SPEEDS,
  resetReasons,
  type Checkpoint,
  type DataSplit,
  type InitRequest,
  type ModelChoice,
  type PretrainedInfo,
  type ProgressInfo,
  type Request,
  type SessionState,
  type TrainSettings,
  type WeightsFormat,
  type WhyInput,
  type WorkerEvent,
} from './protocol';
import { backpropTrace, splitParams, teach, traceSample } from './teaching';
import { explainAnswer, NearestFinder } from './why';

export interface SessionDeps {
  /** Throws an Error naming the missing browser feature (checkWasmSupport). */
  checkSupport?(): void;
  loadCore(): Promise<Cnnlab>;
  /** One split of MNIST (the worker: through the page's shared downloads). */
  loadMnist(dataUrl: string, split: DataSplit, onProgress: (progress: MnistProgress) => void): Promise<MnistSplit>;
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
  'Run `npm run prepare:data` in the project folder (it writes public/data/mnist/*.gz), then try again. ' +
  'Drawing with the pretrained weights still works meanwhile.';

/** What the page sees of a split: not asked for yet, on its way, there, or failed (asked again: tried again). */
export type DataLoad = 'none' | 'loading' | 'ready' | 'failed';

const MAX_TEST_IMAGES = 200;

/** A binary weights file starts with these 8 bytes, "CNNLAB\0W" (README, "Binary"); anything else is read as JSON. */
const BINARY_MAGIC = [0x43, 0x4e, 0x4e, 0x4c, 0x41, 0x42, 0x00, 0x57];

/**
 * A weights file's contents, JSON or binary told apart by content; throws the core's
 * message for a bad file (the core also refuses a file over its size limit).
 */
export function readWeightsFile(core: Cnnlab, bytes: Uint8Array): { loaded: LoadedWeights; format: WeightsFormat } {
  if (bytes.length >= BINARY_MAGIC.length && BINARY_MAGIC.every((b, i) => bytes[i] === b)) return { loaded: core.parseWeightsBinary(bytes), format: 'binary' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('it is neither a binary cnnlab weights file (it does not start with "CNNLAB") nor JSON text (it is not UTF-8)');
  }
  return { loaded: core.parseWeightsJson(text), format: 'json' };
}
/** A quick evaluation below this after this many samples: the network is not learning. */
const CHANCE_ACCURACY = 0.2;
const CHANCE_AFTER = 4000;

/** The Emscripten glue's "Aborted(reason). Build with -s ASSERTIONS=1…" → reason. */
function glueMessage(error: unknown): string {
  return errorText(error)
    .replace(/\s*Build with -s ASSERTIONS=1 for more info\.?/, '')
    .replace(/^Aborted\((.*)\)\.?$/s, '$1')
    .trim();
}

export class Session {
  private core: Cnnlab | null = null;
  private model: CnnModel | null = null;
  private paramTable: ParamTensorInfo[] = [];
  private pretrained: CnnModel | null = null;
  /** The pretrained weights as loaded: "teach it your digit" changes them until teach-reset. */
  private pretrainedOriginal: Float32Array | null = null;
  private train: CnnDataset | null = null;
  private test: CnnDataset | null = null;
  /** The test images and labels in JS memory, for pictures sent to the page. */
  private testImages: Uint8Array | null = null;
  private testLabels: Uint8Array | null = null;
  /** The training labels in JS memory (the images stay in the module: `train.pixels(i)`), for nearest images. */
  private trainLabels: Uint8Array | null = null;
  /** The training image of the last sample the core trained in this run (its ChunkResult), or null. */
  private lastTrained: { index: number; label: number } | null = null;

  private settings: TrainSettings = { ...DEFAULT_SETTINGS };
  private state: SessionState = 'starting';
  private stateMessage = '';
  private run = 0;
  /** A checkpoint to restore once MNIST is loaded (a restarted worker). */
  private pendingResume: Uint8Array | null = null;
  /** The newest checkpoints of this run, oldest first, for a rollback. */
  private kept: Checkpoint[] = [];
  /** Samples seen when training diverged. */
  private divergedAt = 0;
  private warnedNotLearning = false;

  private readonly evaluator: Evaluator;
  private readonly nearest: NearestFinder;
  private lastNearestProgress = -Infinity;
  private readonly pacer = new Pacer();
  /** Samples seen at which the next quick evaluation is due. */
  private nextQuick = 0;
  private pointLoss = 0;
  private pointCount = 0;
  private lossX: number[] = [];
  private lossY: number[] = [];
  private lastProgress = -Infinity;
  private lastCheckpoint = 0;
  private checkpointSeen = -1;
  private pumpScheduled = false;
  private dataUrl = '';
  private readonly loads: Record<DataSplit, { state: DataLoad; promise: Promise<boolean> | null; error: string }> = {
    train: { state: 'none', promise: null, error: '' },
    test: { state: 'none', promise: null, error: '' },
  };
  /** Start was pressed while MNIST loads: train once it is there (Pause cancels). */
  private startWanted = false;
  /** The run whose accuracy at 0 samples was measured. */
  private zeroEvaluated = -1;
  private disposed = false;

  readonly timing: SessionTiming;

  constructor(
    private readonly deps: SessionDeps,
    private readonly emit: (event: WorkerEvent) => void,
    timing: Partial<SessionTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
    this.evaluator = new Evaluator({
      test: () => (this.test && this.testLabels ? { data: this.test, labels: this.testLabels } : null),
      model: (choice) => (choice === 'pretrained' ? this.pretrained : this.model),
    });
    this.nearest = new NearestFinder({
      train: () => (this.train && this.trainLabels ? { data: this.train, labels: this.trainLabels } : null),
      model: (choice) => (choice === 'pretrained' ? this.pretrained : this.model),
    });
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
          return await this.start();
        case 'pause':
          return this.pause('Paused.');
        case 'step':
          return void (await this.step());
        case 'reset':
          return this.reset(request.settings, 'New network: ready to train.');
        case 'configure':
          return this.configure(request.settings);
        case 'rollback':
          return this.rollback(request.learningRate);
        case 'predict':
          return this.predict(request.id, request.image, request.model, request.snapshot);
        case 'inspect':
          await this.needTestData();
          return this.inspect(request.id, request.index, request.model);
        case 'test-images':
          await this.needTestData();
          return this.sendTestImages(request.id, request.indices);
        case 'evaluate':
          await this.needTestData();
          return this.queueFullEvaluation(request.model);
        case 'backprop-step':
          return await this.backpropStep(request.id);
        case 'file':
          return; // answered by the worker's file bridge, never by the session
        case 'backprop-trace': {
          const { model, used } = this.modelFor(request.model);
          return this.emit({ type: 'backprop', id: request.id, trace: traceSample(model, request.image, request.label, used) });
        }
        case 'gradcheck': {
          const { model, used } = this.modelFor(request.model);
          const groups = model.gradientCheck(request.image, request.label, request.probes);
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
        case 'export-weights': {
          const { model, used } = this.modelFor(request.model);
          const bytes = request.format === 'json' ? new TextEncoder().encode(model.toJson()) : model.toBinary().slice();
          const samplesSeen = used === 'training' ? this.seen() : 0;
          return this.emit({ type: 'weights-file', id: request.id, model: used, format: request.format, bytes, samplesSeen });
        }
        case 'import-weights':
          return this.importWeights(request.id, request.model, request.name, request.bytes);
        case 'augment-preview':
          return this.augmentPreview(request.id, request.count);
        case 'why': {
          if (request.input.kind === 'test') await this.needTestData();
          const { model, used } = this.modelFor(request.model);
          const { image, test } = this.whyInput(request.input);
          return this.emit({ type: 'why-result', id: request.id, why: explainAnswer(model, image, used, test) });
        }
        case 'nearest':
          return await this.findNearest(request.id, request.input, request.model, request.digits, request.count);
      }
    } catch (error) {
      if ('id' in request) this.emit({ type: 'reply-error', id: request.id, message: errorText(error) });
      else this.emit({ type: 'notice', level: 'error', message: errorText(error) });
    }
  }

  /** The state, for tests. */
  get currentState(): SessionState {
    return this.state;
  }

  /** Where each split of MNIST is, for tests. */
  dataState(split: DataSplit): DataLoad {
    return this.loads[split].state;
  }

  /** Frees the WASM objects. */
  dispose(): void {
    this.disposed = true;
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
      this.emit({ type: 'fatal', kind: 'unsupported', message: errorText(error) });
      return;
    }
    try {
      this.core = await this.deps.loadCore();
    } catch (error) {
      this.emit({ type: 'fatal', kind: 'load', message: `The WebAssembly module could not be loaded: ${glueMessage(error)}` });
      return;
    }
    const pretrained: PretrainedInfo =
      request.weightsUrl === null ? { ok: false, message: 'no pretrained weights asked for' } : await this.loadPretrained(request.weightsUrl);

    const resume = request.resume;
    this.dataUrl = request.dataUrl;
    this.run = resume ? resume.run : request.run;
    if (resume) this.resumeModel(resume);
    else this.createModel(request.settings);
    this.state = resume && resume.samplesSeen > 0 ? (resume.epoch >= resume.settings.epochs ? 'done' : 'paused') : 'idle';
    this.emit({
      type: 'ready',
      kernel: this.core.kernelName,
      paramCount: this.model!.paramCount,
      pretrained,
      resumed: resume !== null,
    });
    this.emitProgress(true);
    if (!resume) {
      this.emitState(''); // nothing to say: the page words the hint for the panels it shows
      return;
    }
    // A restarted worker: the run goes on where the checkpoint was, so its data comes
    // back at once (from the page's copy: nothing is downloaded again).
    this.emitState(`Resumed from the checkpoint at ${resume.samplesSeen.toLocaleString('en-US')} samples.`);
    if (await this.loadSplits(['train', 'test'])) {
      this.emitProgress(true);
      this.emitState(this.stateMessage);
    }
  }

  private async loadPretrained(url: string): Promise<PretrainedInfo> {
    let text: string | null;
    try {
      text = await this.deps.fetchText(url);
    } catch (error) {
      return { ok: false, message: `pretrained weights not found (${errorText(error)})` };
    }
    if (text === null) return { ok: false, message: 'pretrained weights not found' };
    try {
      this.pretrained = this.core!.modelFromWeights(text);
      this.pretrainedOriginal = this.pretrained.getParams();
      const c = this.pretrained.config;
      return { ok: true, activation: c.activation, pooling: c.pooling };
    } catch (error) {
      return { ok: false, message: `pretrained weights could not be read: ${errorText(error)}` };
    }
  }

  /** Loads the splits not loaded yet (at most one load of each at a time); true when all are there. */
  private async loadSplits(splits: DataSplit[]): Promise<boolean> {
    const results = await Promise.all(splits.map((split) => this.loadSplit(split)));
    return results.every(Boolean);
  }

  private loadSplit(split: DataSplit): Promise<boolean> {
    const load = this.loads[split];
    if (load.state === 'ready') return Promise.resolve(true);
    if (load.promise) return load.promise;
    load.state = 'loading';
    load.promise = this.fetchSplit(split).then((ok) => {
      load.promise = null;
      return ok;
    });
    return load.promise;
  }

  private async fetchSplit(split: DataSplit): Promise<boolean> {
    const load = this.loads[split];
    let lastReport = -Infinity;
    let dataset: CnnDataset;
    let data: MnistSplit;
    try {
      data = await this.deps.loadMnist(this.dataUrl, split, (p) => {
        const t = this.deps.now();
        if (t - lastReport < 100 && p.loaded !== p.total) return;
        lastReport = t;
        this.emit({ type: 'data-progress', file: p.file, phase: p.phase, loaded: p.loaded, total: p.total });
      });
      if (this.disposed) return false;
      dataset = this.core!.createDataset(data.images, data.labels);
    } catch (error) {
      load.state = 'failed';
      load.error = errorText(error);
      this.emit({ type: 'data', split, ok: false, message: load.error, fix: DATA_FIX });
      return false;
    }
    load.state = 'ready';
    if (split === 'test') {
      this.test = dataset;
      this.testImages = data.images;
      this.testLabels = data.labels;
    } else {
      this.train = dataset;
      this.trainLabels = data.labels;
      try {
        this.attachData();
      } catch (error) {
        // A checkpoint that does not fit this data: say so and start afresh.
        this.emit({ type: 'notice', level: 'error', message: `The checkpoint could not be restored: ${errorText(error)}` });
        this.createModel(this.settings);
        this.state = 'idle';
      }
    }
    this.emit({ type: 'data', split, ok: true, count: dataset.count });
    return true;
  }

  /** The test set, loaded if it is not yet; an Error saying why it is not there. */
  private async needTestData(): Promise<void> {
    if (!(await this.loadSplit('test'))) throw new Error(`the MNIST test images could not be loaded: ${this.loads.test.error}`);
  }

  /** Both splits for training; on a failure a notice `Cannot <what>: …` and false. */
  private async needTrainingData(what: string): Promise<boolean> {
    if (!this.model) return false;
    if (!(await this.loadSplits(['train', 'test']))) {
      this.emit({ type: 'notice', level: 'warning', message: `Cannot ${what}: MNIST could not be loaded.` });
      return false;
    }
    // The untrained network's accuracy, at 0 samples: once per run, the first time its data is there.
    if (this.seen() === 0 && this.zeroEvaluated !== this.run) this.queueQuick();
    return true;
  }

  /** Gives the model being trained its data: a new run, or the checkpoint's run restored. */
  private attachData(): void {
    if (!this.model || !this.train) return;
    if (this.pendingResume) {
      const bytes = this.pendingResume;
      this.pendingResume = null;
      this.model.setTrainingData(this.train, this.core!.checkpointInfo(bytes).trainCount);
      this.model.restore(bytes);
      this.keep(this.checkpointOf(this.model));
    } else {
      this.model.setTrainingData(this.train, Math.min(this.settings.trainSize, this.train.count));
    }
  }

  /** A fresh network for these settings (the core checks them: on an error nothing changes). */
  private createModel(settings: TrainSettings): void {
    if (!(SPEEDS as readonly number[]).includes(settings.speed))
      throw new Error(`speed must be one of ${SPEEDS.join(', ')} samples per second, got ${settings.speed}`);
    const model = this.core!.createModel({ activation: settings.activation, pooling: settings.pooling }, settings.seed, {
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      epochs: settings.epochs,
      augment: settings.augment,
    });
    this.useModel(model, settings);
    this.nextQuick = this.timing.quickEvery;
    this.attachData();
  }

  /** The network of a checkpoint: its parameters now, its run once MNIST is loaded. */
  private resumeModel(resume: Checkpoint): void {
    const info = this.core!.checkpointInfo(resume.bytes);
    const model = this.core!.createModel(info.config, info.seed, info.options);
    model.setParams(info.params);
    this.useModel(model, resume.settings);
    this.pendingResume = resume.bytes.slice();
    this.nextQuick = this.nextQuickAfter(info.samplesSeen);
    this.checkpointSeen = info.samplesSeen;
  }

  private useModel(model: CnnModel, settings: TrainSettings): void {
    this.model?.dispose();
    this.model = model;
    this.paramTable = this.core!.paramTable(model.config);
    this.settings = { ...settings };
    this.kept = [];
    this.warnedNotLearning = false;
    this.lastTrained = null;
  }

  // ------------------------------------------------------------ commands

  private async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state === 'diverged') {
      this.emit({ type: 'notice', level: 'warning', message: 'Training diverged: go back to a checkpoint, lower the learning rate or reset first.' });
      return;
    }
    if (!this.train || !this.test) {
      this.startWanted = true;
      this.emitState('Loading MNIST to train on…');
      if (!(await this.needTrainingData('train'))) {
        this.startWanted = false;
        this.emitState('Training is off until MNIST loads.');
        return;
      }
      if (!this.startWanted) return; // paused (or reset) meanwhile
      this.startWanted = false;
      if ((this.state as SessionState) === 'running' || (this.state as SessionState) === 'diverged') return; // changed meanwhile
    } else if (!(await this.needTrainingData('train'))) return;
    if (this.progress().status === 'done') {
      this.emit({ type: 'notice', level: 'info', message: `All ${this.settings.epochs} epochs are done: raise Epochs or press Reset.` });
      return;
    }
    this.state = 'running';
    this.pacer.restart(this.deps.now(), this.settings.speed, this.seen());
    for (const q of this.nearest.drop('training'))
      this.emit({ type: 'nearest-result', id: q.id, nearest: NearestFinder.running(q) });
    this.emitCheckpoint(); // where a rollback can always return to
    this.emitState('Training…');
    this.ensurePump();
  }

  private pause(text: string): void {
    if (this.startWanted && this.state !== 'running') {
      this.startWanted = false;
      this.emitState('Paused before training began.');
      return;
    }
    if (this.state !== 'running') return;
    this.flushPoint();
    this.state = 'paused';
    this.emitProgress(true);
    this.emitState(text);
    this.emitCheckpoint();
  }

  /** The Step command, then the trained sample's tensors (from before the update) for the backprop view. */
  private async backpropStep(id: number): Promise<void> {
    const model = this.model;
    if (!model) throw new Error('the WASM module is not loaded yet');
    if (!(await this.loadSplits(['train', 'test']))) throw new Error('MNIST could not be loaded');
    const params = model.getParams();
    const r = await this.step();
    if (!r || r.samples === 0) throw new Error('nothing was trained: reset the network, or raise Epochs');
    const t = { ...model.tensors(), loss: r.lossSum };
    const trace = backpropTrace(t, 'step', 'training', r.lastLabel, splitParams(params, this.paramTable), {
      index: r.lastIndex,
      samplesSeen: this.seen(),
    });
    this.emit({ type: 'backprop', id, trace });
  }

  private async step(): Promise<ReturnType<CnnModel['train']> | null> {
    if (!(await this.needTrainingData('step'))) return null;
    if (this.state === 'running') this.pause('Paused.');
    if (this.state === 'diverged' || this.progress().status === 'done') {
      this.emit({ type: 'notice', level: 'info', message: 'Nothing to step: reset, or raise Epochs.' });
      return null;
    }
    const r = this.trainSamples(1);
    this.flushPoint();
    if (r.status !== 'diverged') {
      this.state = this.progress().status === 'done' ? 'done' : 'paused';
      this.emitProgress(true);
      this.emitState(
        `Trained on one sample (training image #${r.lastIndex}, a ${r.lastLabel}): loss ${r.lossSum.toFixed(3)}, ` +
          `${r.correct ? 'classified correctly' : 'misclassified'} before the update.`,
      );
    }
    this.ensurePump();
    return r;
  }

  private reset(settings: TrainSettings, text: string): void {
    if (!this.core) throw new Error('the WASM module is not loaded yet');
    this.createModel(settings);
    this.run++;
    this.evaluator.dropTraining();
    this.pointLoss = this.pointCount = 0;
    this.lossX = [];
    this.lossY = [];
    this.checkpointSeen = -1;
    this.state = 'idle';
    this.startWanted = false;
    if (this.test && this.train) this.queueQuick();
    this.emitProgress(true);
    this.emitState(text);
    this.emitCheckpoint();
  }

  private configure(settings: TrainSettings): void {
    const model = this.model;
    if (!model) throw new Error('the WASM module is not loaded yet');
    const reasons = resetReasons(this.settings, settings);
    if (reasons.length > 0) {
      const names: Record<string, string> = {
        activation: 'activation',
        pooling: 'pooling',
        seed: 'seed',
        trainSize: 'training-set size',
        augment: 'data augmentation',
      };
      return this.reset(settings, `New network (${reasons.map((r) => names[r]).join(', ')} changed): ready to train.`);
    }
    if (!(SPEEDS as readonly number[]).includes(settings.speed))
      throw new Error(`speed must be one of ${SPEEDS.join(', ')} samples per second, got ${settings.speed}`);
    // The core checks λ, batch and epochs; it clears 'diverged' and says whether the run is done.
    model.setOptions({ learningRate: settings.learningRate, batchSize: settings.batchSize, epochs: settings.epochs });
    const speedChanged = settings.speed !== this.settings.speed;
    this.settings = { ...settings };
    if (speedChanged && this.state === 'running') this.pacer.restart(this.deps.now(), settings.speed, this.seen());
    const done = this.progress().status === 'done';
    if (this.state === 'diverged') {
      this.state = this.seen() > 0 ? 'paused' : 'idle';
      this.emitState(`The learning rate is now ${settings.learningRate}: press Continue to go on.`);
    } else if (this.state === 'done' && !done) {
      this.state = 'paused';
      this.emitState(`Epochs raised to ${settings.epochs}: press Continue to go on.`);
    } else if (this.state === 'running' && done) {
      this.flushPoint();
      this.state = 'done';
      this.emitProgress(true);
      this.emitState(`Done: ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'}.`);
    } else {
      this.emitProgress(true);
      this.emitState(this.stateMessage);
    }
  }

  /** The checkpoint a rollback returns to: the newest from before the blow-up with a sound loss. */
  private rollbackTarget(): Checkpoint | null {
    const window = this.progress().divergence === 'exploding-loss' ? DIVERGENCE.lossWindow : 0;
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const c = this.kept[i]!;
      const sound = Number.isNaN(c.recentLoss) || c.recentLoss <= DIVERGENCE.explodingLoss;
      if (c.run === this.run && c.samplesSeen <= this.divergedAt - window && sound) return c;
    }
    return null;
  }

  private rollback(learningRate: number): void {
    const model = this.model;
    if (!model) throw new Error('the WASM module is not loaded yet');
    if (this.state !== 'diverged') throw new Error('only a diverged run goes back to a checkpoint');
    if (!within(LIMITS.learningRate, learningRate)) throw new Error(rangeText(LIMITS.learningRate, 'The learning rate λ'));
    const target = this.rollbackTarget();
    if (!target) throw new Error('there is no checkpoint from before the blow-up: press Reset');
    model.restore(target.bytes);
    model.setOptions({ learningRate });
    this.settings = { ...this.settings, learningRate };
    this.kept = this.kept.filter((c) => c.samplesSeen <= target.samplesSeen);
    this.lastTrained = null;
    this.evaluator.dropTraining();
    this.pointLoss = this.pointCount = 0;
    this.lossX = [];
    this.lossY = [];
    this.nextQuick = this.nextQuickAfter(target.samplesSeen);
    this.checkpointSeen = -1;
    this.state = target.samplesSeen > 0 ? 'paused' : 'idle';
    this.emit({ type: 'rolled-back', run: this.run, samplesSeen: target.samplesSeen });
    this.emitProgress(true);
    this.emitState(
      `Back at the checkpoint from ${target.samplesSeen.toLocaleString('en-US')} samples, with λ = ${learningRate}: press Continue.`,
    );
    this.emitCheckpoint();
  }

  /**
   * A weights file as the draw pad's network (the pretrained slot: "teach it your
   * digit" restores to it) or as the network being trained (a new run from these
   * weights, with the current λ, batch, epochs and seed). Everything is checked before
   * anything changes: a bad file throws and the networks stay as they were.
   */
  private importWeights(id: number, target: ModelChoice, name: string, bytes: Uint8Array): void {
    const core = this.core;
    if (!core) throw new Error('the WASM module is not loaded yet');
    const { loaded, format } = readWeightsFile(core, bytes);
    if (target === 'pretrained') {
      const model = core.createModel(loaded.config);
      try {
        model.setParams(loaded.params);
      } catch (error) {
        model.dispose();
        throw error;
      }
      this.pretrained?.dispose();
      this.pretrained = model;
      this.pretrainedOriginal = loaded.params.slice();
      this.emit({ type: 'weights-loaded', id, model: 'pretrained', format, config: model.config, paramCount: model.paramCount });
      return;
    }
    const s = this.settings;
    const model = core.createModel(loaded.config, s.seed, { learningRate: s.learningRate, batchSize: s.batchSize, epochs: s.epochs, augment: s.augment });
    try {
      model.setParams(loaded.params);
    } catch (error) {
      model.dispose();
      throw error;
    }
    if (this.state === 'running') this.pause('Paused.');
    this.useModel(model, { ...s, activation: loaded.config.activation, pooling: loaded.config.pooling });
    this.run++;
    this.startWanted = false;
    this.evaluator.dropTraining();
    this.pointLoss = this.pointCount = 0;
    this.lossX = [];
    this.lossY = [];
    this.checkpointSeen = -1;
    this.nextQuick = this.timing.quickEvery;
    this.attachData();
    this.state = 'idle';
    this.emit({ type: 'weights-loaded', id, model: 'training', format, config: model.config, paramCount: model.paramCount });
    if (this.test && this.train) this.queueQuick();
    this.emitProgress(true);
    this.emitState(`Loaded ${name}: training starts from its weights at the next Start.`);
    this.emitCheckpoint();
  }

  private modelFor(choice: ModelChoice): { model: CnnModel; used: ModelChoice } {
    if (choice === 'pretrained' && this.pretrained) return { model: this.pretrained, used: 'pretrained' };
    if (!this.model) throw new Error('the WASM module is not loaded yet');
    return { model: this.model, used: 'training' };
  }

  private predict(id: number, image: Float32Array, choice: ModelChoice, withSnapshot: boolean): void {
    const t0 = this.deps.now();
    const { model, used } = this.modelFor(choice);
    const probs = model.predict(image);
    const snapshot = withSnapshot ? model.snapshot() : null;
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
    this.emit({ type: 'inspection', id, index, label, model: used, pixels, probs, snapshot: model.snapshot() });
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

  /** The image of a "why" input: the drawing as sent, or a test image with its number and label. */
  private whyInput(input: WhyInput): { image: Float32Array; test: { index: number; label: number } | undefined } {
    if (input.kind === 'image') return { image: input.image, test: undefined };
    const { pixels, label } = this.testImage(input.index);
    return { image: Float32Array.from(pixels, (v) => v / 255), test: { index: input.index, label } };
  }

  /**
   * The nearest training images by a₁ distance: at once when the answering network's a₁
   * table is ready, else once the work loop has made it. Asked for, they load the
   * training set (the one request besides Start and Step that does). The network being
   * trained gets a table only while it is not training (its weights change every slice).
   */
  private async findNearest(id: number, input: WhyInput, choice: ModelChoice, digits: number[], count: number): Promise<void> {
    NearestFinder.check(digits, count);
    if (input.kind === 'test') await this.needTestData();
    const { used } = this.modelFor(choice);
    const { image } = this.whyInput(input);
    const query = { id, model: used, image, digits, count };
    if (used === 'training' && this.state === 'running')
      return this.emit({ type: 'nearest-result', id, nearest: NearestFinder.running(query) });
    await this.loadSplit('train'); // on a failure the finder answers 'no-data'
    const now = this.nearest.ask(query);
    if (now) return this.emit({ type: 'nearest-result', id, nearest: now });
    this.emitNearestProgress(true);
    this.ensurePump();
  }

  private emitNearestProgress(force: boolean): void {
    const p = this.nearest.progress();
    const t = this.deps.now();
    if (!p || (!force && t - this.lastNearestProgress < 100)) return;
    this.lastNearestProgress = t;
    this.emit({ type: 'nearest-progress', ...p });
  }

  /**
   * What the network trains on: `count` augmented versions (the core's augmentPreview,
   * with the run's options) of the training image the last chunk trained — the core
   * returns its index — or of training image #0 before the run's first sample. null
   * while the training set is not loaded (it loads with Start or Step, not for this).
   */
  private augmentPreview(id: number, count: number): void {
    const model = this.model;
    if (!model) throw new Error('the WASM module is not loaded yet');
    if (!this.train || !this.trainLabels) return this.emit({ type: 'augment-sample', id, sample: null });
    const last = this.lastTrained;
    const index = last ? last.index : 0;
    const images = model.augmentPreview(this.train, index, count);
    this.emit({
      type: 'augment-sample',
      id,
      sample: {
        run: this.run,
        index,
        label: this.trainLabels[index]!,
        trained: last !== null,
        augment: model.options.augment,
        pixels: this.train.pixels(index),
        images,
      },
    });
  }

  // ------------------------------------------------------------ the run, as the core keeps it

  private progress(): RunProgress {
    return this.model!.progress();
  }

  private seen(): number {
    return this.model ? this.model.progress().samplesSeen : 0;
  }

  private progressInfo(): ProgressInfo {
    const p = this.model?.progress();
    const trainSize = p && p.trainCount > 0 ? p.trainCount : this.settings.trainSize;
    const samplesPerSec = this.state === 'running' ? this.pacer.rate() : 0;
    const epoch = p?.epoch ?? 0;
    const position = p?.position ?? 0;
    const left = Math.max(0, (this.settings.epochs - epoch) * trainSize - position);
    return {
      run: this.run,
      samplesSeen: p?.samplesSeen ?? 0,
      epoch,
      position,
      trainSize,
      epochs: this.settings.epochs,
      learningRate: p?.learningRate ?? this.settings.learningRate,
      recentLoss: p?.recentLoss ?? NaN,
      samplesPerSec,
      secondsLeft: samplesPerSec > 0 ? left / samplesPerSec : null,
    };
  }

  private nextQuickAfter(seen: number): number {
    return (Math.floor(seen / this.timing.quickEvery) + 1) * this.timing.quickEvery;
  }

  // ------------------------------------------------------------ the work loop

  private hasWork(): boolean {
    return this.evaluator.pending || this.nearest.pending || this.state === 'running';
  }

  private ensurePump(): void {
    if (this.pumpScheduled || !this.hasWork()) return;
    this.pumpScheduled = true;
    // Under a speed limit with nothing else to do, wait for the next sample instead of spinning.
    const wait = !this.evaluator.pending && !this.nearest.pending && this.state === 'running' ? this.pacer.waitMs(this.deps.now()) : 0;
    this.deps.schedule(() => {
      this.pumpScheduled = false;
      this.work();
      this.ensurePump();
    }, wait);
  }

  /** One slice: evaluation jobs first, then training, until the time box is used. */
  work(budgetMs = this.timing.sliceMs): void {
    const now = () => this.deps.now();
    const deadline = now() + budgetMs;
    try {
      while (now() < deadline) {
        if (this.evaluator.pending) {
          const evaluation = this.evaluator.work(deadline, now);
          if (evaluation) {
            this.emit({ type: 'evaluation', evaluation });
            this.checkLearning(evaluation.model, evaluation.kind, evaluation.samplesSeen, evaluation.accuracy);
          }
          continue;
        }
        if (this.nearest.pending) {
          for (const { id, result } of this.nearest.work(deadline, now)) this.emit({ type: 'nearest-result', id, nearest: result });
          this.emitNearestProgress(false);
          continue;
        }
        if (this.state !== 'running' || this.pacer.allowance(now()) <= 0) break;
        this.trainUntil(deadline);
      }
    } catch (error) {
      // A failure inside the module: stop cleanly and say so; the page keeps its checkpoint.
      this.evaluator.clear();
      for (const model of ['training', 'pretrained'] as const)
        for (const q of this.nearest.drop(model)) this.emit({ type: 'reply-error', id: q.id, message: errorText(error) });
      if (this.state === 'running') this.state = 'paused';
      this.emit({ type: 'notice', level: 'error', message: `Training stopped: ${errorText(error)}` });
      this.emitState('Stopped by an error.');
    }
    if (this.state === 'running') {
      const t = now();
      if (t - this.lastProgress >= this.timing.progressMs) this.emitProgress(false);
      if (t - this.lastCheckpoint >= this.timing.checkpointMs) this.emitCheckpoint();
    }
  }

  /** Trains `n` samples (the core stops early at the run's end or a divergence). */
  private trainSamples(n: number): ReturnType<CnnModel['train']> {
    const r = this.model!.train(n);
    if (r.samples > 0 && r.lastIndex >= 0) this.lastTrained = { index: r.lastIndex, label: r.lastLabel };
    this.pointLoss += r.lossSum;
    this.pointCount += r.samples;
    if (this.pointCount >= this.timing.pointSamples) this.flushPoint();
    if (r.status === 'diverged') {
      this.onDiverged();
      return r;
    }
    const seen = this.seen();
    if (seen >= this.nextQuick) {
      this.queueQuick();
      this.nextQuick = this.nextQuickAfter(seen);
    }
    if (r.samples > 0 && this.progress().position === 0) this.endOfEpoch();
    return r;
  }

  private onDiverged(): void {
    this.flushPoint();
    this.state = 'diverged';
    this.divergedAt = this.seen();
    this.evaluator.dropTraining();
    this.emitProgress(true);
    this.emitState(this.progress().message);
  }

  private endOfEpoch(): void {
    this.flushPoint();
    this.queueFullEvaluation('training');
    if (this.progress().status === 'done' && this.state === 'running') {
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
    const p = this.progress();
    const toEpochEnd = p.trainCount - p.position;
    const toPoint = this.timing.pointSamples - this.pointCount;
    const toQuick = Math.max(1, this.nextQuick - p.samplesSeen);
    const fit = Math.floor((deadline - this.deps.now()) / this.pacer.msPerSample);
    const n = Math.max(1, Math.min(fit, toEpochEnd, toPoint, toQuick, this.pacer.allowance(this.deps.now())));
    const t0 = this.deps.now();
    const r = this.trainSamples(n);
    if (r.samples === 0) {
      if (this.state === 'running') this.pause('Paused.');
      return;
    }
    this.pacer.trainedSamples(r.samples, this.deps.now() - t0);
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
    if (this.seen() === 0) this.zeroEvaluated = this.run;
    const p = this.progressInfo();
    this.evaluator.queue('quick', 'training', Math.min(this.timing.quickCount, this.test.count), p);
    this.ensurePump();
  }

  private queueFullEvaluation(choice: ModelChoice): void {
    if (!this.test) throw new Error('the MNIST test images are not loaded');
    if (choice === 'pretrained' && !this.pretrained) throw new Error('pretrained weights not found');
    const at = choice === 'training' ? this.progressInfo() : { run: this.run, samplesSeen: 0, epoch: 0 };
    this.evaluator.queue('full', choice, this.test.count, at);
    this.ensurePump();
  }

  /** A network that stays at chance is told so once per run, with the likely reason. */
  private checkLearning(model: ModelChoice, kind: 'quick' | 'full', samplesSeen: number, accuracy: number): void {
    if (model !== 'training' || kind !== 'quick' || this.warnedNotLearning || samplesSeen < CHANCE_AFTER) return;
    if (accuracy >= CHANCE_ACCURACY) return;
    this.warnedNotLearning = true;
    const relu = this.settings.activation === 'relu';
    this.emit({
      type: 'notice',
      level: 'warning',
      message:
        `The network is not learning: after ${samplesSeen.toLocaleString('en-US')} samples it gets ${(accuracy * 100).toFixed(1)}% ` +
        `of the test images right, about what guessing gives (10%). λ = ${this.settings.learningRate} is probably too large` +
        (relu
          ? ': its first steps pushed the ReLUs’ inputs below 0, where they output 0 and pass no gradient (“dead ReLUs”).'
          : '.') +
        ' Lower λ and press Reset.',
    });
  }

  // ------------------------------------------------------------ events

  private emitState(text: string): void {
    this.stateMessage = text;
    const p = this.model?.progress();
    const diverged =
      this.state === 'diverged' && p
        ? {
            divergence: p.divergence,
            rollbackTo: ((c) => (c ? { samplesSeen: c.samplesSeen, learningRate: c.settings.learningRate } : null))(this.rollbackTarget()),
          }
        : null;
    this.emit({ type: 'state', state: this.state, progress: this.progressInfo(), settings: { ...this.settings }, message: text, diverged });
  }

  private emitProgress(force: boolean): void {
    const t = this.deps.now();
    if (this.state === 'running') this.pacer.mark(t, this.seen());
    if (!force && this.lossX.length === 0 && t - this.lastProgress < 500) return;
    this.lastProgress = t;
    const lossX = Float64Array.from(this.lossX);
    const lossY = Float32Array.from(this.lossY);
    this.lossX = [];
    this.lossY = [];
    this.emit({ type: 'progress', progress: this.progressInfo(), lossX, lossY });
  }

  private checkpointOf(model: CnnModel): Checkpoint {
    const p = model.progress();
    return { run: this.run, settings: { ...this.settings }, bytes: model.checkpoint(), samplesSeen: p.samplesSeen, epoch: p.epoch, recentLoss: p.recentLoss };
  }

  /**
   * Keeps a copy for a rollback (the emitted one is transferred to the page): the
   * run's first, the newest one at least a loss window older than this one (the
   * divergence rule's window: an exploding loss spoils the samples inside it), and
   * every one after it.
   */
  private keep(c: Checkpoint): void {
    this.kept.push({ ...c, bytes: c.bytes.slice() });
    let anchor = -1;
    for (let i = this.kept.length - 1; i >= 1; i--)
      if (this.kept[i]!.samplesSeen <= c.samplesSeen - DIVERGENCE.lossWindow) {
        anchor = i;
        break;
      }
    if (anchor > 1) this.kept.splice(1, anchor - 1);
  }

  /** A checkpoint of a sound run (never of a diverged one), to the page and kept here. */
  private emitCheckpoint(): void {
    const model = this.model;
    this.lastCheckpoint = this.deps.now();
    if (!model || this.state === 'diverged' || model.progress().status === 'no-data') return;
    const c = this.checkpointOf(model);
    if (c.samplesSeen === this.checkpointSeen) return;
    this.checkpointSeen = c.samplesSeen;
    this.keep(c);
    this.emit({ type: 'checkpoint', checkpoint: c });
  }
}

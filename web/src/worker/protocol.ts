// The messages between the page and the training worker: one discriminated union
// each way. Pure types and small pure helpers, type-checked for both the page
// (DOM lib) and the worker (WebWorker lib).
//
// The worker alone owns the WASM module, the MNIST datasets, the model being
// trained and the pretrained model. The page only sends requests and draws what
// comes back. Large buffers travel as transfers (see `transferables`).
import { CHOICES, DEFAULT_OPTIONS, LIMITS, rangeText, within, type Limit } from '../core/limits';
import { ACTIVATIONS, POOLINGS } from '../core/types';
import type { Activation, Divergence, GradCheckGroup, NetworkConfig, NetworkSnapshot, Pooling, Tensor, TraceResult } from '../core/types';


/** Which network answers a prediction: the pretrained weights file or the model being trained. */
export type ModelChoice = 'pretrained' | 'training';

/**
 * How much data augmentation a run trains with: one of the core's presets (CHOICES.augmentPresets:
 * off, mild, strong), handed to the core as its text form (cpp/augment/augment.h).
 */
export type AugmentAmount = keyof typeof CHOICES.augmentPresets;
/** The amounts the page offers, in the core's order (off first). */
export const AUGMENT_AMOUNTS = Object.keys(CHOICES.augmentPresets) as AugmentAmount[];

/** What the training side is doing. `starting`: the WASM module is not loaded yet. */
export type SessionState = 'starting' | 'idle' | 'running' | 'paused' | 'done' | 'diverged';

/** The user's settings: the handout's λ and batch (p. 6), f, pooling, and the run's size. */
export interface TrainSettings {
  learningRate: number;
  batchSize: number;
  epochs: number;
  activation: Activation;
  pooling: Pooling;
  seed: number;
  /** How many of the 60,000 training images one epoch uses. */
  trainSize: number;
  /** At most this many samples per second (0: as fast as the machine goes), to watch learning slowly. */
  speed: number;
  /** Data augmentation of every training sample; a run has one (changing it starts a new run). */
  augment: AugmentAmount;
}

/** The sizes the page's menu offers (a link or an embed may ask for any other in range). */
export const TRAIN_SIZES = [10000, 30000, 60000] as const;
/** The batch sizes the page's menu offers (likewise). */
export const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128] as const;
/** Samples per second for the speed control; 0 is full speed. */
export const SPEEDS = [0, 2000, 200, 20] as const;

/** The page's defaults: the core's (limits.json), but 3 epochs, so a run is worth watching. */
export const DEFAULT_SETTINGS: Readonly<TrainSettings> = {
  learningRate: LIMITS.learningRate.default,
  batchSize: LIMITS.batchSize.default, // the handout trains one sample at a time
  epochs: 3,
  activation: 'relu',
  pooling: 'average',
  seed: LIMITS.seed.default,
  trainSize: LIMITS.trainSize.default,
  speed: 0,
  augment: DEFAULT_OPTIONS.augment as AugmentAmount, // the core's: off
};

/** A setting read from text (a field, a link): its value, or what is wrong in words. */
export type Check<T> = { ok: true; value: T } | { ok: false; message: string };

function numberIn(limit: Limit, what: string, example: string): (text: string) => Check<number> {
  return (text) => {
    const t = text.trim();
    const v = Number(t);
    if (t === '' || !Number.isFinite(v)) return { ok: false, message: `${what} must be a number, e.g. ${example}.` };
    if (!within(limit, v)) return { ok: false, message: rangeText(limit, what) };
    return { ok: true, value: v };
  };
}

function oneOf<T extends string | number>(choices: readonly T[], what: string, parse: (t: string) => T): (text: string) => Check<T> {
  return (text) => {
    const v = parse(text.trim());
    return choices.includes(v) ? { ok: true, value: v } : { ok: false, message: `${what} is one of ${choices.join(', ')}.` };
  };
}

/**
 * Every setting's check, from the core's limits (limits.json): the page's fields and
 * the URL hash use these, the worker hands the values to the core, which checks again.
 */
export const SETTING_CHECKS: { [K in keyof TrainSettings]: (text: string) => Check<TrainSettings[K]> } = {
  learningRate: numberIn(LIMITS.learningRate, 'The learning rate λ', '0.01'),
  batchSize: numberIn(LIMITS.batchSize, 'The batch size', '32'),
  epochs: numberIn(LIMITS.epochs, 'Epochs', '3'),
  activation: oneOf(ACTIVATIONS, 'The activation f', (t) => t as Activation),
  pooling: oneOf(POOLINGS, 'The pooling', (t) => t as Pooling),
  seed: numberIn(LIMITS.seed, 'The seed', '1'),
  trainSize: numberIn(LIMITS.trainSize, 'The training-set size', '10000'),
  speed: oneOf(SPEEDS, 'The speed (samples per second, 0 = full)', Number),
  augment: oneOf(AUGMENT_AMOUNTS, 'The data augmentation', (t) => t.toLowerCase() as AugmentAmount),
};

/** Settings that define the network or its data order: changing one starts a new run. */
export const RESET_KEYS = ['activation', 'pooling', 'seed', 'trainSize', 'augment'] as const satisfies readonly (keyof TrainSettings)[];

/** The settings whose change needs a fresh network (empty when the change applies live). */
export function resetReasons(before: TrainSettings, after: TrainSettings): (keyof TrainSettings)[] {
  return RESET_KEYS.filter((key) => before[key] !== after[key]);
}

export type { NetworkSnapshot };

/** Where the training run is, as the core says. `epoch` counts finished epochs. */
export interface ProgressInfo {
  /** Increases at every reset; events of an older run are stale. */
  run: number;
  samplesSeen: number;
  epoch: number;
  /** Samples done in the current epoch. */
  position: number;
  trainSize: number;
  epochs: number;
  /** λ of this epoch (after decay). */
  learningRate: number;
  /** Mean loss of the core's divergence window (NaN before any sample). */
  recentLoss: number;
  /** Measured over the last two seconds of running; 0 when not running. */
  samplesPerSec: number;
  /** null when not running or not yet measured. */
  secondsLeft: number | null;
}

/**
 * The core's checkpoint (θ and the whole run state, as bytes: cpp/io/checkpoint.h)
 * and what the page shows of it: enough for a new worker to go on bit for bit.
 */
export interface Checkpoint {
  run: number;
  settings: TrainSettings;
  bytes: Uint8Array;
  samplesSeen: number;
  epoch: number;
  /** The mean loss of the last samples when it was taken. */
  recentLoss: number;
}

export interface Evaluation {
  /** quick: a slice of the test set during training; full: all test images, per image. */
  kind: 'quick' | 'full';
  model: ModelChoice;
  /** For the training model: the run and samples seen when it was evaluated. */
  run: number;
  samplesSeen: number;
  epoch: number;
  accuracy: number;
  meanLoss: number;
  count: number;
  /** 10×10, row = true label, column = predicted (full only). */
  confusion: Int32Array | null;
  /** Per test image: the true digit (full only). */
  labels: Uint8Array | null;
  /** Per test image: predicted digit (full only). */
  predictions: Uint8Array | null;
  /** Per test image: the 10 probabilities, image after image (full only). */
  probs: Float32Array | null;
}

export type PretrainedInfo =
  | { ok: true; activation: Activation; pooling: Pooling }
  | { ok: false; message: string };

export type DataPhase = 'download' | 'decompress' | 'parse';

/** The two weights-file formats (README, "Weights files"). */
export type WeightsFormat = 'json' | 'binary';

/** MNIST's two halves, loaded when first needed: `test` for a test image or an evaluation, both to train. */
export type DataSplit = 'train' | 'test';

/** The page's answer to a worker's `fetch-file`: the file (a Blob: nothing is copied on the page), or why not. */
export type FileReply =
  | { type: 'file'; fetchId: number; ok: true; file: Blob }
  /** status: the HTTP status, 0 when the request itself failed. */
  | { type: 'file'; fetchId: number; ok: false; status: number; statusText: string; message: string };

// ---------------------------------------------------------------- page → worker

export interface InitRequest {
  type: 'init';
  /** Absolute URL of the directory with the MNIST .gz files (nothing is fetched before it is needed). */
  dataUrl: string;
  /** Absolute URL of the pretrained weights (JSON), or null: none (a run of "Compare runs" only trains). */
  weightsUrl: string | null;
  settings: TrainSettings;
  /** After a worker restart: go on from here. */
  resume: Checkpoint | null;
  /** The run number to use for a fresh network (keeps numbering across restarts). */
  run: number;
}

export type Request =
  | InitRequest
  | FileReply
  | { type: 'start' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'reset'; settings: TrainSettings }
  /** New settings: λ, batch and epochs apply live, the others start a new run. */
  | { type: 'configure'; settings: TrainSettings }
  | { type: 'predict'; id: number; image: Float32Array; model: ModelChoice; snapshot: boolean }
  | { type: 'inspect'; id: number; index: number; model: ModelChoice }
  | { type: 'test-images'; id: number; indices: number[] }
  | { type: 'evaluate'; model: ModelChoice }
  | { type: 'ping'; id: number }
  /** After divergence: back to the newest checkpoint from before the blow-up, with this λ. */
  | { type: 'rollback'; learningRate: number }
  // Teaching (backprop view, gradient check, teach your digit): see TEACHING below.
  /** Trains the network being trained on exactly one sample; replies 'backprop' (kind 'step'). */
  | { type: 'backprop-step'; id: number }
  /** Forward + backward for one image and label, nothing changes; replies 'backprop' (kind 'trace'). */
  | { type: 'backprop-trace'; id: number; image: Float32Array; label: number; model: ModelChoice }
  | { type: 'gradcheck'; id: number; image: Float32Array; label: number; model: ModelChoice; probes: number }
  /** `steps` SGD steps on one image and label; changes the answering model (pretrained: until teach-reset). */
  | { type: 'teach'; id: number; image: Float32Array; label: number; steps: number; learningRate: number; model: ModelChoice }
  /** Restores the pretrained weights as loaded. */
  | { type: 'teach-reset'; id: number }
  // Why this answer, and what the network trains on: see WHY below.
  /** `count` augmented versions of the sample just trained (of training image #0 before any); replies 'augment-sample'. */
  | { type: 'augment-preview'; id: number; count: number }
  /** The saliency and the logits' parts of the answer and the runner-up for one input; replies 'why-result'. */
  | { type: 'why'; id: number; input: WhyInput; model: ModelChoice }
  /**
   * The `count` training images of each of `digits` nearest to the input by a₁ distance; replies
   * 'nearest-result' once the a₁ table of the training set is ready for these weights (progress
   * meanwhile as 'nearest-progress').
   */
  | { type: 'nearest'; id: number; input: WhyInput; model: ModelChoice; digits: number[]; count: number }
  // Weights files (README, "Weights files"): out of the page and into it.
  /** The network's weights as a file; replies 'weights-file'. */
  | { type: 'export-weights'; id: number; model: ModelChoice; format: WeightsFormat }
  /**
   * A weights file's bytes (JSON or binary, told apart by content), as the network
   * being trained (a new run from these weights) or as the draw pad's network (the
   * pretrained slot); replies 'weights-loaded'. A bad file changes nothing.
   */
  | { type: 'import-weights'; id: number; model: ModelChoice; name: string; bytes: Uint8Array };

// ---------------------------------------------------------------- worker → page

export type WorkerEvent =
  | { type: 'ready'; kernel: string; paramCount: number; pretrained: PretrainedInfo; resumed: boolean }
  /** The WASM module could not be loaded: nothing works. `unsupported`: the browser lacks a feature. */
  | { type: 'fatal'; kind: 'unsupported' | 'load'; message: string }
  | { type: 'data-progress'; file: string; phase: DataPhase; loaded: number; total: number | null }
  /** A split of MNIST is loaded (or failed to load: the next request that needs it tries again). */
  | { type: 'data'; split: DataSplit; ok: true; count: number }
  | { type: 'data'; split: DataSplit; ok: false; message: string; fix: string }
  /** The worker needs a file: the page downloads it once for all its workers (data/file-share.ts) and replies `file`. */
  | { type: 'fetch-file'; fetchId: number; url: string }
  | {
      type: 'state';
      state: SessionState;
      progress: ProgressInfo;
      settings: TrainSettings;
      message: string;
      /** When diverged: which clause of the rule, and the checkpoint a rollback would return to. */
      diverged: { divergence: Divergence; rollbackTo: { samplesSeen: number; learningRate: number } | null } | null;
    }
  /** A rollback happened: the run is back at `samplesSeen` (the plots drop what came after). */
  | { type: 'rolled-back'; run: number; samplesSeen: number }
  /** Loss points since the last progress event: x = samples seen, y = mean loss over the point. */
  | { type: 'progress'; progress: ProgressInfo; lossX: Float64Array; lossY: Float32Array }
  | { type: 'evaluation'; evaluation: Evaluation }
  | { type: 'checkpoint'; checkpoint: Checkpoint }
  | {
      type: 'prediction';
      id: number;
      /** The model that answered (the training model when no pretrained weights exist). */
      model: ModelChoice;
      probs: Float32Array;
      snapshot: NetworkSnapshot | null;
      /** Time spent in the worker. */
      ms: number;
    }
  | {
      type: 'inspection';
      id: number;
      index: number;
      label: number;
      model: ModelChoice;
      pixels: Uint8Array;
      probs: Float32Array;
      snapshot: NetworkSnapshot;
    }
  | { type: 'test-images-data'; id: number; indices: number[]; labels: Uint8Array; pixels: Uint8Array }
  | { type: 'pong'; id: number }
  /** A request with an id failed; the page rejects its promise. */
  | { type: 'reply-error'; id: number; message: string }
  /** Something the user should read (a request refused, a reset, ...). */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  | { type: 'backprop'; id: number; trace: BackpropTrace }
  | { type: 'gradcheck-result'; id: number; model: ModelChoice; activation: Activation; groups: GradCheckGroup[] }
  | { type: 'taught'; id: number; result: TeachResult }
  | { type: 'teach-reset-done'; id: number; restored: boolean }
  /** null: the training images are not loaded yet (they load with Start or Step). */
  | { type: 'augment-sample'; id: number; sample: AugmentSample | null }
  | { type: 'why-result'; id: number; why: WhyResult }
  | { type: 'nearest-result'; id: number; nearest: NearestResult }
  /** The a₁ table for nearest images is being computed: `done` of `total` training images. */
  | { type: 'nearest-progress'; model: ModelChoice; done: number; total: number }
  | { type: 'weights-file'; id: number; model: ModelChoice; format: WeightsFormat; bytes: Uint8Array; samplesSeen: number }
  | { type: 'weights-loaded'; id: number; model: ModelChoice; format: WeightsFormat; config: NetworkConfig; paramCount: number };

// ---------------------------------------------------------------- TEACHING

/**
 * One sample's forward and backward pass (handout pp. 4–5), for the backprop view:
 * grads = Δθ of this pass; params = the parameters it used (for a step: before its
 * update); config = the network (f, pooling).
 */
export interface BackpropTrace extends TraceResult {
  /** step: the sample was trained on (the parameters changed after the pass); trace: nothing changed. */
  kind: 'step' | 'trace';
  model: ModelChoice;
  label: number;
  /** For a step: the training-set index of the sample (else −1) and samples seen after it (else 0). */
  index: number;
  samplesSeen: number;
}

export interface TeachResult {
  model: ModelChoice;
  label: number;
  steps: number;
  learningRate: number;
  /** S before and after the steps. */
  before: Float32Array;
  after: Float32Array;
  /** The loss before each step. */
  losses: Float32Array;
  k1Before: Tensor;
  k1After: Tensor;
  k2Before: Tensor;
  k2After: Tensor;
}

// ---------------------------------------------------------------- WHY

/** The input of "why this answer": a drawing (784 values in [0, 1]) or a test image by number. */
export type WhyInput = { kind: 'image'; image: Float32Array } | { kind: 'test'; index: number };

/**
 * "Why this digit and not the runner-up?" for one input and network: the saliency ∂S_k/∂I
 * of the answer k and the runner-up r (the core's backprop carried one step past the
 * handout, to the input), and what each logit is made of: z_k = Σ_h W₂[k,h]·a₁[h] + b₂[k].
 */
export interface WhyResult {
  /** The network that answered. */
  model: ModelChoice;
  /** The input I, 784 values in [0, 1]. */
  input: Float32Array;
  /** For a test image: its number and true digit (else −1, −1). */
  testIndex: number;
  label: number;
  /** S and the logits z (10 each). */
  probs: Float32Array;
  logits: Float32Array;
  /** The answer (the arg-max of S) and the runner-up (the second largest S). */
  k: number;
  r: number;
  /** ∂S_k/∂I and ∂S_r/∂I, 784 each, row-major. */
  saliencyK: Float32Array;
  saliencyR: Float32Array;
  /** a₁ (the hidden layer) and the rows W₂[k,:] and W₂[r,:] (hidden values each), b₂[k], b₂[r]. */
  a1: Float32Array;
  w2k: Float32Array;
  w2r: Float32Array;
  b2k: number;
  b2r: number;
}

export interface NearestResult {
  model: ModelChoice;
  /**
   * ok: `indices` holds them; running: the network being trained is training (its weights
   * change every few ms, so its a₁ table is made only while it is paused); no-data: the
   * training images are not loaded.
   */
  status: 'ok' | 'running' | 'no-data';
  digits: number[];
  /** Per digit, the training-set indices of its nearest images, nearest first. */
  indices: number[][];
  /** Their squared a₁ distances to the input, in the same order. */
  distances: number[][];
  /** Their pixels, image after image in the order of `indices` (784 bytes each). */
  pixels: Uint8Array;
  /** Training images in the table. */
  tableSize: number;
}

/** What the network trains on: augmented versions of one training image, with the run's options. */
export interface AugmentSample {
  /** The run (stale replies are dropped). */
  run: number;
  /** The training-set index of the image and its label. */
  index: number;
  label: number;
  /** true: the sample just trained; false: no sample trained yet in this run (image #0 shown). */
  trained: boolean;
  /** The run's augmentation in the core's canonical text form ('off', or 'rot=8,…'). */
  augment: string;
  /** The image as stored (784 bytes) and `count` augmented versions (784 values in [0, 1] each). */
  pixels: Uint8Array;
  images: Float32Array;
}

export type EventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

function snapshotArrays(s: NetworkSnapshot | null): ArrayBufferView[] {
  if (!s) return [];
  return [s.input.data, ...Object.values(s.forward).map((t) => t.data), ...Object.values(s.params).map((t) => t.data)];
}

/** The typed arrays of a message, if it has any. */
function arraysOf(message: WorkerEvent | Request): ArrayBufferView[] {
  switch (message.type) {
    case 'progress':
      return [message.lossX, message.lossY];
    case 'evaluation': {
      const e = message.evaluation;
      return [e.confusion, e.labels, e.predictions, e.probs].filter((a): a is NonNullable<typeof a> => a !== null);
    }
    case 'checkpoint':
      return [message.checkpoint.bytes];
    case 'prediction':
      return [message.probs, ...snapshotArrays(message.snapshot)];
    case 'inspection':
      return [message.pixels, message.probs, ...snapshotArrays(message.snapshot)];
    case 'test-images-data':
      return [message.labels, message.pixels];
    case 'predict':
      return [message.image];
    case 'init':
      return message.resume ? [message.resume.bytes] : [];
    case 'backprop': {
      const t = message.trace;
      return [t.input, ...Object.values(t.forward), ...Object.values(t.deltas), ...Object.values(t.grads), ...Object.values(t.params)].map((x) => x.data);
    }
    case 'taught': {
      const r = message.result;
      return [r.before, r.after, r.losses, r.k1Before.data, r.k1After.data, r.k2Before.data, r.k2After.data];
    }
    case 'backprop-trace':
    case 'gradcheck':
    case 'teach':
      return [message.image];
    case 'why':
    case 'nearest':
      return message.input.kind === 'image' ? [message.input.image] : [];
    case 'augment-sample':
      return message.sample ? [message.sample.pixels, message.sample.images] : [];
    case 'why-result': {
      const w = message.why;
      return [w.input, w.probs, w.logits, w.saliencyK, w.saliencyR, w.a1, w.w2k, w.w2r];
    }
    case 'nearest-result':
      return [message.nearest.pixels];
    case 'weights-file':
    case 'import-weights':
      return [message.bytes];
    default:
      return [];
  }
}

/**
 * The buffers to transfer with a message: each typed array that owns its whole
 * buffer (a view into a larger buffer, such as WASM memory, is copied instead).
 */
export function transferables(message: WorkerEvent | Request): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arraysOf(message)) {
    const buffer = a.buffer;
    if (buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === buffer.byteLength) out.add(buffer);
  }
  return [...out];
}

// The settings in the URL hash (a link reproduces a run, as in TensorFlow
// Playground), their validation for the controls, and number formatting. Pure.
import { ACTIVATIONS, POOLINGS, type Activation, type Pooling } from '../core/types';
import { DEFAULT_SETTINGS, SPEEDS, TRAIN_SIZES, type ModelChoice, type TrainSettings } from '../worker/protocol';

/** The panels a teacher can hide with `hide=` in the hash. */
export const PANELS = ['training', 'plots', 'draw', 'network', 'backprop', 'test'] as const;
export type Panel = (typeof PANELS)[number];

export interface PageOptions {
  settings: TrainSettings;
  /** Which network answers drawings and fills "Inside the network". */
  model: ModelChoice;
  hidden: Panel[];
}

export const DEFAULT_PAGE: Readonly<PageOptions> = { settings: DEFAULT_SETTINGS, model: 'pretrained', hidden: [] };

export const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128] as const;
export const LIMITS = {
  // Up to 1e30 so that a student can see divergence (this network only overflows
  // from λ ≈ 1e12: the log-sum-exp loss and dying ReLUs keep smaller λ finite).
  learningRate: { min: 1e-6, max: 1e30 },
  epochs: { min: 1, max: 100 },
  seed: { min: 0, max: 4294967295 },
} as const;

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

export function checkLearningRate(text: string): Check<number> {
  const v = Number(text.trim());
  const { min, max } = LIMITS.learningRate;
  if (text.trim() === '' || !Number.isFinite(v)) return { ok: false, message: 'The learning rate λ must be a number, e.g. 0.01.' };
  if (v < min || v > max) return { ok: false, message: `The learning rate λ must be between ${min} and ${max}.` };
  return { ok: true, value: v };
}

function checkInteger(text: string, what: string, min: number, max: number): Check<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { ok: false, message: `${what} must be a whole number from ${min} to ${max}.` };
  const v = Number(t);
  if (v < min || v > max) return { ok: false, message: `${what} must be a whole number from ${min} to ${max}.` };
  return { ok: true, value: v };
}

export const checkEpochs = (text: string): Check<number> =>
  checkInteger(text, 'Epochs', LIMITS.epochs.min, LIMITS.epochs.max);
export const checkSeed = (text: string): Check<number> => checkInteger(text, 'The seed', LIMITS.seed.min, LIMITS.seed.max);
export function checkBatch(text: string): Check<number> {
  const r = checkInteger(text, 'The batch size', 1, 60000);
  if (r.ok && !(BATCH_SIZES as readonly number[]).includes(r.value))
    return { ok: false, message: `The batch size must be one of ${BATCH_SIZES.join(', ')}.` };
  return r;
}
/** Any subset of the first N training images, 100 to 60,000 (the page offers TRAIN_SIZES; a link or an embed may ask for another N). */
export function checkTrainSize(text: string): Check<number> {
  const r = checkInteger(text, 'The training set size', 100, 60000);
  if (!r.ok) return { ok: false, message: `${r.message} (the page offers ${TRAIN_SIZES.map(formatCount).join(', ')})` };
  return r;
}

export function checkSpeed(text: string): Check<number> {
  const v = Number(text);
  if (!(SPEEDS as readonly number[]).includes(v))
    return { ok: false, message: `The speed is one of ${SPEEDS.map((n) => (n === 0 ? 'full' : formatCount(n))).join(', ')} samples per second.` };
  return { ok: true, value: v };
}

const KEYS = {
  learningRate: 'lr',
  batchSize: 'batch',
  epochs: 'epochs',
  activation: 'f',
  pooling: 'pool',
  seed: 'seed',
  trainSize: 'train',
  speed: 'speed',
} as const satisfies Record<keyof TrainSettings, string>;

/** Reads a hash like `#lr=0.02&batch=8&f=tanh&hide=test`; bad or unknown values fall back to the defaults. */
export function parseHash(hash: string): PageOptions {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const s: TrainSettings = { ...DEFAULT_SETTINGS };
  const get = (key: string): string | null => params.get(key);
  const use = <T>(text: string | null, check: (t: string) => Check<T>, set: (v: T) => void): void => {
    if (text === null) return;
    const r = check(text);
    if (r.ok) set(r.value);
  };
  use(get(KEYS.learningRate), checkLearningRate, (v) => (s.learningRate = v));
  use(get(KEYS.batchSize), checkBatch, (v) => (s.batchSize = v));
  use(get(KEYS.epochs), checkEpochs, (v) => (s.epochs = v));
  use(get(KEYS.seed), checkSeed, (v) => (s.seed = v));
  use(get(KEYS.trainSize), checkTrainSize, (v) => (s.trainSize = v));
  use(get(KEYS.speed), checkSpeed, (v) => (s.speed = v));
  const f = get(KEYS.activation);
  if (f !== null && (ACTIVATIONS as readonly string[]).includes(f)) s.activation = f as Activation;
  const pool = get(KEYS.pooling);
  if (pool !== null && (POOLINGS as readonly string[]).includes(pool)) s.pooling = pool as Pooling;
  const model: ModelChoice = get('model') === 'training' ? 'training' : 'pretrained';
  const hidden = (get('hide') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p): p is Panel => (PANELS as readonly string[]).includes(p));
  return { settings: s, model, hidden: [...new Set(hidden)] };
}

/** The hash for these options: only what differs from the defaults ('' for none). */
export function formatHash(options: PageOptions): string {
  const params = new URLSearchParams();
  const s = options.settings;
  for (const key of Object.keys(KEYS) as (keyof TrainSettings)[]) {
    if (s[key] !== DEFAULT_SETTINGS[key]) params.set(KEYS[key], String(s[key]));
  }
  if (options.model !== 'pretrained') params.set('model', options.model);
  if (options.hidden.length > 0) params.set('hide', options.hidden.join(','));
  const text = params.toString().replace(/%2C/g, ',');
  return text ? `#${text}` : '';
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 75 → "1 min 15 s", 3725 → "1 h 02 min", 4.2 → "4 s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** 0.98765 → "98.77%". */
export function formatAccuracy(a: number): string {
  return `${(a * 100).toFixed(2)}%`;
}

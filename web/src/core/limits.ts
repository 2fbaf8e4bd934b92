// The core's tables as TypeScript reads them: option limits and defaults, the words
// the options take and the augmentation's fields, the parameter tensors of the
// default network and the divergence rule. They are
// written once, in C++ (cpp/network/config.h, model.h); `npm run build:wasm` asks
// the built module and writes ../wasm/limits.json, which this module types. The page
// needs them before any worker (and module) exists: to check a field or a link.
import generated from '../wasm/limits.json';
import type { Activation, LrSchedule, NetworkConfig, ParamTensorInfo, Pooling, TrainOptions } from './types';

export interface Limit {
  min: number;
  max: number;
  default: number;
  integer: boolean;
}

export type LimitKey =
  | 'maps1'
  | 'maps2'
  | 'hidden'
  | 'learningRate'
  | 'batchSize'
  | 'momentum'
  | 'lrDecay'
  | 'epochs'
  | 'seed'
  | 'trainSize'
  | 'gradcheckProbes'
  | 'teachSteps'
  | 'teachLearningRate'
  | 'weightsFileBytes'
  | 'inputFileBytes'
  | 'datasetImages'
  | 'augmentRotation'
  | 'augmentScale'
  | 'augmentShift'
  | 'augmentShear'
  | 'augmentElasticAlpha'
  | 'augmentElasticSigma'
  | 'augmentStroke'
  | 'augmentProbability'
  | 'augmentPreviewCount'
  | 'hiddenActivationsCount';

/** One amount of the augmentation: its key in the text form ('rot', 'elastic alpha'), its limit, unit, meaning. */
export interface AugmentField {
  name: string;
  limit: LimitKey;
  unit: string;
  meaning: string;
}

/** The words the options take, and the augmentation's fields and presets (canonical text). */
export interface Choices {
  activation: Activation[];
  pooling: Pooling[];
  lrSchedule: LrSchedule[];
  augmentPresets: { off: string; mild: string; strong: string };
  augmentFields: AugmentField[];
}

interface Generated {
  limits: Record<LimitKey, Limit>;
  choices: Choices;
  defaultConfig: NetworkConfig;
  defaultOptions: TrainOptions;
  defaultParamTable: ParamTensorInfo[];
  divergence: { lossWindow: number; explodingLoss: number; weightBound: number };
}

const table = generated as unknown as Generated;

export const LIMITS: Readonly<Record<LimitKey, Limit>> = table.limits;

/** The options' words and the augmentation's field table and presets, as the core has them. */
export const CHOICES: Readonly<Choices> = table.choices;

/** The divergence rule's constants: a window of samples, its loss bound, the weight bound. */
export const DIVERGENCE = table.divergence;

/** The default network (the handout's) and its parameter table. */
export const DEFAULT_CONFIG: Readonly<NetworkConfig> = table.defaultConfig;
export const DEFAULT_PARAM_TABLE: readonly ParamTensorInfo[] = table.defaultParamTable;

/** The core's default options; λ as the decimal the table holds (the core keeps it as a float). */
export const DEFAULT_OPTIONS: Readonly<TrainOptions> = {
  ...table.defaultOptions,
  learningRate: LIMITS.learningRate.default,
  momentum: LIMITS.momentum.default,
  lrDecay: LIMITS.lrDecay.default,
};

/** True if `v` is inside the limit (and whole for an integer option); as the core decides it. */
export function within(limit: Limit, v: number): boolean {
  if (limit.integer) return Number.isInteger(v) && v >= limit.min && v <= limit.max;
  // Real-valued options are single-precision floats in the core: compare as floats.
  return v >= Math.fround(limit.min) && v <= Math.fround(limit.max);
}

/** "4,194,304 bytes (4 MB)": the core's size limit for a weights file, in words (MB of 2^20 bytes, as the core says it). */
export function weightsFileLimitText(): string {
  const max = LIMITS.weightsFileBytes.max;
  const mb = max / 2 ** 20;
  return `${max.toLocaleString('en-US')} bytes (${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB)`;
}

/** "Epochs must be a whole number from 1 to 1000." */
export function rangeText(limit: Limit, what: string): string {
  const n = (x: number) => (limit.integer ? Math.round(x).toLocaleString('en-US') : String(x));
  return `${what} must be ${limit.integer ? 'a whole number ' : 'a number '}from ${n(limit.min)} to ${n(limit.max)}.`;
}

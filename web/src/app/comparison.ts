// "Compare runs", the pure part: the presets for the handout's questions, each
// run's name (its letter and what sets it apart), a run's settings in words, and the
// curves as CSV. The runs' link format is settings.ts's (`compare=`). Pure.
import { formatCount, formatNumber, activationName } from '../ui/format';
import { DEFAULT_SETTINGS, SETTING_CHECKS, type TrainSettings } from '../worker/protocol';
import { KEYS, MAX_RUNS } from './settings';
import type { AccuracyPoint } from './series';

type Key = keyof TrainSettings;

/** The letters of the runs, in order (a run's colour and dash follow its letter). */
export const RUN_LETTERS = ['A', 'B', 'C', 'D'] as const satisfies readonly string[] & { length: typeof MAX_RUNS };

/** One setting as a reader writes it: "λ = 0.01", "batch 32", "max pooling". */
const WORDS: { [K in Key]: (value: TrainSettings[K]) => string } = {
  learningRate: (v) => `λ = ${formatNumber(v)}`,
  batchSize: (v) => `batch ${v}`,
  epochs: (v) => `${v} epoch${v === 1 ? '' : 's'}`,
  activation: (v) => activationName(v),
  pooling: (v) => `${v} pooling`,
  trainSize: (v) => `${formatCount(v)} images`,
  seed: (v) => `seed ${v}`,
  augment: (v) => (v === 'off' ? 'no augmentation' : `${v} augmentation`),
  speed: (v) => (v === 0 ? 'full speed' : `${formatCount(v)} samples/s`),
};

export function settingWords<K extends Key>(key: K, value: TrainSettings[K]): string {
  return WORDS[key](value);
}

/** Every setting of a run, in words: "λ = 0.01, batch 1, 3 epochs, ReLU, average pooling, seed 1, 60,000 images, full speed". */
export function settingsText(run: TrainSettings): string {
  return (Object.keys(KEYS) as Key[]).map((key) => settingWords(key, run[key])).join(', ');
}

/** The settings that differ between the runs, in the order of KEYS. */
export function varyingKeys(runs: readonly TrainSettings[]): Key[] {
  return (Object.keys(KEYS) as Key[]).filter((key) => runs.some((run) => run[key] !== runs[0]![key]));
}

/** Each run's name: its letter and what sets it apart ("A · max pooling"); the letter alone when all runs are alike. */
export function runNames(runs: readonly TrainSettings[]): string[] {
  const keys = varyingKeys(runs);
  return runs.map((run, i) => {
    const what = keys.map((key) => settingWords(key, run[key])).join(', ');
    return what ? `${RUN_LETTERS[i]} · ${what}` : RUN_LETTERS[i]!;
  });
}

export interface Preset {
  id: string;
  /** The button's text. */
  title: string;
  /** The handout's question it answers. */
  question: string;
  key: Key;
  values: readonly (number | string)[];
}

/**
 * The handout's questions. Each preset is the page's defaults with one setting varied
 * (its values are checked by the same SETTING_CHECKS as a field: the core's limits).
 */
export const PRESETS: readonly Preset[] = [
  { id: 'pooling', title: 'Average vs max pooling', question: 'Does max pooling learn faster than the handout’s average pooling?', key: 'pooling', values: ['average', 'max'] },
  { id: 'activation', title: 'ReLU vs tanh vs sigmoid', question: 'Which activation f learns fastest?', key: 'activation', values: ['relu', 'tanh', 'sigmoid'] },
  { id: 'learning-rate', title: 'λ 0.1 / 0.01 / 0.001', question: 'What does the learning rate λ change?', key: 'learningRate', values: [0.1, 0.01, 0.001] },
  { id: 'batch', title: 'Batch 1 vs 32', question: 'One sample per step (the handout) or the mean of 32?', key: 'batchSize', values: [1, 32] },
];

/** A preset's runs: the defaults with its setting at each of its values. */
export function presetRuns(preset: Preset): TrainSettings[] {
  return preset.values.map((value) => {
    const r = SETTING_CHECKS[preset.key](String(value));
    if (!r.ok) throw new Error(`preset ${preset.id}: ${r.message}`);
    return { ...DEFAULT_SETTINGS, [preset.key]: r.value };
  });
}

/** The runs the panel shows before any are set up: the first preset. */
export function defaultRuns(): TrainSettings[] {
  return presetRuns(PRESETS[0]!);
}

/** The same runs, setting for setting, in the same order. */
export function sameRuns(a: readonly TrainSettings[], b: readonly TrainSettings[]): boolean {
  return a.length === b.length && a.every((run, i) => (Object.keys(KEYS) as Key[]).every((k) => run[k] === b[i]![k]));
}

/** The preset these runs are, if any. */
export function presetOf(runs: readonly TrainSettings[]): Preset | null {
  return PRESETS.find((p) => sameRuns(runs, presetRuns(p))) ?? null;
}

/** One run's curves, as the page keeps them. */
export interface RunCurves {
  settings: TrainSettings;
  /** Loss points: samples seen and the mean loss over the points' samples (one per 100 samples). */
  lossX: readonly number[];
  lossY: readonly number[];
  accuracy: readonly AccuracyPoint[];
}

/**
 * The curves of every run as CSV, one row per point: the run's letter, its settings
 * (one column per link key), samples seen, the quantity and its value. Losses are
 * written in full (shortest round-trip form: the same doubles read back), accuracies
 * as fractions. Quantities: `loss` (mean over the samples since the previous point),
 * `test_accuracy_1000` (1,000 test images), `test_accuracy_10000` (all, at an epoch's end).
 */
export function curvesCsv(runs: readonly RunCurves[]): string {
  const keys = Object.keys(KEYS) as Key[];
  const lines = [['run', ...keys.map((k) => KEYS[k]), 'samples_seen', 'quantity', 'value'].join(',')];
  runs.forEach((run, i) => {
    const head = [RUN_LETTERS[i]!, ...keys.map((k) => String(run.settings[k]))].join(',');
    for (let j = 0; j < run.lossX.length; j++) lines.push(`${head},${run.lossX[j]},loss,${run.lossY[j]}`);
    for (const p of run.accuracy) lines.push(`${head},${p.x},${p.full ? 'test_accuracy_10000' : 'test_accuracy_1000'},${p.accuracy}`);
  });
  return `${lines.join('\n')}\n`;
}

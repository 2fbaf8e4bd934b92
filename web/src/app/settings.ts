// The settings in the URL hash (a link reproduces a run, as in TensorFlow
// Playground): one table of keys, each value checked as a field is. Pure.
// `compare=` holds the runs of "Compare runs", in the same keys:
//   #compare=pool:average|pool:max          runs separated by |
//   #compare=f:relu,lr:0.02|f:tanh,lr:0.02   a run's settings as key:value, by commas
// Each run starts from the page's defaults (DEFAULT_SETTINGS), not from the page's own
// run, so a comparison's link means the same whatever else the hash says.
import { DEFAULT_SETTINGS, SETTING_CHECKS, type ModelChoice, type TrainSettings } from '../worker/protocol';

/** The panels a teacher can hide with `hide=` in the hash. */
export const PANELS = ['training', 'plots', 'draw', 'weights', 'why', 'network', 'backprop', 'test', 'compare'] as const;
export type Panel = (typeof PANELS)[number];

/** At most this many runs side by side ("Compare runs"). */
export const MAX_RUNS = 4;

export interface PageOptions {
  settings: TrainSettings;
  /** The runs of "Compare runs" (1 to MAX_RUNS), or null: none set up (the panel shows its first preset). */
  compare: TrainSettings[] | null;
  /** Which network answers drawings and fills "Inside the network". */
  model: ModelChoice;
  hidden: Panel[];
}

export const DEFAULT_PAGE: Readonly<PageOptions> = { settings: DEFAULT_SETTINGS, compare: null, model: 'pretrained', hidden: [] };

/** Each setting's key in a link (the hash, and each run of `compare=`). */
export const KEYS = {
  learningRate: 'lr',
  batchSize: 'batch',
  epochs: 'epochs',
  activation: 'f',
  pooling: 'pool',
  seed: 'seed',
  trainSize: 'train',
  speed: 'speed',
  augment: 'aug',
} as const satisfies Record<keyof TrainSettings, string>;

/** Reads a hash like `#lr=0.02&batch=8&f=tanh&hide=test`; bad or unknown values fall back to the defaults. */
export function parseHash(hash: string): PageOptions {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(KEYS) as (keyof TrainSettings)[]) {
    const text = params.get(KEYS[key]);
    if (text === null) continue;
    const r = SETTING_CHECKS[key](text);
    if (r.ok) settings[key] = r.value;
  }
  const model: ModelChoice = params.get('model') === 'training' ? 'training' : 'pretrained';
  const compareText = params.get('compare');
  const compare = compareText === null ? null : parseRuns(compareText);
  const hidden = (params.get('hide') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p): p is Panel => (PANELS as readonly string[]).includes(p));
  return { settings: settings as unknown as TrainSettings, compare, model, hidden: [...new Set(hidden)] };
}

/** The hash for these options: only what differs from the defaults ('' for none). */
export function formatHash(options: PageOptions): string {
  const params = new URLSearchParams();
  const s = options.settings;
  for (const key of Object.keys(KEYS) as (keyof TrainSettings)[]) {
    if (s[key] !== DEFAULT_SETTINGS[key]) params.set(KEYS[key], String(s[key]));
  }
  if (options.compare) params.set('compare', formatRuns(options.compare));
  if (options.model !== 'pretrained') params.set('model', options.model);
  if (options.hidden.length > 0) params.set('hide', options.hidden.join(','));
  const text = params.toString().replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%7C/g, '|');
  return text ? `#${text}` : '';
}

/** A run with every setting at its default, in `compare=`. */
const DEFAULT_RUN = 'default';

/**
 * Reads `compare=`'s runs: `pool:average|pool:max`. Settings not given are the
 * defaults; a bad value or an unknown key is left out (as in the hash); runs after
 * the fourth are ignored. Never empty: no text at all is one run with the defaults.
 */
export function parseRuns(text: string): TrainSettings[] {
  const byKey = new Map(Object.entries(KEYS).map(([setting, key]) => [key as string, setting as keyof TrainSettings]));
  return text
    .split('|')
    .slice(0, MAX_RUNS)
    .map((runText) => {
      const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
      for (const item of runText.split(',')) {
        const colon = item.indexOf(':');
        const key = byKey.get(item.slice(0, colon).trim());
        if (colon < 0 || !key) continue;
        const r = SETTING_CHECKS[key](item.slice(colon + 1));
        if (r.ok) settings[key] = r.value;
      }
      return settings as unknown as TrainSettings;
    });
}

/**
 * Writes runs for `compare=`: each run's settings that differ from the defaults or
 * between the runs (so `pool:average|pool:max` names both poolings), in the order
 * of KEYS; `default` for a run with nothing to write.
 */
export function formatRuns(runs: readonly TrainSettings[]): string {
  const some = runs.slice(0, MAX_RUNS);
  const varies = (key: keyof TrainSettings): boolean => some.some((run) => run[key] !== some[0]![key]);
  return some
    .map((run) => {
      const items = (Object.keys(KEYS) as (keyof TrainSettings)[])
        .filter((key) => run[key] !== DEFAULT_SETTINGS[key] || varies(key))
        .map((key) => `${KEYS[key]}:${String(run[key])}`);
      return items.length > 0 ? items.join(',') : DEFAULT_RUN;
    })
    .join('|');
}

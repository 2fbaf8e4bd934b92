// The settings in the URL hash (a link reproduces a run, as in TensorFlow
// Playground): one table of keys, each value checked as a field is. Pure.
import { DEFAULT_SETTINGS, SETTING_CHECKS, type ModelChoice, type TrainSettings } from '../worker/protocol';

/** The panels a teacher can hide with `hide=` in the hash. */
export const PANELS = ['training', 'plots', 'draw', 'weights', 'network', 'backprop', 'test'] as const;
export type Panel = (typeof PANELS)[number];

export interface PageOptions {
  settings: TrainSettings;
  /** Which network answers drawings and fills "Inside the network". */
  model: ModelChoice;
  hidden: Panel[];
}

export const DEFAULT_PAGE: Readonly<PageOptions> = { settings: DEFAULT_SETTINGS, model: 'pretrained', hidden: [] };

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
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(KEYS) as (keyof TrainSettings)[]) {
    const text = params.get(KEYS[key]);
    if (text === null) continue;
    const r = SETTING_CHECKS[key](text);
    if (r.ok) settings[key] = r.value;
  }
  const model: ModelChoice = params.get('model') === 'training' ? 'training' : 'pretrained';
  const hidden = (params.get('hide') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p): p is Panel => (PANELS as readonly string[]).includes(p));
  return { settings: settings as unknown as TrainSettings, model, hidden: [...new Set(hidden)] };
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

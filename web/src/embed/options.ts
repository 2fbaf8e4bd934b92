// The options of <cnn-lab> (attributes) and of embed.html (query string): one set
// of names, read through a getter. Pure. The values are checked by the same code
// as the page's URL hash (settings.ts parseHash): a bad value falls back to the
// default, as a typo in a teacher's page should not break the demo.
import { parseHash, PANELS, type PageOptions, type Panel } from '../app/settings';

/** Option name → the page's hash key (settings.ts). */
const TO_HASH = {
  seed: 'seed',
  lr: 'lr',
  activation: 'f',
  pooling: 'pool',
  'train-size': 'train',
  batch: 'batch',
  epochs: 'epochs',
  speed: 'speed',
  augment: 'aug',
  model: 'model',
  compare: 'compare',
} as const;

/** MNIST's test set: images 0 to 9,999. */
export const TEST_IMAGES = 10000;

/** Every option <cnn-lab> and embed.html understand. */
export const OPTION_NAMES = ['panels', 'autoplay', 'weights', 'test-image', ...Object.keys(TO_HASH)] as const;

export interface EmbedOptions {
  /** Settings, model and hidden panels, as App takes them. */
  options: PageOptions;
  /** The panels shown, in the page's order. */
  panels: string[];
  /** Panels of the skeleton that the page's hash cannot name (App leaves them alone): hidden by the element. */
  alsoHidden: string[];
  /** Start training (and download MNIST) once the demo is in view. */
  autoplay: boolean;
  /** The weights file as written (relative to the page), or null for the shipped ones. */
  weights: string | null;
  /** "Inside the network" starts from this MNIST test image (0–9,999), or null: the drawing. */
  testImage: number | null;
}

/**
 * Reads the options; `get` returns an attribute or query parameter, null when absent.
 * `known`: the panels of the skeleton (index.html's `#panel-*` sections), in order.
 */
export function parseEmbedOptions(get: (name: string) => string | null, known: readonly string[] = PANELS): EmbedOptions {
  const params = new URLSearchParams();
  for (const [name, key] of Object.entries(TO_HASH)) {
    const value = get(name);
    if (value !== null) params.set(key, value.trim());
  }
  const parsed = parseHash(params.toString());
  const listed = (get('panels') ?? '')
    .split(/[\s,]+/)
    .map((p) => p.trim().toLowerCase())
    .filter((p) => known.includes(p));
  // No valid name (or no attribute): every panel, rather than an empty box.
  const panels = listed.length > 0 ? known.filter((p) => listed.includes(p)) : [...known];
  const isPanel = (p: string): p is Panel => (PANELS as readonly string[]).includes(p);
  const autoplay = get('autoplay');
  const weights = get('weights')?.trim() || null;
  const testText = get('test-image')?.trim() ?? '';
  const testNumber = Number(testText);
  const testImage = /^\d+$/.test(testText) && testNumber < TEST_IMAGES ? testNumber : null;
  return {
    options: { ...parsed, hidden: PANELS.filter((p) => !panels.includes(p)) },
    panels,
    alsoHidden: known.filter((p) => !isPanel(p) && !panels.includes(p)),
    autoplay: autoplay !== null && !/^(false|0|no|off)$/i.test(autoplay.trim()),
    weights,
    testImage,
  };
}

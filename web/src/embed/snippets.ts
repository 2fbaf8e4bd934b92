// The HTML a teacher pastes into a course page, made from the choices of the
// "Embed this" dialog (app/embed-dialog.ts): the <cnn-lab> element (from a CDN,
// pinned to this version, or from the teacher's own copy of dist/) with the CSS rule
// that reserves its height before its script runs and fallback content for when the
// script cannot load, and the iframe form with its resize listener. Pure: strings in,
// strings out. The option names are the element's (options.ts).
import { DEFAULT_SETTINGS, type TrainSettings } from '../worker/protocol';

/** What the teacher chose. `panels` in the page's order. */
export interface EmbedChoice {
  panels: readonly string[];
  settings: Pick<TrainSettings, 'learningRate' | 'activation' | 'pooling' | 'seed' | 'trainSize' | 'augment'>;
  /** "Inside the network" starts from this test image, or null. */
  testImage: number | null;
  autoplay: boolean;
  /** The runs of "Compare runs" in the link's form (`pool:average|pool:max`), or null: its first preset. */
  compare: string | null;
}

/** The element's height in a page column (`wide`) and on a phone (`narrow`), px. */
export interface Heights {
  wide: number;
  narrow: number;
}

/** Phones and narrow windows: the `narrow` height applies up to this viewport width. */
export const NARROW_MAX_WIDTH = 600;

/** The pinned CDN folder of this version's dist/ (jsDelivr serves npm packages as they are). */
export function cdnBase(version: string): string {
  return `https://cdn.jsdelivr.net/npm/cnnlab@${version}/dist/`;
}

/** The element's attributes for a choice: panels always, the rest only where it differs from the default. */
export function attributes(choice: EmbedChoice): [string, string | null][] {
  const s = choice.settings;
  const out: [string, string | null][] = [['panels', choice.panels.join(',')]];
  if (s.seed !== DEFAULT_SETTINGS.seed) out.push(['seed', String(s.seed)]);
  if (s.learningRate !== DEFAULT_SETTINGS.learningRate) out.push(['lr', String(s.learningRate)]);
  if (s.activation !== DEFAULT_SETTINGS.activation) out.push(['activation', s.activation]);
  if (s.pooling !== DEFAULT_SETTINGS.pooling) out.push(['pooling', s.pooling]);
  if (s.trainSize !== DEFAULT_SETTINGS.trainSize) out.push(['train-size', String(s.trainSize)]);
  if (s.augment !== DEFAULT_SETTINGS.augment) out.push(['augment', s.augment]);
  if (choice.testImage !== null && choice.panels.includes('network')) out.push(['test-image', String(choice.testImage)]);
  if (choice.compare !== null && choice.panels.includes('compare')) out.push(['compare', choice.compare]);
  if (choice.autoplay) out.push(['autoplay', null]);
  return out;
}

const escapeAttr = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The CSS rule that gives the element its height before cnn-lab.js has run (so the
 * text below it does not jump), and a frame for the fallback text.
 */
export function reserveCss(choice: EmbedChoice, heights: Heights): string {
  const selector = `cnn-lab:not(:defined)[panels="${escapeAttr(choice.panels.join(','))}"]`;
  return [
    'cnn-lab { display: block; }',
    'cnn-lab:not(:defined) { box-sizing: border-box; padding: 1em; border: 1px dashed #aaa; border-radius: 14px; }',
    `${selector} { min-height: ${Math.round(heights.wide)}px; }`,
    `@media (max-width: ${NARROW_MAX_WIDTH}px) { ${selector} { min-height: ${Math.round(heights.narrow)}px; } }`,
  ].join('\n');
}

/** The text inside <cnn-lab>: shown while cnn-lab.js loads, and for good if it cannot. */
export const FALLBACK_TEXT =
  'A convolutional network that learns in your browser (cnnlab) is loading here. If this text stays, its script could not load: ' +
  'the site that serves cnn-lab.js must send Access-Control-Allow-Origin, and this page’s Content-Security-Policy must allow that ' +
  'site in script-src, worker-src, connect-src and font-src.';

/** The element form: the reserving rule, the module script from `base` (a folder URL ending in /), the element with its fallback text. */
export function elementSnippet(choice: EmbedChoice, base: string, heights: Heights): string {
  const attrs = attributes(choice)
    .map(([name, value]) => (value === null ? ` ${name}` : ` ${name}="${escapeAttr(value)}"`))
    .join('');
  return [
    '<style>',
    reserveCss(choice, heights),
    '</style>',
    `<script type="module" src="${escapeAttr(new URL('cnn-lab.js', base).href)}"></script>`,
    `<cnn-lab${attrs}>`,
    `  <p>${FALLBACK_TEXT}</p>`,
    '</cnn-lab>',
  ].join('\n');
}

/** The listener that sizes every cnnlab frame on the page to its content (embed.html posts its height). */
export const RESIZE_LISTENER = `addEventListener('message', (e) => {
  if (e.data?.type !== 'cnnlab:height') return;
  for (const f of document.querySelectorAll('iframe'))
    if (f.contentWindow === e.source) f.style.height = e.data.height + 'px';
});`;

/** The iframe form: embed.html from `base` with the options as its query, its starting height, and the resize listener. */
export function iframeSnippet(choice: EmbedChoice, base: string, height: number): string {
  const query = attributes(choice)
    .map(([name, value]) => (value === null ? name : `${name}=${encodeURIComponent(value).replace(/%2C/g, ',')}`))
    .join('&');
  const src = `${new URL('embed.html', base).href}?${query}`;
  return [
    `<iframe src="${escapeAttr(src)}"`,
    '        title="cnnlab: a convolutional network learning in your browser"',
    `        width="100%" height="${Math.round(height)}" style="border: 0" loading="lazy"></iframe>`,
    '<script>',
    RESIZE_LISTENER,
    '</script>',
  ].join('\n');
}

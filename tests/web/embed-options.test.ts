// The options of <cnn-lab> and embed.html, and the style sheets rewritten for its shadow root.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attributes, cdnBase, elementSnippet, FALLBACK_TEXT, iframeSnippet, NARROW_MAX_WIDTH, RESIZE_LISTENER, type EmbedChoice } from '../../web/src/embed/snippets';
import { DEFAULT_SETTINGS } from '../../web/src/worker/protocol';
import { parseEmbedOptions } from '../../web/src/embed/options';
import { fontFaces, scopeCss, withoutFontFaces } from '../../web/src/embed/scope-css';

const from = (attrs: Record<string, string>) => (name: string) => attrs[name] ?? null;
const KNOWN = ['training', 'plots', 'draw', 'weights', 'why', 'network', 'test', 'backprop', 'compare'];

describe('parseEmbedOptions', () => {
  it('no options: every panel, the default settings, no autoplay', () => {
    const o = parseEmbedOptions(from({}), KNOWN);
    expect(o.panels).toEqual(KNOWN);
    expect(o.options.hidden).toEqual([]);
    expect(o.alsoHidden).toEqual([]);
    expect(o.options.settings).toEqual(DEFAULT_SETTINGS);
    expect(o.options.model).toBe('pretrained');
    expect(o.autoplay).toBe(false);
    expect(o.weights).toBeNull();
  });

  it('panels: the listed ones in the page order; the rest hidden (by App or by the element)', () => {
    const o = parseEmbedOptions(from({ panels: 'network, draw' }), KNOWN);
    expect(o.panels).toEqual(['draw', 'network']);
    expect(o.options.hidden).toEqual(['training', 'plots', 'weights', 'why', 'backprop', 'test', 'compare']);
    expect(o.alsoHidden).toEqual([]); // every panel of the page is one App can hide (#hide= too)
    expect(parseEmbedOptions(from({ panels: 'backprop DRAW' }), KNOWN).panels).toEqual(['draw', 'backprop']);
  });

  it('panels with no known name: every panel rather than an empty box', () => {
    expect(parseEmbedOptions(from({ panels: 'drwa' }), KNOWN).panels).toEqual(KNOWN);
  });

  it('settings: checked as in the URL hash; a bad value keeps the default', () => {
    const o = parseEmbedOptions(
      from({ seed: '3', lr: '0.02', activation: 'tanh', pooling: 'max', 'train-size': '10000', epochs: '7', batch: '8', augment: 'mild', model: 'training' }),
      KNOWN,
    );
    expect(o.options.settings).toMatchObject({ seed: 3, learningRate: 0.02, activation: 'tanh', pooling: 'max', trainSize: 10000, epochs: 7, batchSize: 8, augment: 'mild' });
    expect(o.options.model).toBe('training');
    const bad = parseEmbedOptions(from({ seed: '-1', lr: 'fast', activation: 'gelu', 'train-size': '12', augment: 'rot=90' }), KNOWN);
    expect(bad.options.settings).toEqual(DEFAULT_SETTINGS);
    // any subset of the first N training images from 100 to 60,000, not only the menu's sizes
    expect(parseEmbedOptions(from({ 'train-size': '2000' }), KNOWN).options.settings.trainSize).toBe(2000);
    expect(parseEmbedOptions(from({ 'train-size': '60001' }), KNOWN).options.settings.trainSize).toBe(DEFAULT_SETTINGS.trainSize);
  });

  it('autoplay: present (also empty, as in ?autoplay) unless false/0/no/off; weights as written', () => {
    expect(parseEmbedOptions(from({ autoplay: '' }), KNOWN).autoplay).toBe(true);
    expect(parseEmbedOptions(from({ autoplay: 'autoplay' }), KNOWN).autoplay).toBe(true);
    for (const off of ['false', '0', 'no', 'OFF']) expect(parseEmbedOptions(from({ autoplay: off }), KNOWN).autoplay).toBe(false);
    expect(parseEmbedOptions(from({ weights: ' my/weights.json ' }), KNOWN).weights).toBe('my/weights.json');
    expect(parseEmbedOptions(from({ weights: '' }), KNOWN).weights).toBeNull();
  });
});

describe('scopeCss', () => {
  it('page-level selectors become :host (:root also the top element, for the theme); width media queries become container queries', () => {
    const css = ":root{--a:1}\nhtml {\n  x: 1;\n}\nbody {\n  margin: 0;\n}\nbody[data-state='running'] .dot::before{color:red}\n@media (max-width: 700px) {\n  body { font-size: 15px; }\n  .app-grid { gap: 1px; }\n}\n@media (prefers-reduced-motion: reduce) { * { x: 0 } }\n.tbody { y: 1 } .card body-text {}";
    const out = scopeCss(css);
    expect(out).toContain(':host, .cnnlab-root{--a:1}');
    expect(scopeCss(":root[data-theme='dark']{--a:2}")).toBe(".cnnlab-root[data-theme='dark']{--a:2}");
    expect(out).toContain(':host {\n  x: 1;');
    expect(out).toContain(':host {\n  margin: 0;');
    expect(out).toContain(":host([data-state='running']) .dot::before");
    expect(out).toContain('@container cnnlab (max-width: 700px) {\n  :host { font-size: 15px; }');
    expect(out).toContain('@media (prefers-reduced-motion: reduce)');
    expect(out).toContain('.tbody { y: 1 } .card body-text {}');
    expect(out).not.toMatch(/:root|@media \(max-width/);
  });
});

describe('fontFaces / withoutFontFaces', () => {
  it('splits the @font-face rules (for the document) from the rest (for the shadow root)', () => {
    const css = '.katex{font:1em KaTeX_Main}@font-face{font-family:KaTeX_AMS;src:url(a.woff2) format("woff2")}.x{y:1}@font-face {\n  font-family: KaTeX_Main;\n}';
    expect(withoutFontFaces(css)).toBe('.katex{font:1em KaTeX_Main}.x{y:1}');
    expect(fontFaces(css)).toBe('@font-face{font-family:KaTeX_AMS;src:url(a.woff2) format("woff2")}\n@font-face {\n  font-family: KaTeX_Main;\n}');
    expect(fontFaces('.a{}')).toBe('');
  });
});

describe('compare', () => {
  it('the runs of "Compare runs", in the link\'s form; none without the option', () => {
    const o = parseEmbedOptions(from({ panels: 'compare', compare: 'pool:average|pool:max' }), KNOWN);
    expect(o.panels).toEqual(['compare']);
    expect(o.options.compare).toEqual([DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, pooling: 'max' }]);
    expect(parseEmbedOptions(from({}), KNOWN).options.compare).toBeNull();
  });
});

describe('test-image', () => {
  it('a test image number from 0 to 9,999, else none', () => {
    expect(parseEmbedOptions(from({ 'test-image': '42' }), KNOWN).testImage).toBe(42);
    expect(parseEmbedOptions(from({ 'test-image': ' 0 ' }), KNOWN).testImage).toBe(0);
    for (const bad of ['10000', '-1', '3.5', 'seven', ''])
      expect(parseEmbedOptions(from({ 'test-image': bad }), KNOWN).testImage, bad).toBeNull();
    expect(parseEmbedOptions(from({}), KNOWN).testImage).toBeNull();
  });
});

describe('the snippets of "Embed this" (embed/snippets.ts)', () => {
  const choice: EmbedChoice = {
    panels: ['training', 'draw', 'network'],
    settings: { learningRate: 0.02, activation: 'tanh', pooling: 'max', seed: 7, trainSize: 10000, augment: 'mild' },
    testImage: 5,
    autoplay: true,
    compare: null,
  };
  const heights = { wide: 2345.4, narrow: 4012 };
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

  it('the element: the reserving rule per panel set, the module pinned to the version, the options, fallback text', () => {
    const html = elementSnippet(choice, cdnBase(version), heights);
    expect(html).toContain(`<script type="module" src="https://cdn.jsdelivr.net/npm/cnnlab@${version}/dist/cnn-lab.js"></script>`);
    expect(html).toContain('<cnn-lab panels="training,draw,network" seed="7" lr="0.02" activation="tanh" pooling="max" train-size="10000" augment="mild" test-image="5" autoplay>');
    expect(html).toContain('cnn-lab:not(:defined)[panels="training,draw,network"] { min-height: 2345px; }');
    expect(html).toContain(`@media (max-width: ${NARROW_MAX_WIDTH}px) { cnn-lab:not(:defined)[panels="training,draw,network"] { min-height: 4012px; } }`);
    expect(html).toContain(`<p>${FALLBACK_TEXT}</p>`);
    // Read back by the element's own parser: the same options.
    const doc = new DOMParserLite(html);
    const o = parseEmbedOptions((name) => doc.attribute(name), ['training', 'plots', 'draw', 'weights', 'network', 'backprop', 'test']);
    expect(o.panels).toEqual(['training', 'draw', 'network']);
    expect(o.options.settings).toMatchObject({ learningRate: 0.02, activation: 'tanh', pooling: 'max', seed: 7, trainSize: 10000, augment: 'mild' });
    expect(o.testImage).toBe(5);
    expect(o.autoplay).toBe(true);
  });

  it('defaults are left out; a test image only with "Inside the network"', () => {
    const plain: EmbedChoice = { panels: ['draw'], settings: { ...DEFAULT_SETTINGS }, testImage: 3, autoplay: false, compare: 'f:relu|f:tanh' };
    expect(attributes(plain)).toEqual([['panels', 'draw']]);
  });

  it('the runs of "Compare runs" only with its panel, read back by the element', () => {
    const runs: EmbedChoice = { panels: ['compare'], settings: { ...DEFAULT_SETTINGS }, testImage: null, autoplay: false, compare: 'f:relu|f:tanh|f:sigmoid' };
    expect(attributes(runs)).toEqual([['panels', 'compare'], ['compare', 'f:relu|f:tanh|f:sigmoid']]);
    const doc = new DOMParserLite(elementSnippet(runs, 'https://course.example/cnnlab/', heights));
    expect(parseEmbedOptions((name) => doc.attribute(name), KNOWN).options.compare?.map((r) => r.activation)).toEqual(['relu', 'tanh', 'sigmoid']);
    expect(iframeSnippet(runs, 'https://course.example/cnnlab/', 900)).toContain('embed.html?panels=compare&amp;compare=f%3Arelu%7Cf%3Atanh%7Cf%3Asigmoid"');
  });

  it('the iframe: embed.html with the options as its query, its height, the resize listener', () => {
    const html = iframeSnippet(choice, 'https://course.example/cnnlab/', heights.wide);
    expect(html).toContain(
      '<iframe src="https://course.example/cnnlab/embed.html?panels=training,draw,network&amp;seed=7&amp;lr=0.02&amp;activation=tanh&amp;pooling=max&amp;train-size=10000&amp;augment=mild&amp;test-image=5&amp;autoplay"',
    );
    expect(html).toContain('height="2345"');
    expect(html).toContain(RESIZE_LISTENER);
  });
});

/** The first <cnn-lab> start tag of a snippet, read as a browser would (attributes, entities). */
class DOMParserLite {
  private readonly attrs = new Map<string, string>();
  constructor(html: string) {
    const tag = /<cnn-lab\b([^>]*)>/.exec(html)?.[1] ?? '';
    for (const m of tag.matchAll(/([a-z-]+)(?:="([^"]*)")?/g)) this.attrs.set(m[1]!, (m[2] ?? '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
  }
  attribute(name: string): string | null {
    return this.attrs.get(name) ?? null;
  }
}

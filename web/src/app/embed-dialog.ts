// "Embed this": a dialog on the page that makes the HTML for a course page. The
// teacher picks the panels, the settings (λ, f, pooling, augmentation, seed, training-set size), a
// test image for "Inside the network" and autoplay; the dialog shows two live
// miniatures of that <cnn-lab> (in the teacher's column width and on a phone), takes
// their heights for the rule that reserves the element's space, and offers three
// snippets (embed/snippets.ts), each with a copy button: the element from the CDN
// pinned to this version, the element from this site, and the iframe.
// Loaded on the first click of "Embed this" (it is not part of the page's first load).
import './embed-dialog.css';
import '../embed/cnn-lab'; // defines <cnn-lab> for the miniatures (shares the page's chunks)
import { LIMITS } from '../core/limits';
import { ACTIVATIONS, POOLINGS } from '../core/types';
import { errorText } from '../core/util';
import { TEST_IMAGES } from '../embed/options';
import { attributes, cdnBase, elementSnippet, iframeSnippet, NARROW_MAX_WIDTH, type EmbedChoice, type Heights } from '../embed/snippets';
import { h } from '../ui/dom';
import { formatCount } from '../ui/format';
import { AUGMENT_AMOUNTS, SETTING_CHECKS, type TrainSettings } from '../worker/protocol';
import { PANELS, type Panel } from './settings';

declare const __CNNLAB_VERSION__: string;

/** A phone's column: 390 px of screen less the page's margins. */
const PHONE_WIDTH = 360;
const DEFAULT_COLUMN = 960;
/** The miniatures' scale: what fits beside the form. */
const MINIATURE_WIDTH = 300;

export interface EmbedDialogOptions {
  /** The page's current settings: the dialog starts from them. */
  settings: TrainSettings;
  /** The folder of this site's dist/ (where cnn-lab.js and embed.html are). */
  siteBase: string;
  /** The page's document (panel titles are read from its headings). */
  document: Document;
  /** The panels to start from. */
  panels: readonly Panel[];
  /** The page's "Compare runs" in the link's form, or null (its first preset): the element's `compare`. */
  compare: string | null;
}

type Output = { key: 'cdn' | 'self' | 'iframe'; title: string; note: string; text: HTMLTextAreaElement; copy: HTMLButtonElement; status: HTMLElement };

export class EmbedDialog {
  readonly dialog: HTMLDialogElement;
  private readonly panels = new Map<Panel, HTMLInputElement>();
  private readonly fields: {
    lr: HTMLInputElement;
    activation: HTMLSelectElement;
    pooling: HTMLSelectElement;
    augment: HTMLSelectElement;
    seed: HTMLInputElement;
    trainSize: HTMLInputElement;
    testImage: HTMLInputElement;
    autoplay: HTMLInputElement;
    column: HTMLInputElement;
  };
  private readonly errors: HTMLElement;
  private readonly outputs: Output[];
  private readonly previews: { wide: HTMLElement; narrow: HTMLElement };
  private readonly measured: HTMLElement;
  private heights: Heights = { wide: 0, narrow: 0 };
  private choice: EmbedChoice;
  private readonly resize: ResizeObserver;

  constructor(private readonly options: EmbedDialogOptions) {
    const doc = options.document;
    const s = options.settings;
    this.choice = {
      panels: [...options.panels],
      settings: { learningRate: s.learningRate, activation: s.activation, pooling: s.pooling, seed: s.seed, trainSize: s.trainSize, augment: s.augment },
      testImage: null,
      autoplay: false,
      compare: options.compare,
    };

    // ---- the form
    const panelBoxes = PANELS.map((panel) => {
      const input = h('input', { type: 'checkbox', value: panel, testid: `embed-panel-${panel}` });
      input.checked = this.choice.panels.includes(panel);
      this.panels.set(panel, input);
      const title = doc.querySelector(`#panel-${panel} h2`)?.textContent?.trim() ?? panel;
      return h('label', { class: 'embed-check' }, input, h('span', {}, title));
    });
    const field = (label: string, input: HTMLElement, hint = '') =>
      h('label', { class: 'embed-field' }, h('span', { class: 'embed-field-label' }, label), input, hint ? h('span', { class: 'embed-hint' }, hint) : null);
    const number = (testid: string, value: number | string, min: number, max: number, step = '1') =>
      h('input', { type: 'number', testid, value: String(value), min: String(min), max: String(max), step, inputmode: step === 'any' ? 'decimal' : 'numeric' });
    this.fields = {
      lr: number('embed-lr', s.learningRate, LIMITS.learningRate.min, LIMITS.learningRate.max, 'any'),
      activation: h('select', { testid: 'embed-activation' }, ...ACTIVATIONS.map((a) => h('option', { value: a }, a))),
      pooling: h('select', { testid: 'embed-pooling' }, ...POOLINGS.map((p) => h('option', { value: p }, p))),
      augment: h('select', { testid: 'embed-augment' }, ...AUGMENT_AMOUNTS.map((a) => h('option', { value: a }, a))),
      seed: number('embed-seed', s.seed, LIMITS.seed.min, LIMITS.seed.max),
      trainSize: number('embed-train-size', s.trainSize, LIMITS.trainSize.min, LIMITS.trainSize.max),
      testImage: h('input', { type: 'number', testid: 'embed-test-image', min: '0', max: String(TEST_IMAGES - 1), step: '1', placeholder: 'none', inputmode: 'numeric' }),
      autoplay: h('input', { type: 'checkbox', testid: 'embed-autoplay' }),
      column: number('embed-column', DEFAULT_COLUMN, 320, 2000),
    };
    this.fields.activation.value = s.activation;
    this.fields.pooling.value = s.pooling;
    this.fields.augment.value = s.augment;
    this.errors = h('p', { class: 'embed-errors', role: 'alert', testid: 'embed-errors' });

    const form = h(
      'form',
      { class: 'embed-form', method: 'dialog' },
      h('fieldset', { class: 'embed-panels' }, h('legend', {}, 'Panels'), ...panelBoxes),
      h(
        'fieldset',
        { class: 'embed-settings' },
        h('legend', {}, 'Settings'),
        field('Learning rate λ', this.fields.lr),
        field('Activation f', this.fields.activation),
        field('Pooling', this.fields.pooling),
        field('Data augmentation', this.fields.augment, 'what the network trains on: off, mild or strong'),
        field('Seed', this.fields.seed),
        field('Training images', this.fields.trainSize, `the first N of 60,000`),
        field('Test image #', this.fields.testImage, '“Inside the network” starts from it (loads the 10,000 test images, 1.6 MB); empty: none'),
        h('label', { class: 'embed-check' }, this.fields.autoplay, h('span', {}, 'Autoplay: start training when the demo comes into view')),
        field('Your page’s column', this.fields.column, 'px wide, for the reserved height'),
      ),
      this.errors,
    );

    // ---- the miniatures (inert: seen, not used)
    const miniature = (label: string) => {
      const frame = h('div', { class: 'embed-mini-frame' });
      const box = h('figure', { class: 'embed-mini' }, h('figcaption', {}, label), frame);
      return { box, frame };
    };
    const wide = miniature('In your column');
    const narrow = miniature(`On a phone (${PHONE_WIDTH} px)`);
    this.previews = { wide: wide.frame, narrow: narrow.frame };
    this.measured = h('p', { class: 'embed-hint', testid: 'embed-heights', 'aria-live': 'polite' }, 'Measuring…');
    const previewBox = h('section', { class: 'embed-preview', 'aria-label': 'Preview' }, h('div', { class: 'embed-minis', inert: true }, wide.box, narrow.box), this.measured);

    // ---- the snippets
    const output = (key: Output['key'], title: string, note: string): Output => {
      const text = h('textarea', { class: 'embed-code', readonly: true, rows: '9', spellcheck: 'false', testid: `embed-code-${key}`, 'aria-label': title });
      const copy = h('button', { type: 'button', class: 'app-button', testid: `embed-copy-${key}` }, 'Copy');
      const status = h('span', { class: 'embed-hint', 'aria-live': 'polite' });
      copy.addEventListener('click', () => void this.copy(out));
      const out: Output = { key, title, note, text, copy, status };
      return out;
    };
    const version = __CNNLAB_VERSION__;
    this.outputs = [
      output('cdn', `<cnn-lab> from the CDN (cnnlab ${version})`, `jsDelivr, pinned to ${version}: nothing to host. Put the <style> rule in your own style sheet if your page’s CSP forbids inline styles.`),
      output(
        'self',
        '<cnn-lab> from this site',
        import.meta.env.DEV
          ? 'This is the development server (npm start), which has no cnn-lab.js: use the built site (npm run build), or the CDN form.'
          : `From ${options.siteBase}. Or copy node_modules/cnnlab/dist/ (npm install cnnlab@${version}) to your own host and change the URL.`,
      ),
      output('iframe', 'An iframe from this site', 'The listener sizes the frame to its content (as a file if your page’s CSP forbids inline scripts). Without it, the frame keeps the height given.'),
    ];
    const outputsBox = h(
      'section',
      { class: 'embed-outputs', 'aria-label': 'Snippets' },
      ...this.outputs.map((o) =>
        h('div', { class: 'embed-output' }, h('div', { class: 'embed-output-head' }, h('h3', { class: 'app-h3' }, o.title), o.copy, o.status), h('p', { class: 'embed-hint' }, o.note), o.text),
      ),
    );

    const close = h('button', { type: 'button', class: 'app-button', testid: 'embed-close' }, 'Close');
    close.addEventListener('click', () => this.dialog.close());
    this.dialog = h(
      'dialog',
      { class: 'embed-dialog', testid: 'embed-dialog', 'aria-labelledby': 'embed-title' },
      h('header', { class: 'embed-head' }, h('h2', { id: 'embed-title' }, 'Embed this in a course page'), close),
      h('div', { class: 'embed-body' }, h('div', { class: 'embed-left' }, form, previewBox), outputsBox),
    );
    this.dialog.addEventListener('close', () => this.clearPreviews());
    form.addEventListener('input', () => this.update());
    form.addEventListener('change', () => this.update());
    form.addEventListener('submit', (e) => e.preventDefault());

    this.resize = new ResizeObserver(() => this.measure());
    doc.body.append(this.dialog);
  }

  open(): void {
    if (!this.dialog.open) this.dialog.showModal();
    this.update();
  }

  /** Reads the form; an invalid field keeps the last good choice and says why. */
  private read(): EmbedChoice | null {
    const problems: string[] = [];
    const panels = PANELS.filter((p) => this.panels.get(p)!.checked);
    if (panels.length === 0) problems.push('Choose at least one panel.');
    const check = <K extends keyof TrainSettings>(key: K, text: string): TrainSettings[K] | null => {
      const r = SETTING_CHECKS[key](text);
      if (!r.ok) problems.push(r.message);
      return r.ok ? r.value : null;
    };
    const learningRate = check('learningRate', this.fields.lr.value);
    const seed = check('seed', this.fields.seed.value);
    const trainSize = check('trainSize', this.fields.trainSize.value);
    const activation = check('activation', this.fields.activation.value);
    const pooling = check('pooling', this.fields.pooling.value);
    const augment = check('augment', this.fields.augment.value);
    const testText = this.fields.testImage.value.trim();
    const testImage = testText === '' ? null : Number(testText);
    if (testImage !== null && !(Number.isInteger(testImage) && testImage >= 0 && testImage < TEST_IMAGES))
      problems.push(`A test image is a number from 0 to ${formatCount(TEST_IMAGES - 1)}.`);
    this.fields.testImage.disabled = !panels.includes('network');
    this.errors.textContent = problems.join(' ');
    if (problems.length > 0 || learningRate === null || seed === null || trainSize === null || activation === null || pooling === null || augment === null) return null;
    return { panels, settings: { learningRate, seed, trainSize, activation, pooling, augment }, testImage, autoplay: this.fields.autoplay.checked, compare: this.options.compare };
  }

  private column(): number {
    const v = Number(this.fields.column.value);
    return Number.isFinite(v) && v >= 320 && v <= 2000 ? Math.round(v) : DEFAULT_COLUMN;
  }

  private update(): void {
    const choice = this.read();
    if (choice) this.choice = choice;
    this.showPreviews();
    this.render();
  }

  /** The miniatures: real <cnn-lab> elements with the chosen panels, settings and test image (not autoplay). */
  private showPreviews(): void {
    const column = this.column();
    const place = (frame: HTMLElement, width: number) => {
      let lab = frame.querySelector('cnn-lab');
      let holder = frame.firstElementChild as HTMLElement | null;
      if (!lab || !holder) {
        holder = h('div', { class: 'embed-mini-holder' });
        lab = h('cnn-lab');
        holder.append(lab);
        frame.replaceChildren(holder);
        this.resize.observe(lab);
      }
      const scale = MINIATURE_WIDTH / Math.max(width, MINIATURE_WIDTH);
      holder.style.width = `${width}px`;
      holder.style.transform = `scale(${scale})`;
      frame.dataset['scale'] = String(scale);
      for (const [name, value] of attributes(this.choice)) if (name !== 'autoplay') lab.setAttribute(name, value ?? '');
      for (const name of ['seed', 'lr', 'activation', 'pooling', 'train-size', 'test-image'])
        if (!attributes(this.choice).some(([n]) => n === name)) lab.removeAttribute(name);
    };
    place(this.previews.wide, column);
    place(this.previews.narrow, PHONE_WIDTH);
    this.measure();
  }

  private measure(): void {
    const height = (frame: HTMLElement) => {
      const lab = frame.querySelector<HTMLElement>('cnn-lab');
      const h0 = lab?.offsetHeight ?? 0;
      frame.style.height = `${Math.ceil(h0 * Number(frame.dataset['scale'] ?? 1))}px`;
      return h0;
    };
    this.heights = { wide: height(this.previews.wide), narrow: height(this.previews.narrow) };
    this.measured.textContent =
      `Reserved height: ${formatCount(this.heights.wide)} px in a ${formatCount(this.column())} px column, ` +
      `${formatCount(this.heights.narrow)} px on a phone (viewport ≤ ${NARROW_MAX_WIDTH} px), as measured here.`;
    this.render();
  }

  private render(): void {
    const texts = {
      cdn: elementSnippet(this.choice, cdnBase(__CNNLAB_VERSION__), this.heights),
      self: elementSnippet(this.choice, this.options.siteBase, this.heights),
      iframe: iframeSnippet(this.choice, this.options.siteBase, this.heights.wide),
    };
    for (const o of this.outputs) if (o.text.value !== texts[o.key]) o.text.value = texts[o.key];
  }

  private async copy(o: Output): Promise<void> {
    try {
      await navigator.clipboard.writeText(o.text.value);
      o.status.textContent = 'Copied.';
    } catch (error) {
      // No clipboard (an http: page, a refused permission): select it for Ctrl+C.
      o.text.focus();
      o.text.select();
      o.status.textContent = `Selected: press Ctrl+C (or ⌘C) to copy (${errorText(error)}).`;
    }
    window.setTimeout(() => (o.status.textContent = ''), 4000);
  }

  private clearPreviews(): void {
    this.resize.disconnect();
    this.previews.wide.replaceChildren();
    this.previews.narrow.replaceChildren();
  }
}

let dialog: EmbedDialog | null = null;

/** Opens the dialog (made on first use). */
export function openEmbedDialog(options: EmbedDialogOptions): EmbedDialog {
  dialog ??= new EmbedDialog(options);
  dialog.open();
  return dialog;
}

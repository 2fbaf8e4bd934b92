// <cnn-lab>: the whole demo as one custom element, in one ES module (dist/cnn-lab.js).
//   <script type="module" src="https://host/path/cnn-lab.js"></script>
//   <cnn-lab panels="draw,network" seed="3" autoplay></cnn-lab>
// The .wasm, MNIST and the shipped weights are found relative to this module, not
// the page, so it works from any page on any path. Each element has a shadow root
// (the page's CSS cannot reach in, ours cannot leak out; ids, radio groups and
// labels stay per element) and its own training worker. Training pauses while the
// element is off screen or the tab hidden. Changing an attribute later starts it
// afresh with the new options (a new worker, as a new seed or f needs anyway).
// A page may reserve the element's height before this module runs (README:
// `cnn-lab:not(:defined)`); the element keeps that height as a minimum until its
// first view is complete, so the text below it moves at most once, by the error of
// the reservation (no layout shift from a view that fills in later).
import katexCss from 'katex/dist/katex.min.css?inline';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { App } from '../app/app';
import { errorText } from '../core/util';
import type { TestHooks } from '../app/test-hooks';
import { trainingWorkerUrl } from '../app/training-worker';
import { OPTION_NAMES, parseEmbedOptions } from './options';
import { fontFaces, scopeCss, withoutFontFaces } from './scope-css';
import { buildSkeleton, panelNames } from './skeleton';
import { THEME_EVENT } from '../ui/theme';

/** The element's theme attribute: `theme="light"` or `theme="dark"` forces one. */
export const THEME_ATTRIBUTE = 'theme';

/**
 * light or dark when forced (the element's `theme` attribute, else the course page's
 * CSS color-scheme or <meta name="color-scheme"> naming only one), else null: the
 * system's prefers-color-scheme (theme.css's `color-scheme: light dark`).
 */
function forcedTheme(element: HTMLElement): 'light' | 'dark' | null {
  const attribute = element.getAttribute(THEME_ATTRIBUTE)?.trim().toLowerCase();
  if (attribute === 'light' || attribute === 'dark') return attribute;
  const only = (value: string | null | undefined): 'light' | 'dark' | null => {
    const words = (value ?? '').trim().toLowerCase().split(/\s+/).filter((w) => w === 'light' || w === 'dark');
    return words.length === 1 ? (words[0] as 'light' | 'dark') : null;
  };
  const parent = element.parentElement ?? document.documentElement;
  return only(getComputedStyle(parent).colorScheme) ?? only(document.querySelector('meta[name="color-scheme"]')?.getAttribute('content'));
}

// Every style sheet of the app, as text (ui/*.css picks up a panel added later), in
// the order of the built page: the panels' own sheets, components.css, styles.css, a11y.css.
const sheets = import.meta.glob<string>(['../ui/*.css', '../styles.css'], { query: '?inline', import: 'default', eager: true });
const LAST = ['/components.css', '/styles.css', '/a11y.css'];
const rank = (path: string): number => LAST.findIndex((end) => path.endsWith(end)) + 1;
const APP_CSS = Object.keys(sheets)
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  .map((path) => sheets[path])
  .join('\n');

const HOST_CSS = `
:host { all: initial; display: block; container: cnnlab / inline-size; border-radius: 14px; }
:host([hidden]) { display: none; }
.cnnlab-root { padding: 12px 0 0; background: var(--bg); color: var(--ink); border-radius: inherit; font: 15px/1.5 var(--font); }
.app-status-host { padding: 0 12px; }
.app-grid { --gap: 14px; padding: 12px 12px 8px; max-width: none; }
.cnnlab-foot { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4px 16px; padding: 0 14px 10px; font-size: 12px; color: var(--muted); }
@container cnnlab (max-width: 700px) { .app-status-host, .app-grid { padding-left: 8px; padding-right: 8px; } }
`;

/**
 * One style sheet for every <cnn-lab> on the page, made on first use. Fonts (KaTeX's)
 * must be declared in the document, where a shadow root can use them: one more
 * sheet, adopted by the document once, with only @font-face rules (KaTeX_* names).
 */
let sheet: CSSStyleSheet | null = null;
function styleSheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(HOST_CSS + scopeCss(uplotCss) + scopeCss(withoutFontFaces(katexCss)) + scopeCss(withoutFontFaces(APP_CSS)));
    const fonts = fontFaces(katexCss) + fontFaces(APP_CSS);
    if (fonts) {
      const fontSheet = new CSSStyleSheet();
      fontSheet.replaceSync(fonts);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, fontSheet];
    }
  }
  return sheet;
}

/** The folder of dist/ that holds data/ and models/: the worker chunk is in its assets/. */
function assetBase(): string {
  if (import.meta.env.DEV) return new URL(import.meta.env.BASE_URL, location.href).href;
  return new URL('../', trainingWorkerUrl()).href;
}

export class CnnLabElement extends HTMLElement {
  static readonly observedAttributes = [...OPTION_NAMES, THEME_ATTRIBUTE];
  private app: App | null = null;
  private observer: IntersectionObserver | null = null;
  private remountQueued = false;
  /** The height the page reserved for the element before it was defined (0: none). */
  private reserved = 0;

  constructor() {
    super();
    // An element upgraded in place (the usual case: in the HTML before the module ran)
    // still has its reserved size here, as :not(:defined) matches until the constructor returns.
    if (this.isConnected) this.reserved = this.getBoundingClientRect().height;
    // A landmark for screen-reader users, without sprouting role/aria attributes on the
    // teacher's tag (the only attribute it sets is data-state, for :host([data-state])).
    this.internals = this.attachInternals();
    this.internals.role = 'region';
  }

  private readonly internals: ElementInternals;

  /**
   * 'cnnlab', or 'cnnlab 2' for the second element of a page with several: the
   * landmarks inside (the element's region, its status, its panels) get names that
   * differ from one element to the next.
   */
  private demoName(): string {
    const all = Array.from(document.querySelectorAll('cnn-lab'));
    return all.length > 1 ? `cnnlab ${all.indexOf(this) + 1}` : 'cnnlab';
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null): void {
    if (name === THEME_ATTRIBUTE) {
      // Only the colours change: no restart.
      this.applyTheme();
      return;
    }
    if (before === after || !this.app || this.remountQueued) return;
    this.remountQueued = true; // several attributes set in a row: one restart
    queueMicrotask(() => {
      this.remountQueued = false;
      if (!this.app) return;
      this.teardown();
      this.connectedCallback();
    });
  }

  connectedCallback(): void {
    if (this.app) return;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    shadow.adoptedStyleSheets = [styleSheet()];
    const name = this.demoName();
    this.internals.ariaLabel = `${name}: a convolutional network learning in your browser`;
    const skeleton = buildSkeleton(name);
    // (CSSOM, not a style attribute: allowed under any style-src.)
    if (this.reserved > 0) skeleton.style.minHeight = `${this.reserved}px`;
    shadow.replaceChildren(skeleton);
    this.applyTheme();
    const embed = parseEmbedOptions((name) => this.getAttribute(name), panelNames());
    for (const name of embed.alsoHidden) {
      const section = shadow.querySelector<HTMLElement>(`#panel-${name}`);
      if (section) section.hidden = true;
    }
    if (embed.panels.length < panelNames().length) shadow.querySelector('.app-grid')?.classList.add('app-grid-flow');
    try {
      this.app = new App({
        root: shadow,
        stateHost: this,
        options: embed.options,
        assetBase: assetBase(),
        weightsUrl: embed.weights ? new URL(embed.weights, document.baseURI).href : undefined,
        autoplay: embed.autoplay,
        name,
        startsOffscreen: true, // until the IntersectionObserver's first report
        where: 'embed',
        testImage: embed.testImage,
        onSettled: () => {
          skeleton.style.minHeight = '';
          this.reserved = 0; // a later restart (new attributes) holds nothing
        },
      });
    } catch (error) {
      shadow.replaceChildren(`cnnlab could not start: ${errorText(error)}`);
      throw error;
    }
    const app = this.app;
    this.observer = new IntersectionObserver((entries) => {
      const last = entries[entries.length - 1];
      if (last) app.setSuspended('offscreen', !last.isIntersecting);
    });
    this.observer.observe(this);
  }

  disconnectedCallback(): void {
    // Moving the element (remove, then insert) keeps it running.
    queueMicrotask(() => {
      if (!this.isConnected) this.teardown();
    });
  }

  /** The theme on the shadow root's top element (theme.css scoped: .cnnlab-root[data-theme]). */
  private applyTheme(): void {
    const root = this.shadowRoot?.querySelector<HTMLElement>('.cnnlab-root');
    if (!root) return;
    const theme = forcedTheme(this);
    if ((root.dataset['theme'] ?? null) === theme) return;
    if (theme) root.dataset['theme'] = theme;
    else delete root.dataset['theme'];
    window.dispatchEvent(new Event(THEME_EVENT));
  }

  private teardown(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.app?.destroy();
    this.app = null;
  }

  /** Test hooks (the page's window.__cnnlab, per element). */
  get hooks(): TestHooks | null {
    return this.app?.hooks ?? null;
  }
  /** starting | idle | running | paused | done | diverged | crashed | fatal, or 'detached'. */
  state(): string {
    return this.app?.hooks.state() ?? 'detached';
  }
  /** MNIST for training: none (not asked for yet) | loading | ready | failed */
  dataState(): string {
    return this.app?.hooks.dataState() ?? 'none';
  }
  lossSeries(): number[] {
    return this.app?.hooks.lossSeries() ?? [];
  }
}

export { OPTION_NAMES };

declare global {
  interface HTMLElementTagNameMap {
    'cnn-lab': CnnLabElement;
  }
}

if (!customElements.get('cnn-lab')) customElements.define('cnn-lab', CnnLabElement);

// Types for `import 'cnnlab/element'` (dist/cnn-lab.js): the module defines the
// <cnn-lab> custom element and exports nothing else a page needs. Copied into the
// npm package as lib/element.d.ts by web/scripts/build-lib.mjs.

/** What a script can read from a <cnn-lab> element (README, "A custom element"). */
export interface CnnLabElement extends HTMLElement {
  /** starting | idle | running | paused | done | diverged | crashed | fatal, or 'detached'. */
  state(): string;
  /** MNIST for training: none (not asked for yet) | loading | ready | failed. */
  dataState(): string;
  /** Every loss point so far (mean loss over each 100 samples), oldest first. */
  lossSeries(): number[];
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-lab': CnnLabElement;
  }
}

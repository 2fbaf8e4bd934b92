// window.__cnnlab: stable hooks for browser tests. Importing this module (even as
// `import type {} from '…/web/src/app/test-hooks'`) declares the global for tsc.
import type { TrainSettings } from '../worker/protocol';

export interface TestHooks {
  /** Every loss point so far (mean loss over each 100 samples), oldest first. */
  lossSeries(): number[];
  /** Test accuracy (0..1) at each evaluation of the network being trained, in order of arrival. */
  accuracySeries(): number[];
  /** starting | idle | running | paused | done | diverged | crashed | fatal */
  state(): string;
  /** MNIST for training (both splits): none (not asked for yet) | loading | ready | failed */
  dataState(): string;
  /** Samples seen at the newest checkpoint the page keeps (−1: none yet). */
  checkpointSamples(): number;
  /** Sends settings past the controls' limits, e.g. { learningRate: 1e30 } to make training diverge. */
  configure(settings: Partial<TrainSettings>): void;
}

declare global {
  interface Window {
    __cnnlab?: TestHooks;
  }
}

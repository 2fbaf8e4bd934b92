// The "Why this answer?" panel: follows the input of "Inside the network" (the
// drawing, or a test image — also one clicked among the test view's mistakes) and the
// answering network, asks the worker why (one request in flight, the newest input
// next, so it updates while a student draws), and on one click the nearest training
// images of the answer and the runner-up, which then follow the input too.
import { errorText } from '../core/util';
import type { ModelChoice, WhyInput, WhyResult } from '../worker/protocol';
import { formatCount, formatPercent, modelName } from '../ui/format';
import { WhyView } from '../ui/why-view';
import { whyEmptyText, type Shown } from './texts';
import type { Ask, ReplyMap } from './worker-client';

/** Nearest images shown per digit. */
const NEAREST = 5;

export type WhySource = { kind: 'drawing'; image: Float32Array | null } | { kind: 'test'; index: number };

export interface WhyPanelPort {
  request<A extends Ask>(ask: A, timeoutMs?: number): Promise<ReplyMap[A['type']]>;
  /** The worker can answer now. */
  ready(): boolean;
  running(): boolean;
  /** The input "Inside the network" shows. */
  source(): WhySource;
  model(): ModelChoice;
  /** Puts a training image (784 bytes) on the draw pad as the new drawing. */
  useImage(pixels: Uint8Array): void;
  /** The panels shown (texts name only what is there). */
  shown(): Shown;
}

export class WhyPanel {
  private readonly view: WhyView;
  private asking = false;
  private askAgain = false;
  private nearestOn = false;
  private nearestAsking = false;
  private nearestAgain = false;
  private last: WhyResult | null = null;

  constructor(host: HTMLElement, private readonly port: WhyPanelPort) {
    this.view = new WhyView(host, {
      nearest: (on) => {
        this.nearestOn = on;
        if (on) void this.askNearest();
      },
      useImage: (pixels) => port.useImage(pixels),
      canUseImage: () => port.shown().has('draw'),
    }, whyEmptyText(port.shown()));
  }

  /** The input, the answering network or its weights changed: ask again. */
  refresh(): void {
    if (!this.port.ready()) return;
    const input = this.input();
    if (!input) {
      this.last = null;
      this.view.say(whyEmptyText(this.port.shown()));
      return;
    }
    if (this.asking) {
      this.askAgain = true;
      return;
    }
    this.asking = true;
    this.port
      .request({ type: 'why', input, model: this.port.model() })
      .then((r) => {
        if (!this.sameInput(input)) return; // the input changed meanwhile: the next answer follows
        this.last = r.why;
        this.view.setCaption(caption(r.why));
        this.view.show(r.why);
        if (this.nearestOn) void this.askNearest();
      })
      .catch((error: unknown) => {
        if (this.port.running()) this.view.say(`No answer: ${errorText(error)}`);
      })
      .finally(() => {
        this.asking = false;
        if (this.askAgain) {
          this.askAgain = false;
          this.refresh();
        }
      });
  }

  /** The worker reports the a₁ table's progress. */
  tableProgress(done: number, total: number): void {
    if (this.nearestAsking)
      this.view.setNearestBusy(`Finding the nearest training images: a₁ of ${formatCount(done)} of ${formatCount(total)} training images computed for these weights…`);
  }

  /** A restarted worker: nothing is in flight any more. */
  workerStopped(): void {
    this.asking = this.nearestAsking = false;
  }

  private input(): WhyInput | null {
    const s = this.port.source();
    if (s.kind === 'test') return { kind: 'test', index: s.index };
    return s.image ? { kind: 'image', image: s.image.slice() } : null;
  }

  /** Whether `input` is still what the panel follows (a drawing that grew since is close enough: its answer comes next). */
  private sameInput(input: WhyInput): boolean {
    const s = this.port.source();
    if (input.kind === 'test') return s.kind === 'test' && s.index === input.index;
    return s.kind === 'drawing' && s.image !== null;
  }

  private async askNearest(): Promise<void> {
    const w = this.last;
    const input = this.input();
    if (!w || !input) return;
    if (this.nearestAsking) {
      this.nearestAgain = true;
      return;
    }
    this.nearestAsking = true;
    this.view.setNearestBusy('Finding the nearest training images…');
    try {
      const r = await this.port.request({ type: 'nearest', input, model: w.model, digits: [w.k, w.r], count: NEAREST }, 60000);
      // Shown only with the answer they belong to, and while asked for.
      if (this.nearestOn && this.last && this.last.k === w.k && this.last.r === w.r) this.view.showNearest(r.nearest);
    } catch (error) {
      if (this.port.running()) this.view.setNearestBusy(`No nearest images: ${errorText(error)}`);
    } finally {
      this.nearestAsking = false;
      if (this.nearestAgain) {
        this.nearestAgain = false;
        void this.askNearest();
      }
    }
  }
}

/** "Test image #3 (a 5): the pretrained network says 3 (70%); the runner-up is 5 (20%). ✗" */
function caption(w: WhyResult): string {
  const what = w.testIndex >= 0 ? `Test image #${formatCount(w.testIndex)} (a ${w.label})` : 'Your drawing';
  const wrong = w.testIndex >= 0 && w.label !== w.k ? ` It is a ${w.label}: the answer is wrong.` : '';
  return `${what}: ${modelName(w.model)} says ${w.k} (${formatPercent(w.probs[w.k]!)}); the runner-up is ${w.r} (${formatPercent(w.probs[w.r]!)}). Why ${w.k} and not ${w.r}?${wrong}`;
}

// "Why this answer", the worker's part, pure (no worker globals, no session state):
// the saliency and the logits' parts for one input (explainAnswer), and the nearest
// training images by a₁ distance (NearestFinder), whose a₁ table of the training set
// is computed once per version of a network's weights, in time-boxed pieces of the
// worker's work loop, and dropped when the weights change. Session (session.ts) picks
// the model and sends the replies.
import type { CnnDataset, CnnModel } from '../core/cnnlab';
import { LIMITS } from '../core/limits';
import { nearestByActivation } from '../core/nearest';
import type { ModelChoice, NearestResult, WhyResult } from './protocol';

/** The largest and the second largest entry of S (the first on ties). */
export function answerAndRunnerUp(probs: ArrayLike<number>): [number, number] {
  let k = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[k]!) k = i;
  let r = k === 0 ? 1 : 0;
  for (let i = 0; i < probs.length; i++) if (i !== k && probs[i]! > probs[r]!) r = i;
  return [k, r];
}

/**
 * The answer k and the runner-up r of `model` for `image`, the saliency ∂S_k/∂I and
 * ∂S_r/∂I (Network::saliency: the handout's backprop from ∂S_k/∂z = S_k(e_k − S),
 * carried one full convolution past δC¹ to the input), a₁ and the rows of W₂ and b₂
 * that make z_k and z_r. Nothing in the model changes.
 */
export function explainAnswer(
  model: CnnModel,
  image: Float32Array,
  choice: ModelChoice,
  test: { index: number; label: number } = { index: -1, label: -1 },
): WhyResult {
  const probs = model.predict(image);
  const t = model.tensors();
  const [k, r] = answerAndRunnerUp(probs);
  const hidden = t.forward.fc1.data.length;
  const w2 = t.params['fc2.weight'].data;
  const b2 = t.params['fc2.bias'].data;
  return {
    model: choice,
    input: image.slice(),
    testIndex: test.index,
    label: test.label,
    probs,
    logits: t.forward.logits.data.slice(),
    k,
    r,
    saliencyK: model.saliency(image, k),
    saliencyR: model.saliency(image, r),
    a1: t.forward.fc1.data.slice(),
    w2k: w2.slice(k * hidden, (k + 1) * hidden),
    w2r: w2.slice(r * hidden, (r + 1) * hidden),
    b2k: b2[k]!,
    b2r: b2[r]!,
  };
}

/**
 * A fingerprint of a network's weights and shape: FNV-1a over the bits of θ. Two
 * networks with the same fingerprint give the same a₁ for every image, so an a₁ table
 * is reused only while it matches (every change of the weights — a training step, a
 * teach step, a rollback — makes a new one).
 */
export function weightsKey(model: CnnModel): string {
  const bits = new Uint32Array(model.getParams().buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) {
    const w = bits[i]!;
    h = Math.imul(h ^ (w & 0xff), 0x01000193);
    h = Math.imul(h ^ ((w >>> 8) & 0xff), 0x01000193);
    h = Math.imul(h ^ ((w >>> 16) & 0xff), 0x01000193);
    h = Math.imul(h ^ (w >>> 24), 0x01000193);
  }
  const c = model.config;
  return `${c.activation}/${c.pooling}/${c.maps1}/${c.maps2}/${c.hidden}/${bits.length}/${(h >>> 0).toString(16)}`;
}

export interface NearestSource {
  /** The training images (in WASM memory) and their labels, or null when not loaded. */
  train(): { data: CnnDataset; labels: Uint8Array } | null;
  /** The network a choice stands for (as the session resolves it). */
  model(choice: ModelChoice): CnnModel | null;
}

export interface NearestQuery {
  id: number;
  model: ModelChoice;
  image: Float32Array;
  digits: number[];
  count: number;
}

interface Table {
  key: string;
  hidden: number;
  data: Float32Array;
  /** Images done, from 0. */
  done: number;
}

/** Images per core call at first; then as many as fit the time box (measured). */
const FIRST_PIECE = 200;
/** The most nearest images asked for per digit. */
export const MAX_NEAREST = 16;

export class NearestFinder {
  private readonly tables = new Map<ModelChoice, Table>();
  private waiting: NearestQuery[] = [];
  /** Milliseconds per image of hiddenActivations, measured. */
  private msPerImage = 0.02;

  constructor(private readonly source: NearestSource) {}

  get pending(): boolean {
    return this.waiting.length > 0;
  }

  /** Checks a query; throws a message for the page when it cannot be answered. */
  static check(digits: number[], count: number): void {
    if (!Array.isArray(digits) || digits.length < 1 || digits.length > 10 || !digits.every((d) => Number.isInteger(d) && d >= 0 && d <= 9))
      throw new Error(`digits must be 1 to 10 digits 0..9, got ${JSON.stringify(digits)}`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_NEAREST)
      throw new Error(`count must be a whole number from 1 to ${MAX_NEAREST}, got ${count}`);
  }

  /** The answer at once when the model's table is ready, else null (queued for `work`). */
  ask(query: NearestQuery): NearestResult | null {
    NearestFinder.check(query.digits, query.count);
    const train = this.source.train();
    const model = this.source.model(query.model);
    if (!train || !model) return this.empty(query, 'no-data');
    const table = this.tables.get(query.model);
    if (table && table.done === train.data.count && table.key === weightsKey(model)) return this.answer(query, model, table, train);
    this.waiting.push(query);
    return null;
  }

  /** Drops the queries (and the table) of one model, e.g. when the network being trained starts training. */
  drop(choice: ModelChoice): NearestQuery[] {
    const dropped = this.waiting.filter((q) => q.model === choice);
    this.waiting = this.waiting.filter((q) => q.model !== choice);
    this.tables.delete(choice);
    return dropped;
  }

  /** Where the first waiting query's table is: images done of the training set. */
  progress(): { model: ModelChoice; done: number; total: number } | null {
    const first = this.waiting[0];
    const train = this.source.train();
    if (!first || !train) return null;
    return { model: first.model, done: this.tables.get(first.model)?.done ?? 0, total: train.data.count };
  }

  /**
   * Computes the first waiting query's table until `deadline`; returns the queries
   * answered (every waiting one of that model once its table is complete).
   */
  work(deadline: number, now: () => number): { id: number; result: NearestResult }[] {
    const first = this.waiting[0];
    if (!first) return [];
    const train = this.source.train();
    const model = this.source.model(first.model);
    if (!train || !model) {
      const gone = this.waiting;
      this.waiting = [];
      return gone.map((q) => ({ id: q.id, result: this.empty(q, 'no-data') }));
    }
    const key = weightsKey(model);
    const hidden = model.config.hidden;
    const total = train.data.count;
    let table = this.tables.get(first.model);
    if (!table || table.key !== key || table.hidden !== hidden || table.data.length !== total * hidden) {
      table = { key, hidden, data: new Float32Array(total * hidden), done: 0 };
      this.tables.set(first.model, table);
    }
    while (table.done < total) {
      const left = deadline - now();
      if (left <= 0) break;
      const fit = Math.floor(left / this.msPerImage);
      const n = Math.max(1, Math.min(total - table.done, LIMITS.hiddenActivationsCount.max, table.done === 0 ? FIRST_PIECE : fit));
      const t0 = now();
      table.data.set(model.hiddenActivations(train.data, table.done, n), table.done * hidden);
      const ms = now() - t0;
      if (ms > 0) this.msPerImage = 0.7 * this.msPerImage + (0.3 * ms) / n;
      table.done += n;
    }
    if (table.done < total) return [];
    const ready = this.waiting.filter((q) => q.model === first.model);
    this.waiting = this.waiting.filter((q) => q.model !== first.model);
    const done = table;
    return ready.map((q) => ({ id: q.id, result: this.answer(q, model, done, train) }));
  }

  private answer(query: NearestQuery, model: CnnModel, table: Table, train: { data: CnnDataset; labels: Uint8Array }): NearestResult {
    model.predict(query.image);
    const a1 = model.tensors().forward.fc1.data;
    const indices = query.digits.map((d) => nearestByActivation(table.data, table.hidden, train.labels, a1, d, query.count));
    const distances = indices.map((list) =>
      list.map((i) => {
        let s = 0;
        for (let h = 0; h < table.hidden; h++) s += (table.data[i * table.hidden + h]! - a1[h]!) ** 2;
        return s;
      }),
    );
    const flat = indices.flat();
    const pixels = new Uint8Array(flat.length * 784);
    flat.forEach((index, j) => pixels.set(train.data.pixels(index), j * 784));
    return { model: query.model, status: 'ok', digits: [...query.digits], indices, distances, pixels, tableSize: train.data.count };
  }

  private empty(query: NearestQuery, status: 'running' | 'no-data'): NearestResult {
    return { model: query.model, status, digits: [...query.digits], indices: [], distances: [], pixels: new Uint8Array(0), tableSize: 0 };
  }

  /** A reply for a dropped query (see drop). */
  static running(query: NearestQuery): NearestResult {
    return { model: query.model, status: 'running', digits: [...query.digits], indices: [], distances: [], pixels: new Uint8Array(0), tableSize: 0 };
  }
}

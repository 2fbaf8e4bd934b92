// Evaluations of a network on the MNIST test images, queued and run in time-boxed
// pieces by the worker's work loop: a quick one (1,000 images) every few thousand
// samples during training, and a full one (all 10,000, per image) at each epoch end
// or when asked. Each piece is the core's evaluate on a few hundred images; nothing
// is recomputed here.
import type { CnnDataset, CnnModel } from '../core/cnnlab';
import type { Evaluation, ModelChoice } from './protocol';

/** Images per call into the core (a few ms in WebAssembly). */
const PIECE = 250;

interface Job {
  kind: 'quick' | 'full';
  model: ModelChoice;
  run: number;
  samplesSeen: number;
  epoch: number;
  end: number;
  cursor: number;
  lossSum: number;
  correct: number;
  confusion: Int32Array;
  predictions: Uint8Array | null;
  probs: Float32Array | null;
}

export interface EvaluatorSource {
  test(): { data: CnnDataset; labels: Uint8Array } | null;
  model(choice: ModelChoice): CnnModel | null;
}

export class Evaluator {
  private jobs: Job[] = [];

  constructor(private readonly source: EvaluatorSource) {}

  get pending(): boolean {
    return this.jobs.length > 0;
  }

  /** Queues an evaluation; a newer full evaluation of the same model replaces one still waiting. */
  queue(kind: 'quick' | 'full', model: ModelChoice, count: number, at: { run: number; samplesSeen: number; epoch: number }): void {
    if (kind === 'full') this.jobs = this.jobs.filter((j) => !(j.kind === 'full' && j.model === model && j.cursor === 0));
    this.jobs.push({
      kind,
      model,
      ...at,
      end: count,
      cursor: 0,
      lossSum: 0,
      correct: 0,
      confusion: new Int32Array(100),
      predictions: kind === 'full' ? new Uint8Array(count) : null,
      probs: kind === 'full' ? new Float32Array(count * 10) : null,
    });
  }

  /** Drops the jobs of the network being trained (a new run, a divergence). */
  dropTraining(): void {
    this.jobs = this.jobs.filter((j) => j.model === 'pretrained');
  }

  clear(): void {
    this.jobs = [];
  }

  /** Runs the first job until `deadline` (ms, per `now`); returns a finished evaluation, if any. */
  work(deadline: number, now: () => number): Evaluation | null {
    const job = this.jobs[0];
    if (!job) return null;
    const test = this.source.test();
    const model = this.source.model(job.model);
    if (!test || !model) {
      this.jobs.shift();
      return null;
    }
    const perImage = job.kind === 'full';
    do {
      const count = Math.min(PIECE, job.end - job.cursor);
      const r = model.evaluate(test.data, job.cursor, count, perImage);
      job.lossSum += r.meanLoss * r.count;
      job.correct += r.correct;
      for (let i = 0; i < 100; i++) job.confusion[i]! += r.confusion[i]!;
      if (job.predictions && r.predictions) job.predictions.set(r.predictions, job.cursor);
      if (job.probs && r.probs) job.probs.set(r.probs, job.cursor * 10);
      job.cursor += count;
    } while (job.cursor < job.end && now() < deadline);
    if (job.cursor < job.end) return null;
    this.jobs.shift();
    const count = job.end;
    return {
      kind: job.kind,
      model: job.model,
      run: job.run,
      samplesSeen: job.samplesSeen,
      epoch: job.epoch,
      accuracy: job.correct / count,
      meanLoss: job.lossSum / count,
      count,
      confusion: perImage ? job.confusion : null,
      labels: perImage ? test.labels.slice(0, count) : null,
      predictions: job.predictions,
      probs: job.probs,
    };
  }
}

// The series behind the plots, kept on the page: every loss point (raw) with an
// exponentially smoothed line, and the test accuracy at each evaluation. Pure.

/** Loss per point and its debiased exponential moving average (as TensorBoard smooths). */
export class LossSeries {
  readonly x: number[] = [];
  readonly raw: number[] = [];
  readonly smooth: number[] = [];
  private ema = 0;
  private weight = 0;

  /** beta: weight of the past per point (0.95 ≈ the last 20 points). */
  constructor(readonly beta = 0.95) {}

  get length(): number {
    return this.x.length;
  }

  push(x: number, y: number): void {
    this.x.push(x);
    this.raw.push(y);
    if (Number.isFinite(y)) {
      this.ema = this.beta * this.ema + (1 - this.beta) * y;
      this.weight = this.beta * this.weight + (1 - this.beta);
    }
    this.smooth.push(this.weight > 0 ? this.ema / this.weight : NaN);
  }

  pushAll(xs: ArrayLike<number>, ys: ArrayLike<number>): void {
    for (let i = 0; i < xs.length; i++) this.push(xs[i]!, ys[i]!);
  }

  clear(): void {
    this.x.length = this.raw.length = this.smooth.length = 0;
    this.ema = this.weight = 0;
  }

  /** Drops the points after `x` (a restarted worker goes on from its checkpoint). */
  truncateAfter(x: number): void {
    const keepX = this.x.filter((v) => v <= x);
    const keepY = this.raw.slice(0, keepX.length);
    this.clear();
    this.pushAll(keepX, keepY);
  }
}

export interface AccuracyPoint {
  x: number;
  accuracy: number;
  /** true: all test images (an epoch end); false: the quick slice. */
  full: boolean;
}

export class AccuracySeries {
  readonly points: AccuracyPoint[] = [];

  add(point: AccuracyPoint): void {
    this.points.push(point);
  }

  clear(): void {
    this.points.length = 0;
  }

  truncateAfter(x: number): void {
    const keep = this.points.filter((p) => p.x <= x);
    this.points.length = 0;
    this.points.push(...keep);
  }

  /** One line through every evaluation, sorted by x, in %: at an epoch's end the full one (all test images) stands for both. */
  combined(): { x: number[]; y: number[] } {
    const [x, quick, full] = this.aligned();
    return { x, y: x.map((_, i) => (full[i] ?? quick[i])!) };
  }

  /** uPlot's aligned data: sorted x, quick accuracy (%) or null, full accuracy (%) or null. */
  aligned(): [number[], (number | null)[], (number | null)[]] {
    const sorted = [...this.points].sort((a, b) => a.x - b.x || Number(a.full) - Number(b.full));
    const x: number[] = [];
    const quick: (number | null)[] = [];
    const full: (number | null)[] = [];
    for (const p of sorted) {
      const last = x.length - 1;
      if (last >= 0 && x[last] === p.x) {
        (p.full ? full : quick)[last] = p.accuracy * 100;
        continue;
      }
      x.push(p.x);
      quick.push(p.full ? null : p.accuracy * 100);
      full.push(p.full ? p.accuracy * 100 : null);
    }
    return [x, quick, full];
  }
}

/**
 * Runs' series on one x axis for the overlaid plots: each series thinned to at most
 * `limit` points (evenly by index, the last point kept: a plot shows no more than a
 * point per pixel), then the union of their x values, sorted (a merge: each series'
 * x ascending), and per series its value at each x or null. The work per call is
 * bounded by `limit` and the number of series, however long the runs.
 */
export function alignSeries(
  series: readonly { x: readonly number[]; y: readonly number[] }[],
  limit = Infinity,
): { x: number[]; columns: (number | null)[][] } {
  const thin = series.map(({ x, y }) => {
    if (x.length <= limit) return { x, y };
    const n = Math.max(2, Math.floor(limit));
    const tx: number[] = [];
    const ty: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = k === n - 1 ? x.length - 1 : Math.floor((k * (x.length - 1)) / (n - 1));
      tx.push(x[i]!);
      ty.push(y[i]!);
    }
    return { x: tx, y: ty };
  });
  const xs: number[] = [];
  const columns: (number | null)[][] = thin.map(() => []);
  const at = thin.map(() => 0);
  for (;;) {
    let next = Infinity;
    thin.forEach((s, k) => {
      if (at[k]! < s.x.length && s.x[at[k]!]! < next) next = s.x[at[k]!]!;
    });
    if (next === Infinity) break;
    xs.push(next);
    thin.forEach((s, k) => {
      let value: number | null = null;
      while (at[k]! < s.x.length && s.x[at[k]!] === next) value = s.y[at[k]!++]!; // a repeated x: its last value
      columns[k]!.push(value);
    });
  }
  return { x: xs, columns };
}

// The live plots (uPlot): training loss (raw per point and smoothed) and test
// accuracy. The app hands in new data at most a few times a second (`Plot.set`);
// each plot redraws once per call and follows its container's width. Colours are
// the theme's tokens (ui/theme.css); after a change of theme the plot is rebuilt.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCount } from './format';
import { h } from './dom';
import { onThemeChange, tokenColors } from './theme';

const TOKENS = ['--ink-2', '--line', '--panel', '--plot-raw', '--plot-smooth', '--plot-quick', '--plot-full'] as const;
type Colors = Record<(typeof TOKENS)[number], string>;
/** A loss of 0 has no place on a log axis: it is drawn at this floor. */
export const LOSS_FLOOR = 1e-4;
export const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * The loss axis: log scale, whole decades from 0.01 up to at least 10. The plateau near
 * ln 10 = 2.3, the fall to 0.05 and a diverging run's spike to 10²¹ all stay readable.
 */
export const LOSS_SCALE: uPlot.Scale = {
  distr: 3,
  log: 10,
  range: (_u, min, max) => [
    Math.min(0.01, 10 ** Math.floor(Math.log10(Math.max(min, LOSS_FLOOR)))),
    Math.max(10, 10 ** Math.ceil(Math.log10(Math.max(max, LOSS_FLOOR)))),
  ],
};

function samplesTick(_u: uPlot, values: number[]): string[] {
  return values.map((v) => (v >= 1000 ? `${Number((v / 1000).toFixed(1))}k` : String(v)));
}

function axis(c: Colors, label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    label,
    stroke: c['--ink-2'],
    font: AXIS_FONT,
    labelFont: AXIS_FONT,
    grid: { stroke: c['--line'], width: 1 },
    ticks: { stroke: c['--line'], width: 1 },
    ...extra,
  };
}

abstract class Plot {
  readonly element: HTMLElement;
  protected plot: uPlot;
  private readonly observer: ResizeObserver;
  protected readonly empty: HTMLElement;
  private data: uPlot.AlignedData = [[]];
  /** Off screen (a phone scrolled to the pad): new data waits, nothing is drawn. */
  private visible = true;
  private stale = false;

  constructor(container: HTMLElement, testid: string, title: string, private readonly options: (c: Colors) => Omit<uPlot.Options, 'width' | 'height'>, emptyText: string) {
    const holder = h('div', { class: 'app-plot-canvas' });
    this.empty = h('p', { class: 'app-plot-empty' }, emptyText);
    this.element = h('figure', { class: 'app-plot', testid }, h('figcaption', { class: 'app-plot-title' }, title), holder, this.empty);
    container.append(this.element);
    this.plot = this.make(holder);
    this.observer = new ResizeObserver(() => {
      const w = holder.clientWidth;
      if (w > 0 && Math.abs(w - this.plot.width) > 1) this.plot.setSize({ width: w, height: this.heightFor(w) });
    });
    this.observer.observe(holder);
    onThemeChange(() => {
      this.plot.destroy();
      this.plot = this.make(holder);
    });
    new IntersectionObserver((entries) => {
      this.visible = entries[entries.length - 1]?.isIntersecting ?? true;
      if (this.visible && this.stale) {
        this.stale = false;
        this.plot.setData(this.data);
      }
    }).observe(this.element);
  }

  /** The plot's width in CSS pixels: more points than twice this cannot be seen. */
  protected get width(): number {
    return this.plot.width;
  }

  private make(holder: HTMLElement): uPlot {
    const width = Math.max(200, holder.clientWidth || 400);
    const colors = tokenColors(this.element, TOKENS) as Colors;
    return new uPlot({ ...this.options(colors), width, height: this.heightFor(width) }, this.data, holder);
  }

  private heightFor(width: number): number {
    return Math.round(Math.min(240, Math.max(170, width * 0.42)));
  }

  protected setData(data: uPlot.AlignedData, count: number): void {
    this.data = data;
    if (this.visible) this.plot.setData(data);
    else this.stale = true;
    this.empty.hidden = count > 0;
  }
}

export class LossPlot extends Plot {
  constructor(container: HTMLElement) {
    super(
      container,
      'loss-plot',
      'Training loss L (cross-entropy, log scale) against samples seen',
      (c) => ({
        scales: { x: { time: false }, y: LOSS_SCALE },
        series: [
          { label: 'samples', value: (_u, v) => (v === null ? '–' : formatCount(v)) },
          { label: 'per 100 samples', stroke: c['--plot-raw'], width: 1, points: { show: false }, value: (_u, v) => (v === null ? '–' : v.toFixed(3)) },
          { label: 'smoothed', stroke: c['--plot-smooth'], width: 2.5, points: { show: false }, value: (_u, v) => (v === null ? '–' : v.toFixed(3)) },
        ],
        axes: [axis(c, 'samples seen', { values: samplesTick }), axis(c, 'loss', { size: 48 })],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      }),
      'The loss appears here once training starts.',
    );
  }

  /**
   * The series thinned to about two points per pixel column: each bucket keeps its
   * lowest and highest raw loss (spikes stay visible) and the smoothed value at its
   * end. A 3-epoch run has 1,800 points; redrawing all of them 4× a second took tens
   * of ms on a slow phone while training.
   */
  set(x: number[], raw: number[], smooth: number[]): void {
    const floor = (v: number) => (Number.isFinite(v) ? Math.max(v, LOSS_FLOOR) : v);
    const buckets = Math.max(50, Math.round(this.width));
    if (x.length <= 2 * buckets) {
      this.setData([x, raw.map(floor), smooth.map(floor)], x.length);
      return;
    }
    const xs: number[] = [];
    const rs: number[] = [];
    const ss: number[] = [];
    const per = x.length / buckets;
    for (let b = 0; b < buckets; b++) {
      const from = Math.floor(b * per);
      const to = Math.min(x.length, Math.floor((b + 1) * per));
      if (to <= from) continue;
      let lo = from;
      let hi = from;
      for (let i = from; i < to; i++) {
        if (!(raw[i]! >= raw[lo]!)) lo = i; // NaN (a diverged point) counts as lowest: it is shown as a gap
        if (raw[i]! > raw[hi]!) hi = i;
      }
      for (const i of lo <= hi ? [lo, hi] : [hi, lo]) {
        if (xs.length > 0 && xs[xs.length - 1] === x[i]) continue;
        xs.push(x[i]!);
        rs.push(floor(raw[i]!));
        ss.push(floor(smooth[Math.min(to - 1, i)]!));
      }
    }
    this.setData([xs, rs, ss], x.length);
  }
}

export class AccuracyPlot extends Plot {
  constructor(container: HTMLElement) {
    super(
      container,
      'accuracy-plot',
      'Test accuracy against samples seen',
      (c) => ({
        scales: {
          x: { time: false },
          y: { range: (_u, min) => [Math.max(0, Math.min(80, Math.floor((min ?? 0) / 10) * 10)), 100] },
        },
        series: [
          { label: 'samples', value: (_u, v) => (v === null ? '–' : formatCount(v)) },
          {
            label: '1,000 test images',
            stroke: c['--plot-quick'],
            width: 2,
            spanGaps: true,
            points: { show: true, size: 5, fill: c['--plot-quick'] },
            value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)}%`),
          },
          {
            label: 'all 10,000 (epoch end)',
            stroke: c['--plot-full'],
            width: 0,
            paths: () => null,
            points: { show: true, size: 10, width: 2, fill: c['--panel'], stroke: c['--plot-full'] },
            value: (_u, v) => (v === null ? '–' : `${v.toFixed(2)}%`),
          },
        ],
        axes: [axis(c, 'samples seen', { values: samplesTick }), axis(c, 'accuracy %', { size: 48 })],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      }),
      'Test accuracy appears here after the first evaluation.',
    );
  }

  set(data: [number[], (number | null)[], (number | null)[]]): void {
    this.setData(data, data[0].length);
  }
}

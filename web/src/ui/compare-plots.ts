// The overlaid plots of "Compare runs" (uPlot): one line per run, in the run's
// colour and dash (so the runs stay apart without colour too), on one loss plot
// (smoothed, log scale, as the Training panel's) and one test-accuracy plot. The
// legend is HTML (compareLegend), shared by both plots. The panel hands in data at
// most a few times a second; each plot redraws once per call, follows its
// container's width and draws nothing while off screen.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './compare.css';
import { h } from './dom';
import { formatCount } from './format';
import { AXIS_FONT, LOSS_FLOOR, LOSS_SCALE } from './plots';

/** Each run's dash pattern, by its position (A solid, B dashed, C dotted, D dash-dot). */
export const RUN_DASHES: readonly (readonly number[])[] = [[], [9, 5], [2, 4], [12, 4, 2, 4]];
/** Each run's colour token (compare.css: Okabe–Ito colours, light and dark). */
export const runColorToken = (i: number): string => `--run-${i + 1}`;


/** CSS custom properties as colours a canvas can use, resolved where `host` is. */
function resolveColors(host: Element, names: readonly string[]): string[] {
  const probe = h('span', { hidden: true });
  host.append(probe);
  const out = names.map((name) => {
    probe.style.color = `var(${name}, #808080)`;
    return getComputedStyle(probe).color || '#808080';
  });
  probe.remove();
  return out;
}

function samplesTick(_u: uPlot, values: number[]): string[] {
  return values.map((v) => (v >= 1000 ? `${Number((v / 1000).toFixed(1))}k` : String(v)));
}

/** A run's line in the legend: a short stroke in its colour and dash, then its name. */
export function legendSwatch(index: number): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 36 10');
  svg.setAttribute('width', '36');
  svg.setAttribute('height', '10');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('cmp-swatch');
  const line = document.createElementNS(ns, 'line');
  line.setAttribute('x1', '1');
  line.setAttribute('x2', '35');
  line.setAttribute('y1', '5');
  line.setAttribute('y2', '5');
  line.setAttribute('stroke', `var(${runColorToken(index)})`);
  line.setAttribute('stroke-width', '3');
  const dash = RUN_DASHES[index] ?? [];
  if (dash.length > 0) line.setAttribute('stroke-dasharray', dash.join(' '));
  svg.append(line);
  return svg;
}

type Kind = 'loss' | 'accuracy';

export class OverlayPlot {
  readonly element: HTMLElement;
  private readonly holder: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | null = null;
  private names: string[] = [];
  private data: uPlot.AlignedData = [[]];
  private visible = true;
  private stale = false;

  constructor(
    container: HTMLElement,
    private readonly kind: Kind,
    testid: string,
    title: string,
    emptyText: string,
  ) {
    this.holder = h('div', { class: 'app-plot-canvas' });
    this.empty = h('p', { class: 'app-plot-empty' }, emptyText);
    this.element = h('figure', { class: 'app-plot', testid }, h('figcaption', { class: 'app-plot-title' }, title), this.holder, this.empty);
    container.append(this.element);
    new ResizeObserver(() => {
      const w = this.holder.clientWidth;
      if (this.plot && w > 0 && Math.abs(w - this.plot.width) > 1) this.plot.setSize({ width: w, height: this.heightFor(w) });
    }).observe(this.holder);
    new IntersectionObserver((entries) => {
      this.visible = entries[entries.length - 1]?.isIntersecting ?? true;
      if (this.visible && this.stale) {
        this.stale = false;
        this.plot?.setData(this.data);
      }
    }).observe(this.element);
  }

  private heightFor(width: number): number {
    return Math.round(Math.min(260, Math.max(180, width * 0.45)));
  }

  /** The runs' names (one line each); the plot is made again when they change. */
  setRuns(names: string[]): void {
    if (this.plot && names.length === this.names.length && names.every((n, i) => n === this.names[i])) return;
    this.names = [...names];
    this.rebuild();
  }

  /** Made again with the colours of the theme now (after a change of theme). */
  rebuild(): void {
    this.plot?.destroy();
    const colors = resolveColors(this.element, this.names.map((_, i) => runColorToken(i)));
    const width = Math.max(200, this.holder.clientWidth || 400);
    const ink = resolveColors(this.element, ['--ink-2', '--line']);
    const axis = (label: string, extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
      label,
      stroke: ink[0],
      font: AXIS_FONT,
      labelFont: AXIS_FONT,
      grid: { stroke: ink[1], width: 1 },
      ticks: { stroke: ink[1], width: 1 },
      ...extra,
    });
    const loss = this.kind === 'loss';
    const series: uPlot.Series[] = [
      { label: 'samples', value: (_u, v) => (v === null ? '–' : formatCount(v)) },
      ...this.names.map(
        (name, i): uPlot.Series => ({
          label: name,
          stroke: colors[i],
          width: 2.25,
          dash: [...(RUN_DASHES[i] ?? [])],
          spanGaps: true,
          points: loss ? { show: false } : { show: true, size: 5, fill: colors[i], stroke: colors[i] },
          value: (_u, v) => (v === null ? '–' : loss ? v.toFixed(3) : `${v.toFixed(1)}%`),
        }),
      ),
    ];
    const scales: uPlot.Scales = loss
      ? { x: { time: false }, y: LOSS_SCALE } // log scale, as the Training panel's loss
      : { x: { time: false }, y: { range: (_u, min) => [Math.max(0, Math.min(80, Math.floor((min ?? 0) / 10) * 10)), 100] } };
    this.plot = new uPlot(
      {
        width,
        height: this.heightFor(width),
        scales,
        series,
        axes: [axis('samples seen', { values: samplesTick }), axis(loss ? 'loss' : 'accuracy %', { size: 48 })],
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
      },
      this.data.length === series.length ? this.data : [[], ...this.names.map(() => [])],
      this.holder,
    );
  }

  /** The plot's width in CSS pixels (more points than this cannot be told apart). */
  get width(): number {
    return Math.max(100, Math.round(this.plot?.width ?? 400));
  }

  /** New data: the x values (sorted) and one column per run (null where a run has no point). */
  set(x: number[], columns: (number | null)[][]): void {
    const floor = (v: number | null) => (v === null || !Number.isFinite(v) ? null : this.kind === 'loss' ? Math.max(v, LOSS_FLOOR) : v);
    this.data = [x, ...columns.map((c) => c.map(floor))];
    if (this.visible) this.plot?.setData(this.data);
    else this.stale = true;
    this.empty.hidden = x.length > 0;
  }
}

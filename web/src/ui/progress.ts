// The training readouts: samples seen, epoch, samples per second, time left, and a
// bar for the whole run.
import { formatCount, formatDuration } from './format';
import type { ProgressInfo } from '../worker/protocol';
import type { PageState } from './controls';
import { h } from './dom';

export class ProgressView {
  readonly element: HTMLElement;
  private readonly seen: HTMLElement;
  private readonly epoch: HTMLElement;
  private readonly rate: HTMLElement;
  private readonly left: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly barLabel: HTMLElement;

  constructor(container: HTMLElement) {
    const stat = (label: string, testid: string): [HTMLElement, HTMLElement] => {
      const value = h('dd', { class: 'app-stat-value', testid }, '–');
      return [h('div', { class: 'app-stat' }, h('dt', { class: 'app-stat-label' }, label), value), value];
    };
    const [seenBox, seen] = stat('Samples seen', 'samples-seen');
    const [epochBox, epoch] = stat('Epoch', 'epoch');
    const [rateBox, rate] = stat('Samples / s', 'samples-per-sec');
    const [leftBox, left] = stat('Time left', 'time-left');
    this.seen = seen;
    this.epoch = epoch;
    this.rate = rate;
    this.left = left;
    this.bar = h('progress', { class: 'app-run-bar', max: '1', value: '0', 'aria-labelledby': 'run-bar-label' });
    this.barLabel = h('span', { id: 'run-bar-label', class: 'app-run-bar-label' }, 'Run progress');
    this.element = h(
      'div',
      { class: 'app-progress' },
      h('dl', { class: 'app-stats' }, seenBox, epochBox, rateBox, leftBox),
      h('div', { class: 'app-run' }, this.barLabel, this.bar),
    );
    container.append(this.element);
  }

  update(p: ProgressInfo, state: PageState): void {
    this.seen.textContent = formatCount(p.samplesSeen);
    const current = Math.min(p.epoch + (p.position > 0 || state === 'running' ? 1 : 0), p.epochs);
    this.epoch.textContent = `${Math.max(current, p.epoch)} of ${p.epochs}`;
    const running = state === 'running';
    this.rate.textContent = running && p.samplesPerSec > 0 ? formatCount(p.samplesPerSec) : running ? '…' : '–';
    this.left.textContent = running ? formatDuration(p.secondsLeft) : state === 'done' ? 'done' : '–';
    const total = p.epochs * p.trainSize;
    const done = Math.min(1, (p.epoch * p.trainSize + p.position) / total);
    this.bar.value = done;
    this.barLabel.textContent = `Run: ${Math.round(done * 100)}% of ${p.epochs} × ${formatCount(p.trainSize)} samples`;
  }
}

// "Compare runs": up to four runs side by side, each in its own training worker (its
// own WebAssembly instance, a Session like the Training panel's), started together
// with different settings. One loss plot and one accuracy plot with every run
// overlaid, a table of each run's settings, speed and test accuracy, presets for the
// handout's questions, and the runs in the link (`#compare=`, settings.ts).
//
// The runs are separate from the Training panel's run: they have their own workers,
// made at the first Start (none exists before), and get MNIST through the page's
// shared downloads (data/file-share.ts): one download for every run and the page.
// One thing trains at a time: starting the comparison pauses the Training panel's run
// and the other way round (the app sees to it), so the runs have the cores.
//
// The main thread only keeps the series and redraws: a few times a second, once for
// all the runs (the workers post progress every 150 ms or so).
import type { Checkpoint, EventOf, TrainSettings, WorkerEvent } from '../worker/protocol';
import type { FileProgress } from '../data/file-share';
import { capitalise, formatAccuracy, formatCount } from '../ui/format';
import { h } from '../ui/dom';
import { alignSeries, AccuracySeries, LossSeries } from './series';
import { OverlayPlot, legendSwatch, runColorToken } from '../ui/compare-plots';
import { SettingFields } from '../ui/setting-fields';
import type { PageState } from '../ui/controls';
import { curvesCsv, defaultRuns, presetOf, presetRuns, PRESETS, RUN_LETTERS, runNames, sameRuns, settingsText } from './comparison';
import { MAX_RUNS } from './settings';
import { WorkerClient } from './worker-client';

/** A run's state: 'new' until its worker is made (at its first Start), then the worker's. */
export type RunState = 'new' | PageState;

export interface ComparePanelOptions {
  /** The panel's body (#compare). */
  host: HTMLElement;
  /** The runs of the link, or null: none set up (the first preset is shown). */
  runs: TrainSettings[] | null;
  /** Absolute URL of the folder with the MNIST .gz files. */
  dataUrl: string;
  createWorker(): Worker;
  /** The page's shared downloads (data/file-share.ts). */
  fetchFile(url: string, onProgress?: (progress: FileProgress) => void): Promise<Blob>;
  /** A run is about to train: the app pauses its own run. */
  willTrain(): void;
  /** The runs were changed by the user (the page writes them to the link). */
  changed(runs: TrainSettings[]): void;
}

interface Evaluated {
  accuracy: number;
  samplesSeen: number;
  count: number;
}

/** One run: its settings, its worker, its series, its card and its table row. */
class Run {
  settings: TrainSettings;
  client: WorkerClient | null = null;
  state: RunState = 'new';
  /** What the worker last said (the core's words when diverged). */
  message = '';
  /** A notice from the worker (e.g. not learning), kept until the next reset. */
  notice = '';
  run = 0;
  readonly loss = new LossSeries();
  readonly accuracy = new AccuracySeries();
  samplesSeen = 0;
  epoch = 0;
  epochs = 0;
  samplesPerSec = 0;
  current: Evaluated | null = null;
  best: Evaluated | null = null;
  checkpoint: Checkpoint | null = null;
  /** Start was asked for before the worker was ready. */
  startWanted = false;
  /** Paused by the page (tab hidden, element off screen): goes on when it is back. */
  autoPaused = false;
  /** Start was sent while MNIST was not there yet: the worker is loading it. */
  loadingData = false;
  /** Both halves of MNIST are loaded in its worker. */
  readonly data = { train: false, test: false };

  readonly card: HTMLElement;
  readonly title: HTMLElement;
  readonly swatch: HTMLElement;
  readonly toggle: HTMLButtonElement;
  readonly remove: HTMLButtonElement;
  readonly fields: SettingFields;
  readonly status: HTMLElement;
  readonly restart: HTMLButtonElement;
  readonly row: HTMLTableRowElement;
  readonly cells: Record<'name' | 'settings' | 'samples' | 'rate' | 'accuracy' | 'best' | 'status', HTMLElement>;

  constructor(settings: TrainSettings, uid: number, handlers: { change(run: Run, next: TrainSettings): void; toggle(run: Run): void; remove(run: Run): void; restart(run: Run): void }) {
    this.settings = { ...settings };
    const titleId = `compare-run-${uid}-title`;
    this.swatch = h('span', { class: 'cmp-card-swatch' });
    this.title = h('h3', { class: 'cmp-card-title', id: titleId });
    this.toggle = h('button', { type: 'button', class: 'app-button cmp-card-toggle', testid: 'compare-run-toggle' }, 'Start');
    this.remove = h('button', { type: 'button', class: 'app-button cmp-card-remove', testid: 'compare-run-remove' }, 'Remove');
    this.fields = new SettingFields(settings, { idPrefix: `compare-${uid}-`, testidPrefix: 'compare-', change: (next) => handlers.change(this, next) });
    this.status = h('p', { class: 'cmp-card-status', testid: 'compare-run-status' });
    this.restart = h('button', { type: 'button', class: 'app-button', testid: 'compare-run-restart' }, 'Restart its worker');
    this.restart.hidden = true;
    this.toggle.addEventListener('click', () => handlers.toggle(this));
    this.remove.addEventListener('click', () => handlers.remove(this));
    this.restart.addEventListener('click', () => handlers.restart(this));
    this.card = h(
      'article',
      { class: 'cmp-card', testid: 'compare-run', 'aria-labelledby': titleId },
      h('header', { class: 'cmp-card-head' }, this.swatch, this.title),
      this.fields.element,
      h('div', { class: 'cmp-card-foot' }, this.status, h('div', { class: 'cmp-card-buttons' }, this.restart, this.toggle, this.remove)),
    );
    // Explicit roles: on a phone the rows are laid out as blocks (compare.css), which would drop a table's semantics.
    const cell = (cls: string, label: string) => h('td', { class: cls, role: 'cell', 'data-label': label });
    this.cells = {
      name: h('th', { scope: 'row', role: 'rowheader', class: 'cmp-cell-name' }),
      settings: cell('cmp-cell-settings', 'Settings'),
      samples: cell('cmp-num', 'Samples seen'),
      rate: cell('cmp-num', 'Samples / s'),
      accuracy: cell('cmp-num', 'Test accuracy'),
      best: cell('cmp-num', 'Best'),
      status: cell('cmp-cell-status', 'Status'),
    };
    this.row = h('tr', { testid: 'compare-row', role: 'row' }, ...Object.values(this.cells));
  }

  get training(): boolean {
    return this.state === 'running' || this.startWanted || this.loadingData;
  }

  clearCurves(): void {
    this.loss.clear();
    this.accuracy.clear();
    this.current = this.best = null;
    this.samplesSeen = this.epoch = this.samplesPerSec = 0;
    this.notice = '';
  }
}

const STATE_WORDS: Record<RunState, string> = {
  new: 'not started',
  starting: 'starting',
  idle: 'ready',
  running: 'training',
  paused: 'paused',
  done: 'done',
  diverged: 'diverged',
  crashed: 'crashed',
  fatal: 'cannot run',
};

export class ComparePanel {
  private readonly runs: Run[] = [];
  private nextUid = 1;
  private readonly cards: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tbody: HTMLElement;
  private readonly note: HTMLElement;
  private readonly total: HTMLElement;
  private readonly presetButtons: HTMLButtonElement[];
  private readonly buttons: Record<'start' | 'pause' | 'reset' | 'add' | 'csv', HTMLButtonElement>;
  private readonly lossPlot: OverlayPlot;
  private readonly accuracyPlot: OverlayPlot;
  private dirty = true;
  private readonly timer: number;
  private readonly downloads = new Map<string, FileProgress>();
  private suspended = false;

  constructor(private readonly options: ComparePanelOptions) {
    const host = options.host;
    this.presetButtons = PRESETS.map((preset) => {
      const b = h('button', { type: 'button', class: 'app-button cmp-preset', testid: `compare-preset-${preset.id}`, title: preset.question, 'aria-pressed': 'false' }, preset.title);
      b.addEventListener('click', () => {
        this.replaceRuns(presetRuns(preset));
        this.options.changed(this.settings());
      });
      return b;
    });
    const button = (key: string, label: string, cls = '') => h('button', { type: 'button', class: `app-button ${cls}`, testid: `compare-${key}` }, label);
    this.buttons = {
      start: button('start', 'Start all', 'app-button-primary'),
      pause: button('pause', 'Pause all'),
      reset: button('reset', 'Reset'),
      add: button('add', 'Add a run'),
      csv: button('csv', 'Download the curves (CSV)'),
    };
    this.buttons.start.addEventListener('click', () => this.startAll());
    this.buttons.pause.addEventListener('click', () => this.pauseAll());
    this.buttons.reset.addEventListener('click', () => this.resetAll());
    this.buttons.add.addEventListener('click', () => {
      const last = this.runs[this.runs.length - 1];
      this.addRun(last ? last.settings : defaultRuns()[0]!);
      this.renumber();
      this.options.changed(this.settings());
    });
    this.buttons.csv.addEventListener('click', () => this.downloadCsv());

    this.note = h('p', { class: 'app-note cmp-note', testid: 'compare-note' });
    // On a phone the cards are a strip that scrolls sideways (compare.css): the plots stay near.
    this.cards = h('div', { class: 'cmp-cards', role: 'group', 'aria-label': 'The runs’ settings' });
    this.legend = h('ul', { class: 'cmp-legend', testid: 'compare-legend', 'aria-label': 'The runs’ lines' });
    const plots = h('div', { class: 'cmp-plots app-plots' });
    this.lossPlot = new OverlayPlot(plots, 'loss', 'compare-loss-plot', 'Training loss L (smoothed, log scale) against samples seen', 'The runs’ losses appear here once they train.');
    this.accuracyPlot = new OverlayPlot(plots, 'accuracy', 'compare-accuracy-plot', 'Test accuracy against samples seen', 'Test accuracy appears here after the first evaluations.');
    this.tbody = h('tbody', { role: 'rowgroup' });
    const head = (text: string, title = '') => h('th', { scope: 'col', role: 'columnheader', title: title || undefined }, text);
    const table = h(
      'table',
      { class: 'cmp-table', testid: 'compare-table', role: 'table' },
      h('caption', { class: 'cl-sr' }, 'The runs side by side: settings, speed, test accuracy and state'),
      h(
        'thead',
        { role: 'rowgroup' },
        h(
          'tr',
          { role: 'row' },
          head('Run'),
          head('Settings'),
          head('Samples seen'),
          head('Samples / s', 'measured by each run’s worker over its last two seconds'),
          head('Test accuracy', 'the newest evaluation: 1,000 test images every 2,000 samples, all 10,000 at each epoch’s end'),
          head('Best', 'the highest of the run’s evaluations'),
          head('Status'),
        ),
      ),
      this.tbody,
    );
    this.total = h('p', { class: 'app-note cmp-total', testid: 'compare-total' });
    host.append(
      h(
        'p',
        { class: 'cmp-intro' },
        'Up to four runs side by side, each in its own worker with its own copy of the network, started together with different settings. ' +
          'MNIST is downloaded once for all of them. Starting them pauses the Training panel’s run, so they have the cores.',
      ),
      h('div', { class: 'cmp-presets', role: 'group', 'aria-label': 'Presets: the handout’s questions' }, h('span', { class: 'cmp-presets-label' }, 'Presets:'), ...this.presetButtons),
      h('div', { class: 'app-buttons cmp-actions', role: 'group', 'aria-label': 'All runs' }, ...Object.values(this.buttons)),
      this.note,
      this.cards,
      this.legend,
      plots,
      h('div', { class: 'cmp-table-box' }, table),
      this.total,
    );

    for (const settings of options.runs ?? defaultRuns()) this.addRun(settings);
    this.renumber();
    this.timer = window.setInterval(() => this.tick(), 250);
  }

  /** The runs' settings now. */
  settings(): TrainSettings[] {
    return this.runs.map((r) => ({ ...r.settings }));
  }

  /** Some run trains or is about to (MNIST on its way for a Start). */
  get training(): boolean {
    return this.runs.some((r) => r.training);
  }

  /** New runs from outside (a link opened, Back): the cards take them; runs that had a worker start afresh. */
  setRuns(runs: TrainSettings[] | null): void {
    const next = runs ?? defaultRuns();
    if (!sameRuns(next, this.settings())) this.replaceRuns(next);
  }

  /** Stops every worker (the element was removed). */
  destroy(): void {
    window.clearInterval(this.timer);
    for (const run of this.runs) run.client?.stop();
  }

  // ------------------------------------------------------------ runs

  private addRun(settings: TrainSettings): Run {
    const run = new Run(settings, this.nextUid++, {
      change: (r, next) => this.changeRun(r, next),
      toggle: (r) => (r.training ? this.pause(r) : this.startRuns([r])),
      remove: (r) => this.removeRun(r),
      restart: (r) => this.restartRun(r),
    });
    this.runs.push(run);
    this.cards.append(run.card);
    this.tbody.append(run.row);
    return run;
  }

  private removeRun(run: Run): void {
    if (this.runs.length <= 1) return;
    run.client?.stop();
    run.card.remove();
    run.row.remove();
    this.runs.splice(this.runs.indexOf(run), 1);
    this.renumber();
    this.options.changed(this.settings());
  }

  /** The cards take these runs (a preset, a link): a run with a worker starts afresh with its new settings. */
  private replaceRuns(list: TrainSettings[]): void {
    while (this.runs.length > list.length) {
      const run = this.runs.pop()!;
      run.client?.stop();
      run.card.remove();
      run.row.remove();
    }
    list.forEach((settings, i) => {
      const run = this.runs[i];
      if (!run) {
        this.addRun(settings);
        return;
      }
      run.settings = { ...settings };
      run.fields.set(settings);
      this.resetRun(run);
    });
    this.renumber();
  }

  private changeRun(run: Run, next: TrainSettings): void {
    run.settings = { ...next };
    // λ, batch and epochs apply at once; f, pooling, seed and the training set start a new run (the worker decides).
    run.client?.send({ type: 'configure', settings: next });
    this.renumber();
    this.options.changed(this.settings());
  }

  /** Letters, colours and names follow the runs' order; the plots get one line per run. */
  private renumber(): void {
    const names = runNames(this.runs.map((r) => r.settings));
    this.legend.replaceChildren(
      ...this.runs.map((_, i) => h('li', { class: 'cmp-legend-item', testid: 'compare-legend-item' }, legendSwatch(i), h('span', {}, names[i]!))),
    );
    this.runs.forEach((run, i) => {
      const letter = RUN_LETTERS[i]!;
      run.card.style.setProperty('--run', `var(${runColorToken(i)})`);
      run.row.style.setProperty('--run', `var(${runColorToken(i)})`);
      run.card.dataset['run'] = letter;
      run.row.dataset['run'] = letter;
      run.swatch.replaceChildren(legendSwatch(i));
      run.title.textContent = names[i]!;
      run.cells.name.replaceChildren(legendSwatch(i), h('span', {}, names[i]!));
      run.cells.settings.textContent = settingsText(run.settings);
      run.remove.setAttribute('aria-label', `Remove run ${letter}`);
      run.toggle.setAttribute('aria-label', `${run.toggle.textContent ?? ''} run ${letter}`);
    });
    this.lossPlot.setRuns(names);
    this.accuracyPlot.setRuns(names);
    const preset = presetOf(this.runs.map((r) => r.settings));
    this.presetButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(PRESETS[i] === preset)));
    this.dirty = true;
    this.tick();
  }

  // ------------------------------------------------------------ commands

  private startAll(): void {
    this.startRuns(this.runs);
  }

  private startRuns(runs: Run[]): void {
    const startable = runs.filter((r) => r.state === 'new' || r.state === 'idle' || r.state === 'paused' || r.state === 'starting');
    if (startable.length === 0) return;
    this.options.willTrain();
    for (const run of startable) {
      run.autoPaused = false;
      if (this.suspended) {
        run.autoPaused = true; // goes on when the page is back in view
        continue;
      }
      if (!run.client) this.startWorker(run, null);
      if (run.state === 'new' || run.state === 'starting') run.startWanted = true;
      else this.sendStart(run);
    }
    this.dirty = true;
    this.tick();
  }

  /** Start to a worker that is ready; it loads MNIST first if it has not yet. */
  private sendStart(run: Run): void {
    run.loadingData = !(run.data.train && run.data.test);
    run.client?.send({ type: 'start' });
  }

  private pause(run: Run): void {
    run.startWanted = false;
    run.autoPaused = false;
    run.loadingData = false;
    run.client?.send({ type: 'pause' });
    this.dirty = true;
  }

  /** Pauses every run (`why`: said in the panel's note). */
  pauseAll(why = ''): void {
    for (const run of this.runs) if (run.training || run.autoPaused) this.pause(run);
    if (why) this.say(why);
    this.tick();
  }

  private resetRun(run: Run): void {
    run.startWanted = false;
    run.autoPaused = false;
    run.clearCurves();
    run.checkpoint = null;
    run.client?.send({ type: 'reset', settings: run.settings });
    this.dirty = true;
  }

  private resetAll(): void {
    for (const run of this.runs) this.resetRun(run);
    this.say('');
    this.tick();
  }

  /** The tab hidden or the element off screen: running runs pause, and go on when it is back. */
  setSuspended(on: boolean): void {
    if (on === this.suspended) return;
    this.suspended = on;
    for (const run of this.runs) {
      if (on && run.training) {
        run.client?.send({ type: 'pause' });
        run.startWanted = run.loadingData = false;
        run.autoPaused = true;
      } else if (!on && run.autoPaused) {
        run.autoPaused = false;
        this.startRuns([run]);
      }
    }
    this.dirty = true;
  }

  private downloadCsv(): void {
    const csv = curvesCsv(this.runs.map((r) => ({ settings: r.settings, lossX: r.loss.x, lossY: r.loss.raw, accuracy: r.accuracy.points })));
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const a = h('a', { href: url, download: 'cnnlab-comparison.csv' });
    a.hidden = true;
    this.note.after(a); // in the document: some browsers ignore a click on a detached link
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  private say(text: string): void {
    if (this.note.textContent !== text) this.note.textContent = text;
  }

  // ------------------------------------------------------------ workers

  private startWorker(run: Run, resume: Checkpoint | null): void {
    run.state = 'starting';
    run.loadingData = false;
    run.data.train = run.data.test = false;
    const client = new WorkerClient(this.options.createWorker, {
      onEvent: (e) => {
        if (run.client === client) this.onEvent(run, e);
      },
      onCrash: (reason) => {
        if (run.client !== client) return;
        run.state = 'crashed';
        run.startWanted = false;
        run.message = `Its worker ${reason}.`;
        this.dirty = true;
      },
      fetchFile: (url) => this.fetchFile(url),
    });
    run.client = client;
    client.start({
      type: 'init',
      dataUrl: this.options.dataUrl,
      weightsUrl: null, // a comparison run only trains
      settings: run.settings,
      resume: resume ? { ...resume, bytes: resume.bytes.slice() } : null, // keep our copy
      run: run.run,
    });
  }

  private restartRun(run: Run): void {
    const cp = run.checkpoint && run.checkpoint.run === run.run ? run.checkpoint : null;
    if (cp) {
      run.loss.truncateAfter(cp.samplesSeen);
      run.accuracy.truncateAfter(cp.samplesSeen);
    } else run.clearCurves();
    this.startWorker(run, cp);
    this.dirty = true;
  }

  /** MNIST (and the .wasm) through the page's one download per file; the panel shows MNIST's progress. */
  private fetchFile(url: string): Promise<Blob> {
    if (!url.startsWith(this.options.dataUrl)) return this.options.fetchFile(url);
    return this.options.fetchFile(url, (p) => {
      this.downloads.set(url, p);
      this.dirty = true;
    });
  }

  private onEvent(run: Run, e: WorkerEvent): void {
    this.dirty = true;
    switch (e.type) {
      case 'fatal':
        run.state = 'fatal';
        run.startWanted = false;
        run.message = e.message;
        return;
      case 'data':
        run.data[e.split] = e.ok;
        if (!e.ok) {
          run.loadingData = false;
          run.notice = `MNIST could not be loaded: ${e.message}`;
        }
        return;
      case 'state':
        return this.onState(run, e);
      case 'progress':
        this.followRun(run, e.progress.run);
        run.loss.pushAll(e.lossX, e.lossY);
        run.samplesSeen = e.progress.samplesSeen;
        run.epoch = e.progress.epoch;
        run.epochs = e.progress.epochs;
        run.samplesPerSec = e.progress.samplesPerSec;
        return;
      case 'evaluation': {
        const v = e.evaluation;
        if (v.model !== 'training' || v.run !== run.run) return;
        run.accuracy.add({ x: v.samplesSeen, accuracy: v.accuracy, full: v.kind === 'full' });
        const point = { accuracy: v.accuracy, samplesSeen: v.samplesSeen, count: v.count };
        if (!run.current || v.samplesSeen >= run.current.samplesSeen) run.current = point;
        if (!run.best || v.accuracy > run.best.accuracy) run.best = point;
        return;
      }
      case 'checkpoint':
        if (e.checkpoint.run >= run.run) run.checkpoint = e.checkpoint;
        return;
      case 'notice':
        run.notice = e.message;
        return;
      default:
        return;
    }
  }

  private onState(run: Run, e: EventOf<'state'>): void {
    this.followRun(run, e.progress.run);
    const wasStarting = run.state === 'starting';
    run.state = e.state;
    run.message = e.message;
    run.samplesSeen = e.progress.samplesSeen;
    run.epoch = e.progress.epoch;
    run.epochs = e.progress.epochs;
    run.samplesPerSec = e.progress.samplesPerSec;
    if (e.state !== 'idle' && e.state !== 'paused') run.loadingData = false;
    // (The card keeps what the user set: its fields check every value as the core does, and a
    // change the worker refuses comes back as a notice on the card.)
    if (wasStarting && run.startWanted && (e.state === 'idle' || e.state === 'paused')) {
      run.startWanted = false;
      if (this.suspended) run.autoPaused = true;
      else this.sendStart(run);
    }
  }

  /** An event of a newer run (after a reset or a change that needs a new network): its curves start again. */
  private followRun(run: Run, number: number): void {
    if (number === run.run) return;
    run.run = number;
    run.clearCurves();
  }

  // ------------------------------------------------------------ drawing, a few times a second

  private tick(): void {
    if (!this.dirty) return;
    this.dirty = false;
    // Each run's loss thinned to a point per pixel before the lines are put on one axis: the work per redraw does not grow with the runs.
    const loss = alignSeries(
      this.runs.map((r) => ({ x: r.loss.x, y: r.loss.smooth })),
      this.lossPlot.width,
    );
    this.lossPlot.set(loss.x, loss.columns);
    const accuracy = alignSeries(this.runs.map((r) => r.accuracy.combined()));
    this.accuracyPlot.set(accuracy.x, accuracy.columns);

    let total = 0;
    let running = 0;
    this.runs.forEach((run, i) => {
      const status = this.statusText(run);
      const rate = run.state === 'running' ? run.samplesPerSec : 0;
      if (run.state === 'running') {
        running++;
        total += rate;
      }
      const c = run.cells;
      setText(c.samples, formatCount(run.samplesSeen));
      setText(c.rate, rate > 0 ? formatCount(rate) : '–');
      setText(c.accuracy, run.current ? formatAccuracy(run.current.accuracy) : '–');
      setText(c.best, run.best ? formatAccuracy(run.best.accuracy) : '–');
      setText(c.status, status);
      const evaluated = (e: Evaluated | null) => (e ? `${formatCount(e.count)} test images after ${formatCount(e.samplesSeen)} samples` : '');
      setAttr(c.accuracy, 'title', evaluated(run.current));
      setAttr(c.best, 'title', evaluated(run.best));
      // The row's figures as data, for scripts (and the browser tests): state, samples seen, samples/s, accuracy now and best, images of that test.
      setAttr(run.row, 'data-state', run.state);
      setAttr(run.row, 'data-samples', String(run.samplesSeen));
      setAttr(run.row, 'data-rate', String(Math.round(rate)));
      setAttr(run.row, 'data-accuracy', run.current ? String(run.current.accuracy) : '');
      setAttr(run.row, 'data-best', run.best ? String(run.best.accuracy) : '');
      setAttr(run.row, 'data-tested', run.current ? String(run.current.count) : '0');
      setAttr(run.card, 'data-state', run.state);
      setText(run.status, capitalise(status));
      run.restart.hidden = run.state !== 'crashed';
      const label = run.training ? 'Pause' : run.state === 'paused' ? 'Continue' : 'Start';
      setText(run.toggle, label);
      setAttr(run.toggle, 'aria-label', `${label} run ${RUN_LETTERS[i]}`);
      run.toggle.disabled = !run.training && !['new', 'idle', 'paused'].includes(run.state);
      run.remove.disabled = this.runs.length <= 1;
      run.fields.disabled = run.state === 'starting' || run.state === 'crashed' || run.state === 'fatal';
    });
    const any = (f: (r: Run) => boolean) => this.runs.some(f);
    this.buttons.start.disabled = !any((r) => !r.training && ['new', 'idle', 'paused'].includes(r.state));
    this.buttons.pause.disabled = !any((r) => r.training || r.autoPaused);
    this.buttons.reset.disabled = !any((r) => r.client !== null);
    this.buttons.add.disabled = this.runs.length >= MAX_RUNS;
    this.buttons.csv.disabled = !any((r) => r.loss.length > 0);

    const cores = navigator.hardwareConcurrency || 0;
    const coresText = cores > 0 ? ` on this computer’s ${cores} logical core${cores === 1 ? '' : 's'}` : '';
    setText(
      this.total,
      running > 1
        ? `Together: ${formatCount(total)} samples/s, ${running} runs in parallel${coresText}` +
            (cores > 0 && running > cores ? ` (more runs than cores: they share them, each at about ${Math.round((100 * cores) / running)}% of its speed alone).` : '.')
        : running === 1
          ? `One run training: ${formatCount(total)} samples/s.`
          : `Each run trains in its own worker${coresText}: up to ${Math.min(MAX_RUNS, Math.max(1, cores))} at full speed side by side.`,
    );
    setAttr(this.total, 'data-total', String(Math.round(total)));
    this.showDownloads();
  }

  private statusText(run: Run): string {
    if (run.state === 'diverged') return `diverged: ${run.message.replace(/^training diverged /i, '')}`;
    if (run.state === 'crashed' || run.state === 'fatal') return run.message;
    if (run.startWanted) return 'starting its worker…';
    if (run.loadingData) return 'loading MNIST…';
    if (run.state === 'running') return `training: epoch ${Math.min(run.epoch + 1, run.epochs)} of ${run.epochs}`;
    if (run.state === 'done') {
      const done = `done: ${run.epochs} epoch${run.epochs === 1 ? '' : 's'}`;
      // The epoch's end queues an evaluation on all the test images: it comes a moment later.
      const final = run.current && run.current.samplesSeen === run.samplesSeen && run.current.count > 1000;
      return final ? done : `${done}; testing on all the test images…`;
    }
    if (run.notice) return `${STATE_WORDS[run.state]}. ${run.notice}`;
    return run.autoPaused ? 'paused while out of sight' : STATE_WORDS[run.state];
  }

  private showDownloads(): void {
    const all = [...this.downloads.values()];
    if (all.length === 0) return;
    if (all.every((d) => d.total !== null && d.loaded >= d.total)) {
      this.downloads.clear();
      if (/^Downloading MNIST/.test(this.note.textContent ?? '')) this.say('');
      return;
    }
    const known = all.every((d) => d.total !== null);
    const loaded = all.reduce((sum, d) => sum + d.loaded, 0);
    const total = all.reduce((sum, d) => sum + (d.total ?? 0), 0);
    this.say(known ? `Downloading MNIST: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB (once for every run)…` : 'Downloading MNIST (once for every run)…');
    this.dirty = true;
  }
}

function setText(e: HTMLElement, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

/** Sets an attribute only when it changes (a few times a second for every run: no needless style work). */
function setAttr(e: HTMLElement, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

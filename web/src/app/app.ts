// The app: wires the panels to the training worker. The main thread never
// trains: it sends requests, keeps the series for the plots and the newest
// checkpoint of the run (for a crashed worker), and redraws a few times a second.
// The run itself — samples seen, epochs, λ, divergence — is the core's; the app
// shows what the worker reports of it.
// It mounts into any root that holds the panel skeleton of index.html (ids looked
// up inside that root): the full page (main.ts: the document, options in the URL
// hash) and the <cnn-lab> element (embed/cnn-lab.ts: a shadow root, options from
// attributes) are its two users. Each App owns its own training worker.
import type { EventOf, ModelChoice, PretrainedInfo, ProgressInfo, Checkpoint, DataSplit, WorkerEvent, TrainSettings } from '../worker/protocol';
import { pageFiles, type FileProgress } from '../data/file-share';
import { Controls, type PageState } from '../ui/controls';
import { DIVERGENCE, LIMITS } from '../core/limits';
import { errorText } from '../core/util';
import { AugmentView } from '../ui/augment-view';
import { capitalise, formatCount, formatNumber } from '../ui/format';
import { AccuracyPlot, LossPlot } from '../ui/plots';
import { ProgressView } from '../ui/progress';
import { StatusArea } from '../ui/status';
import { TestView } from '../ui/test-view';
import { h } from '../ui/dom';
import { scrollBehavior } from '../ui/motion';
import { DrawPanel } from './draw-panel';
import { NetworkPanel } from './network-panel';
import { AccuracySeries, LossSeries } from './series';
import { formatHash, PANELS, type PageOptions, type Panel } from './settings';
import type { TestHooks } from './test-hooks';
import { WorkerClient } from './worker-client';
import { createTrainingWorker } from './training-worker';
import { Teaching } from './teaching';
import { discardsRun, dueForSave, offerText, runKey, runStore, toSaved, worthKeeping, type SavedRun } from './run-store';
import { askInPage } from '../ui/confirm-dialog';
import { formatHash as hashOf } from './settings';
import { WeightsPanel } from './weights-panel';
import { ComparePanel } from './compare-panel';
import { WhyPanel } from './why-panel';
import { dataFix, readyText, shownPanels, wasmFix, workerBlockedText, type Shown } from './texts';

/** A split of MNIST as the page knows it: not asked for, on its way, there, failed (tried again when asked again). */
type DataState = 'none' | 'loading' | 'ready' | 'failed';

/** Why training is paused by the app rather than by the user. */
export type SuspendReason = 'hidden' | 'offscreen';

export interface AppOptions {
  /** Holds the panel skeleton of index.html (#status, #panel-*, #training, …). */
  root: Document | ShadowRoot | HTMLElement;
  /** Gets `data-state` (the page: <body>; the element: the element). */
  stateHost: HTMLElement;
  /** Settings, model and hidden panels at start. */
  options: PageOptions;
  /** Absolute URL of the folder that holds data/mnist/ and models/. */
  assetBase: string;
  /** Absolute URL of the pretrained weights (default: models/cnnlab-default.json under assetBase). */
  weightsUrl?: string;
  /** Start training once the demo is in view (MNIST is downloaded then, not before). */
  autoplay?: boolean;
  /** The demo's name where several share a page ('cnnlab 2'): it makes the status landmark's name unique. */
  name?: string;
  /**
   * Keep the run in IndexedDB (app/run-store.ts) and offer to resume it after a
   * reload; ask before Back/Forward discards it (the page, not <cnn-lab>).
   */
  keepRun?: boolean;
  /** The element: off screen until its IntersectionObserver says otherwise (autoplay waits for it). */
  startsOffscreen?: boolean;
  /** The full page (a developer's checkout) or an embed (a teacher's host): the wording of fixes. */
  where?: 'page' | 'embed';
  /** "Inside the network" starts from this test image (loads the test set, 1.6 MB), not the drawing. */
  testImage?: number | null;
  /** Called once the first view is complete (the worker is ready, the test image shown): the element stops holding its reserved space. */
  onSettled?(): void;
  /** The options changed through the controls (the page writes them to the hash). */
  onOptionsChange?(options: PageOptions): void;
  /** The training worker is up, its module and the pretrained weights downloaded (each restart calls it again). */
  onWorkerReady?(): void;
}

const TEST_COUNT_FALLBACK = 10000;

export class App {
  /** Hooks for browser tests: window.__cnnlab on the page, element methods on <cnn-lab>. */
  readonly hooks: TestHooks;
  private page: PageOptions;
  private state: PageState = 'starting';
  private readonly data: Record<DataSplit, DataState> = { train: 'none', test: 'none' };
  /** Downloads this app waits for (MNIST through the page's shared downloads), by URL. */
  private readonly downloads = new Map<string, FileProgress>();
  private readonly where: 'page' | 'embed';
  private testImage: number | null;
  private onSettled: (() => void) | null;
  private pretrained: PretrainedInfo | null = null;
  private run = 0;
  private checkpoint: Checkpoint | null = null;
  private readonly loss = new LossSeries();
  private readonly accuracy = new AccuracySeries();
  private plotsDirty = false;
  private autoPaused = false;
  private readonly suspended = new Set<SuspendReason>();
  private autoplayPending: boolean;
  private readonly timers: number[] = [];
  /** The current worker has sent something: its module loaded. */
  private workerAnswered = false;
  private readonly onVisibilityChange = (): void => this.setSuspended('hidden', document.hidden);
  private testCount = TEST_COUNT_FALLBACK;
  private readonly keepRun: boolean;
  private offeredSaved = false;
  private lastSavedAt = 0;
  private savedKey: string | null = null;
  private samplesSeen = 0;
  private readonly onPageHide = (): void => this.saveRun(true);

  private readonly client: WorkerClient;
  private readonly status: StatusArea;
  private readonly controls: Controls;
  private readonly progressView: ProgressView;
  private readonly lossPlot: LossPlot;
  private readonly accuracyPlot: AccuracyPlot;
  private readonly testView: TestView;
  private readonly drawPanel: DrawPanel;
  private readonly networkPanel: NetworkPanel;
  private readonly whyPanel: WhyPanel | null;
  private readonly augmentView: AugmentView;
  private augmentAsking = false;
  private readonly kernelNote: HTMLElement;
  private readonly teaching: Teaching | null;
  /** A weights file loaded as the draw pad's network: a restarted worker gets it again. */
  private pretrainedFile: File | null = null;
  /** "Compare runs" (its own workers), made when its panel is first shown. */
  private compare: ComparePanel | null = null;

  private readonly dataUrl: string;
  private readonly weightsUrl: string;
  private readonly root: AppOptions['root'];
  private readonly stateHost: HTMLElement;
  private readonly onOptionsChange: (options: PageOptions) => void;
  private readonly onWorkerReady: () => void;

  constructor(options: AppOptions) {
    this.root = options.root;
    this.stateHost = options.stateHost;
    this.onOptionsChange = options.onOptionsChange ?? (() => {});
    this.onWorkerReady = options.onWorkerReady ?? (() => {});
    this.autoplayPending = options.autoplay ?? false;
    this.keepRun = options.keepRun ?? false;
    this.where = options.where ?? 'page';
    this.testImage = options.testImage ?? null;
    this.onSettled = options.onSettled ?? null;
    if (options.startsOffscreen) this.suspended.add('offscreen');
    this.dataUrl = new URL('data/mnist/', options.assetBase).href;
    this.weightsUrl = options.weightsUrl ?? new URL('models/cnnlab-default.json', options.assetBase).href;
    const byId = (id: string): HTMLElement => this.byId(id);
    this.page = options.options;
    this.applyHidden(this.page.hidden);

    this.status = new StatusArea(byId('status'), options.name ? `Status of ${options.name}` : 'Status');
    this.controls = new Controls(byId('training'), this.page.settings, {
      start: () => this.start(),
      pause: () => {
        this.autoPaused = false;
        this.client.send({ type: 'pause' });
      },
      step: () => {
        this.autoPaused = false;
        this.client.send({ type: 'step' });
      },
      reset: () => this.reset(),
      change: (settings) => this.changeSettings(settings),
    });
    this.progressView = new ProgressView(byId('training'));
    this.augmentView = new AugmentView(byId('training'), LIMITS.augmentPreviewCount.default);
    if (!this.page.hidden.includes('training')) this.status.addAction(this.controls.quick);

    const plots = byId('plots');
    this.lossPlot = new LossPlot(plots);
    this.accuracyPlot = new AccuracyPlot(plots);

    const request: WorkerClient['request'] = (ask, timeoutMs) => this.client.request(ask, timeoutMs);
    this.networkPanel = new NetworkPanel(byId('network'), {
      request,
      ready: () => this.client.running && this.state !== 'starting',
      model: () => this.page.model,
      testCount: () => this.testCount,
      wantDrawing: () => this.drawPanel.predict(),
      shown: () => this.shown(),
      sourceChanged: () => this.whyPanel?.refresh(),
    });
    this.drawPanel = new DrawPanel(
      byId('draw'),
      {
        request,
        canPredict: () => this.client.running && this.state !== 'starting' && this.state !== 'fatal',
        running: () => this.client.running,
        model: () => this.page.model,
        chooseModel: (model) => this.chooseModel(model),
        testCount: () => this.testCount,
        networkShown: () => !this.page.hidden.includes('network'),
        drawingChanged: () => this.whyPanel?.refresh(),
        whyShown: () => this.shown().has('why') && this.root.querySelector('#panel-why') !== null,
        showWhy: () => {
          this.networkPanel.followDrawing();
          this.byId('panel-why').scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
        },
      },
      this.networkPanel,
    );

    // Why this answer (app/why-panel.ts): the same input as "Inside the network".
    const whyHost = this.root.querySelector<HTMLElement>('#why');
    this.whyPanel = whyHost
      ? new WhyPanel(whyHost, {
          request,
          ready: () => this.client.running && this.state !== 'starting' && this.state !== 'fatal' && this.shown().has('why'),
          running: () => this.client.running,
          source: () => {
            const s = this.networkPanel.source;
            return s.kind === 'test' ? s : { kind: 'drawing', image: this.drawPanel.drawing };
          },
          model: () => this.page.model,
          shown: () => this.shown(),
          useImage: (pixels) => {
            this.drawPanel.showImage(Float32Array.from(pixels, (v) => v / 255));
            this.networkPanel.followDrawing();
            this.byId('panel-draw').scrollIntoView({ behavior: scrollBehavior(), block: 'nearest' });
          },
        })
      : null;

    // Backprop step by step, the gradient check and "teach it your digit" (app/teaching.ts).
    const backpropHost = this.root.querySelector<HTMLElement>('#backprop');
    this.teaching = !backpropHost
      ? null
      : new Teaching(
        { backprop: backpropHost, draw: this.drawPanel.host },
        {
          request,
          source: () => {
            const s = this.networkPanel.source;
            return s.kind === 'test' ? s : { kind: 'drawing', image: this.drawPanel.drawing };
          },
          drawing: () => this.drawPanel.drawing,
          model: () => this.page.model,
          modelChanged: () => this.refreshPredictions(),
          shown: () => this.shown(),
        },
      );

    this.testView = new TestView(byId('test'), {
      images: async (indices) => {
        const r = await this.client.request({ type: 'test-images', indices });
        return { indices: r.indices, labels: r.labels, pixels: r.pixels };
      },
      inspect: (index) => {
        void this.networkPanel.showTestImage(index);
        // A test image (a mistake, most often) goes to "Why this answer?" when it is shown, and to "Inside the network" below it.
        const to = this.shown().has('why') ? 'panel-why' : 'panel-network';
        this.byId(to).scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
      },
      canInspect: () => this.shown().has('network') || this.shown().has('why'),
    });
    const evalButton = (model: ModelChoice, label: string) => {
      const b = h('button', { type: 'button', class: 'app-button', testid: `eval-${model}` }, label);
      b.addEventListener('click', () => this.client.send({ type: 'evaluate', model }));
      return b;
    };
    byId('test-actions').append(evalButton('pretrained', 'Evaluate the pretrained weights'), evalButton('training', 'Evaluate the network being trained'));

    this.kernelNote = byId('kernel');

    new WeightsPanel(byId('weights'), {
      request,
      ready: () => this.client.running && this.state !== 'starting' && this.state !== 'crashed' && this.state !== 'fatal',
      loaded: (model, file, config) => {
        if (model === 'pretrained') {
          this.pretrained = { ok: true, activation: config.activation, pooling: config.pooling };
          this.pretrainedFile = file;
          this.drawPanel.pretrainedInfo(this.pretrained, file.name);
        }
        this.refreshPredictions();
      },
    });

    this.client = new WorkerClient(createTrainingWorker, {
      onEvent: (e) => this.onEvent(e),
      onCrash: (reason) => this.onCrash(reason),
      fetchFile: (url) => this.fetchFile(url),
    });

    this.hooks = {
      lossSeries: () => [...this.loss.raw],
      accuracySeries: () => this.accuracy.points.map((p) => p.accuracy),
      state: () => this.state,
      dataState: () => this.dataState(),
      checkpointSamples: () => this.checkpoint?.samplesSeen ?? -1,
      configure: (settings: Partial<TrainSettings>) => this.client.send({ type: 'configure', settings: { ...this.controls.current, ...settings } }),
    };

    document.addEventListener('visibilitychange', this.onVisibilityChange);
    if (document.hidden) this.suspended.add('hidden');
    this.timers.push(
      window.setInterval(() => this.tick(), 250),
      window.setInterval(() => this.refreshWhileTraining(), 700),
      // "What the network trains on" follows the sample just trained, about 3 times a second.
      window.setInterval(() => this.state === 'running' && this.refreshAugment(), 330),
    );

    this.setState('starting');
    this.status.say('Starting the training worker…');
    this.startWorker(null);
    if (this.keepRun) window.addEventListener('pagehide', this.onPageHide);
    this.showCompare();
  }

  /** Makes "Compare runs" once its panel is shown (its workers come at its first Start). */
  private showCompare(): void {
    const host = this.root.querySelector<HTMLElement>('#compare');
    if (this.compare || !host || this.page.hidden.includes('compare') || this.byId('panel-compare').hidden) return;
    this.compare = new ComparePanel({
      host,
      runs: this.page.compare,
      dataUrl: this.dataUrl,
      createWorker: createTrainingWorker,
      fetchFile: (url, onProgress) => pageFiles.get(url, onProgress),
      willTrain: () => this.pauseForComparison(),
      changed: (runs) => {
        this.page = { ...this.page, compare: runs };
        this.writeHash();
      },
    });
    this.compare.setSuspended(this.suspended.size > 0);
  }

  /** The comparison is about to train: this run pauses, so the runs have the cores. */
  private pauseForComparison(): void {
    if (this.state !== 'running' && this.data.train !== 'loading') return;
    this.autoPaused = false;
    this.client.send({ type: 'pause' });
    this.status.show(
      'notice',
      { level: 'info', title: 'The Training panel’s run is paused: “Compare runs” has the cores.', text: 'Press Continue there to go on with it.' },
      8000,
    );
  }

  /** An element of the skeleton, looked up inside the root. */
  private byId(id: string): HTMLElement {
    const e = this.root.querySelector<HTMLElement>(`#${id}`);
    if (!e) throw new Error(`the page skeleton (index.html) has no #${id}`);
    return e;
  }

  /** Stops the worker and the timers (the element was removed from its page). */
  destroy(): void {
    this.client.stop();
    this.compare?.destroy();
    for (const t of this.timers) window.clearInterval(t);
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
    window.removeEventListener('pagehide', this.onPageHide);
  }

  // ------------------------------------------------------------ keep the run (app/run-store.ts)

  /** A run kept for this link: offer to resume it, or to start fresh. */
  private async offerSavedRun(): Promise<void> {
    const saved = await runStore.load(runKey(this.controls.current));
    if (!saved || !worthKeeping(saved.checkpoint) || this.samplesSeen > 0 || this.state === 'running') return;
    this.status.show('resume', {
      level: 'info',
      title: `${offerText(saved, Date.now())}?`,
      text: 'This browser kept the network being trained for this link, with its curves and settings. Resuming goes on from there exactly.',
      actions: [
        { label: 'Resume the run', testid: 'resume-run', primary: true, run: () => this.resumeSaved(saved) },
        {
          label: 'Start fresh',
          testid: 'fresh-run',
          run: () => {
            this.status.hide('resume');
            void runStore.remove(saved.key);
          },
        },
      ],
    });
  }

  /** A new worker from the kept checkpoint (the crash-restart path), the curves put back. */
  private resumeSaved(saved: SavedRun): void {
    this.status.hide('resume');
    const cp = saved.checkpoint;
    this.run = cp.run;
    this.checkpoint = cp;
    this.savedKey = saved.key;
    this.lastSavedAt = Date.now();
    this.loss.clear();
    this.loss.pushAll(saved.loss.x, saved.loss.y);
    this.accuracy.clear();
    for (const p of saved.accuracy) this.accuracy.add(p);
    this.plotsDirty = true;
    this.controls.setSettings(cp.settings);
    this.page = { ...this.page, settings: cp.settings };
    this.setState('starting');
    this.status.say(`Resuming the run at ${formatCount(cp.samplesSeen)} samples…`);
    this.startWorker(cp);
  }

  /** Keeps the newest checkpoint with the curves; while running at most every 5 s. */
  private saveRun(force = false): void {
    const cp = this.checkpoint;
    if (!this.keepRun || !cp || cp.run !== this.run || !worthKeeping(cp)) return;
    const now = Date.now();
    if (!force && !dueForSave(this.lastSavedAt, now, this.state === 'running')) return;
    this.lastSavedAt = now;
    const record = toSaved(cp, { x: this.loss.x, y: this.loss.raw }, this.accuracy.points, now);
    // λ, batch or epochs changed mid-run: the run lives on under its new link.
    if (this.savedKey !== null && this.savedKey !== record.key) void runStore.remove(this.savedKey);
    this.savedKey = record.key;
    void runStore.save(record);
  }

  /**
   * Options from outside (the page: Back/Forward or an edited link). When they need a
   * new network and this one has trained, ask in the page before discarding it.
   */
  async requestOptions(next: PageOptions): Promise<void> {
    if (hashOf(next) === hashOf(this.page)) return;
    if (this.keepRun && discardsRun(this.page.settings, next.settings, this.samplesSeen)) {
      const keep = !(await askInPage(this.stateHost, {
        title: 'Discard the network being trained?',
        text: `This link's settings need a new network. Your run at ${formatCount(this.samplesSeen)} samples stays saved in this browser and comes back with its link.`,
        confirm: 'Switch to the link’s settings',
        cancel: 'Keep my run',
      }));
      if (keep) {
        this.writeHash(); // the address shows this run's settings again
        return;
      }
      this.saveRun(true);
    }
    this.setOptions(next);
  }

  // ------------------------------------------------------------ worker lifecycle

  private startWorker(resume: Checkpoint | null): void {
    this.data.train = this.data.test = 'none';
    this.workerAnswered = false;
    this.client.start({
      type: 'init',
      dataUrl: this.dataUrl,
      weightsUrl: this.weightsUrl,
      settings: this.controls.current,
      resume: resume ? { ...resume, bytes: resume.bytes.slice() } : null, // keep our copy
      run: this.run,
    });
  }

  private restart(): void {
    const cp = this.checkpoint && this.checkpoint.run === this.run ? this.checkpoint : null;
    if (cp) {
      this.loss.truncateAfter(cp.samplesSeen);
      this.accuracy.truncateAfter(cp.samplesSeen);
    } else {
      this.loss.clear();
      this.accuracy.clear();
    }
    this.plotsDirty = true;
    this.status.hide('crash');
    this.setState('starting');
    this.status.say(cp ? `Restarting the worker from the checkpoint at ${formatCount(cp.samplesSeen)} samples…` : 'Restarting the training worker…');
    this.startWorker(cp);
  }

  private onCrash(reason: string): void {
    this.settled();
    this.setState('crashed');
    this.drawPanel.workerStopped();
    this.networkPanel.workerStopped();
    this.whyPanel?.workerStopped();
    const cp = this.checkpoint;
    const kept = cp
      ? `Nothing is lost: the page kept the run at ${formatCount(cp.samplesSeen)} samples, and a restarted worker goes on from there exactly.`
      : 'No training had been saved yet: a restarted worker starts a new network.';
    this.status.say('Training is stopped until the worker restarts.');
    if (!this.workerAnswered && /^crashed$/.test(reason)) {
      // No message at all: the worker's script never ran (a module that did not load).
      this.status.show('crash', {
        level: 'error',
        title: 'The training worker did not start: its script did not load.',
        text: workerBlockedText(new URL(this.dataUrl).origin, location.origin),
        actions: [{ label: 'Try again', testid: 'restart-worker', primary: true, run: () => this.restart() }],
      });
      return;
    }
    this.status.show('crash', {
      level: 'error',
      title: `The training worker ${reason}.`,
      text: kept,
      actions: [{ label: 'Restart the worker', testid: 'restart-worker', primary: true, run: () => this.restart() }],
    });
  }

  // ------------------------------------------------------------ events from the worker

  private onEvent(e: WorkerEvent): void {
    this.workerAnswered = true;
    switch (e.type) {
      case 'ready':
        return this.onReady(e);
      case 'fatal':
        this.settled();
        this.setState('fatal');
        this.status.say(e.kind === 'unsupported' ? 'cnnlab cannot run in this browser.' : 'cnnlab could not start.');
        this.status.show('wasm', {
          level: 'error',
          title: e.kind === 'unsupported' ? 'A WebAssembly feature is missing.' : 'The WebAssembly module did not load.',
          text: e.message,
          fix:
            e.kind === 'unsupported'
              ? 'Open the page in a current Chrome, Edge, Firefox or Safari.'
              : wasmFix(this.where),
        });
        this.drawPanel.fatal();
        return;
      case 'data-progress':
        return this.onDataProgress(e);
      case 'data':
        return this.onData(e);
      case 'state':
        return this.onState(e);
      case 'rolled-back':
        if (e.run !== this.run) return;
        this.loss.truncateAfter(e.samplesSeen);
        this.accuracy.truncateAfter(e.samplesSeen);
        this.plotsDirty = true;
        return;
      case 'progress':
        this.followRun(e.progress.run);
        this.loss.pushAll(e.lossX, e.lossY);
        this.plotsDirty = true;
        this.updateProgress(e.progress);
        return;
      case 'evaluation':
        return this.onEvaluation(e);
      case 'checkpoint':
        if (e.checkpoint.run >= this.run) {
          this.checkpoint = e.checkpoint;
          this.saveRun();
        }
        return;
      case 'notice':
        this.status.show('notice', { level: e.level, title: e.message, text: '' }, e.level === 'warning' ? 20000 : 6000);
        return;
      case 'nearest-progress':
        this.whyPanel?.tableProgress(e.done, e.total);
        return;
      default:
        return; // replies are matched by the client
    }
  }

  private onReady(e: EventOf<'ready'>): void {
    this.pretrained = e.pretrained;
    this.onWorkerReady();
    // A kept run is looked up once the worker is up (its module downloaded): opening
    // IndexedDB earlier, during the first load, made the .wasm download twice (the page's
    // and the service worker's precache raced).
    if (this.keepRun && !this.offeredSaved && !e.resumed) {
      this.offeredSaved = true;
      void this.offerSavedRun();
    }
    this.kernelNote.textContent = `WebAssembly kernel: ${e.kernel === 'scalar' ? e.kernel : `${e.kernel} (SIMD)`} · ${formatCount(e.paramCount)} parameters`;
    this.drawPanel.pretrainedInfo(e.pretrained);
    this.refreshPredictions();
    const file = this.pretrainedFile;
    if (file) {
      // A restarted worker read the shipped weights: the file loaded in their place comes back.
      void file
        .arrayBuffer()
        .then((buffer) => this.client.request({ type: 'import-weights', model: 'pretrained', name: file.name, bytes: new Uint8Array(buffer) }))
        .then((r) => {
          this.pretrained = { ok: true, activation: r.config.activation, pooling: r.config.pooling };
          this.drawPanel.pretrainedInfo(this.pretrained, file.name);
          this.refreshPredictions();
        })
        .catch(() => undefined); // the worker is gone again: its crash says so
    }
  }

  /** After the worker's first state: the embed's test image, then the first view is complete. */
  private firstView(): void {
    const index = this.testImage;
    this.testImage = null;
    if (index !== null && this.shown().has('network')) void this.networkPanel.showTestImage(index).finally(() => this.settled());
    else requestAnimationFrame(() => this.settled());
  }

  /** The first view is complete (once). */
  private settled(): void {
    const done = this.onSettled;
    this.onSettled = null;
    done?.();
  }

  /** MNIST for training: 'ready' when both splits are there (the test hooks' dataState). */
  private dataState(): DataState {
    const { train, test } = this.data;
    if (train === 'failed' || test === 'failed') return 'failed';
    if (train === 'ready' && test === 'ready') return 'ready';
    return train === 'loading' || test === 'loading' ? 'loading' : 'none';
  }

  /** The page's panels shown now (texts name only what is there). */
  private shown(): Shown {
    return shownPanels(this.page.hidden, PANELS);
  }

  /** A file the worker asks for: downloaded once for the whole page; MNIST's progress shows here. */
  private fetchFile(url: string): Promise<Blob> {
    if (!url.startsWith(this.dataUrl)) return pageFiles.get(url);
    const split: DataSplit = /\/t10k-[^/]*$/.test(url) ? 'test' : 'train';
    if (this.data[split] !== 'ready') {
      this.data[split] = 'loading';
      this.setState(this.state);
    }
    this.downloads.set(url, { url, loaded: 0, total: null });
    return pageFiles.get(url, (p) => {
      this.downloads.set(url, p);
      // Chunks arrive by the hundred: the status follows once a frame.
      if (this.downloadFrame === 0)
        this.downloadFrame = requestAnimationFrame(() => {
          this.downloadFrame = 0;
          this.showDownloads();
        });
    });
  }

  private downloadFrame = 0;

  private showDownloads(): void {
    const all = [...this.downloads.values()];
    const busy = all.filter((d) => d.total === null || d.loaded < d.total);
    if (busy.length === 0) return;
    const known = all.every((d) => d.total !== null);
    const loaded = all.reduce((sum, d) => sum + d.loaded, 0);
    const total = all.reduce((sum, d) => sum + (d.total ?? 0), 0);
    this.status.meterValue(known && total > 0 ? loaded / total : NaN);
    this.status.say(known ? `Downloading MNIST: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB…` : 'Downloading MNIST…');
  }

  private onDataProgress(e: EventOf<'data-progress'>): void {
    if (e.phase === 'download') return; // the page's own download progress says more (showDownloads)
    this.status.meterValue(NaN);
    this.status.say('Unpacking MNIST…');
  }

  private onData(e: EventOf<'data'>): void {
    this.data[e.split] = e.ok ? 'ready' : 'failed';
    if (this.data.train !== 'loading' && this.data.test !== 'loading') {
      this.downloads.clear();
      this.status.meterValue(null);
    }
    if (e.ok) {
      if (e.split === 'test') {
        this.testCount = e.count;
        this.networkPanel.dataReady(e.count);
      } else this.refreshAugment();
      if (this.dataState() !== 'failed') this.status.hide('data');
    } else {
      if (e.split === 'train') this.augmentView.say('The training images are not available: MNIST could not be loaded.');
      this.status.show('data', { level: 'error', title: 'MNIST could not be loaded.', text: e.message, fix: dataFix(this.where, e.fix, this.shown()) });
    }
    this.setState(this.state);
  }

  private onState(e: EventOf<'state'>): void {
    this.followRun(e.progress.run);
    const first = this.state === 'starting';
    this.setState(e.state);
    this.refreshAugment();
    if (first && this.onSettled) this.firstView();
    this.controls.setSettings(e.settings);
    this.page = { ...this.page, settings: e.settings };
    this.writeHash();
    this.updateProgress(e.progress);
    if (e.state === 'diverged') this.status.say('Paused: training diverged.');
    else if (e.message) this.status.say(e.message);
    else if (e.state === 'idle') this.status.say(readyText(this.shown()));
    if (this.autoplayPending && e.state === 'idle') {
      // Autoplay: training (and MNIST's download) begins once the demo is in view.
      this.autoplayPending = false;
      if (this.suspended.size === 0) this.start();
      else this.autoPaused = true;
    }
    if (e.state === 'running') this.status.hide('resume'); // started afresh: the new run takes the link's place
    if (e.state === 'diverged' && e.diverged) this.showDiverged(e.message, e.diverged, e.settings.learningRate);
    else this.status.hide('diverged');
  }

  /**
   * What happened, in plain words, and the ways out: back to the newest checkpoint
   * from before the blow-up with a lower λ; lowering λ and going on (only when the
   * weights are still sound: a refused step); or a new network.
   */
  private showDiverged(message: string, d: NonNullable<EventOf<'state'>['diverged']>, learningRate: number): void {
    const back = d.rollbackTo;
    // A lower λ: the one from before the blow-up if it was lower, else a tenth.
    const lower = back && back.learningRate < learningRate ? back.learningRate : Number((learningRate / 10).toPrecision(3));
    const actions = [];
    if (back)
      actions.push({
        label: `Go back to the last good checkpoint (${formatCount(back.samplesSeen)} samples) with λ = ${formatNumber(lower)}`,
        testid: 'rollback',
        primary: true,
        run: () => this.client.send({ type: 'rollback', learningRate: lower }),
      });
    if (d.divergence !== 'exploding-loss')
      actions.push({ label: `Lower λ to ${formatNumber(lower)} and go on`, testid: 'lower-lr', primary: !back, run: () => this.lowerAndContinue(lower) });
    actions.push({ label: 'Reset', testid: 'diverged-reset', run: () => this.reset() });
    const { lossWindow, explodingLoss, weightBound } = DIVERGENCE;
    this.status.show('diverged', {
      level: 'warning',
      title: 'Training diverged and was paused.',
      text:
        `${capitalise(message)} The rule: training has diverged when the loss or a weight blows up — a loss that is not a number, ` +
        `a weight beyond ±${formatCount(weightBound)}, or a mean loss over the last ${lossWindow} samples above ` +
        `10·ln 10 ≈ ${Math.round(explodingLoss)} (ten times a random guess’s).`,
      actions,
    });
  }

  private onEvaluation(e: EventOf<'evaluation'>): void {
    const v = e.evaluation;
    if (v.model === 'training') {
      if (v.run !== this.run) return;
      this.accuracy.add({ x: v.samplesSeen, accuracy: v.accuracy, full: v.kind === 'full' });
      this.plotsDirty = true;
    }
    if (v.kind !== 'full') return;
    const who =
      v.model === 'pretrained'
        ? 'The pretrained weights (public/models/cnnlab-default.json)'
        : `The network being trained, after ${formatCount(v.samplesSeen)} samples (${v.epoch} epoch${v.epoch === 1 ? '' : 's'})`;
    this.testView.show(v, who);
  }

  /** A progress or state event of a newer run: the plots start again. */
  private followRun(run: number): void {
    if (run === this.run) return;
    this.run = run;
    this.loss.clear();
    this.accuracy.clear();
    this.plotsDirty = true;
  }

  // ------------------------------------------------------------ user actions

  private start(): void {
    this.autoPaused = false;
    if (this.compare?.training) this.compare.pauseAll('Paused: the Training panel’s run has the cores now. “Start all” goes on with the runs.');
    this.client.send({ type: 'start' });
  }

  private reset(): void {
    this.autoPaused = false;
    if (this.keepRun) void runStore.remove(runKey(this.controls.current)); // a fresh start is not offered back
    this.client.send({ type: 'reset', settings: this.controls.current });
  }

  private changeSettings(settings: TrainSettings): void {
    this.page = { ...this.page, settings };
    this.writeHash();
    this.client.send({ type: 'configure', settings });
  }

  private lowerAndContinue(learningRate: number): void {
    const settings = { ...this.controls.current, learningRate };
    this.controls.setSettings(settings);
    this.changeSettings(settings);
    this.client.send({ type: 'start' });
  }

  private chooseModel(model: ModelChoice): void {
    this.page = { ...this.page, model };
    this.writeHash();
    this.refreshPredictions();
  }

  private refreshPredictions(): void {
    this.drawPanel.predict();
    this.networkPanel.refresh();
    this.whyPanel?.refresh();
  }

  /**
   * "What the network trains on": the sample just trained, augmented with the run's
   * options (one request in flight). The training images load with Start or Step, not
   * for this picture: until then it says so.
   */
  private refreshAugment(): void {
    if (this.augmentAsking || !this.client.running || this.state === 'starting' || !this.shown().has('training') || document.hidden) return;
    if (this.data.train !== 'ready') {
      if (this.data.train !== 'failed') this.augmentView.say('The training images load when you press Start or Step; then this shows what the network trains on.');
      return;
    }
    this.augmentAsking = true;
    this.client
      .request({ type: 'augment-preview', count: LIMITS.augmentPreviewCount.default })
      .then((r) => (r.sample ? this.augmentView.show(r.sample) : this.augmentView.say('The training images are not loaded yet.')))
      .catch((error: unknown) => {
        if (this.client.running) this.augmentView.say(`No preview: ${errorText(error)}`);
      })
      .finally(() => {
        this.augmentAsking = false;
      });
  }

  /** While the network being trained answers, its predictions change as it learns. */
  private refreshWhileTraining(): void {
    if (this.state !== 'running' || document.hidden) return;
    if (this.page.model === 'training' || (this.pretrained && !this.pretrained.ok)) this.refreshPredictions();
  }

  // ------------------------------------------------------------ page state

  private setState(state: PageState): void {
    this.state = state;
    this.controls.setState(state, this.data.train === 'loading');
    this.stateHost.dataset['state'] = state;
  }

  private updateProgress(p: ProgressInfo): void {
    this.samplesSeen = p.samplesSeen;
    this.progressView.update(p, this.state);
    if (this.state === 'running') {
      const e = Math.min(p.epoch + 1, p.epochs);
      this.status.say(`Training: epoch ${e} of ${p.epochs}, ${formatCount(p.samplesSeen)} samples seen.`);
    }
  }

  private tick(): void {
    if (!this.plotsDirty) return;
    this.plotsDirty = false;
    this.lossPlot.set(this.loss.x, this.loss.raw, this.loss.smooth);
    this.accuracyPlot.set(this.accuracy.aligned());
  }

  /**
   * Pauses training while the tab is hidden or the element is off screen, and
   * goes on when neither holds and it was running before.
   */
  setSuspended(reason: SuspendReason, on: boolean): void {
    const before = this.suspended.size > 0;
    if (on) this.suspended.add(reason);
    else this.suspended.delete(reason);
    const now = this.suspended.size > 0;
    this.compare?.setSuspended(now);
    if (now && !before) {
      if (this.state === 'running') {
        this.autoPaused = true;
        this.client.send({ type: 'pause' });
        const where = reason === 'hidden' ? 'this tab is hidden' : 'it is scrolled out of view';
        this.status.show('hidden', { level: 'info', title: `Training paused: ${where}.`, text: 'It goes on when you come back.' });
      }
    } else if (!now && before && this.autoPaused) {
      this.autoPaused = false;
      if (this.state === 'paused' || this.state === 'idle') this.client.send({ type: 'start' });
      this.status.show('hidden', { level: 'info', title: 'Training goes on.', text: 'It was paused while out of sight.' }, 5000);
    }
  }

  /** The settings, model and hidden panels now. */
  get options(): PageOptions {
    return this.page;
  }

  /** New options from outside (the page: a hash change). */
  setOptions(next: PageOptions): void {
    if (formatHash(next) === formatHash(this.page)) return;
    this.page = next;
    this.applyHidden(next.hidden);
    this.compare?.setRuns(next.compare);
    this.controls.setSettings(next.settings);
    this.drawPanel.showModel(next.model);
    this.client.send({ type: 'configure', settings: next.settings });
    this.refreshPredictions();
  }

  private writeHash(): void {
    this.onOptionsChange(this.page);
  }

  /** A teacher's `#hide=…`: the panels left flow into the space. */
  private applyHidden(hidden: Panel[]): void {
    for (const panel of PANELS) {
      const section = this.root.querySelector<HTMLElement>(`#panel-${panel}`);
      if (section) section.hidden = hidden.includes(panel);
    }
    this.root.querySelector('.app-grid')?.classList.toggle('app-grid-flow', hidden.length > 0);
    // (The first call comes before the panels exist; they read the panels when they are made.)
    this.teaching?.panelsChanged();
    this.networkPanel?.panelsChanged();
    if (hidden.includes('compare')) this.compare?.pauseAll();
    else if (this.controls) this.showCompare();
    if (this.state === 'idle' && this.status) this.status.say(readyText(this.shown()));
  }
}

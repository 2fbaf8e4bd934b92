// The page's one bridge to the training worker: typed requests (buffers
// transferred), replies matched by id, and a watchdog. A worker that throws
// ('error' event) or stops answering pings is reported through onCrash; the app
// then offers a restart, which makes a fresh worker.
import { errorText } from '../core/util';
import { FileShareError } from '../data/file-share';
import { transferables, type EventOf, type Request, type WorkerEvent } from '../worker/protocol';

export interface WorkerClientHandlers {
  onEvent(event: WorkerEvent): void;
  /**
   * A file the worker asks for (MNIST, the weights), shared by every worker of the
   * page (data/file-share.ts). Rejects with a FileShareError (its HTTP status) or any
   * Error (a failed request).
   */
  fetchFile(url: string): Promise<Blob>;
  /** `reason` completes "The training worker …", e.g. "crashed (Uncaught Error: …)". */
  onCrash(reason: string): void;
}

export interface WorkerClientOptions {
  /** Ping period, ms. */
  pingEveryMs?: number;
  /** No pong for this long: the worker is stuck, ms. */
  pingTimeoutMs?: number;
}

type IdRequest = Extract<Request, { id: number }>;

/** A request that gets a reply, without its id (the client adds one). */
export type Ask = { [K in IdRequest['type']]: Omit<Extract<IdRequest, { type: K }>, 'id'> }[IdRequest['type']];

/** The reply to each kind of request. */
export interface ReplyMap {
  predict: EventOf<'prediction'>;
  inspect: EventOf<'inspection'>;
  'test-images': EventOf<'test-images-data'>;
  ping: EventOf<'pong'>;
  'backprop-step': EventOf<'backprop'>;
  'backprop-trace': EventOf<'backprop'>;
  gradcheck: EventOf<'gradcheck-result'>;
  teach: EventOf<'taught'>;
  'teach-reset': EventOf<'teach-reset-done'>;
  'augment-preview': EventOf<'augment-sample'>;
  why: EventOf<'why-result'>;
  nearest: EventOf<'nearest-result'>;
  'export-weights': EventOf<'weights-file'>;
  'import-weights': EventOf<'weights-loaded'>;
}

/** Requests that may wait for MNIST's download (the first test image, the first step): a long timeout. */
const NEEDS_DATA: ReadonlySet<Ask['type']> = new Set(['inspect', 'test-images', 'backprop-step']);

interface Pending {
  resolve(event: WorkerEvent): void;
  reject(error: Error): void;
}

export class WorkerClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private pingTimer = 0;
  private lastPong = 0;
  private crashed = false;
  private readonly pingEveryMs: number;
  private readonly pingTimeoutMs: number;

  constructor(
    private readonly createWorker: () => Worker,
    private readonly handlers: WorkerClientHandlers,
    options: WorkerClientOptions = {},
  ) {
    this.pingEveryMs = options.pingEveryMs ?? 2000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 6000;
  }

  get running(): boolean {
    return this.worker !== null && !this.crashed;
  }

  /** Starts a worker (terminating any previous one) and sends it `init`. */
  start(init: Extract<Request, { type: 'init' }>): void {
    this.stop();
    this.crashed = false;
    const worker = this.createWorker();
    this.worker = worker;
    worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.receive(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.crash(`crashed${e.message ? ` (${e.message})` : ''}`);
    };
    worker.onmessageerror = () => this.crash('sent a message that could not be read');
    this.lastPong = performance.now();
    this.pingTimer = window.setInterval(() => this.ping(), this.pingEveryMs);
    this.send(init);
  }

  /** Terminates the worker; pending replies are rejected. */
  stop(): void {
    window.clearInterval(this.pingTimer);
    this.worker?.terminate();
    this.worker = null;
    this.rejectAll('the training worker was stopped');
  }

  send(request: Request): void {
    if (!this.worker || this.crashed) return;
    this.worker.postMessage(request, transferables(request));
  }

  /** Sends a request with a fresh id and resolves with the reply carrying that id. */
  request<A extends Ask>(ask: A, timeoutMs = NEEDS_DATA.has(ask.type) ? 120_000 : 10_000): Promise<ReplyMap[A['type']]> {
    const id = this.nextId++;
    return new Promise<ReplyMap[A['type']]>((resolve, reject) => {
      if (!this.worker || this.crashed) {
        reject(new Error('the training worker is not running'));
        return;
      }
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the training worker did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (event) => {
          window.clearTimeout(timer);
          resolve(event as ReplyMap[A['type']]);
        },
        reject: (error) => {
          window.clearTimeout(timer);
          reject(error);
        },
      });
      this.send({ ...ask, id } as IdRequest);
    });
  }

  private ping(): void {
    if (!this.worker || this.crashed) return;
    if (performance.now() - this.lastPong > this.pingTimeoutMs) {
      this.crash(`stopped answering (no reply for ${Math.round(this.pingTimeoutMs / 1000)} s)`);
      return;
    }
    this.send({ type: 'ping', id: 0 });
  }

  private receive(event: WorkerEvent): void {
    this.lastPong = performance.now(); // any message shows the worker is alive
    if (event.type === 'pong' && event.id === 0) return;
    if (event.type === 'fetch-file') {
      this.serveFile(event);
      return;
    }
    if ('id' in event) {
      const pending = this.pending.get(event.id);
      if (pending) {
        this.pending.delete(event.id);
        if (event.type === 'reply-error') pending.reject(new Error(event.message));
        else pending.resolve(event);
        return;
      }
    }
    this.handlers.onEvent(event);
  }

  /** Answers a worker's fetch-file; a reply for a worker that was replaced meanwhile is dropped. */
  private serveFile(event: EventOf<'fetch-file'>): void {
    const worker = this.worker;
    const { fetchId, url } = event;
    const reply = (message: Request): void => {
      if (this.worker === worker && !this.crashed) this.send(message);
    };
    this.handlers.fetchFile(url).then(
      (file) => reply({ type: 'file', fetchId, ok: true, file }),
      (error: unknown) =>
        reply({
          type: 'file',
          fetchId,
          ok: false,
          status: error instanceof FileShareError ? error.status : 0,
          statusText: error instanceof FileShareError ? error.statusText : '',
          message: errorText(error),
        }),
    );
  }

  private crash(reason: string): void {
    if (this.crashed) return;
    this.crashed = true;
    window.clearInterval(this.pingTimer);
    this.worker?.terminate();
    this.rejectAll(reason);
    this.handlers.onCrash(reason);
  }

  private rejectAll(reason: string): void {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }
}

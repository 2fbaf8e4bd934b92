/**
 * MNIST loader for the page and the worker: fetches the four gzip'd IDX files,
 * reports progress, gunzips with DecompressionStream, validates with idx.ts.
 *
 * Pure: no DOM access, so it runs in a worker (and in Node with an injected fetch).
 * The .gz files are made by `npm run prepare:data` (web/scripts/prepare-data.mjs).
 */

import { errorText } from '../core/util';
import {
  IdxFormatError,
  MNIST_IMAGE_SIZE,
  parseIdxImages,
  parseIdxLabels,
  subset,
  type LabelledImages,
} from './idx';

export const MNIST_CREDIT =
  'MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0';

/** The IDX file names; the loader fetches `<name>.gz`. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistPhase = 'download' | 'decompress' | 'parse';

export interface MnistProgress {
  /** The fetched file name, e.g. "train-images-idx3-ubyte.gz". */
  file: string;
  /** Bytes done in this phase: compressed bytes for download, decompressed bytes after. */
  loaded: number;
  /** Bytes expected in this phase, or null when unknown (no Content-Length). */
  total: number | null;
  phase: MnistPhase;
}

/** `images` holds count × 784 bytes (28×28, row-major, 0..255); `labels` count bytes 0..9. */
export type MnistSplit = LabelledImages;

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

export interface LoadMnistOptions {
  /** Directory holding the .gz files, e.g. `${import.meta.env.BASE_URL}data/mnist/`. */
  baseUrl: string | URL;
  /** Keep only the first N training images (all if larger than the set). */
  trainLimit?: number;
  /** Keep only the first N test images (all if larger than the set). */
  testLimit?: number;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Called per chunk; the four files load concurrently, so events interleave. */
  onProgress?: (progress: MnistProgress) => void;
  /** Aborting rejects with the signal's reason (not an MnistLoadError). */
  signal?: AbortSignal;
}

/** Loading failed; the message names the file and says what is wrong. */
export class MnistLoadError extends Error {
  override readonly name = 'MnistLoadError';
  /** The fetched file name, e.g. "train-images-idx3-ubyte.gz". */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.file = file;
  }
}

/** The two halves of MNIST: 60,000 training images, 10,000 test images. */
export type MnistSplitName = 'train' | 'test';

const SPLIT_FILES: Record<MnistSplitName, { images: string; labels: string }> = {
  train: { images: MNIST_FILES.trainImages, labels: MNIST_FILES.trainLabels },
  test: { images: MNIST_FILES.testImages, labels: MNIST_FILES.testLabels },
};

/** The .gz files of a split, e.g. ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]. */
export function splitFiles(split: MnistSplitName): string[] {
  return [`${SPLIT_FILES[split].images}.gz`, `${SPLIT_FILES[split].labels}.gz`];
}

/**
 * Fetches, decompresses and validates MNIST. The returned arrays are views
 * (a limit does not copy): pass them to WASM or copy them before transferring.
 */
export async function loadMnist(options: LoadMnistOptions): Promise<Mnist> {
  const trainLimit = checkLimit('trainLimit', options.trainLimit);
  const testLimit = checkLimit('testLimit', options.testLimit);
  return withContext(options, async (ctx) => {
    const [train, test] = await Promise.all([loadSplit(ctx, 'train', trainLimit), loadSplit(ctx, 'test', testLimit)]);
    return { train, test };
  });
}

/**
 * One split only (its two files): the test set alone is 1.6 MB of gzip, the
 * training set 9.6 MB. The page loads each when it is first needed.
 */
export async function loadMnistSplit(options: LoadMnistOptions & { split: MnistSplitName; limit?: number }): Promise<MnistSplit> {
  const limit = checkLimit('limit', options.limit);
  return withContext(options, (ctx) => loadSplit(ctx, options.split, limit));
}

/** One controller for the downloads: the first failure cancels the rest. */
async function withContext<T>(options: LoadMnistOptions, body: (ctx: Context) => Promise<T>): Promise<T> {
  const outer = options.signal;
  outer?.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', forwardAbort, { once: true });
  const ctx: Context = {
    baseUrl: String(options.baseUrl),
    fetch: options.fetch ?? fetch,
    signal: controller.signal,
    report: options.onProgress ?? ((): void => {}),
    failFast: <R>(promise: Promise<R>): Promise<R> =>
      promise.catch((error: unknown) => {
        controller.abort(error);
        throw error;
      }),
  };
  try {
    return await body(ctx);
  } finally {
    outer?.removeEventListener('abort', forwardAbort);
  }
}

async function loadSplit(ctx: Context, split: MnistSplitName, limit: number): Promise<MnistSplit> {
  const names = SPLIT_FILES[split];
  const [images, labels] = await Promise.all([
    ctx.failFast(loadFile(ctx, names.images, 'images')),
    ctx.failFast(loadFile(ctx, names.labels, 'labels')),
  ]);
  const whole = pair(images, labels, names.images, names.labels);
  return subset(whole, Math.min(limit, whole.count));
}

interface Context {
  baseUrl: string;
  fetch: typeof fetch;
  signal: AbortSignal;
  report: (progress: MnistProgress) => void;
  failFast<R>(promise: Promise<R>): Promise<R>;
}

/** Largest buffer preallocated from a size hint (Content-Length, gzip ISIZE). */
const MAX_PREALLOCATION = 256 * 1024 * 1024;

function checkLimit(name: string, limit: number | undefined): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`loadMnist: ${name} = ${limit}, expected a non-negative integer`);
  }
  return limit;
}

function fileUrl(baseUrl: string, file: string): string {
  return baseUrl.endsWith('/') ? baseUrl + file : `${baseUrl}/${file}`;
}

/** Downloads, gunzips and validates one file; returns its pixels or labels (a view). */
async function loadFile(ctx: Context, name: string, kind: 'images' | 'labels'): Promise<Uint8Array> {
  const file = `${name}.gz`;
  const compressed = await download(ctx, file);
  const bytes = await gunzip(ctx, file, compressed);
  ctx.report({ file, loaded: 0, total: bytes.length, phase: 'parse' });
  let data: Uint8Array;
  try {
    data = kind === 'images' ? parseIdxImages(bytes, name).pixels : parseIdxLabels(bytes, name).labels;
  } catch (error) {
    if (error instanceof IdxFormatError) throw new MnistLoadError(file, error.message, { cause: error });
    throw error;
  }
  ctx.report({ file, loaded: bytes.length, total: bytes.length, phase: 'parse' });
  return data;
}

function pair(images: Uint8Array, labels: Uint8Array, imagesName: string, labelsName: string): MnistSplit {
  const count = images.length / MNIST_IMAGE_SIZE;
  if (count !== labels.length) {
    throw new MnistLoadError(
      `${labelsName}.gz`,
      `${imagesName} has ${count} images but ${labelsName} has ${labels.length} labels`,
    );
  }
  return { count, images, labels };
}

/** After an abort, callers get the abort reason itself, not a wrapped error. */
function rethrowIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

async function download(ctx: Context, file: string): Promise<Uint8Array<ArrayBuffer>> {
  const url = fileUrl(ctx.baseUrl, file);
  // Called as a plain function: browsers throw "Illegal invocation" when fetch's
  // `this` is some other object (here it would be ctx).
  const fetchFile = ctx.fetch;
  let response: Response;
  try {
    response = await fetchFile(url, { signal: ctx.signal });
  } catch (error) {
    rethrowIfAborted(ctx.signal);
    throw new MnistLoadError(file, `${url}: download failed (${errorText(error)})`, { cause: error });
  }
  if (response.status === 404) {
    throw new MnistLoadError(file, `${url} not found (HTTP 404)`); // what to do depends on who serves it: the page says
  }
  if (!response.ok) {
    const text = response.statusText ? ` ${response.statusText}` : '';
    throw new MnistLoadError(file, `${url}: HTTP ${response.status}${text}`);
  }

  let total = contentLength(response);
  const sink = new ByteSink(total);
  ctx.report({ file, loaded: 0, total, phase: 'download' });
  try {
    if (response.body === null) {
      sink.push(new Uint8Array(await response.arrayBuffer()));
    } else {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        sink.push(value);
        if (total !== null && sink.length > total) total = null; // the header lied
        ctx.report({ file, loaded: sink.length, total, phase: 'download' });
      }
    }
  } catch (error) {
    rethrowIfAborted(ctx.signal);
    throw new MnistLoadError(file, `${url}: download failed (${errorText(error)})`, { cause: error });
  }
  ctx.report({ file, loaded: sink.length, total: sink.length, phase: 'download' });
  return sink.take();
}

function contentLength(response: Response): number | null {
  // With a Content-Encoding the body arrives decoded and the header counts encoded bytes.
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return null;
  const header = response.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

async function gunzip(ctx: Context, file: string, compressed: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  // A server that sends .gz files with "Content-Encoding: gzip" makes fetch decode them
  // already: accept bytes that start with an IDX magic number as they are.
  if (compressed.length >= 4 && compressed[0] === 0 && compressed[1] === 0 && compressed[2] === 0x08 &&
      (compressed[3] === 0x01 || compressed[3] === 0x03)) {
    return compressed;
  }
  if (compressed.length < 18 || compressed[0] !== 0x1f || compressed[1] !== 0x8b) {
    throw new MnistLoadError(file, `${file} is not valid gzip data (${describeStart(compressed)})`);
  }
  // ISIZE, the last four bytes (little-endian), is the uncompressed size mod 2^32: a hint only.
  const n = compressed.length;
  const isize = (compressed[n - 4]! | (compressed[n - 3]! << 8) | (compressed[n - 2]! << 16) | (compressed[n - 1]! << 24)) >>> 0;
  const sink = new ByteSink(isize);
  const total = isize <= MAX_PREALLOCATION ? isize : null;

  ctx.report({ file, loaded: 0, total, phase: 'decompress' });
  const gunzipper = new DecompressionStream('gzip');
  const writer = gunzipper.writable.getWriter();
  // Errors show up on the readable side; these two promises only need a handler.
  writer.write(compressed).catch(() => {});
  writer.close().catch(() => {});
  const reader: ReadableStreamDefaultReader<Uint8Array> = gunzipper.readable.getReader();
  const cancel = (): void => void reader.cancel(ctx.signal.reason).catch(() => {});
  ctx.signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sink.push(value);
      const known = total !== null && sink.length <= total ? total : null;
      ctx.report({ file, loaded: sink.length, total: known, phase: 'decompress' });
    }
    rethrowIfAborted(ctx.signal);
  } catch (error) {
    rethrowIfAborted(ctx.signal);
    throw new MnistLoadError(file, `${file} is not valid gzip data (${errorText(error)})`, { cause: error });
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
  }
  ctx.report({ file, loaded: sink.length, total: sink.length, phase: 'decompress' });
  return sink.take();
}

function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const html = bytes[0] === 0x3c ? '; it looks like HTML, is the server returning a page instead?' : '';
  return `${bytes.length} bytes starting ${head}${html}`;
}

/** Collects chunks into one buffer, preallocated from a size hint when there is one. */
class ByteSink {
  private buffer: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(sizeHint: number | null) {
    const size = sizeHint !== null && sizeHint <= MAX_PREALLOCATION ? sizeHint : 64 * 1024;
    this.buffer = new Uint8Array(size);
  }

  push(chunk: Uint8Array): void {
    const needed = this.length + chunk.length;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
  }

  /** The bytes collected; no copy when the size hint was exact. */
  take(): Uint8Array<ArrayBuffer> {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }
}

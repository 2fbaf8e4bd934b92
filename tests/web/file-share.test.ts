// The page's shared downloads (web/src/data/file-share.ts) and the worker's side of
// them (web/src/worker/file-bridge.ts), with the real MNIST .gz files: one download
// per URL however many ask, progress for every asker, failures that can be retried,
// and the MNIST loader reading its files through the bridge as it reads the network.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileShare, FileShareError, type FileProgress } from '../../web/src/data/file-share';
import { loadMnistSplit } from '../../web/src/data/mnist';
import { FileBridge } from '../../web/src/worker/file-bridge';
import type { Request, WorkerEvent } from '../../web/src/worker/protocol';
import { mnist } from './helpers/core';

const GZ_DIR = fileURLToPath(new URL('../../public/data/mnist/', import.meta.url));
const BASE = 'https://course.example/cnnlab/data/mnist/';

/** A server over public/data/mnist/ that streams in 64 kB chunks and counts requests per URL. */
function disk(options: { missing?: string[]; failFirst?: number } = {}) {
  const requests = new Map<string, number>();
  let failures = options.failFirst ?? 0;
  const fetchFile = async (url: string): Promise<Response> => {
    requests.set(url, (requests.get(url) ?? 0) + 1);
    if (failures > 0) {
      failures--;
      throw new TypeError('Failed to fetch');
    }
    const name = url.slice(url.lastIndexOf('/') + 1);
    if (options.missing?.includes(name)) return new Response('not found', { status: 404, statusText: 'Not Found' });
    const bytes = readFileSync(`${GZ_DIR}${name}`);
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(new Uint8Array(bytes.subarray(at, at + 65536)));
        at += 65536;
      },
    });
    return new Response(body, { headers: { 'Content-Length': String(bytes.length) } });
  };
  return { fetchFile, requests };
}

describe('FileShare: one download per URL for the whole page', () => {
  it('downloads a file once for every asker, before and after it arrived, with progress for each', async () => {
    const server = disk();
    const share = new FileShare(server.fetchFile);
    const url = `${BASE}t10k-images-idx3-ubyte.gz`;
    const seenA: FileProgress[] = [];
    const seenB: FileProgress[] = [];
    const downloads: string[] = [];
    share.onDownload((u) => downloads.push(u));
    const [a, b] = await Promise.all([share.get(url, (p) => seenA.push(p)), share.get(url, (p) => seenB.push(p))]);
    const c = await share.get(url);
    const size = readFileSync(`${GZ_DIR}t10k-images-idx3-ubyte.gz`).length;
    expect(server.requests.get(url)).toBe(1);
    expect(downloads).toEqual([url]);
    expect(a.size).toBe(size);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(Buffer.from(await a.arrayBuffer()).equals(readFileSync(`${GZ_DIR}t10k-images-idx3-ubyte.gz`))).toBe(true);
    // Both askers saw it grow to the end, with the total known.
    for (const seen of [seenA, seenB]) {
      expect(seen.length).toBeGreaterThan(10);
      expect(seen.at(-1)).toEqual({ url, loaded: size, total: size });
      expect(seen.every((p, i) => i === 0 || p.loaded >= seen[i - 1]!.loaded)).toBe(true);
    }
  });

  it('rejects with the HTTP status, and a failed download is tried again at the next ask', async () => {
    const server = disk({ missing: ['nothing.gz'] });
    const share = new FileShare(server.fetchFile);
    const missing = `${BASE}nothing.gz`;
    const error = await share.get(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileShareError);
    expect(error).toMatchObject({ status: 404, statusText: 'Not Found', message: `${missing}: HTTP 404 Not Found` });
    await expect(share.get(missing)).rejects.toThrow(/HTTP 404/);
    expect(server.requests.get(missing)).toBe(2);

    const flaky = disk({ failFirst: 1 });
    const again = new FileShare(flaky.fetchFile);
    const labels = `${BASE}t10k-labels-idx1-ubyte.gz`;
    await expect(again.get(labels)).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/the download failed \(Failed to fetch\)/) });
    const file = await again.get(labels);
    expect(file.size).toBe(readFileSync(`${GZ_DIR}t10k-labels-idx1-ubyte.gz`).length);
    expect(flaky.requests.get(labels)).toBe(2);
  });
});

/** A worker's bridge wired to a page's FileShare, as worker-client.ts and train.worker.ts wire them. */
function wired(share: FileShare): { bridge: FileBridge; asked: string[] } {
  const asked: string[] = [];
  const bridge: FileBridge = new FileBridge((event: WorkerEvent) => {
    if (event.type !== 'fetch-file') return;
    asked.push(event.url);
    share.get(event.url).then(
      (file) => bridge.receive({ type: 'file', fetchId: event.fetchId, ok: true, file }),
      (error: unknown) => {
        const reply: Request = {
          type: 'file',
          fetchId: event.fetchId,
          ok: false,
          status: error instanceof FileShareError ? error.status : 0,
          statusText: error instanceof FileShareError ? error.statusText : '',
          message: String(error),
        };
        if (reply.type === 'file') bridge.receive(reply);
      },
    );
  });
  return { bridge, asked };
}

describe('FileBridge: the MNIST loader in a worker reads through the page', () => {
  it('two workers load the test set: each gets the real 10,000 images, the page downloads each file once', async () => {
    const server = disk();
    const share = new FileShare(server.fetchFile);
    const one = wired(share);
    const two = wired(share);
    const [a, b] = await Promise.all([
      loadMnistSplit({ baseUrl: BASE, split: 'test', fetch: one.bridge.fetch as typeof fetch }),
      loadMnistSplit({ baseUrl: BASE, split: 'test', fetch: two.bridge.fetch as typeof fetch }),
    ]);
    const reference = mnist('t10k');
    for (const split of [a, b]) {
      expect(split.count).toBe(10000);
      expect(Buffer.from(split.labels).equals(Buffer.from(reference.labels))).toBe(true);
      expect(Buffer.from(split.images).equals(Buffer.from(reference.images))).toBe(true);
    }
    expect(a.images.buffer).not.toBe(b.images.buffer); // each worker has its own copy
    expect(one.asked.sort()).toEqual([`${BASE}t10k-images-idx3-ubyte.gz`, `${BASE}t10k-labels-idx1-ubyte.gz`]);
    expect([...server.requests.values()]).toEqual([1, 1]);
  });

  it('a missing file is the loader\'s 404, a failed request its download failure', async () => {
    const missing = wired(new FileShare(disk({ missing: ['train-labels-idx1-ubyte.gz'] }).fetchFile));
    await expect(loadMnistSplit({ baseUrl: BASE, split: 'train', fetch: missing.bridge.fetch as typeof fetch })).rejects.toThrow(
      `${BASE}train-labels-idx1-ubyte.gz not found (HTTP 404)`,
    );
    const broken = wired(new FileShare(disk({ failFirst: 2 }).fetchFile));
    await expect(loadMnistSplit({ baseUrl: BASE, split: 'test', fetch: broken.bridge.fetch as typeof fetch })).rejects.toThrow(
      /download failed \(.*the download failed \(Failed to fetch\)\)/,
    );
  });
});

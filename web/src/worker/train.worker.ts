/// <reference lib="webworker" />
// The training worker: a thin shell around Session (session.ts). Messages in →
// session.handle; session events → postMessage with their buffers transferred.
// Files (the .wasm, the pretrained weights, MNIST) come through the page
// (file-bridge.ts), which downloads each once for all the workers on it.
import { checkWasmSupport, loadCnnlab, WASM_URL } from '../core/cnnlab';
import { loadMnistSplit } from '../data/mnist';
import { FileBridge } from './file-bridge';
import { transferables, type Request, type WorkerEvent } from './protocol';
import { Session } from './session';

declare const self: DedicatedWorkerGlobalScope;

// A MessageChannel runs the next slice after the messages already queued, with no
// 4 ms clamp (setTimeout(0) nested deeply is clamped).
const channel = new MessageChannel();
const tasks: (() => void)[] = [];
channel.port1.onmessage = () => tasks.shift()?.();

function post(event: WorkerEvent): void {
  self.postMessage(event, transferables(event));
}

const files = new FileBridge(post);

const session = new Session(
  {
    checkSupport: checkWasmSupport,
    loadCore: async () => {
      const response = await files.fetch(WASM_URL.href);
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${WASM_URL.href}`);
      return loadCnnlab({ wasmBinary: new Uint8Array(await response.arrayBuffer()) });
    },
    loadMnist: (dataUrl, split, onProgress) => loadMnistSplit({ baseUrl: dataUrl, split, fetch: files.fetch as typeof fetch, onProgress }),
    fetchText: async (url) => {
      const response = await files.fetch(url);
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
      const text = await response.text();
      // A dev server answers a missing file with the page itself.
      if (/^\s*</.test(text)) return null;
      return text;
    },
    now: () => performance.now(),
    schedule: (task, delayMs) => {
      if (delayMs > 0) {
        setTimeout(task, delayMs);
        return;
      }
      tasks.push(task);
      channel.port2.postMessage(null);
    },
  },
  post,
);

self.onmessage = (e: MessageEvent<Request>) => {
  if (e.data.type === 'file') files.receive(e.data);
  else void session.handle(e.data);
};

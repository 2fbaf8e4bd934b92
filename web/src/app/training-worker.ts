// Creates the training worker. Vite emits the worker as its own chunk; its URL is
// relative to this module, so it is right wherever dist/ is hosted. A page may only
// start a worker from its own origin: when cnn-lab.js comes from another host (a
// course page loading it from a CDN), a one-line blob: module imports the worker
// chunk instead (needs `worker-src blob:` and CORS on that host).
import workerChunk from '../worker/train.worker.ts?worker&url';

export function trainingWorkerUrl(): URL {
  return new URL(workerChunk, import.meta.url);
}

export function createTrainingWorker(): Worker {
  const url = trainingWorkerUrl();
  const options: WorkerOptions = { type: 'module', name: 'cnnlab-training' };
  if (url.origin === location.origin) return new Worker(url, options);
  const blob = new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' });
  const blobUrl = URL.createObjectURL(blob);
  const worker = new Worker(blobUrl, options);
  // The worker has fetched the blob once it runs; revoking later is safe.
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  return worker;
}

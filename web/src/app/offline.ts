/// <reference types="vite/client" />
// Registers dist/sw.js (web/src/worker/service-worker.ts), which keeps the page,
// the .wasm, the weights and MNIST for offline use. Built site only: the Vite dev
// server (`npm start`) has no sw.js and caches nothing.
import { errorText } from '../core/util';
import type { FileShare } from '../data/file-share';
import type { KeepDataMessage } from '../worker/sw-policy';

/** The service worker's URL and scope: next to the page, wherever it is hosted. */
export function serviceWorkerUrls(baseURI: string): { script: string; scope: string } {
  return { script: new URL('sw.js', baseURI).href, scope: new URL('./', baseURI).href };
}

/** Registers dist/sw.js after the page's load and `after` (at most 30 s after the load). */
export function registerServiceWorker(after: Promise<void> = Promise.resolve()): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const { script, scope } = serviceWorkerUrls(document.baseURI);
  const register = (): void => {
    // updateViaCache 'none': a new deploy's sw.js is seen at the next visit, whatever the HTTP cache says.
    navigator.serviceWorker.register(script, { scope, updateViaCache: 'none' }).catch((error: unknown) => {
      // Offline use is a bonus: the page works without it.
      console.warn('cnnlab: no offline support:', errorText(error));
    });
  };
  // After the page's own loading, so the first visit is not slowed down and its
  // precache finds the files the page fetched in the HTTP cache.
  const loaded = (): void => {
    void Promise.race([after, new Promise<void>((resolve) => window.setTimeout(resolve, 30_000))]).then(register);
  };
  if (document.readyState === 'complete') loaded();
  else window.addEventListener('load', loaded, { once: true });
}

/** Whether a service worker answered the page's request for `url` (then it kept a copy itself). */
function seenByServiceWorker(url: string): boolean {
  return performance.getEntriesByName(url, 'resource').some((e) => e instanceof PerformanceResourceTiming && e.workerStart > 0);
}

/**
 * MNIST is downloaded once, when training is first asked for. If that happened
 * before the service worker controlled the page (a first visit), the worker never
 * saw the files go by: the page hands it a copy, so it keeps them for offline use
 * without downloading them again.
 */
export function keepDownloadsOffline(files: FileShare): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  files.onDownload((url, file) => {
    if (seenByServiceWorker(url)) return;
    void navigator.serviceWorker.ready.then((registration) => {
      const message: KeepDataMessage = { type: 'cnnlab:keep-data', url, file };
      registration.active?.postMessage(message);
    });
  });
}

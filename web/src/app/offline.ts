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

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const { script, scope } = serviceWorkerUrls(document.baseURI);
  const register = (): void => {
    // updateViaCache 'none': a new deploy's sw.js is seen at the next visit, whatever the HTTP cache says.
    navigator.serviceWorker.register(script, { scope, updateViaCache: 'none' }).catch((error: unknown) => {
      // Offline use is a bonus: the page works without it.
      console.warn('cnnlab: no offline support:', errorText(error));
    });
  };
  // After the page's own loading, so the first visit is not slowed down.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
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

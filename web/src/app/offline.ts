/// <reference types="vite/client" />
import { errorText } from '../core/util';
// Registers dist/sw.js (web/src/worker/service-worker.ts), which keeps the page,
// the .wasm, the weights and MNIST for offline use. Built site only: the Vite dev
// server (`npm start`) has no sw.js and caches nothing.

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

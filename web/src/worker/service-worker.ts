/// <reference lib="webworker" />
// The service worker of the built site (dist/sw.js; never in `npm start`): after
// one visit the page works with the network off. Bundled by
// web/scripts/service-worker-plugin.ts, which replaces the three constants below
// with the build's file list and content hashes. See sw-policy.ts for the routes.
//
// - install: precache the shell (page, JS, CSS, .wasm, weights, icon). Files the
//   page has just loaded come from the browser's HTTP cache (hashed names never
//   change: `force-cache`), so installing downloads little; KaTeX's fonts are kept
//   only if the page used them. MNIST is never fetched here: the page downloads it
//   when training is first asked for, and it is kept then (below).
// - activate: delete the caches of earlier deploys, take control of open pages.
// - fetch: pages network-first, everything else cache-first; MNIST and fonts are
//   cached on their way to the page. MNIST responses are kept with their
//   Content-Length, which the loader's progress bar needs.
// - message `cnnlab:keep-data`: a MNIST file the page downloaded before this worker
//   controlled it (a first visit), handed over as a Blob, so it is not downloaded twice.
import { cacheNames, looksLikeGzip, precacheMode, route, staleCaches, type KeepDataMessage } from './sw-policy';

declare const self: ServiceWorkerGlobalScope;
declare const __CNNLAB_SHELL__: string[];
declare const __CNNLAB_VERSIONS__: { shell: string; data: string };

const CACHES = cacheNames(__CNNLAB_VERSIONS__.shell, __CNNLAB_VERSIONS__.data);
const scope = (): string => self.registration.scope;
const url = (path: string): string => new URL(path, scope()).href;
const PAGE = 'index.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(CACHES.shell);
      const results = await Promise.allSettled(
        __CNNLAB_SHELL__.map(async (path) => {
          const mode = precacheMode(path);
          const request = new Request(url(path), mode === 'if-used' ? { cache: 'only-if-cached', mode: 'same-origin' } : { cache: mode });
          let response: Response;
          try {
            response = await fetch(request);
          } catch (error) {
            if (mode === 'if-used') return; // a font this page never showed
            throw error;
          }
          if (!response.ok) {
            if (mode === 'if-used') return;
            throw new Error(`${path}: HTTP ${response.status}`);
          }
          await shell.put(url(path), response);
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason; // the shell must be whole, or no offline copy at all
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await Promise.all(staleCaches(await caches.keys(), CACHES).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  switch (route(request, scope())) {
    case 'page':
      event.respondWith(fromNetworkThenCache(request));
      return;
    case 'data':
      event.respondWith(fromCacheThenNetwork(request, CACHES.data, (cache, response) => storeData(cache, request, response)));
      return;
    case 'shell':
      event.respondWith(fromCacheThenNetwork(request, CACHES.shell, (cache, response) => cache.put(request, response)));
      return;
    case 'pass':
      return;
  }
});

self.addEventListener('message', (event) => {
  const message = event.data as KeepDataMessage | null;
  if (message?.type !== 'cnnlab:keep-data' || !(message.file instanceof Blob)) return;
  const request = new Request(message.url);
  if (route({ url: request.url, method: 'GET', mode: 'cors' }, scope()) !== 'data') return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHES.data);
      if (await cache.match(request)) return;
      await keepBytes(cache, request, new Uint8Array(await message.file.arrayBuffer()), new Headers({ 'Content-Type': 'application/gzip' }));
    })(),
  );
});

async function fromNetworkThenCache(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = (await caches.match(request, { ignoreSearch: true })) ?? (await caches.match(url(PAGE)));
    if (cached) return cached;
    throw error;
  }
}

async function fromCacheThenNetwork(
  request: Request,
  cacheName: string,
  store: (cache: Cache, response: Response) => Promise<void>,
): Promise<Response> {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  // The page reads the network response as it streams; a copy goes to the cache.
  if (response.ok && response.type === 'basic') void store(cache, response.clone()).catch(() => undefined);
  return response;
}

/** Keeps a complete, gzip-looking MNIST file, with a Content-Length for progress. */
async function storeData(cache: Cache, request: Request, response: Response): Promise<void> {
  await keepBytes(cache, request, new Uint8Array(await response.arrayBuffer()), new Headers(response.headers));
}

async function keepBytes(cache: Cache, request: Request, bytes: Uint8Array<ArrayBuffer>, headers: Headers): Promise<void> {
  if (!looksLikeGzip(bytes)) return;
  headers.delete('Content-Encoding'); // the body is stored as decoded
  headers.set('Content-Length', String(bytes.byteLength));
  await cache.put(request, new Response(bytes, { status: 200, statusText: 'OK', headers }));
}

/// <reference lib="webworker" />
// The service worker of the built site (dist/sw.js; never in `npm start`): after
// one visit the page works with the network off. Bundled by
// web/scripts/service-worker-plugin.ts, which replaces the three constants below
// with the build's file list and content hashes. See sw-policy.ts for the routes.
//
// - install: precache the shell (page, JS, CSS, .wasm, weights, icon) and fetch the
//   MNIST files that are not cached yet (the first visit's own downloads happen
//   before this worker controls the page, so they cannot be caught on the way).
// - activate: delete the caches of earlier deploys, take control of open pages.
// - fetch: pages network-first, everything else cache-first. MNIST responses are
//   cached with their Content-Length, which the loader's progress bar needs.
import { cacheNames, looksLikeGzip, route, staleCaches } from './sw-policy';

declare const self: ServiceWorkerGlobalScope;
declare const __CNNLAB_SHELL__: string[];
declare const __CNNLAB_DATA__: string[];
declare const __CNNLAB_VERSIONS__: { shell: string; data: string };

const CACHES = cacheNames(__CNNLAB_VERSIONS__.shell, __CNNLAB_VERSIONS__.data);
const scope = (): string => self.registration.scope;
const url = (path: string): string => new URL(path, scope()).href;
const PAGE = 'index.html';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(CACHES.shell);
      await shell.addAll(__CNNLAB_SHELL__.map(url));
      // MNIST: best effort; what fails now is cached when the page fetches it.
      const data = await caches.open(CACHES.data);
      await Promise.allSettled(
        __CNNLAB_DATA__.map(async (path) => {
          if (await data.match(url(path))) return;
          await storeData(data, new Request(url(path)), await fetch(url(path)));
        }),
      );
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
      event.respondWith(fromCacheThenNetwork(request, CACHES.shell, null));
      return;
    case 'pass':
      return;
  }
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
  store: ((cache: Cache, response: Response) => Promise<void>) | null,
): Promise<Response> {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  // The page reads the network response as it streams; a copy goes to the cache.
  if (store && response.ok) void store(cache, response.clone()).catch(() => undefined);
  return response;
}

/** Keeps a complete, gzip-looking MNIST file, with a Content-Length for progress. */
async function storeData(cache: Cache, request: Request, response: Response): Promise<void> {
  if (!response.ok || response.type !== 'basic') return;
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!looksLikeGzip(bytes)) return;
  const headers = new Headers(response.headers);
  headers.delete('Content-Encoding'); // the body is stored as decoded
  headers.set('Content-Length', String(bytes.byteLength));
  await cache.put(request, new Response(bytes, { status: 200, statusText: 'OK', headers }));
}

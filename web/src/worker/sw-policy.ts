// What the service worker (service-worker.ts) does with each request, and the
// names of its caches. Pure: no globals, tested under Node (tests/web/sw-policy.test.ts).
//
// Two caches, each named after a hash of its contents (computed at build time by
// web/scripts/service-worker-plugin.ts), so a new deploy replaces what changed:
//   cnnlab-shell-<hash>  the page, its hashed JS/CSS/.wasm, the icon, the weights
//   cnnlab-data-<hash>   the four MNIST .gz files (≈ 11 MB), kept across deploys
//                        as long as the data itself does not change

export const CACHE_PREFIX = 'cnnlab-';

export interface CacheNames {
  shell: string;
  data: string;
}

export function cacheNames(shellVersion: string, dataVersion: string): CacheNames {
  return { shell: `${CACHE_PREFIX}shell-${shellVersion}`, data: `${CACHE_PREFIX}data-${dataVersion}` };
}

/** Caches of earlier deploys: everything of ours that is not current. */
export function staleCaches(existing: readonly string[], current: CacheNames): string[] {
  return existing.filter((name) => name.startsWith(CACHE_PREFIX) && name !== current.shell && name !== current.data);
}

/**
 * - `page`: a navigation: the network first (a new deploy shows at once), the cached page offline.
 * - `data`: an MNIST file: the cache first, filled on the first fetch.
 * - `shell`: another file of the site (hashed assets, weights, icon): the cache first.
 * - `pass`: not ours (another origin, outside the scope, not a GET): the browser handles it.
 */
export type Route = 'page' | 'data' | 'shell' | 'pass';

export function route(request: { url: string; method: string; mode: string }, scope: string): Route {
  if (request.method !== 'GET' || !request.url.startsWith(scope)) return 'pass';
  if (request.mode === 'navigate') return 'page';
  const path = new URL(request.url).pathname.slice(new URL(scope).pathname.length);
  if (/^data\/mnist\/[^/]+\.gz$/.test(path)) return 'data';
  return 'shell';
}

/** A complete gzip file starts with 1f 8b: a cached MNIST file must at least look like one. */
export function looksLikeGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// What the service worker (service-worker.ts) does with each request, and the
// names of its caches. Pure: no globals, tested under Node (tests/web/offline.test.ts).
//
// Two caches, each named after a hash of its contents (computed at build time by
// web/scripts/service-worker-plugin.ts), so a new deploy replaces what changed:
//   cnnlab-shell-<hash>  the page, its hashed JS/CSS/.wasm, the icon, the weights,
//                        the KaTeX fonts of its equations and any other it used
//   cnnlab-data-<hash>   the MNIST .gz files the page downloaded (≈ 11 MB once
//                        trained), kept across deploys as long as the data itself
//                        does not change

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
  if (isDataPath(path)) return 'data';
  return 'shell';
}

/** An MNIST file, relative to the site's root: never precached. */
export function isDataPath(path: string): boolean {
  return /^data\/mnist\/[^/]+\.gz$/.test(path);
}

/**
 * How the install step gets a shell file (a path relative to the site):
 * - `force-cache`: a hashed asset (assets/name-HASH.ext): the copy the page just
 *   loaded is the right one, so the HTTP cache answers without a download;
 * - `if-used`: a font: kept only if the HTTP cache has it (the page showed it);
 * - `no-cache`: anything else (index.html, the weights, the icon): asked again.
 * The woff2 fonts of the page's own equations (the network and backprop views and
 * every explanation: KaTeX's Main, Math italic, the four sizes of ∑ and brackets,
 * AMS for ⊛ and ≤; ≈ 90 KB) are kept always: a page that first draws a digit offline
 * typesets the network view's equations with them.
 */
export type PrecacheMode = 'force-cache' | 'if-used' | 'no-cache';

/** KaTeX's fonts that the page's equations use (hashed woff2 files). */
const EQUATION_FONTS = /^assets\/KaTeX_(Main-Regular|Math-Italic|Size[1-4]-Regular|AMS-Regular)-[A-Za-z0-9_-]{8}\.woff2$/;

export function precacheMode(path: string): PrecacheMode {
  if (EQUATION_FONTS.test(path)) return 'force-cache';
  if (/\.(woff2?|ttf)$/.test(path)) return 'if-used';
  if (/^assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/.test(path)) return 'force-cache';
  return 'no-cache';
}

/** A complete gzip file starts with 1f 8b: a cached MNIST file must at least look like one. */
export function looksLikeGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The page → service worker message that hands over a MNIST file downloaded before the worker controlled the page. */
export interface KeepDataMessage {
  type: 'cnnlab:keep-data';
  url: string;
  file: Blob;
}

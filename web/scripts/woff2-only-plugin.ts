// A small Vite plugin: KaTeX's style sheet lists each of its 20 fonts in three
// formats (woff2, woff, ttf). Every browser that runs cnnlab (WebAssembly SIMD)
// reads woff2, and a browser only downloads the first format it supports, but the
// build would still emit all 60 files and the service worker would see them. This
// keeps only the woff2 source of each @font-face, so only woff2 files are emitted.
import type { Plugin } from 'vite';

/** `src: url(a.woff2) format("woff2"), url(a.woff) format("woff"), …` → the woff2 entry alone. */
export function woff2Only(css: string): string {
  return css.replace(/(@font-face\s*\{[^}]*?src:\s*)([^;}]*)/g, (_all, head: string, sources: string) => {
    const woff2 = sources.split(/,(?=\s*url\()/).filter((s) => /format\(\s*["']woff2["']\s*\)/.test(s));
    return head + (woff2.length > 0 ? woff2.join(',') : sources);
  });
}

export function woff2OnlyPlugin(): Plugin {
  return {
    name: 'cnnlab-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]katex[\\/]dist[\\/]katex(\.min)?\.css(\?|$)/.test(id)) return null;
      return { code: woff2Only(code), map: null };
    },
  };
}

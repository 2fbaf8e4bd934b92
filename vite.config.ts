// Vite: the page lives in web/ (index.html), static files (MNIST .gz, pretrained
// weights, icons) in public/, the build goes to dist/. A relative base makes dist/
// work from any static host and any sub-path. The training worker is an ES module
// worker; the .wasm is emitted as a file and found by URL (never inlined).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { serviceWorkerPlugin } from './web/scripts/service-worker-plugin';
import { woff2OnlyPlugin } from './web/scripts/woff2-only-plugin';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  root: 'web',
  // The version the "Embed this" dialog pins in its CDN snippet.
  define: { __CNNLAB_VERSION__: JSON.stringify(version) },
  publicDir: '../public',
  base: './',
  // dist/sw.js: the page offline after one visit (built site only). KaTeX's fonts: woff2 only.
  plugins: [woff2OnlyPlugin(), serviceWorkerPlugin()],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script; every browser with WASM SIMD has modulepreload.
    modulePreload: { polyfill: false },
    // Never inlined: the .wasm, and KaTeX's fonts (a data: font breaks the CSP's default-src 'self').
    assetsInlineLimit: (file) => (/\.(wasm|woff2?|ttf)$/.test(file) ? false : undefined),
    // Three entries: the page, embed.html (for iframes) and the <cnn-lab> element,
    // whose module keeps a stable name (dist/cnn-lab.js) for course pages to load.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./web/index.html', import.meta.url)),
        embed: fileURLToPath(new URL('./web/embed.html', import.meta.url)),
        'cnn-lab': fileURLToPath(new URL('./web/src/embed/cnn-lab.ts', import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'cnn-lab' ? 'cnn-lab.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: {
    format: 'es',
  },
  server: {
    host: 'localhost',
  },
  preview: {
    host: 'localhost',
    // The policy the page is built for: no inline scripts, no eval; only WASM compilation.
    headers: { 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'self'" },
  },
});

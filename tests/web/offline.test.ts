// The service worker's routes and cache names (web/src/worker/sw-policy.ts) and
// where the page registers it (web/src/app/offline.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cacheNames, isDataPath, looksLikeGzip, precacheMode, route, staleCaches } from '../../web/src/worker/sw-policy';
import { serviceWorkerUrls } from '../../web/src/app/offline';
import { woff2Only } from '../../web/scripts/woff2-only-plugin';

const SCOPE = 'https://example.org/course/cnnlab/';
const get = (path: string, mode = 'cors') => ({ url: new URL(path, SCOPE).href, method: 'GET', mode });

describe('service worker policy', () => {
  it('routes pages, MNIST files and the rest of the site; leaves other requests alone', () => {
    expect(route(get('./', 'navigate'), SCOPE)).toBe('page');
    expect(route(get('index.html?x=1', 'navigate'), SCOPE)).toBe('page');
    expect(route(get('data/mnist/train-images-idx3-ubyte.gz'), SCOPE)).toBe('data');
    expect(route(get('assets/cnnlab-CUuDJyQv.wasm'), SCOPE)).toBe('shell');
    expect(route(get('models/cnnlab-default.json'), SCOPE)).toBe('shell');
    expect(route(get('data/other/x.gz'), SCOPE)).toBe('shell');
    expect(route({ ...get('data/mnist/t10k-labels-idx1-ubyte.gz'), method: 'POST' }, SCOPE)).toBe('pass');
    expect(route(get('https://cdn.example.com/x.js'), SCOPE)).toBe('pass');
    expect(route(get('/elsewhere/page.html', 'navigate'), SCOPE)).toBe('pass');
  });

  it('names caches by version and finds the stale ones of earlier deploys', () => {
    const current = cacheNames('aaa', 'ddd');
    expect(current).toEqual({ shell: 'cnnlab-shell-aaa', data: 'cnnlab-data-ddd' });
    expect(staleCaches(['cnnlab-shell-old', 'cnnlab-shell-aaa', 'cnnlab-data-ddd', 'cnnlab-data-old', 'someone-else'], current)).toEqual([
      'cnnlab-shell-old',
      'cnnlab-data-old',
    ]);
  });

  it('never precaches MNIST; takes hashed assets from the HTTP cache, the fonts of its equations always, other fonts only if the page used them', () => {
    expect(isDataPath('data/mnist/train-images-idx3-ubyte.gz')).toBe(true);
    expect(isDataPath('models/cnnlab-default.json')).toBe(false);
    expect(precacheMode('assets/cnnlab-KGSOD7Qf.wasm')).toBe('force-cache');
    expect(precacheMode('assets/app-C9fEkP0q.js')).toBe('force-cache');
    expect(precacheMode('assets/train.worker-6OhiefU4.js')).toBe('force-cache');
    for (const font of ['Main-Regular-B22Nviop', 'Math-Italic-t53AETM-', 'Size1-Regular-mCD8mA8B', 'Size2-Regular-Dy4dx90m', 'Size3-Regular-gV2CO0n9', 'Size4-Regular-Dl5lxZxV', 'AMS-Regular-BQhdFMY1'])
      expect(precacheMode(`assets/KaTeX_${font}.woff2`), font).toBe('force-cache');
    expect(precacheMode('assets/KaTeX_Fraktur-Regular-CTYiF6lA.woff2')).toBe('if-used');
    expect(precacheMode('assets/KaTeX_Main-Bold-Cx986IdX.woff2')).toBe('if-used');
    expect(precacheMode('assets/KaTeX_Main-Regular-B22Nviop.ttf')).toBe('if-used');
    expect(precacheMode('index.html')).toBe('no-cache');
    expect(precacheMode('cnn-lab.js')).toBe('no-cache'); // a stable name: its content changes per deploy
    expect(precacheMode('models/cnnlab-default.json')).toBe('no-cache');
  });

  it("keeps only the woff2 source of KaTeX's fonts", () => {
    const css = readFileSync(new URL('../../node_modules/katex/dist/katex.min.css', import.meta.url), 'utf8');
    const out = woff2Only(css);
    const faces = out.match(/@font-face\{[^}]*\}/g) ?? [];
    expect(faces).toHaveLength(20);
    for (const face of faces) expect(face).toMatch(/src:url\(fonts\/KaTeX_[A-Za-z0-9_-]+\.woff2\) format\("woff2"\)\}$/);
    expect(out).not.toMatch(/\.woff\)|\.ttf\)/);
    // The rest of the sheet is untouched.
    expect(out.replace(/@font-face\{[^}]*\}/g, '')).toBe(css.replace(/@font-face\{[^}]*\}/g, ''));
  });

  it('keeps only files that look like gzip', () => {
    expect(looksLikeGzip(new Uint8Array([0x1f, 0x8b, 8, ...new Array(20).fill(0)]))).toBe(true);
    expect(looksLikeGzip(new Uint8Array([0x3c, 0x21, ...new Array(20).fill(0)]))).toBe(false); // "<!" an HTML page
    expect(looksLikeGzip(new Uint8Array([0x1f, 0x8b]))).toBe(false);
  });

  it('registers sw.js next to the page, scoped to the page folder', () => {
    expect(serviceWorkerUrls('https://example.org/course/cnnlab/index.html')).toEqual({
      script: 'https://example.org/course/cnnlab/sw.js',
      scope: 'https://example.org/course/cnnlab/',
    });
  });
});

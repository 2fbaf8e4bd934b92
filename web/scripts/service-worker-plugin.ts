// A small Vite plugin (build only, so `npm start` never caches): once dist/ is
// written, lists its files, hashes them, and bundles web/src/worker/service-worker.ts
// into dist/sw.js with the lists and hashes filled in. A stable name (sw.js, next
// to index.html) so that the registration stays the same across deploys; its
// contents change whenever any cached file does, which is what makes browsers
// install the new version.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin, ResolvedConfig } from 'vite';
import { isDataPath } from '../src/worker/sw-policy';

export const SW_FILE = 'sw.js';
const SOURCE = new URL('../src/worker/service-worker.ts', import.meta.url);

/** dist/ paths with '/' separators, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function hashFiles(dir: string, files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(dir, file))).update('\0');
  return hash.digest('hex').slice(0, 12);
}

export function serviceWorkerPlugin(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'cnnlab-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = resolve(config.root, config.build.outDir);
      const files = listFiles(outDir).filter((f) => f !== SW_FILE);
      const data = files.filter((f) => isDataPath(f));
      // Everything else the page may fetch; not the docs beside the weights. MNIST is
      // not precached: only its version (the data cache's name) is needed.
      const shell = files.filter((f) => !data.includes(f) && !f.endsWith('.md') && !f.startsWith('data/'));
      const versions = { shell: hashFiles(outDir, shell), data: hashFiles(outDir, data) };
      const result = await build({
        entryPoints: [fileURLToPath(SOURCE)],
        bundle: true,
        format: 'iife',
        target: 'es2022',
        minify: true,
        write: false,
        legalComments: 'none',
        define: {
          __CNNLAB_SHELL__: JSON.stringify(['./', ...shell]),
          __CNNLAB_VERSIONS__: JSON.stringify(versions),
        },
      });
      const code = result.outputFiles[0]?.text;
      if (!code) throw new Error('service worker: esbuild produced no output');
      writeFileSync(join(outDir, SW_FILE), `// cnnlab service worker, shell ${versions.shell}, data ${versions.data}\n${code}`);
      config.logger.info(`service worker: dist/${SW_FILE} (shell ${versions.shell}: ${shell.length} files; data ${versions.data}: ${data.length} files)`);
    },
  };
}

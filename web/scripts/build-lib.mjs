#!/usr/bin/env node
// Builds lib/, the typed facade of the npm package (package.json "exports": "."):
//   lib/core/cnnlab.js     the facade (web/src/core/cnnlab.ts) bundled with the
//                          Emscripten glue and limits.json, one ES module
//   lib/core/*.d.ts        its declarations (tsc -p tsconfig.lib.json)
//   lib/wasm/cnnlab.wasm   the module, where the facade looks for it (../wasm/ from
//                          itself: fetched in browsers and workers, read with fs in Node)
//   lib/wasm/cnnlab.d.ts   the hand-written types of the glue
//   lib/element.d.ts       types for "cnnlab/element" (dist/cnn-lab.js)
// Needs the WASM module (npm run build:wasm). Part of `npm run build`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wasmDir = join(root, 'web', 'src', 'wasm');
const lib = join(root, 'lib');

for (const file of ['cnnlab.js', 'cnnlab.wasm', 'limits.json']) {
  if (!existsSync(join(wasmDir, file))) {
    console.error(`build:lib: web/src/wasm/${file} is missing: run npm run build:wasm`);
    process.exit(1);
  }
}
rmSync(lib, { recursive: true, force: true });
mkdirSync(join(lib, 'wasm'), { recursive: true });

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
await build({
  entryPoints: [join(root, 'web', 'src', 'core', 'cnnlab.ts')],
  outfile: join(lib, 'core', 'cnnlab.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  legalComments: 'none',
  banner: { js: `// cnnlab ${version}: the typed facade over the WebAssembly module (MIT). ../wasm/cnnlab.wasm is found relative to this file.` },
  plugins: [
    {
      // The glue's own default (`new URL("cnnlab.wasm", import.meta.url)`, next to the
      // glue) is never used, since the facade always says where the .wasm is; left in,
      // a bundler of the package's users would look for lib/core/cnnlab.wasm.
      name: 'glue-without-default-url',
      setup(b) {
        b.onLoad({ filter: /[\\/]wasm[\\/]cnnlab\.js$/ }, (args) => {
          const code = readFileSync(args.path, 'utf8');
          const patched = code.replace('new URL("cnnlab.wasm",import.meta.url).toString()', '"cnnlab.wasm"');
          if (patched === code) throw new Error('build:lib: the glue no longer has its default .wasm URL: check this patch');
          return { contents: patched, loader: 'js' };
        });
      },
    },
  ],
});
copyFileSync(join(wasmDir, 'cnnlab.wasm'), join(lib, 'wasm', 'cnnlab.wasm'));
copyFileSync(join(wasmDir, 'cnnlab.d.ts'), join(lib, 'wasm', 'cnnlab.d.ts'));
copyFileSync(join(root, 'web', 'types', 'element.d.ts'), join(lib, 'element.d.ts'));

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.lib.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('build:lib: tsc (declarations) failed');
  process.exit(1);
}
// Node's module resolution (node16/nodenext) wants file extensions in relative imports.
for (const file of readdirSync(lib, { recursive: true }).filter((f) => String(f).endsWith('.d.ts'))) {
  const path = join(lib, String(file));
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(from '\.\.?\/[^']+?)(?<!\.js)'/g, "$1.js'"));
}
console.error('build:lib: wrote lib/ (core/cnnlab.js + .d.ts, wasm/cnnlab.wasm, element.d.ts)');

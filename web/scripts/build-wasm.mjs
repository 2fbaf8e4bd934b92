#!/usr/bin/env node
// Builds the Embind module web/src/wasm/cnnlab.{js,wasm} from cpp/ with Emscripten
// (CMake target cnnlab_wasm in build-wasm/). With --if-needed it does nothing when
// the outputs are newer than every C++ source. With --tests it builds the GoogleTest
// suite as WebAssembly instead (build-wasm-tests/cnnlab_tests.js, run under Node by
// `ctest --test-dir build-wasm-tests`).
// After building the module it writes web/src/wasm/limits.json from the module itself
// (the core's option limits and choices, parameter table and divergence rule), which the page
// reads before any worker exists: the C++ tables stay the only place they are written.
// Progress lines go to stderr, so `npm run bench -- --json` prints pure JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wasmDir = join(root, 'web', 'src', 'wasm');
const outputs = ['cnnlab.js', 'cnnlab.wasm', 'limits.json'].map((f) => join(wasmDir, f));
const args = new Set(process.argv.slice(2));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (args.has('--if-needed') && !args.has('--tests') && outputs.every(existsSync)) {
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = Math.max(newestSource(join(root, 'cpp')), statSync(join(root, 'CMakeLists.txt')).mtimeMs);
  if (built > sources) {
    console.error('build:wasm: web/src/wasm/cnnlab.{js,wasm} are up to date');
    process.exit(0);
  }
}

const which = spawnSync('sh', ['-c', 'command -v em++ && command -v emcmake'], { encoding: 'utf8' });
if (which.status !== 0) {
  console.error(
    'build:wasm: em++ (Emscripten) is not installed. On Debian/Ubuntu: sudo apt-get install -y emscripten',
  );
  process.exit(1);
}

// Debian's Emscripten 3.1.6 needs its acorn, which Node only finds with NODE_PATH.
const env = { ...process.env, NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };
function run(cmd, cmdArgs) {
  console.error(`build:wasm: ${cmd} ${cmdArgs.join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, env, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    console.error(`build:wasm: ${cmd} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (args.has('--tests')) {
  run('emcmake', ['cmake', '-S', '.', '-B', 'build-wasm-tests', '-DCMAKE_BUILD_TYPE=Release', '-DCNNLAB_TESTS=ON']);
  run('cmake', ['--build', 'build-wasm-tests', '-j2', '--target', 'cnnlab_tests']);
} else {
  run('emcmake', ['cmake', '-S', '.', '-B', 'build-wasm', '-DCMAKE_BUILD_TYPE=Release', '-DCNNLAB_TESTS=OFF']);
  run('cmake', ['--build', 'build-wasm', '-j2', '--target', 'cnnlab_wasm']);
  await writeLimits();
}

/** limits.json: what the module says about its options, parameters and divergence rule. */
async function writeLimits() {
  const { default: create } = await import(pathToFileURL(join(wasmDir, 'cnnlab.js')).href);
  const m = await create({ wasmBinary: readFileSync(join(wasmDir, 'cnnlab.wasm')) });
  const config = m.defaultConfig();
  const doc = {
    generatedFrom: 'cpp/network/config.h, cpp/network/model.h and cpp/augment/augment.h by web/scripts/build-wasm.mjs: do not edit',
    limits: m.limits(),
    choices: m.choices(),
    defaultConfig: config,
    defaultOptions: m.defaultOptions(),
    defaultParamTable: m.paramTable(config),
    divergence: { lossWindow: m.lossWindow, explodingLoss: m.explodingLoss, weightBound: m.weightBound },
  };
  writeFileSync(join(wasmDir, 'limits.json'), `${JSON.stringify(doc, null, 2)}\n`);
  console.error('build:wasm: wrote web/src/wasm/limits.json');
}

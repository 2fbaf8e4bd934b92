// The MNIST recipe of web/src/ui/preprocess.ts: synthetic shapes with known answers,
// then real MNIST test digits through the real WASM network (re-preprocessed as-is,
// and drawn 10× larger as on the 280-px pad) to show the recipe matches MNIST's.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../bench/peers/layout';
import type { Cnnlab, CnnModel } from '../../web/src/core/cnnlab';
import {
  BOX_SIZE,
  INPUT_CENTRE,
  INPUT_SIZE,
  areaResize,
  centreOfMass,
  inkBoundingBox,
  preprocessInk,
  type InkImage,
} from '../../web/src/ui/preprocess';
import { ROOT, imageFloats, loadCore, mnist } from './helpers/core';

/** A width×height Float32 ink image with `fill(x, y)` ink. */
function ink(width: number, height: number, fill: (x: number, y: number) => number): InkImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = fill(x, y);
  return { width, height, data };
}

function rect(x0: number, y0: number, w: number, h: number, v = 1) {
  return (x: number, y: number) => (x >= x0 && x < x0 + w && y >= y0 && y < y0 + h ? v : 0);
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

const rng = mulberry32; // a tiny deterministic PRNG, shared with the benchmark

describe('preprocessInk on shapes with known answers', () => {
  it('finds the bounding box of a rectangle, scales it to 20×10 and centres it', () => {
    const r = preprocessInk(ink(100, 100, rect(10, 30, 40, 20)))!;
    expect(r.box).toEqual({ x: 10, y: 30, width: 40, height: 20 });
    expect([r.scaledWidth, r.scaledHeight]).toEqual([20, 10]);
    expect(r.scaled.every((v) => v === 1)).toBe(true); // solid ink stays solid
    expect(r.image).toHaveLength(784);
    expect(sum(r.image)).toBe(200);
    // the 20×10 block's own centre of mass is (9.5, 4.5): the shift rounds 4.5 and 9.5 up
    expect(r.offset).toEqual({ x: 5, y: 10 });
    expect(r.centreOfMass).toEqual({ x: 14.5, y: 14.5 });
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) expect(r.image[y * 28 + x]).toBe(x >= 5 && x < 25 && y >= 10 && y < 20 ? 1 : 0);
  });

  it('keeps the aspect ratio and makes the longer side exactly 20, shrinking or enlarging', () => {
    const random = rng(1);
    for (let trial = 0; trial < 60; trial++) {
      const w = 1 + Math.floor(random() * 300);
      const h = 1 + Math.floor(random() * 300);
      const r = preprocessInk(ink(w + 7, h + 5, rect(3, 2, w, h)))!;
      expect(r.box).toEqual({ x: 3, y: 2, width: w, height: h });
      expect(Math.max(r.scaledWidth, r.scaledHeight)).toBe(BOX_SIZE);
      expect(r.scaled).toHaveLength(r.scaledWidth * r.scaledHeight);
      // the shorter side is the rounded exact value (or 1)
      const exact = (Math.min(w, h) * BOX_SIZE) / Math.max(w, h);
      expect(Math.abs(Math.min(r.scaledWidth, r.scaledHeight) - Math.max(1, exact))).toBeLessThanOrEqual(0.5);
      expect(w >= h ? r.scaledWidth : r.scaledHeight).toBe(20);
    }
  });

  it('area averaging keeps the total ink up to the scale factor (and k/255 rounding)', () => {
    const random = rng(2);
    for (const [w, h] of [
      [137, 83],
      [200, 200],
      [41, 250],
      [9, 6],
      [280, 13],
    ] as const) {
      const image = ink(w, h, (x, y) => (x === 0 || y === 0 || x === w - 1 || y === h - 1 ? 1 : random()));
      const r = preprocessInk(image)!;
      const area = (w / r.scaledWidth) * (h / r.scaledHeight); // source pixels per output pixel
      const tolerance = ((0.5 / 255) * r.scaled.length + 1e-6) * area;
      expect(Math.abs(sum(r.scaled) * area - sum(image.data))).toBeLessThanOrEqual(tolerance);
      expect(r.scaled.every((v) => Number.isInteger(Math.round(v * 255 * 1e3) / 1e3))).toBe(true);
    }
  });

  it('is an exact box filter: a 10×-enlarged image comes back unchanged', () => {
    const random = rng(3);
    const small = new Float64Array(20 * 14).map(() => Math.round(random() * 255) / 255);
    const big = ink(200, 140, (x, y) => small[Math.floor(y / 10) * 20 + Math.floor(x / 10)]!);
    const back = areaResize(big.data, 200, { x: 0, y: 0, width: 200, height: 140 }, 20, 14);
    for (let i = 0; i < small.length; i++) expect(back[i]).toBeCloseTo(Math.fround(small[i]!), 12);
  });

  it('puts the centre of mass within 0.5 px of (14, 14) for random blobs', () => {
    const random = rng(4);
    for (let trial = 0; trial < 100; trial++) {
      const cx = 60 + random() * 160;
      const cy = 60 + random() * 160;
      const rx = 5 + random() * 50;
      const ry = 5 + random() * 50;
      const r = preprocessInk(
        ink(280, 280, (x, y) => {
          const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
          return d < 1 ? Math.min(1, 1.5 * (1 - d)) * (0.5 + 0.5 * Math.sin(x / 7 + y / 11) ** 2) : 0;
        }),
      )!;
      expect(Math.abs(r.centreOfMass.x - INPUT_CENTRE)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(Math.abs(r.centreOfMass.y - INPUT_CENTRE)).toBeLessThanOrEqual(0.5 + 1e-9);
      // nothing was cut off: the 28×28 image holds all of the scaled ink
      expect(sum(r.image)).toBeCloseTo(sum(r.scaled), 3);
      expect(centreOfMass(r.image, 28, 28)).toEqual(r.centreOfMass);
    }
  });

  it('returns null for no ink, and for ink too faint to survive k/255', () => {
    expect(preprocessInk(ink(280, 280, () => 0))).toBeNull();
    expect(preprocessInk({ width: 3, height: 2, data: new Uint8ClampedArray(6) })).toBeNull();
    expect(preprocessInk(ink(280, 280, rect(100, 100, 1, 1, 0.0005)))).toBeNull();
    expect(inkBoundingBox(new Float32Array(9), 3, 3)).toBeNull();
  });

  it('reads 0..255 bytes, 0..1 floats and 0..255 floats alike, wherever the ink is', () => {
    const shape = (dx: number, dy: number) => (x: number, y: number) =>
      Math.hypot(x - dx - 50, y - dy - 60) < 30 && Math.hypot(x - dx - 55, y - dy - 60) > 12 ? 1 : 0;
    const a = preprocessInk(ink(200, 200, shape(0, 0)))!;
    const b = preprocessInk(ink(200, 200, shape(70, 45)))!;
    const bytes = ink(200, 200, shape(20, 5));
    const c = preprocessInk({ ...bytes, data: Uint8ClampedArray.from(bytes.data, (v) => v * 255) })!;
    const d = preprocessInk({ ...bytes, data: bytes.data.map((v) => v * 255) })!;
    for (const other of [b, c, d]) expect(other.image).toEqual(a.image);
  });

  it('keeps thin strokes: 1-px lines drawn on a 280-px pad still reach the 28×28 input', () => {
    // an "L" of 1-px lines, 200 px long: each becomes a line of 0.1 ink (25 or 26 /255)
    const r = preprocessInk(ink(280, 280, (x, y) => ((x === 40 && y >= 40 && y < 240) || (y === 239 && x >= 40 && x < 240) ? 1 : 0)))!;
    expect([r.scaledWidth, r.scaledHeight]).toEqual([20, 20]);
    for (let i = 0; i < 19; i++) {
      expect(Math.abs(r.scaled[i * 20]! - 0.1)).toBeLessThan(1 / 255); // left column
      expect(Math.abs(r.scaled[19 * 20 + i + 1]! - 0.1)).toBeLessThan(1 / 255); // bottom row
    }
    expect(r.scaled[19 * 20]).toBeCloseTo(48 / 255, 6); // the corner: 19 + 19 - 1 of 100 source pixels
    // a 1-px diagonal stroke survives in every row
    const diagonal = preprocessInk(ink(280, 280, (x, y) => (x === y && x > 20 && x < 260 ? 1 : 0)))!;
    for (let y = 0; y < 20; y++) expect(sum(diagonal.scaled.subarray(y * 20, y * 20 + 20))).toBeGreaterThan(0);
    // and a single dot becomes a 20×20 square, not nothing
    expect(sum(preprocessInk(ink(50, 50, rect(20, 20, 1, 1)))!.image)).toBe(400);
  });

  it('rejects data of the wrong length', () => {
    expect(() => preprocessInk({ width: 28, height: 28, data: new Float32Array(100) })).toThrow(/784/);
    expect(() => preprocessInk({ width: 0, height: 28, data: new Float32Array(0) })).toThrow(/size/);
  });
});

describe('preprocessInk on real MNIST test digits, with the real network', () => {
  const N = 500;
  let core: Cnnlab;
  let model: CnnModel;
  const t10k = () => mnist('t10k');

  beforeAll(async () => {
    core = await loadCore();
    const weights = `${ROOT}public/models/cnnlab-default.json`;
    if (existsSync(weights)) {
      model = core.modelFromWeights(readFileSync(weights, 'utf8'));
    } else {
      const train = mnist('train');
      const data = core.createDataset(train.images, train.labels);
      model = core.createModel({}, 1);
      model.setTrainingData(data);
      expect(model.train(60000).status).toBe('ok'); // one epoch, about 3 s
    }
  }, 120_000);

  function argmax(p: Float32Array): number {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    return best;
  }

  function accuracy(images: (i: number) => Float32Array): number {
    const v = t10k();
    let correct = 0;
    for (let i = 0; i < N; i++) if (argmax(model.predict(images(i))) === v.labels[i]) correct++;
    return correct / N;
  }

  /** Digit i as ink: its 784 bytes, each drawn as a `factor`×`factor` block, at (dx, dy) of a larger pad. */
  function enlarged(i: number, factor: number, dx = 0, dy = 0): InkImage {
    const v = t10k();
    const side = 28 * factor;
    const width = side + 2 * dx + 3;
    const height = side + dy + 11;
    const data = new Uint8ClampedArray(width * height);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        data[(y + dy) * width + x + dx] = v.images[i * 784 + Math.floor(y / factor) * 28 + Math.floor(x / factor)]!;
    return { width, height, data };
  }

  it('agrees with how MNIST itself was made: the digits are already 20-px, centred by mass', () => {
    const v = t10k();
    let unchanged = 0;
    for (let i = 0; i < N; i++) {
      const r = preprocessInk({ width: 28, height: 28, data: Uint8ClampedArray.from(v.images.subarray(i * 784, i * 784 + 784)) })!;
      expect(Math.max(r.scaledWidth, r.scaledHeight)).toBe(20);
      if (r.image.every((x, k) => x === v.images[i * 784 + k]! / 255 || Math.fround(v.images[i * 784 + k]! / 255) === x))
        unchanged++;
    }
    // Most digits come back bit for bit; the others are moved by one pixel (a
    // centre of mass close to a .5 rounds the other way) or had a 19-px box.
    expect(unchanged / N).toBeGreaterThanOrEqual(0.8);
  });

  it('keeps the accuracy of the original digits (≥ 95% of it) when they are re-preprocessed', () => {
    const v = t10k();
    const original = accuracy((i) => imageFloats(v, i));
    const again = accuracy(
      (i) => preprocessInk({ width: 28, height: 28, data: Uint8ClampedArray.from(v.images.subarray(i * 784, i * 784 + 784)) })!.image,
    );
    const drawn = accuracy((i) => preprocessInk(enlarged(i, 10))!.image);
    console.log(`accuracy on ${N} test digits: original ${original}, re-preprocessed ${again}, drawn 10× ${drawn}`);
    expect(original).toBeGreaterThan(0.9);
    expect(again).toBeGreaterThanOrEqual(0.95 * original);
    expect(drawn).toBeGreaterThanOrEqual(0.95 * original);
  });

  it('gives the same input for a digit drawn 10× larger on a 280-px pad, anywhere on it', () => {
    let same = 0;
    for (let i = 0; i < 100; i++) {
      const direct = preprocessInk({ width: 28, height: 28, data: Uint8ClampedArray.from(t10k().images.subarray(i * 784, i * 784 + 784)) })!;
      const big = preprocessInk(enlarged(i, 10, (i * 37) % 101, (i * 53) % 89))!;
      expect(big.scaledWidth).toBe(direct.scaledWidth);
      expect(big.scaledHeight).toBe(direct.scaledHeight);
      expect(big.scaled).toEqual(direct.scaled); // exact area averaging of 10×10 blocks
      if (big.image.every((x, k) => x === direct.image[k])) same++;
    }
    expect(same).toBe(100);
  });
});

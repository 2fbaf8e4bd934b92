// The pure parts of the teaching views: colour maps, number formats, and how the
// NetworkView recognises f and the pooling from real tensors of the WASM module.
import { describe, expect, it } from 'vitest';
import { DIVERGING, SEQUENTIAL, formatValue, lutIndex, maxAbs, symmetricRange } from '../../web/src/ui/colormap';
import { formatPercent } from '../../web/src/ui/format';
import { imageFloats, loadCore, mnist } from './helpers/core';

const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
function rgb(word: number): [number, number, number] {
  return LE ? [word & 255, (word >>> 8) & 255, (word >>> 16) & 255] : [word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255];
}
/** Relative luminance (sRGB), 0..1. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

describe('colour maps', () => {
  it('diverging (PuOr): white at exactly 0, purple below, orange above, opaque', () => {
    const range = symmetricRange([-3, 0.5, 2]);
    expect(range).toEqual({ min: -3, max: 3 });
    expect(rgb(DIVERGING.lut[lutIndex(0, range.min, range.max)]!)).toEqual([255, 255, 255]);
    const [r0, , b0] = rgb(DIVERGING.lut[0]!);
    const [r1, , b1] = rgb(DIVERGING.lut[255]!);
    expect(b0).toBeGreaterThan(r0); // purple
    expect(r1).toBeGreaterThan(b1); // orange
    for (const w of DIVERGING.lut) expect(LE ? w >>> 24 : w & 255).toBe(255);
  });

  it('diverging: lightness falls steadily away from 0 on both sides (readable in grey, for colour-blind readers)', () => {
    for (let i = 128; i < 255; i++)
      expect(luminance(rgb(DIVERGING.lut[i + 1]!))).toBeLessThanOrEqual(luminance(rgb(DIVERGING.lut[i]!)) + 1e-9);
    for (let i = 127; i > 0; i--)
      expect(luminance(rgb(DIVERGING.lut[i - 1]!))).toBeLessThanOrEqual(luminance(rgb(DIVERGING.lut[i]!)) + 1e-9);
  });

  it('sequential (Greys): 0 white, 1 black, darker all the way', () => {
    expect(rgb(SEQUENTIAL.lut[0]!)).toEqual([255, 255, 255]);
    expect(rgb(SEQUENTIAL.lut[255]!)).toEqual([0, 0, 0]);
    for (let i = 0; i < 255; i++)
      expect(luminance(rgb(SEQUENTIAL.lut[i + 1]!))).toBeLessThanOrEqual(luminance(rgb(SEQUENTIAL.lut[i]!)));
  });

  it('maps values to LUT indices with clamping, and NaN to the low end', () => {
    expect(lutIndex(-1, -1, 1)).toBe(0);
    expect(lutIndex(1, -1, 1)).toBe(255);
    expect(lutIndex(5, -1, 1)).toBe(255);
    expect(lutIndex(-5, -1, 1)).toBe(0);
    expect(lutIndex(NaN, -1, 1)).toBe(0);
    expect(lutIndex(0.5, 0, 1)).toBe(128);
    expect(lutIndex(0, 0, 0)).toBe(0); // an all-zero tensor
    expect(maxAbs([0.5, -2, 1])).toBe(2);
    expect(maxAbs(new Float32Array(3))).toBe(0);
  });

  it('formats legend values and percentages for readers', () => {
    expect(formatValue(-1.2345)).toBe('−1.23');
    expect(formatValue(4.5)).toBe('4.5');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(12345)).toBe('1.2·10⁴');
    expect(formatValue(-0.00052)).toBe('−5.2·10⁻⁴');
    expect(formatPercent(0.973)).toBe('97%');
    expect(formatPercent(0.042)).toBe('4.2%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.99996)).toBe('>99.9%');
    expect(formatPercent(1)).toBe('100%');
  });
});

describe('snapshots carry the network that made them (nothing is guessed from values)', () => {
  it.each([
    ['relu', 'average'],
    ['tanh', 'max'],
    ['sigmoid', 'max'],
    ['relu', 'max'],
  ] as const)('%s with %s pooling', async (activation, pooling) => {
    const core = await loadCore();
    const model = core.createModel({ activation, pooling }, 3);
    const t = model.trace(imageFloats(mnist('t10k'), 4), 4);
    expect(t.config).toMatchObject({ activation, pooling, maps1: 4, maps2: 6, hidden: 50 });
    model.predict(imageFloats(mnist('t10k'), 5));
    expect(model.snapshot().config).toEqual(t.config);
    model.dispose();
  });
});

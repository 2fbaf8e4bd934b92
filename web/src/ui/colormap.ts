// Colour maps and tensor painting for the teaching views.
//
// DIVERGING (signed values: kernels, pre-activations, feature maps, weights) is
// ColorBrewer's PuOr, safe for the common colour-vision deficiencies and in grey:
// purple for negative, white at exactly 0, orange for positive, over a symmetric
// range ±max|v| so that equal magnitudes get equal strength. SEQUENTIAL ([0, 1]
// images, probabilities) is ColorBrewer's Greys: white paper, black ink, like the
// draw pad.
//
// A tensor slice is painted at one canvas pixel per value (putImageData on a tiny
// canvas); CSS scales it up with `image-rendering: pixelated`, so the upscale is
// nearest-neighbour, crisp, and costs nothing on the main thread.
//
// Both maps are used unchanged in the dark theme: every tile has a frame
// (--tile-frame, ≥ 3:1 against white and against the dark panel), so white still
// reads as 0 there; legend numbers take the text colour of the theme.
import { onThemeChange } from './theme';

export interface ColorMap {
  readonly name: string;
  /** 256 colours as little-endian RGBA words, for a Uint32Array view of ImageData. */
  readonly lut: Uint32Array;
  /** True when the map is meant for signed values around 0. */
  readonly diverging: boolean;
}

type Rgb = readonly [number, number, number];

function hex(h: string): Rgb {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function pack([r, g, b]: Rgb): number {
  return LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** A 256-entry map from colours evenly spaced over [0, 1], linearly interpolated. */
function makeMap(name: string, stops: readonly string[], diverging: boolean): ColorMap {
  const rgb = stops.map(hex);
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    const a = rgb[k]!;
    const b = rgb[k + 1]!;
    lut[i] = pack([
      Math.round(a[0] + (b[0] - a[0]) * f),
      Math.round(a[1] + (b[1] - a[1]) * f),
      Math.round(a[2] + (b[2] - a[2]) * f),
    ]);
  }
  return { name, lut, diverging };
}

/**
 * PuOr (ColorBrewer, 11 classes), negative → purple, positive → orange. The centre
 * class #f7f7f7 is replaced by white so that 0 is exactly white. An even number of
 * entries puts 0 between two entries; both are made white.
 */
export const DIVERGING: ColorMap = (() => {
  const stops = [
    '#2d004b', '#542788', '#8073ac', '#b2abd2', '#d8daeb', '#ffffff',
    '#fee0b6', '#fdb863', '#e08214', '#b35806', '#7f3b08',
  ];
  const map = makeMap('PuOr (purple − / white 0 / orange +)', stops, true);
  map.lut[127] = map.lut[128] = pack([255, 255, 255]); // 0 maps to 127.5: both neighbours white
  return map;
})();

/** Greys (ColorBrewer, 9 classes): 0 → white, 1 → black. */
export const SEQUENTIAL: ColorMap = makeMap(
  'Greys (white 0 / black 1)',
  ['#ffffff', '#f0f0f0', '#d9d9d9', '#bdbdbd', '#969696', '#737373', '#525252', '#252525', '#000000'],
  false,
);

/** The LUT index of a value: diverging maps take v in [−max, max], sequential ones [min, max]. */
export function lutIndex(v: number, min: number, max: number): number {
  if (!(max > min)) return min === 0 && max === 0 ? 0 : 128;
  const t = (v - min) / (max - min);
  if (!(t > 0)) return 0; // also NaN
  if (t >= 1) return 255;
  return Math.round(t * 255);
}

/** The map's colour at v of [min, max] as a CSS colour. */
export function cssColor(map: ColorMap, v: number, min: number, max: number): string {
  const w = map.lut[lutIndex(v, min, max)]!;
  const [r, g, b] = LITTLE_ENDIAN ? [w & 255, (w >> 8) & 255, (w >> 16) & 255] : [w >>> 24, (w >> 16) & 255, (w >> 8) & 255];
  return `rgb(${r} ${g} ${b})`;
}

/** The map's colour at v of [min, max] as [r, g, b] 0..255. */
export function rgbAt(map: ColorMap, v: number, min: number, max: number): [number, number, number] {
  const w = map.lut[lutIndex(v, min, max)]!;
  return LITTLE_ENDIAN ? [w & 255, (w >> 8) & 255, (w >> 16) & 255] : [w >>> 24, (w >> 16) & 255, (w >> 8) & 255];
}

/**
 * Whether text on this background should be white: black and white text, the one
 * with more contrast (WCAG relative luminance); one of them always reaches 4.58:1.
 */
export function needsLightInk([r, g, b]: readonly number[]): boolean {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
  return (1.05 / (L + 0.05)) > ((L + 0.05) / 0.05);
}

/** max |v| over data[start, end): the half-width of a symmetric diverging range (0 for all zeros). */
export function maxAbs(data: ArrayLike<number>, start = 0, end = data.length): number {
  let m = 0;
  for (let i = start; i < end; i++) {
    const a = Math.abs(data[i]!);
    if (a > m) m = a;
  }
  return m;
}

/** The value range to paint with: ±max|v| for a diverging map, [0, 1] for a sequential one. */
export interface PaintRange {
  min: number;
  max: number;
}

export function symmetricRange(data: ArrayLike<number>, start = 0, end = data.length): PaintRange {
  const m = maxAbs(data, start, end);
  return { min: -m, max: m };
}

const imageCache = new WeakMap<HTMLCanvasElement, ImageData>();

function contextOf(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gave no 2-D canvas context');
  return ctx;
}

/**
 * Paints a rows×cols slice of `data` starting at `offset` (row-major) into `canvas`
 * at one canvas pixel per value; CSS decides the displayed size (see `pixelCanvas`).
 * The canvas and its ImageData are reused between calls of the same size.
 */
export function paintSlice(
  canvas: HTMLCanvasElement,
  data: ArrayLike<number>,
  offset: number,
  rows: number,
  cols: number,
  map: ColorMap,
  range: PaintRange,
): void {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  let image = imageCache.get(canvas);
  if (!image || image.width !== cols || image.height !== rows) {
    image = new ImageData(cols, rows);
    imageCache.set(canvas, image);
  }
  const words = new Uint32Array(image.data.buffer);
  const { min, max } = range;
  const n = rows * cols;
  if (max > min) {
    const k = 255 / (max - min);
    for (let i = 0; i < n; i++) {
      const t = (data[offset + i]! - min) * k;
      words[i] = map.lut[t > 0 ? (t < 255 ? Math.round(t) : 255) : 0]!;
    }
  } else {
    const fill = map.lut[map.diverging ? 128 : 0]!; // all values equal: show "zero"
    for (let i = 0; i < n; i++) words[i] = fill;
  }
  contextOf(canvas).putImageData(image, 0, 0);
}

/**
 * Paints `count` values at the pixels `pixelOf(k)` (y·width + x) of a width×height
 * canvas; the other pixels stay transparent (the CSS background shows the gaps).
 * For pictures that are not one plain map, e.g. W₁'s rows as maps of 4×4.
 */
export function paintPlaced(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  data: ArrayLike<number>,
  count: number,
  pixelOf: (k: number) => number,
  map: ColorMap,
  range: PaintRange,
): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  let image = imageCache.get(canvas);
  if (!image || image.width !== width || image.height !== height) {
    image = new ImageData(width, height);
    imageCache.set(canvas, image);
  }
  const words = new Uint32Array(image.data.buffer);
  const { min, max } = range;
  const k = max > min ? 255 / (max - min) : 0;
  const flat = map.lut[map.diverging ? 128 : 0]!;
  for (let i = 0; i < count; i++) {
    const t = (data[i]! - min) * k;
    words[pixelOf(i)] = max > min ? map.lut[t > 0 ? (t < 255 ? Math.round(t) : 255) : 0]! : flat;
  }
  contextOf(canvas).putImageData(image, 0, 0);
}

/** A canvas for `paintSlice`, displayed at `scale` CSS pixels per value, crisp. */
export function pixelCanvas(rows: number, cols: number, scale: number, className = 'cl-pixels'): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  canvas.className = className;
  canvas.style.width = `${cols * scale}px`;
  canvas.style.height = `${rows * scale}px`;
  canvas.style.imageRendering = 'pixelated';
  return canvas;
}

/** A value for a legend: 3 significant digits, no trailing zeros, a true minus sign. */
export function formatValue(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return Number.isFinite(v) ? '0' : String(v);
  const a = Math.abs(v);
  let s: string;
  if (a >= 1000 || a < 0.001) {
    const [mantissa = '', exponent = ''] = v.toExponential(1).split('e');
    const sup = '⁰¹²³⁴⁵⁶⁷⁸⁹';
    const e = Number(exponent);
    s = `${mantissa}·10${e < 0 ? '⁻' : ''}${[...String(Math.abs(e))].map((d) => sup[Number(d)]).join('')}`;
  } else s = String(Number(v.toPrecision(3)));
  return s.replace('-', '−');
}

export interface LegendOptions {
  /** Default: DIVERGING when min < 0, else SEQUENTIAL. */
  map?: ColorMap;
  /** Colour of the numbers; default: the canvas's computed CSS colour (one style read). */
  textColor?: string;
}

/**
 * A horizontal colour bar with its end values (and 0 for a diverging map) under it.
 * Draws at the canvas's CSS size × devicePixelRatio; give the canvas a CSS width and
 * height (default 160×30).
 */
export function drawLegend(canvas: HTMLCanvasElement, min: number, max: number, options: LegendOptions = {}): void {
  if (!legendArgs.has(canvas)) legends.add(new WeakRef(canvas));
  legendArgs.set(canvas, { min, max, map: options.map });
  const map = options.map ?? (min < 0 ? DIVERGING : SEQUENTIAL);
  const dpr = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const cssWidth = parseFloat(canvas.style.width) || canvas.clientWidth || 160;
  const cssHeight = parseFloat(canvas.style.height) || canvas.clientHeight || 30;
  const w = Math.round(cssWidth * dpr);
  const h = Math.round(cssHeight * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  if (!canvas.style.width) canvas.style.width = `${cssWidth}px`;
  if (!canvas.style.height) canvas.style.height = `${cssHeight}px`;
  const ctx = contextOf(canvas);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);

  const pad = 6;
  const barHeight = Math.max(6, Math.round(cssHeight * 0.38));
  const barWidth = cssWidth - 2 * pad;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(rampOf(map), 0, 0, 256, 1, pad, 0, barWidth, barHeight);
  ctx.strokeStyle = 'rgb(0 0 0 / 0.35)';
  ctx.lineWidth = 1;
  ctx.strokeRect(pad + 0.5, 0.5, barWidth - 1, barHeight - 1);

  const color = options.textColor ?? getTextColor(canvas);
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  const font = Math.max(9, Math.min(12, cssHeight - barHeight - 3));
  ctx.font = `${font}px system-ui, -apple-system, "Segoe UI", sans-serif`;
  ctx.textBaseline = 'top';
  const ty = barHeight + 2;
  if (!(max > min)) {
    // one value everywhere (e.g. all zeros for a blank input)
    ctx.textAlign = 'center';
    ctx.fillText(`all values ${formatValue(min)}`, pad + barWidth / 2, ty);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `every value is ${formatValue(min)}`);
    return;
  }
  const ticks: [number, string, CanvasTextAlign][] = [
    [pad, formatValue(min), 'left'],
    [pad + barWidth, formatValue(max), 'right'],
  ];
  if (map.diverging && min < 0 && max > 0) ticks.push([pad + (barWidth * -min) / (max - min), '0', 'center']);
  for (const [x, text, align] of ticks) {
    ctx.textAlign = align;
    ctx.fillText(text, x, ty);
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, barHeight - 3);
    ctx.lineTo(Math.round(x) + 0.5, barHeight + 1);
    ctx.stroke();
  }
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `colour scale from ${formatValue(min)} to ${formatValue(max)}, ${map.name}`);
}

// Every legend drawn, to repaint its numbers in the new text colour after a change
// of theme (the colour bar itself is the same in both themes).
const legends = new Set<WeakRef<HTMLCanvasElement>>();
const legendArgs = new WeakMap<HTMLCanvasElement, { min: number; max: number; map: ColorMap | undefined }>();
let themeWatch: (() => void) | null = null;

function repaintLegends(): void {
  for (const ref of legends) {
    const canvas = ref.deref();
    const args = canvas && legendArgs.get(canvas);
    if (!canvas || !args) {
      legends.delete(ref);
      continue;
    }
    if (canvas.isConnected) drawLegend(canvas, args.min, args.max, { map: args.map });
  }
}

if (typeof window !== 'undefined') themeWatch ??= onThemeChange(repaintLegends);

const ramps = new WeakMap<ColorMap, HTMLCanvasElement>();

/** The map as a 256×1 image, made once per map. */
function rampOf(map: ColorMap): HTMLCanvasElement {
  let ramp = ramps.get(map);
  if (!ramp) {
    ramp = document.createElement('canvas');
    ramp.width = 256;
    ramp.height = 1;
    const image = new ImageData(256, 1);
    new Uint32Array(image.data.buffer).set(map.lut);
    contextOf(ramp).putImageData(image, 0, 0);
    ramps.set(map, ramp);
  }
  return ramp;
}

function getTextColor(canvas: HTMLCanvasElement): string {
  const c = canvas.isConnected ? getComputedStyle(canvas).color : '';
  return c || '#333';
}

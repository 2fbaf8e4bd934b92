// Digits written in styles MNIST rarely has, as stroke descriptions, and the pointer
// paths that draw them on the page's 280×280 pad (issue 8, part 4). Pure: no browser,
// no DOM; the browser test (drawn-digits.test.ts) moves the mouse along the paths.
//
// A digit is a few strokes in "digit space": y from −0.5 (top) to 0.5 (bottom), x
// centred on 0, one unit = the digit's height. Each variant (a 1 with a flag and a
// foot, a crossed 7, an open 4 …) is written once, the way a person writes it; a
// style (slanted ±20°, small and off centre, large and thin-stroked, thick …) is a
// transform applied to every variant. A seeded generator adds the wobble of a real
// hand (a small rotation, a width change, smooth jitter along the strokes), so the
// same list is drawn every time.

import { mulberry32 } from '../bench/peers/layout';

export type Point = [number, number];
export type Stroke = Point[];

/** Side of the pad in CSS pixels (web/src/ui/drawpad.ts PAD_SIZE). */
export const PAD = 280;

// ---- primitives in digit space ---------------------------------------------------

const STEP = 0.02; // sample spacing, in digit heights (≈ 4 px on a 200-px digit)

/** A straight segment, sampled every STEP. */
export function line(x0: number, y0: number, x1: number, y1: number): Point[] {
  const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / STEP));
  return Array.from({ length: n + 1 }, (_, i) => [x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n] as Point);
}

/**
 * An elliptic arc about (cx, cy) with radii rx, ry from angle a0 to a1 in degrees,
 * 0° pointing right and 90° down (clockwise on the screen); a1 < a0 runs anticlockwise.
 */
export function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): Point[] {
  const rad = Math.PI / 180;
  const length = (Math.abs(a1 - a0) * rad * (rx + ry)) / 2;
  const n = Math.max(2, Math.ceil(length / STEP));
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = (a0 + ((a1 - a0) * i) / n) * rad;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Point;
  });
}

/** One stroke through several pieces (the pen stays down). */
const join = (...pieces: Point[][]): Stroke => pieces.flat();

// ---- the variants: how people write each digit -------------------------------------

export interface Variant {
  digit: number;
  name: string;
  strokes: Stroke[];
}

export const VARIANTS: readonly Variant[] = [
  { digit: 0, name: 'oval', strokes: [arc(0, 0, 0.3, 0.5, -90, 270)] },
  { digit: 0, name: 'very round, overshooting', strokes: [arc(0.02, 0.01, 0.43, 0.48, -60, 320)] },
  { digit: 1, name: 'plain stick', strokes: [line(0, -0.5, 0, 0.5)] },
  { digit: 1, name: 'with a flag', strokes: [join(line(-0.24, -0.26, 0.03, -0.5), line(0.03, -0.5, 0.03, 0.5))] },
  {
    digit: 1,
    name: 'flag and foot (serif)',
    strokes: [join(line(-0.22, -0.28, 0.02, -0.5), line(0.02, -0.5, 0.02, 0.47)), line(-0.2, 0.48, 0.24, 0.48)],
  },
  { digit: 2, name: 'round', strokes: [join(arc(0, -0.22, 0.27, 0.27, 185, 380), line(0.254, -0.128, -0.29, 0.48), line(-0.29, 0.48, 0.31, 0.48))] },
  {
    digit: 2,
    name: 'angular',
    strokes: [join(line(-0.26, -0.3, 0.02, -0.5), line(0.02, -0.5, 0.27, -0.3), line(0.27, -0.3, -0.29, 0.48), line(-0.29, 0.48, 0.31, 0.48))],
  },
  { digit: 3, name: 'round', strokes: [join(arc(-0.02, -0.25, 0.26, 0.24, 200, 450), arc(-0.02, 0.24, 0.3, 0.26, 270, 500))] },
  {
    digit: 3,
    name: 'flat top',
    strokes: [join(line(-0.25, -0.48, 0.26, -0.48), line(0.26, -0.48, -0.06, -0.08), arc(0, 0.2, 0.29, 0.28, 255, 500))],
  },
  { digit: 4, name: 'open', strokes: [join(line(-0.22, -0.5, -0.27, 0.1), line(-0.27, 0.1, 0.31, 0.1)), line(0.14, -0.3, 0.14, 0.5)] },
  { digit: 4, name: 'closed', strokes: [join(line(0.13, -0.5, -0.31, 0.12), line(-0.31, 0.12, 0.32, 0.12)), line(0.13, -0.5, 0.13, 0.5)] },
  {
    digit: 5,
    name: 'flag last',
    strokes: [join(line(-0.2, -0.48, -0.24, -0.04), arc(0, 0.18, 0.28, 0.29, 220, 500)), line(-0.2, -0.48, 0.27, -0.48)],
  },
  { digit: 5, name: 'one stroke', strokes: [join(line(0.27, -0.48, -0.2, -0.48), line(-0.2, -0.48, -0.24, -0.04), arc(0, 0.18, 0.28, 0.29, 220, 500))] },
  { digit: 6, name: 'round', strokes: [join(arc(0.28, 0.02, 0.52, 0.52, 258, 185), arc(0, 0.24, 0.24, 0.25, 180, -180))] },
  { digit: 6, name: 'straight stem', strokes: [join(line(0.17, -0.5, -0.2, 0.12), arc(0, 0.26, 0.23, 0.23, 200, -160))] },
  { digit: 7, name: 'plain', strokes: [join(line(-0.3, -0.48, 0.3, -0.48), line(0.3, -0.48, -0.06, 0.5))] },
  { digit: 7, name: 'crossed', strokes: [join(line(-0.3, -0.48, 0.3, -0.48), line(0.3, -0.48, -0.06, 0.5)), line(-0.06, 0, 0.3, 0)] },
  { digit: 7, name: 'with a serif', strokes: [join(line(-0.3, -0.34, -0.3, -0.48), line(-0.3, -0.48, 0.3, -0.48), line(0.3, -0.48, -0.06, 0.5))] },
  { digit: 8, name: 'one stroke', strokes: [join(arc(0, -0.25, 0.21, 0.24, 90, 450), arc(0, 0.24, 0.26, 0.26, 270, 630))] },
  { digit: 8, name: 'two circles', strokes: [arc(0, -0.27, 0.2, 0.22, 90, 450), arc(0, 0.23, 0.26, 0.27, -90, 270)] },
  { digit: 9, name: 'straight stem', strokes: [join(arc(0, -0.25, 0.25, 0.24, 0, 360), line(0.25, -0.25, 0.2, 0.5))] },
  { digit: 9, name: 'curved tail', strokes: [join(arc(0, -0.25, 0.25, 0.24, 0, 360), line(0.25, -0.25, 0.23, 0.25), arc(0.04, 0.25, 0.19, 0.24, 0, 130))] },
  { digit: 9, name: 'with a foot', strokes: [join(arc(0, -0.25, 0.25, 0.24, 0, 360), line(0.25, -0.25, 0.22, 0.48)), line(0.08, 0.48, 0.36, 0.48)] },
];

// ---- the styles: how a hand differs from MNIST's ------------------------------------

export interface Style {
  name: string;
  /** Digit height on the pad, px. */
  height: number;
  /** Slant: x += tan(slant)·(−y), degrees (positive leans right). */
  slant: number;
  /** Where the digit's centre goes, relative to the pad's centre, px (×1 or mirrored per digit). */
  offset: Point;
  /** Extra strokes at these offsets (px), for a thick pen: the pad's brush has one width. */
  thicken: Point[];
}

const plain = { slant: 0, offset: [0, 0] as Point, thicken: [] as Point[] };

export const STYLES: readonly Style[] = [
  { name: 'as written', height: 190, ...plain },
  { name: 'large, thin strokes', height: 262, ...plain },
  { name: 'small, off centre', height: 95, ...plain, offset: [-70, -62] },
  { name: 'thick strokes', height: 185, ...plain, thicken: [[-6, 0], [6, 0], [0, -6], [0, 6]] },
  { name: 'slanted +20°', height: 185, ...plain, slant: 20 },
  { name: 'slanted −20°', height: 185, ...plain, slant: -20 },
];

// ---- the pointer paths ---------------------------------------------------------------

export interface DrawnDigit {
  digit: number;
  variant: string;
  style: string;
  /** Polylines in pad coordinates (0..280), in drawing order. */
  strokes: Stroke[];
}

/** One variant in one style, with a hand's wobble from `seed`; every point stays on the pad. */
export function drawnDigit(variant: Variant, style: Style, seed: number): DrawnDigit {
  const rnd = mulberry32(seed);
  const wobble = (amount: number) => (2 * rnd() - 1) * amount;
  const rotation = (wobble(4) * Math.PI) / 180; // ±4°
  const widen = 1 + wobble(0.08); // ±8% wider or narrower
  const tan = Math.tan((style.slant * Math.PI) / 180);
  // Smooth jitter along each stroke: two low-frequency waves, ±1.5% of the height.
  const waves = Array.from({ length: 4 }, () => ({ phase: rnd() * 2 * Math.PI, freq: 2 + rnd() * 3 }));
  const h = style.height;
  const centre: Point = [PAD / 2 + style.offset[0] + wobble(4), PAD / 2 + style.offset[1] + wobble(4)];
  const place = ([x, y]: Point, t: number): Point => {
    const jx = 0.015 * Math.sin(waves[0]!.freq * t + waves[0]!.phase) + 0.008 * Math.sin(waves[1]!.freq * 2.3 * t + waves[1]!.phase);
    const jy = 0.015 * Math.sin(waves[2]!.freq * t + waves[2]!.phase) + 0.008 * Math.sin(waves[3]!.freq * 2.3 * t + waves[3]!.phase);
    let u = (x + jx) * widen;
    const v = y + jy;
    u += tan * -v;
    const c = Math.cos(rotation);
    const s = Math.sin(rotation);
    return [centre[0] + h * (c * u - s * v), centre[1] + h * (s * u + c * v)];
  };
  const base = variant.strokes.map((stroke) => stroke.map((p, i) => place(p, (i * STEP * 2 * Math.PI) / 1.5)));
  const strokes = [...base];
  for (const [dx, dy] of style.thicken) for (const stroke of base) strokes.push(stroke.map(([x, y]) => [x + dx, y + dy] as Point));
  // Keep every point on the pad (a pen that leaves it stops drawing).
  const margin = 4;
  const clamp = (v: number) => Math.min(PAD - margin, Math.max(margin, v));
  return {
    digit: variant.digit,
    variant: variant.name,
    style: style.name,
    strokes: strokes.map((stroke) => stroke.map(([x, y]) => [clamp(x), clamp(y)] as Point)),
  };
}

/** Every variant in every style: the test's list, the same on every run. */
export function drawnDigits(seed = 8): DrawnDigit[] {
  const out: DrawnDigit[] = [];
  STYLES.forEach((style, s) =>
    VARIANTS.forEach((variant, v) => out.push(drawnDigit(variant, style, seed * 100003 + s * 1009 + v))),
  );
  return out;
}

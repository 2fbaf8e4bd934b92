// The pure parts of "why this answer" and "what the network trains on": the digit's
// outline (marching squares), the units that decide between two digits, the answer and
// runner-up of S, and the augmentation's items with the core's meanings.
import { describe, expect, it } from 'vitest';
import { shownPanels, whyEmptyText } from '../../web/src/app/texts';
import { PANELS, type Panel } from '../../web/src/app/settings';
import { CHOICES } from '../../web/src/core/limits';
import { augmentItems, presetName } from '../../web/src/ui/augment-view';
import { contourSegments } from '../../web/src/ui/contour';
import { decidingUnits } from '../../web/src/ui/why-view';
import { answerAndRunnerUp } from '../../web/src/worker/why';

describe('contourSegments', () => {
  it('outlines a disc: every segment end lies where the bilinear image crosses the level, and the line closes', () => {
    const image = new Float32Array(28 * 28);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) image[y * 28 + x] = Math.max(0, 1 - Math.hypot(x - 13.5, y - 14) / 8);
    const segments = contourSegments(image, 28, 28, 0.5);
    expect(segments.length).toBeGreaterThan(16);
    const at = (x: number, y: number) => {
      // linear along a cell edge: one coordinate is whole
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const v = (i: number, j: number) => image[j * 28 + i]!;
      return fx > 0 ? v(x0, y0) * (1 - fx) + v(x0 + 1, y0) * fx : v(x0, y0) * (1 - fy) + v(x0, y0 + 1) * fy;
    };
    const ends = new Map<string, number>();
    for (const [x0, y0, x1, y1] of segments) {
      for (const [x, y] of [
        [x0, y0],
        [x1, y1],
      ] as const) {
        expect(at(x, y)).toBeCloseTo(0.5, 6);
        expect(Math.hypot(x - 13.5, y - 14)).toBeGreaterThan(3.5);
        expect(Math.hypot(x - 13.5, y - 14)).toBeLessThan(4.5);
        const key = `${x.toFixed(6)},${y.toFixed(6)}`;
        ends.set(key, (ends.get(key) ?? 0) + 1);
      }
    }
    // A closed line: every end point is shared by exactly two segments.
    expect([...ends.values()].every((n) => n === 2)).toBe(true);
    expect(contourSegments(new Float32Array(784), 28, 28, 0.5)).toEqual([]);
    expect(() => contourSegments(new Float32Array(10), 28, 28, 0.5)).toThrow(/784|10 values/);
  });
});

describe('the answer, the runner-up and the units that decide', () => {
  it('takes the two largest probabilities, the first on ties', () => {
    expect(answerAndRunnerUp([0.1, 0.5, 0.2, 0.2])).toEqual([1, 2]);
    expect(answerAndRunnerUp([0.7, 0.1, 0.1, 0.1])).toEqual([0, 1]);
    expect(answerAndRunnerUp([0.1, 0.1, 0.1, 0.7])).toEqual([3, 0]);
  });

  it('orders the hidden units by (W₂[k,j] − W₂[r,j])·a₁ⱼ, which add up to z_k − z_r less the biases', () => {
    const a1 = Float32Array.from([0, 1, 2, 0.5]);
    const w2k = Float32Array.from([5, 1, -1, 2]);
    const w2r = Float32Array.from([-5, 2, 1, 0]);
    const units = decidingUnits({ a1, w2k, w2r });
    expect(units.map((u) => u.unit)).toEqual([3, 0, 1, 2]); // margins 1, 0 (a₁ = 0), −1, −4
    expect(units.map((u) => u.margin)).toEqual([1, 0, -1, -4]);
    const zk = a1.reduce((s, a, j) => s + w2k[j]! * a, 0);
    const zr = a1.reduce((s, a, j) => s + w2r[j]! * a, 0);
    expect(units.reduce((s, u) => s + u.margin, 0)).toBeCloseTo(zk - zr, 12);
  });
});

describe('the augmentation in words', () => {
  it('lists each item of the canonical text with the core\'s meaning of its key', () => {
    expect(augmentItems('off')).toEqual([]);
    const mild = augmentItems(CHOICES.augmentPresets.mild);
    expect(mild.map((i) => i.text)).toEqual(CHOICES.augmentPresets.mild.split(','));
    expect(mild[0]).toEqual({ text: 'rot=8', meaning: 'rotation, uniform in ±rot (degrees)' });
    const elastic = augmentItems('elastic=20:3');
    expect(elastic[0]!.meaning).toBe('elastic distortion strength α (0 = off) (pixels); elastic distortion smoothness σ (pixels)');
    expect(augmentItems('elastic=20')[0]!.meaning).toBe('elastic distortion strength α (0 = off) (pixels)');
    expect(presetName(CHOICES.augmentPresets.strong)).toBe('strong');
    expect(presetName('rot=3')).toBeNull();
  });
});

describe('what the why view asks for before it has an input', () => {
  it('names only the panels shown', () => {
    const text = (...shown: Panel[]) => whyEmptyText(shownPanels(PANELS.filter((p) => !shown.includes(p)), PANELS));
    expect(text('draw', 'why', 'network', 'test')).toBe('Draw a digit, or choose a test image in “Inside the network”, or click a test image among the mistakes to see why the network answers as it does.');
    expect(text('draw', 'why')).toBe('Draw a digit to see why the network answers as it does.');
    expect(text('why', 'network')).toBe('Choose a test image in “Inside the network” to see why the network answers as it does.');
    expect(text('why')).toBe('Nothing to explain yet: this view follows a drawing or a test image.');
  });
});

// The benchmark's per-stage entry in the real WASM module (benchKernels, for
// `npm run bench`) and the report built from it: its structure and its arithmetic,
// not its speed (timings are for the benchmark to print, not for tests to assert).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cnnlab, CnnDataset } from '../../web/src/core/cnnlab';
import type { StepProfile } from '../../web/src/wasm/cnnlab';
import { formatKernelReport, kernelReport } from '../bench/kernels';
import { loadCore, mnist } from './helpers/core';

let core: Cnnlab;
let data: CnnDataset;

beforeAll(async () => {
  core = await loadCore();
  const t = mnist('train');
  data = core.createDataset(t.images.subarray(0, 200 * 784), t.labels.subarray(0, 200));
});

const STAGES: Array<[string, boolean, number]> = [
  ['conv1 valid', true, 57600],
  ['f, pool 1', false, 0],
  ['conv2 valid', true, 38400],
  ['f, pool 2', false, 0],
  ['dense + softmax', false, 5300],
  ['dense backward', false, 10600],
  ['pool, f′ back 2', false, 0],
  ['conv2 ΔK', true, 38400],
  ['conv2 δC_P¹ (full)', true, 38400],
  ['pool, f′ back 1', false, 0],
  ['conv1 ΔK', true, 57600],
  ['Δb², Δb¹', false, 0],
];

describe('benchKernels (the per-stage benchmark inside the module)', () => {
  it('times every stage of a step, in step order, with the network’s multiply-adds', () => {
    const p = core.raw.benchKernels(data.raw, 200, 2);
    if (p instanceof Error) throw p;
    expect(p.kernelName).toBe(core.kernelName);
    expect(p.stages.map((s) => [s.name, s.kernel, s.macs])).toEqual(STAGES);
    for (const s of p.stages) {
      expect(s.code.length).toBeGreaterThan(0);
      expect(Number.isFinite(s.nsPerCall) && s.nsPerCall > 0).toBe(true);
    }
    for (const v of [p.ceilingGmacs, p.stepNs, p.forwardBackwardNs, p.predictNs])
      expect(Number.isFinite(v) && v > 0).toBe(true);
  });

  it('refuses a count outside the dataset or a bad duration', () => {
    // The module returns the Error (the rule for every fallible entry: no throw inside).
    expect(String(core.raw.benchKernels(data.raw, 201, 2))).toMatch(/image 200 is outside the dataset of 200/);
    expect(String(core.raw.benchKernels(data.raw, 0, 2))).toMatch(/no images/);
    expect(String(core.raw.benchKernels(data.raw, 10, 0))).toMatch(/millisPerFigure/);
  });
});

describe('the kernel report', () => {
  const profile = (scale: number): StepProfile => ({
    kernelName: 'v128',
    ceilingGmacs: 20,
    stepNs: 20000 * scale,
    forwardBackwardNs: 19000 * scale,
    predictNs: 7000 * scale,
    stages: STAGES.map(([name, kernel, macs], i) => ({ name, code: name, kernel, macs, nsPerCall: (i + 1) * 200 * scale })),
  });

  it('gives GMAC/s, the share of the ceiling and of the step, and the rest of the step', () => {
    const wasm = profile(1);
    const native = { ...profile(0.5), ceiling8Gmacs: 40 };
    const r = kernelReport(wasm, native, null);
    const conv1 = r.rows[0]!;
    expect(conv1.wasm.gmacs).toBeCloseTo(57600 / 200, 10);
    expect(conv1.wasm.ofCeiling).toBeCloseTo(57600 / 200 / 20, 10);
    expect(conv1.wasm.ofStep).toBeCloseTo(200 / 20000, 10);
    expect(conv1.native!.nsPerCall).toBe(100);
    expect(r.rows[1]!.wasm.gmacs).toBeNull();
    // stages + the rest = the step
    const sum = wasm.stages.reduce((a, s) => a + s.nsPerCall, 0);
    expect(r.rest.wasmNs + sum).toBeCloseTo(wasm.stepNs, 6);
    expect(r.rest.nativeNs! + sum / 2).toBeCloseTo(native.stepNs, 6);
    const text = formatKernelReport(r, 25).join('\n');
    expect(text).toContain('conv1 valid');
    expect(text).toContain('2.00×'); // WASM / native
  });

  it('works without native figures and says why', () => {
    const r = kernelReport(profile(1), null, 'native: build/cnnlab_bench did not build');
    expect(r.rows.every((row) => row.native === null)).toBe(true);
    expect(r.rest.nativeNs).toBeNull();
    expect(formatKernelReport(r, 25).join('\n')).toContain('did not build');
  });

  it('refuses native figures whose stages do not match', () => {
    const native = { ...profile(1), ceiling8Gmacs: 40 };
    native.stages = [...native.stages].reverse();
    expect(() => kernelReport(profile(1), native, null)).toThrow(/native stage 0/);
  });
});

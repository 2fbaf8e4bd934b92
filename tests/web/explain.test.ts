// "Every number explains itself" (web/src/explain/) against the real WASM core and
// real MNIST: for random cells of every tensor the page shows, forward and backward,
// and for the corner cells of every map (the index conventions), the explanation
// shows the core's value, lists operands that are the core's tensors at the
// coordinates it names, and recomputes the value from them within 1e-5 relative
// (or 1e-6 absolute). The coordinates are checked against the core itself: a
// changed pixel inside a C¹ window moves the core's C¹ by exactly the paired
// weight, a pixel outside leaves it unchanged; a changed K² or W₁ weight moves C²
// or a₁ by exactly the paired input; the core's max-pooling δ goes to the arg-max
// the explanation names. Three networks: the shipped weights (ReLU, average
// pooling), tanh with max pooling, and a sigmoid network of other sizes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cnnlab, CnnModel, NetworkConfig, TraceResult } from '../../web/src/core/cnnlab';
import {
  BACKWARD_KEYS,
  explain,
  FORWARD_KEYS,
  layoutOf,
  tensorOf,
  type BackwardSource,
  type Explanation,
  type MapView,
  type TensorKey,
} from '../../web/src/explain';
import { imageFloats, loadCore, mnist, ROOT } from './helpers/core';
import { mulberry32 } from '../bench/peers/layout';

const SHIPPED = readFileSync(`${ROOT}public/models/cnnlab-default.json`, 'utf8');
const RANDOM_CELLS = 30;
/** Keys explained although no row shows them (the pre-activations used by the pictures). */
const EXTRA_KEYS: TensorKey[] = ['forward:conv2_pre', 'forward:fc1_pre'];

let core: Cnnlab;
const models: CnnModel[] = [];

interface Case {
  name: string;
  model: CnnModel;
  image: Float32Array;
  label: number;
  trace: TraceResult;
  source: BackwardSource;
}
const cases: Case[] = [];

function makeCase(name: string, model: CnnModel, testIndex: number): Case {
  const split = mnist('t10k');
  const image = imageFloats(split, testIndex);
  const label = split.labels[testIndex]!;
  const trace = model.trace(image, label);
  return { name, model, image, label, trace, source: { ...trace, label } };
}

function trained(config: Partial<NetworkConfig>, samples: number): CnnModel {
  const train = mnist('train');
  const data = core.createDataset(train.images.subarray(0, 5000 * 784), train.labels.subarray(0, 5000));
  const model = core.createModel(config, 3, { learningRate: 0.02 });
  model.setTrainingData(data);
  model.train(samples);
  models.push(model);
  return model;
}

beforeAll(async () => {
  core = await loadCore();
  const shipped = core.modelFromWeights(SHIPPED);
  models.push(shipped);
  cases.push(makeCase('shipped (relu, average)', shipped, 18));
  cases.push(makeCase('tanh, max pooling', trained({ activation: 'tanh', pooling: 'max' }, 3000), 7));
  cases.push(makeCase('sigmoid, 3/5 maps, 20 hidden', trained({ activation: 'sigmoid', maps1: 3, maps2: 5, hidden: 20 }, 3000), 11));
});

afterAll(() => {
  for (const m of models) m.dispose();
});

/** Corner cells of every slice (the index conventions), then random cells. */
function cellsOf(shape: readonly number[], seed: number): number[] {
  const L = layoutOf(shape);
  const per = L.rows * L.cols;
  const out = new Set<number>();
  for (let s = 0; s < L.slices; s++)
    for (const [r, c] of [
      [0, 0],
      [0, L.cols - 1],
      [L.rows - 1, 0],
      [L.rows - 1, L.cols - 1],
    ] as const)
      out.add(s * per + r * L.cols + c);
  const random = mulberry32(seed);
  const total = L.slices * per;
  for (let k = 0; k < RANDOM_CELLS; k++) out.add(Math.floor(random() * total));
  return [...out];
}

/** |a − b| ≤ 1e-6, or ≤ 1e-5·|b|. Returns the errors for the report. */
function expectClose(actual: number, expected: number, what: string): { abs: number; rel: number } {
  const abs = Math.abs(actual - expected);
  const rel = abs / Math.max(Math.abs(expected), 1e-30);
  expect(abs <= 1e-6 || rel <= 1e-5, `${what}: recomputed ${actual}, core ${expected} (abs ${abs.toExponential(2)}, rel ${rel.toExponential(2)})`).toBe(true);
  return { abs, rel: Math.abs(expected) >= 1e-3 ? rel : 0 };
}

/** The value of a map at a 1-based (row, col), 0 outside it (zero padding). */
function at(map: MapView, row: number, col: number): number {
  if (row < 1 || row > map.rows || col < 1 || col > map.cols) return 0;
  return map.data[(row - 1) * map.cols + col - 1]!;
}

/** The map's data must be the core's slice: the same numbers at the same places. */
function expectCoreSlice(c: Case, map: MapView): void {
  if (!map.key) return;
  const t = tensorOf(c.source, map.key);
  const L = layoutOf(t.shape);
  expect([map.rows, map.cols]).toEqual([L.rows, L.cols]);
  const per = L.rows * L.cols;
  expect(Array.from(map.data), `${map.key} slice ${map.slice}`).toEqual(Array.from(t.data.subarray(map.slice * per, map.slice * per + per)));
}

/** Checks what the picture shows against the core's tensors; returns the operands' own recomputation. */
function checkOperands(c: Case, ex: Explanation): void {
  const pic = ex.picture;
  const what = `${c.name} ${ex.text}`;
  switch (pic.kind) {
    case 'conv': {
      expectCoreSlice(c, pic.output);
      let total = 0;
      for (const g of pic.groups) {
        expectCoreSlice(c, g.source);
        const w = g.source.window!;
        expect([w.rows, w.cols]).toEqual([g.size, g.size]);
        for (let p = 0; p < g.size; p++)
          for (let q = 0; q < g.size; q++) {
            const k = p * g.size + q;
            const inside = w.row + p >= 1 && w.row + p <= g.source.rows && w.col + q >= 1 && w.col + q <= g.source.cols;
            expect(g.outside[k], `${what} outside (${p},${q})`).toBe(!inside);
            expect(g.window[k], `${what} window (${p},${q})`).toBe(at(g.source, w.row + p, w.col + q));
            expect(g.products[k]).toBe(g.window[k]! * g.kernel[k]!);
          }
        const s = g.products.reduce((a, b) => a + b, 0);
        expect(g.sum).toBeCloseTo(s, 12);
        total += g.sum;
      }
      expect(pic.sum).toBeCloseTo(total, 12);
      return;
    }
    case 'pool': {
      expectCoreSlice(c, pic.source);
      const w = pic.source.window!;
      const block = [at(pic.source, w.row, w.col), at(pic.source, w.row, w.col + 1), at(pic.source, w.row + 1, w.col), at(pic.source, w.row + 1, w.col + 1)];
      expect(pic.block).toEqual(block);
      return;
    }
    case 'dense': {
      const all = pic.terms.reduce((s, t) => s + t.product, 0) + pic.rest.sum;
      expect(all, `${what}: top terms + rest`).toBeCloseTo(pic.sum, 9);
      for (const t of pic.terms) expect(t.product).toBe(t.weight * t.input);
      if (ex.cell.key === 'param:fc1.weight' || ex.cell.key === 'param:fc2.weight') {
        // a weight shows the unit it feeds: that unit's value, as the core has it
        const cols = ex.cell.key === 'param:fc1.weight' ? c.trace.forward.flatten.data.length : c.trace.forward.fc1.data.length;
        const unit = (ex.cell.key === 'param:fc1.weight' ? c.trace.forward.fc1 : c.trace.forward.logits).data[Math.floor(ex.cell.index / cols)]!;
        expectClose(pic.result, unit, `${what}: the unit it feeds`);
        expect(pic.highlight?.index).toBe(ex.cell.index % cols);
        expect(pic.highlight?.weight).toBe(ex.value);
      } else expect(pic.result).toBe(ex.recomputed);
      for (let k = 1; k < pic.terms.length; k++) expect(Math.abs(pic.terms[k - 1]!.product)).toBeGreaterThanOrEqual(Math.abs(pic.terms[k]!.product));
      return;
    }
    case 'kernel-grad': {
      expectCoreSlice(c, pic.input);
      expectCoreSlice(c, pic.delta);
      const w = pic.input.window!;
      let s = 0;
      for (let i = 1; i <= pic.delta.rows; i++)
        for (let j = 1; j <= pic.delta.cols; j++) {
          expect(at(pic.shifted, i, j)).toBe(at(pic.input, w.row + i - 1, w.col + j - 1));
          const p = at(pic.delta, i, j) * at(pic.shifted, i, j);
          expect(at(pic.products, i, j)).toBe(Math.fround(p));
          s += p;
        }
      expectClose(ex.recomputed, s, `${what} Σ products`);
      return;
    }
    case 'pool-back':
      expectCoreSlice(c, pic.forward);
      expectCoreSlice(c, pic.output);
      expect(at(pic.upstream, pic.upstream.marks![0]!.row, pic.upstream.marks![0]!.col)).toBe(pic.upstreamValue);
      return;
    case 'bias-grad':
      expectCoreSlice(c, pic.delta);
      return;
    case 'param':
      expectCoreSlice(c, pic.map);
      return;
    default:
      return;
  }
}

/** The value as the test reads it from the trace, independently of the explanation's own lookup. */
function coreValue(c: Case, key: TensorKey, index: number): number {
  const t = tensorOf({ ...c.trace, label: c.label }, key);
  return t.data[index]!;
}

describe('every value explains itself, against the core', () => {
  const report: string[] = [];
  afterAll(() => console.log(`explain: cells checked (3 networks), max |recomputed − core|, max relative error where |core| ≥ 1e-3\n${report.join('\n')}`));

  for (const which of ['forward', 'backward'] as const) {
    const keys: readonly TensorKey[] = which === 'forward' ? [...FORWARD_KEYS, ...EXTRA_KEYS] : BACKWARD_KEYS;
    it(`${which}: corner and random cells of every tensor, recomputed from the shown operands`, () => {
      for (const key of keys) {
        let count = 0;
        let worstAbs = 0;
        let worstRel = 0;
        for (const c of cases) {
          const t = tensorOf(c.source, key);
          for (const index of cellsOf(t.shape, key.length * 7919 + c.name.length)) {
            const ex = explain(which === 'forward' ? { config: c.trace.config, input: c.trace.input, forward: c.trace.forward, params: c.trace.params } : c.source, { key, index });
            expect(ex.cell).toEqual({ key, index });
            expect(ex.value, `${c.name} ${key}[${index}]`).toBe(coreValue(c, key, index));
            const e = expectClose(ex.recomputed, coreValue(c, key, index), `${c.name} ${ex.text}`);
            worstAbs = Math.max(worstAbs, e.abs);
            worstRel = Math.max(worstRel, e.rel);
            expect(ex.lines[0]!.startsWith(ex.tex), ex.lines[0]).toBe(true);
            expect(ex.sentence.length).toBeGreaterThan(20);
            checkOperands(c, ex);
            count++;
          }
        }
        report.push(`  ${key.padEnd(22)} ${String(count).padStart(4)} cells, max abs ${worstAbs.toExponential(1)}, max rel ${worstRel.toExponential(1)}`);
      }
    });
  }

  it('corner cells: windows stay inside their maps (valid indices), C¹(24,24) reads I rows and columns 24–28', () => {
    const c = cases[0]!;
    const snap = { config: c.trace.config, input: c.trace.input, forward: c.trace.forward, params: c.trace.params };
    const last = 24 * 24 - 1;
    const ex = explain(snap, { key: 'forward:conv1', index: 3 * 576 + last });
    expect(ex.text).toBe('C¹₄(24, 24)');
    const pic = ex.picture;
    if (pic.kind !== 'conv') throw new Error('not a convolution');
    expect(pic.groups[0]!.source.window).toEqual({ row: 24, col: 24, rows: 5, cols: 5 });
    const first = explain(snap, { key: 'forward:conv1', index: 0 });
    expect(first.text).toBe('C¹₁(1, 1)');
    if (first.picture.kind !== 'conv') throw new Error('not a convolution');
    expect(first.picture.groups[0]!.source.window).toEqual({ row: 1, col: 1, rows: 5, cols: 5 });
    expect(first.lines[0]).toContain('I(u,\\,v)');
    expect(ex.lines[0]).toContain('I(23+u,\\,23+v)');
    // C² from 12×12 maps: the last cell reads rows 8–12; pooling (4,4) reads C²(7..8, 7..8)
    const c2 = explain(snap, { key: 'forward:conv2', index: 6 * 64 - 1 });
    if (c2.picture.kind !== 'conv') throw new Error('not a convolution');
    expect(c2.picture.groups.map((g) => g.source.window)).toEqual(Array.from({ length: 4 }, () => ({ row: 8, col: 8, rows: 5, cols: 5 })));
    const p2 = explain(snap, { key: 'forward:pool2', index: 15 });
    if (p2.picture.kind !== 'pool') throw new Error('not a pooling');
    expect(p2.picture.source.window).toEqual({ row: 7, col: 7, rows: 2, cols: 2 });
    // δC_P¹(1,1) reads δC²(−3..1, −3..1): one value inside the map per n; δC_P¹(12,12) reads δC²(8..12): one too
    const bp = explain(c.source, { key: 'delta:delta_pool1', index: 0 });
    if (bp.picture.kind !== 'conv') throw new Error('not a convolution');
    for (const g of bp.picture.groups) {
      expect(g.source.window).toEqual({ row: -3, col: -3, rows: 5, cols: 5 });
      expect(g.outside.filter((o) => !o).length).toBe(1);
    }
    const bpLast = explain(c.source, { key: 'delta:delta_pool1', index: 143 });
    if (bpLast.picture.kind !== 'conv') throw new Error('not a convolution');
    for (const g of bpLast.picture.groups) expect(g.outside.filter((o) => !o).length).toBe(1);
    // ΔK¹(5,5) reads I rows and columns 5–28
    const dk = explain(c.source, { key: 'grad:conv1.weight', index: 24 });
    if (dk.picture.kind !== 'kernel-grad') throw new Error('not a kernel gradient');
    expect(dk.picture.input.window).toEqual({ row: 5, col: 5, rows: 24, cols: 24 });
  });

  it("the core used these coordinates: changing a pixel in a C¹ window moves C¹ by the paired weight, outside it nothing", () => {
    const c = cases[0]!;
    const random = mulberry32(5);
    for (let trial = 0; trial < 12; trial++) {
      const m = Math.floor(random() * 4);
      const i = 1 + Math.floor(random() * 24);
      const j = 1 + Math.floor(random() * 24);
      const index = m * 576 + (i - 1) * 24 + (j - 1);
      const snap = { config: c.trace.config, input: c.trace.input, forward: c.trace.forward, params: c.trace.params };
      const ex = explain(snap, { key: 'forward:conv1_pre', index });
      if (ex.picture.kind !== 'conv') throw new Error('not a convolution');
      const g = ex.picture.groups[0]!;
      const w = g.source.window!;
      const before = c.trace.forward.conv1_pre.data[index]!;
      // every pixel of the window, and the ring around it (where it is in the image)
      for (let dr = -1; dr <= 5; dr++)
        for (let dc = -1; dc <= 5; dc++) {
          const r = w.row + dr;
          const col = w.col + dc;
          if (r < 1 || r > 28 || col < 1 || col > 28) continue;
          const image = c.image.slice();
          const k = (r - 1) * 28 + col - 1;
          const delta = image[k]! > 0.5 ? -0.5 : 0.5;
          image[k]! += delta;
          c.model.predict(image);
          const after = c.model.snapshot().forward.conv1_pre.data[index]!;
          const inside = dr >= 0 && dr < 5 && dc >= 0 && dc < 5;
          const expected = inside ? delta * g.kernel[dr * 5 + dc]! : 0;
          expect(Math.abs(after - before - expected), `C¹${m + 1}(${i},${j}) pixel (${r},${col}) ${inside ? 'in' : 'outside'} the window`).toBeLessThan(inside ? 1e-6 : 1e-12);
        }
    }
  });

  it('the core used these pairs: a changed K²ₘₙ(u,v) moves C²ₙ(i,j) by the paired C_P¹ value; a changed W₁(i,k) moves a₁(i) by flatten(k)', () => {
    const c = cases[1]!;
    const params = c.model.getParams();
    const table = core.paramTable(c.model.config);
    const k2 = table.find((t) => t.name === 'conv2.weight')!;
    const w1 = table.find((t) => t.name === 'fc1.weight')!;
    const snap = { config: c.trace.config, input: c.trace.input, forward: c.trace.forward, params: c.trace.params };
    const random = mulberry32(9);
    const eps = 0.25;
    try {
      for (let trial = 0; trial < 8; trial++) {
        const index = Math.floor(random() * c.trace.forward.conv2_pre.data.length);
        const ex = explain(snap, { key: 'forward:conv2_pre', index });
        if (ex.picture.kind !== 'conv') throw new Error('not a convolution');
        const n = Math.floor(index / 64);
        const m = Math.floor(random() * ex.picture.groups.length);
        const pq = Math.floor(random() * 25);
        const changed = params.slice();
        changed[k2.offset + (n * ex.picture.groups.length + m) * 25 + pq]! += eps;
        c.model.setParams(changed);
        c.model.predict(c.image);
        const after = c.model.snapshot().forward.conv2_pre.data[index]!;
        const expected = eps * ex.picture.groups[m]!.window[pq]!;
        expect(Math.abs(after - c.trace.forward.conv2_pre.data[index]! - expected), `${ex.text}, kernel entry ${pq} of map ${m + 1}`).toBeLessThan(1e-5);
      }
      for (let trial = 0; trial < 8; trial++) {
        const unit = Math.floor(random() * c.model.config.hidden);
        const ex = explain(snap, { key: 'param:fc1.weight', index: unit * 96 + Math.floor(random() * 96) });
        if (ex.picture.kind !== 'dense' || !ex.picture.highlight) throw new Error('no highlighted term');
        const changed = params.slice();
        changed[w1.offset + ex.cell.index]! += eps;
        c.model.setParams(changed);
        c.model.predict(c.image);
        const after = c.model.snapshot().forward.fc1_pre.data[unit]!;
        expect(Math.abs(after - c.trace.forward.fc1_pre.data[unit]! - eps * ex.picture.highlight.input), ex.text).toBeLessThan(1e-5);
      }
    } finally {
      c.model.setParams(params);
    }
  });

  it("max pooling: the arg-max the explanation names is where the core's backward pass sends δ", () => {
    const c = cases[1]!;
    expect(c.trace.config.pooling).toBe('max');
    const snap = { config: c.trace.config, input: c.trace.input, forward: c.trace.forward, params: c.trace.params };
    let routed = 0;
    for (const [key, spread, upstream, side] of [
      ['forward:pool1', c.trace.deltas.delta_conv1_out, c.trace.deltas.delta_pool1, 24],
      ['forward:pool2', c.trace.deltas.delta_conv2_out, c.trace.deltas.delta_flatten, 8],
    ] as const) {
      for (let index = 0; index < upstream.data.length; index++) {
        if (upstream.data[index] === 0) continue;
        const ex = explain(snap, { key, index });
        if (ex.picture.kind !== 'pool' || ex.picture.chosen === null) throw new Error('no arg-max');
        const w = ex.picture.source.window!;
        const map = ex.picture.source.slice;
        const chosen = ex.picture.chosen;
        for (let q = 0; q < 4; q++) {
          const r = w.row - 1 + (q >> 1);
          const col = w.col - 1 + (q & 1);
          const d = spread.data[map * side * side + r * side + col]!;
          expect(d !== 0, `${ex.text}: block cell ${q}, arg-max ${chosen}`).toBe(q === chosen);
        }
        routed++;
      }
    }
    expect(routed).toBeGreaterThan(50);
  });

  it("a test that can fail: the handout's literal indices (I(i−u, j−v) with the page's K) do not reproduce the core", () => {
    const c = cases[0]!;
    const K = c.trace.params['conv1.weight'].data;
    const I = c.trace.input.data;
    let mismatches = 0;
    let checked = 0;
    for (let index = 0; index < 4 * 576; index += 37) {
      const m = Math.floor(index / 576);
      const i = Math.floor((index % 576) / 24) + 1;
      const j = (index % 24) + 1;
      // the handout as written with u,v = −2..2 centred on (i+2, j+2), but the stored (unturned) kernel
      let s = c.trace.params['conv1.bias'].data[m]!;
      for (let u = -2; u <= 2; u++) for (let v = -2; v <= 2; v++) s += I[(i + 2 - u - 1) * 28 + (j + 2 - v - 1)]! * K[m * 25 + (u + 2) * 5 + (v + 2)]!;
      const core = c.trace.forward.conv1_pre.data[index]!;
      checked++;
      if (Math.abs(s - core) > 1e-4) mismatches++;
    }
    expect(mismatches).toBeGreaterThan(checked / 4);
  });
});

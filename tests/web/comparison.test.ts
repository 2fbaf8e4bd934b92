// "Compare runs", the pure part: the runs in the link (`#compare=`), the presets for
// the handout's questions, the runs' names, the curves as CSV and the series on one
// x axis.
import { describe, expect, it } from 'vitest';
import { curvesCsv, defaultRuns, presetOf, presetRuns, PRESETS, runNames, settingsText, varyingKeys } from '../../web/src/app/comparison';
import { AccuracySeries, alignSeries } from '../../web/src/app/series';
import { formatHash, KEYS, MAX_RUNS, parseHash, parseRuns, formatRuns } from '../../web/src/app/settings';
import { DEFAULT_SETTINGS, SETTING_CHECKS, type TrainSettings } from '../../web/src/worker/protocol';

const run = (over: Partial<TrainSettings>): TrainSettings => ({ ...DEFAULT_SETTINGS, ...over });

describe('the runs in the link', () => {
  it('writes what differs from the defaults or between the runs, and reads it back', () => {
    expect(formatRuns([run({ pooling: 'average' }), run({ pooling: 'max' })])).toBe('pool:average|pool:max');
    expect(formatRuns([run({ activation: 'tanh', learningRate: 0.02 }), run({ activation: 'sigmoid', learningRate: 0.02 })])).toBe('lr:0.02,f:tanh|lr:0.02,f:sigmoid');
    expect(formatRuns([run({}), run({ seed: 2 })])).toBe('seed:1|seed:2');
    expect(formatRuns([run({})])).toBe('default');
    const every = [
      run({ learningRate: 0.02, batchSize: 8, epochs: 5, activation: 'tanh', pooling: 'max', seed: 7, trainSize: 10000, speed: 200 }),
      run({ learningRate: 1e-6, seed: 4294967295, trainSize: 2000 }),
      run({}),
      run({ epochs: 1000, batchSize: 3 }),
    ];
    expect(parseRuns(formatRuns(every))).toEqual(every);
    for (const preset of PRESETS) expect(parseRuns(formatRuns(presetRuns(preset)))).toEqual(presetRuns(preset));
  });

  it('lives in the hash beside the page\'s own settings, with : and | unescaped', () => {
    const options = { ...parseHash(''), settings: run({ seed: 3 }), compare: [run({ pooling: 'average' }), run({ pooling: 'max', epochs: 1 })] };
    const hash = formatHash(options);
    expect(hash).toBe('#seed=3&compare=epochs:3,pool:average|epochs:1,pool:max');
    expect(parseHash(hash)).toEqual(options);
    expect(parseHash('#compare=pool%3Aaverage%7Cpool%3Amax').compare).toEqual([run({}), run({ pooling: 'max' })]);
    expect(parseHash('').compare).toBeNull();
    expect(formatHash(parseHash(''))).toBe('');
  });

  it('each run starts from the defaults, not from the page\'s own run', () => {
    expect(parseHash('#lr=0.5&compare=seed:2').compare).toEqual([run({ seed: 2 })]);
  });

  it('checks every value as a field does; a bad one or an unknown key is left out, runs after the fourth ignored', () => {
    expect(parseRuns('lr:-3,batch:0,f:softsign,pool:median,seed:x,train:5,speed:7,foo:1,pool,:max')).toEqual([DEFAULT_SETTINGS]);
    expect(parseRuns('lr:1e30|lr:1e31')).toEqual([run({ learningRate: 1e30 }), run({})]);
    expect(parseRuns('train:2000,batch:3')).toEqual([run({ trainSize: 2000, batchSize: 3 })]); // any value in the core's range
    expect(parseRuns('seed:1|seed:2|seed:3|seed:4|seed:5|seed:6').map((r) => r.seed)).toEqual([1, 2, 3, 4]);
    expect(MAX_RUNS).toBe(4);
    expect(parseRuns('default|')).toEqual([DEFAULT_SETTINGS, DEFAULT_SETTINGS]);
  });

  it('uses the hash keys of the page for every setting (one table)', () => {
    const keys = Object.keys(KEYS) as (keyof TrainSettings)[];
    expect(keys.sort()).toEqual((Object.keys(DEFAULT_SETTINGS) as (keyof TrainSettings)[]).sort());
    expect(keys.sort()).toEqual((Object.keys(SETTING_CHECKS) as (keyof TrainSettings)[]).sort());
  });
});

describe('presets and names', () => {
  it('the handout\'s questions: each the defaults with one setting varied, within the core\'s limits', () => {
    expect(PRESETS.map((p) => p.title)).toEqual(['Average vs max pooling', 'ReLU vs tanh vs sigmoid', 'λ 0.1 / 0.01 / 0.001', 'Batch 1 vs 32']);
    expect(formatRuns(presetRuns(PRESETS[0]!))).toBe('pool:average|pool:max');
    expect(formatRuns(presetRuns(PRESETS[1]!))).toBe('f:relu|f:tanh|f:sigmoid');
    expect(formatRuns(presetRuns(PRESETS[2]!))).toBe('lr:0.1|lr:0.01|lr:0.001');
    expect(formatRuns(presetRuns(PRESETS[3]!))).toBe('batch:1|batch:32');
    for (const preset of PRESETS) {
      const runs = presetRuns(preset);
      expect(runs.length).toBeLessThanOrEqual(MAX_RUNS);
      expect(varyingKeys(runs)).toEqual([preset.key]);
      expect(presetOf(runs)).toBe(preset);
    }
    expect(defaultRuns()).toEqual(presetRuns(PRESETS[0]!));
    expect(presetOf([run({ pooling: 'max' }), run({})])).toBeNull(); // the order counts
  });

  it('names a run by its letter and what sets it apart', () => {
    expect(runNames(presetRuns(PRESETS[0]!))).toEqual(['A · average pooling', 'B · max pooling']);
    expect(runNames(presetRuns(PRESETS[1]!))).toEqual(['A · ReLU', 'B · tanh', 'C · sigmoid']);
    expect(runNames(presetRuns(PRESETS[2]!))).toEqual(['A · λ = 0.1', 'B · λ = 0.01', 'C · λ = 0.001']);
    expect(runNames([run({ batchSize: 32, seed: 2 }), run({})])).toEqual(['A · batch 32, seed 2', 'B · batch 1, seed 1']);
    expect(runNames([run({}), run({})])).toEqual(['A', 'B']);
    // Data augmentation is a setting of a run like the others: in its name and its link.
    expect(runNames([run({ augment: 'mild' }), run({})])).toEqual(['A · mild augmentation', 'B · no augmentation']);
    expect(parseHash('#compare=aug:mild|aug:off').compare).toEqual([run({ augment: 'mild' }), run({})]);
    expect(settingsText(DEFAULT_SETTINGS)).toBe('λ = 0.01, batch 1, 3 epochs, ReLU, average pooling, seed 1, 60,000 images, full speed, no augmentation');
  });
});

describe('the curves', () => {
  it('as CSV: one row per point, the run\'s settings in the link\'s keys, losses read back to the same doubles', () => {
    const lossY = Float32Array.from([2.3025851249694824, 0.123456789, 1e-7]);
    const accuracy = new AccuracySeries();
    accuracy.add({ x: 0, accuracy: 0.098, full: false });
    accuracy.add({ x: 300, accuracy: 0.9731, full: true });
    const csv = curvesCsv([
      { settings: run({ pooling: 'max' }), lossX: [100, 200, 300], lossY: [...lossY], accuracy: accuracy.points },
      { settings: run({ learningRate: 0.001 }), lossX: [], lossY: [], accuracy: [] },
    ]);
    const rows = csv.trim().split('\n');
    expect(rows[0]).toBe('run,lr,batch,epochs,f,pool,seed,train,speed,aug,samples_seen,quantity,value');
    expect(rows).toHaveLength(1 + 3 + 2);
    expect(rows[1]).toBe(`A,0.01,1,3,relu,max,1,60000,0,off,100,loss,${lossY[0]}`);
    expect(rows.slice(1, 4).map((r) => Number(r.split(',')[12]))).toEqual([...lossY]);
    expect(rows[4]).toBe('A,0.01,1,3,relu,max,1,60000,0,off,0,test_accuracy_1000,0.098');
    expect(rows[5]).toBe('A,0.01,1,3,relu,max,1,60000,0,off,300,test_accuracy_10000,0.9731');
  });

  it('on one x axis for the overlaid plots: the union of the x values, null where a run has no point', () => {
    const { x, columns } = alignSeries([
      { x: [100, 200, 300], y: [3, 2, 1] },
      { x: [100, 300, 400], y: [30, 10, 5] },
    ]);
    expect(x).toEqual([100, 200, 300, 400]);
    expect(columns).toEqual([
      [3, 2, 1, null],
      [30, null, 10, 5],
    ]);
  });

  it('thinned to a point per pixel before aligning: the work does not grow with the runs; the last point kept', () => {
    const n = 30000;
    const x = Array.from({ length: n }, (_, i) => (i + 1) * 100);
    const y = x.map((v) => 1 / v);
    const { x: ax, columns } = alignSeries([{ x, y }, { x: x.slice(0, 1000), y: y.slice(0, 1000) }], 500);
    expect(ax.length).toBeLessThanOrEqual(1000);
    expect(ax[0]).toBe(100);
    expect(ax[ax.length - 1]).toBe(n * 100);
    expect(ax).toEqual([...ax].sort((a, b) => a - b));
    expect(columns[0]!.filter((v) => v !== null)).toHaveLength(500);
    expect(columns[1]!.filter((v) => v !== null)).toHaveLength(500);
    ax.forEach((v, i) => {
      if (columns[0]![i] !== null) expect(columns[0]![i]).toBe(1 / v);
    });
    // A repeated x (a point flushed twice at one count) keeps its last value.
    expect(alignSeries([{ x: [1, 2, 2, 3], y: [5, 6, 7, 8] }]).columns).toEqual([[5, 7, 8]]);
  });

  it('accuracy as one line per run: at an epoch\'s end the full evaluation stands for both', () => {
    const a = new AccuracySeries();
    a.add({ x: 0, accuracy: 0.1, full: false });
    a.add({ x: 2000, accuracy: 0.9, full: false });
    a.add({ x: 2000, accuracy: 0.92, full: true });
    const { x, y } = a.combined();
    expect(x).toEqual([0, 2000]);
    expect(y[0]).toBeCloseTo(10, 10);
    expect(y[1]).toBeCloseTo(92, 10);
  });
});

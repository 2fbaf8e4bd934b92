// The cost of data augmentation in the WASM training run: cnnlab's per-sample SGD
// (average pooling, batch 1, λ 0.01, shuffle off, the bench's samples in its order)
// with augmentation off, mild and strong; median samples/s of 3 runs after a warm-up.
// Part of `npm run bench`; augmentation on must keep at least 70% of off's rate.
import type { CnnDataset, Cnnlab } from '../../web/src/core/cnnlab';
import { median } from './peers/layout';

export interface AugmentRow {
  augment: string;
  /** The canonical text the core trained with. */
  spec: string;
  trainSamplesPerSec: number;
  /** This rate over off's. */
  ofOff: number;
}

export function benchAugmentation(core: Cnnlab, data: CnnDataset, samples: number, initial: Float32Array): AugmentRow[] {
  const rate = (augment: string): { spec: string; samplesPerSec: number } => {
    const make = () => {
      const m = core.createModel({}, 1, { learningRate: 0.01, shuffle: false, augment });
      m.setParams(initial);
      m.setTrainingData(data);
      return m;
    };
    const warm = make();
    warm.train(Math.min(samples, 1000));
    warm.dispose();
    const rates: number[] = [];
    let spec = '';
    for (let run = 0; run < 3; run++) {
      const m = make();
      spec = m.options.augment;
      const t0 = performance.now();
      const r = m.train(samples);
      const ms = performance.now() - t0;
      if (r.samples !== samples) throw new Error(`cnnlab training with augment ${augment} stopped: ${r.status}`);
      rates.push((samples / ms) * 1000);
      m.dispose();
    }
    return { spec, samplesPerSec: median(rates) };
  };
  const rows = ['off', 'mild', 'strong'].map((augment) => ({ augment, ...rate(augment) }));
  const off = rows[0]!.samplesPerSec;
  return rows.map((r) => ({ augment: r.augment, spec: r.spec, trainSamplesPerSec: r.samplesPerSec, ofOff: r.samplesPerSec / off }));
}

export function augmentLines(rows: AugmentRow[]): string[] {
  return rows.map(
    (r) =>
      `cnnlab WASM augment ${r.augment.padEnd(6)} ${r.trainSamplesPerSec.toFixed(0).padStart(7)} samples/s  ` +
      `${(100 * r.ofOff).toFixed(1).padStart(5)}% of off${r.augment === 'off' ? '' : `  (${r.spec})`}`,
  );
}

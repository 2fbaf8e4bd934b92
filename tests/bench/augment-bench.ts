// The cost of data augmentation in the WASM training run: cnnlab's per-sample SGD
// (average pooling, batch 1, λ 0.01, shuffle off, the bench's samples in its order)
// with augmentation off, mild and strong, and strong with the widest elastic σ computed
// at full resolution (3.9) and the widest allowed (8), the costliest fields. Five
// rounds that interleave them, so that other load on the machine hits all alike; each
// rate is the best round's, in samples per second of the process's CPU time. Part of
// `npm run bench`: augmentation on must keep at least 70% of off's rate.
import type { CnnDataset, Cnnlab } from '../../web/src/core/cnnlab';

export interface AugmentRow {
  /** off, mild, strong, or strong with another elastic σ. */
  augment: string;
  /** The canonical text the core trained with. */
  spec: string;
  trainSamplesPerSec: number;
  /** This rate over off's. */
  ofOff: number;
}

const AUGMENTS: [name: string, spec: string][] = [
  ['off', 'off'],
  ['mild', 'mild'],
  ['strong', 'strong'],
  ['strong σ3.9', 'strong,elastic=20:3.9'],
  ['strong σ8', 'strong,elastic=20:8'],
];
const ROUNDS = 5;

export function benchAugmentation(core: Cnnlab, data: CnnDataset, samples: number, initial: Float32Array): AugmentRow[] {
  const make = (augment: string) => {
    const m = core.createModel({}, 1, { learningRate: 0.01, shuffle: false, augment });
    m.setParams(initial);
    m.setTrainingData(data);
    return m;
  };
  for (const [, augment] of AUGMENTS) {
    const warm = make(augment); // warm up the JIT tiers
    warm.train(Math.min(samples, 1000));
    warm.dispose();
  }
  const best = new Map<string, number>();
  const specs = new Map<string, string>();
  for (let round = 0; round < ROUNDS; round++)
    for (const [name, augment] of AUGMENTS) {
      const m = make(augment);
      specs.set(name, m.options.augment);
      const cpu0 = process.cpuUsage();
      const r = m.train(samples);
      const cpu = process.cpuUsage(cpu0);
      m.dispose();
      if (r.samples !== samples) throw new Error(`cnnlab training with augment ${augment} stopped: ${r.status}`);
      const rate = samples / ((cpu.user + cpu.system) / 1e6);
      best.set(name, Math.max(best.get(name) ?? 0, rate));
    }
  const off = best.get('off')!;
  return AUGMENTS.map(([augment]) => ({
    augment,
    spec: specs.get(augment)!,
    trainSamplesPerSec: best.get(augment)!,
    ofOff: best.get(augment)! / off,
  }));
}

export function augmentLines(rows: AugmentRow[]): string[] {
  return rows.map(
    (r) =>
      `cnnlab WASM augment ${r.augment.padEnd(11)} ${r.trainSamplesPerSec.toFixed(0).padStart(7)} samples/s (CPU time)  ` +
      `${(100 * r.ofOff).toFixed(1).padStart(5)}% of off${r.augment === 'off' ? '' : `  (${r.spec})`}`,
  );
}

// The per-kernel half of `npm run bench`: where a training step's time goes, timed
// inside the WebAssembly module (benchKernels, cpp/bench/kernel_bench.cpp) and, with
// the same code, natively (build/cnnlab_bench --profile-json), each stage against the
// multiply-add ceiling measured in the same binary and as a share of the step.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { StepProfile } from '../../web/src/wasm/cnnlab';

export interface NativeProfile extends StepProfile {
  /** The same loop on 8-lane vectors (AVX): what the 128-bit ceiling leaves out. */
  ceiling8Gmacs: number;
}

export interface StageRow {
  name: string;
  code: string;
  kernel: boolean;
  macs: number;
  wasm: { nsPerCall: number; gmacs: number | null; ofCeiling: number | null; ofStep: number };
  native: { nsPerCall: number; gmacs: number | null; ofCeiling: number | null; ofStep: number } | null;
}

export interface KernelReport {
  wasm: StepProfile;
  native: NativeProfile | null;
  /** Why there are no native figures, if there are none. */
  nativeNote: string | null;
  rows: StageRow[];
  /** Step time not in any stage: the SGD update, the input conversion, control. */
  rest: { wasmNs: number; nativeNs: number | null };
}

/**
 * Builds (incrementally, output to stderr) and runs the native profile. Returns null
 * and a note when the native tree or Google Benchmark is not there.
 */
export function nativeProfile(root: string): { profile: NativeProfile | null; note: string | null } {
  const run = (cmd: string, args: string[]) =>
    spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 2, 2] }).status === 0;
  if (!existsSync(`${root}build/CMakeCache.txt`) && !run('cmake', ['-S', '.', '-B', 'build', '-DCMAKE_BUILD_TYPE=Release']))
    return { profile: null, note: 'native: cmake configure failed (see stderr)' };
  if (!run('cmake', ['--build', 'build', '-j2', '--target', 'cnnlab_bench']))
    return { profile: null, note: 'native: build/cnnlab_bench did not build (Google Benchmark missing? see stderr)' };
  const r = spawnSync(`${root}build/cnnlab_bench`, ['--profile-json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return { profile: null, note: `native: cnnlab_bench --profile-json failed: ${r.stderr}` };
  return { profile: JSON.parse(r.stdout) as NativeProfile, note: null };
}

export function kernelReport(wasm: StepProfile, native: NativeProfile | null, nativeNote: string | null): KernelReport {
  const figures = (p: StepProfile, i: number) => {
    const s = p.stages[i]!;
    const gmacs = s.macs > 0 ? s.macs / s.nsPerCall : null;
    return {
      nsPerCall: s.nsPerCall,
      gmacs,
      ofCeiling: gmacs !== null ? gmacs / p.ceilingGmacs : null,
      ofStep: s.nsPerCall / p.stepNs,
    };
  };
  const rows = wasm.stages.map((s, i) => {
    if (native && native.stages[i]?.name !== s.name) throw new Error(`native stage ${i} is not "${s.name}"`);
    return { name: s.name, code: s.code, kernel: s.kernel, macs: s.macs, wasm: figures(wasm, i), native: native ? figures(native, i) : null };
  });
  const sum = (p: StepProfile) => p.stages.reduce((a, s) => a + s.nsPerCall, 0);
  return {
    wasm,
    native,
    nativeNote,
    rows,
    rest: { wasmNs: wasm.stepNs - sum(wasm), nativeNs: native ? native.stepNs - sum(native) : null },
  };
}

/** The report as text lines (`npm run bench` without --json). */
export function formatKernelReport(k: KernelReport, endToEndStepUs: number): string[] {
  const us = (ns: number) => (ns / 1000).toFixed(2);
  const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(0)}%`);
  const g = (x: number | null) => (x === null ? '' : x.toFixed(1));
  const pad = (s: string, n: number) => s.padEnd(n);
  const l = (s: string, n: number) => s.padStart(n);
  const n = k.native;
  const lines = [
    `Where a training step's time goes: each stage timed on its own inside the binary (best of 3 passes),`,
    `on the tensors of a real pass on an MNIST image; default network, per-sample SGD. GMAC/s = the layer's`,
    `multiply-adds / time (the blank rows the kernels skip count as done), against the multiply + add ceiling`,
    `of 4-lane vectors on registers measured in the same binary (WASM ${k.wasm.ceilingGmacs.toFixed(1)} GMAC/s` +
      (n ? `, native ${n.ceilingGmacs.toFixed(1)}; native 8-lane AVX ${n.ceiling8Gmacs.toFixed(1)})` : ')'),
    '',
    `${pad('stage', 22)}${l('WASM µs', 9)}${l('GMAC/s', 8)}${l('%ceil', 7)}${l('%step', 7)}` +
      (n ? `${l('native µs', 11)}${l('GMAC/s', 8)}${l('%ceil', 7)}${l('%step', 7)}${l('WASM/nat', 10)}` : ''),
  ];
  for (const r of k.rows) {
    let line = `${pad((r.kernel ? '* ' : '  ') + r.name, 22)}${l(us(r.wasm.nsPerCall), 9)}${l(g(r.wasm.gmacs), 8)}` +
      `${l(pct(r.wasm.ofCeiling), 7)}${l(pct(r.wasm.ofStep), 7)}`;
    if (r.native)
      line += `${l(us(r.native.nsPerCall), 11)}${l(g(r.native.gmacs), 8)}${l(pct(r.native.ofCeiling), 7)}` +
        `${l(pct(r.native.ofStep), 7)}${l((r.wasm.nsPerCall / r.native.nsPerCall).toFixed(2) + '×', 10)}`;
    lines.push(line);
  }
  const sumKernels = (p: StepProfile) => p.stages.filter((s) => s.kernel).reduce((a, s) => a + s.nsPerCall, 0);
  const restRow = (name: string, w: number, nat: number | null, wStep: number, nStep: number | null) =>
    `${pad(name, 22)}${l(us(w), 9)}${l('', 8)}${l('', 7)}${l(pct(w / wStep), 7)}` +
    (nat !== null && nStep !== null ? `${l(us(nat), 11)}${l('', 8)}${l('', 7)}${l(pct(nat / nStep), 7)}${l((w / nat).toFixed(2) + '×', 10)}` : '');
  lines.push(restRow('  the rest (update…)', k.rest.wasmNs, k.rest.nativeNs, k.wasm.stepNs, n?.stepNs ?? null));
  lines.push(restRow('= one training step', k.wasm.stepNs, n?.stepNs ?? null, k.wasm.stepNs, n?.stepNs ?? null));
  lines.push(
    restRow('  of which 5×5 kernels', sumKernels(k.wasm), n ? sumKernels(n) : null, k.wasm.stepNs, n?.stepNs ?? null),
  );
  lines.push(
    `${pad('one inference', 22)}${l(us(k.wasm.predictNs), 9)}${' '.repeat(22)}` +
      (n ? `${l(us(n.predictNs), 11)}${' '.repeat(22)}${l((k.wasm.predictNs / n.predictNs).toFixed(2) + '×', 10)}` : ''),
  );
  lines.push('');
  lines.push(
    `* = one of the three 5×5 kernels (${k.wasm.kernelName}). The rest = the step minus its stages: the SGD update ` +
      `of 6070 parameters, the input conversion, control. The step timed in the module: ${us(k.wasm.stepNs)} µs; ` +
      `in the training run above (end to end, through the JS API): ${endToEndStepUs.toFixed(2)} µs.`,
  );
  if (k.nativeNote) lines.push(k.nativeNote);
  return lines;
}

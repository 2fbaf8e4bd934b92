// How the page writes numbers and sentences: counts, durations, accuracies,
// probabilities. Pure; used by every panel.

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345" (one formatter for every call: the comparison's table writes counts a few times a second). */
export function formatCount(n: number): string {
  return COUNT.format(Math.round(n));
}

/** 75 → "1 min 15 s", 3725 → "1 h 02 min", 4.2 → "4 s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A setting as a reader writes it: 0.01, 0.5, 1e+13, 1e-7 (3 significant digits at most). */
export function formatNumber(v: number): string {
  const r = Number(v.toPrecision(3));
  return r !== 0 && (Math.abs(r) >= 1e5 || Math.abs(r) < 1e-4) ? r.toExponential().replace(/\.?0+e/, 'e') : String(r);
}

/** 0.98765 → "98.77%". */
export function formatAccuracy(a: number): string {
  return `${(a * 100).toFixed(2)}%`;
}

/** "97%", "4.2%", "<0.1%": as many digits as a reader can use. */
export function formatPercent(p: number): string {
  const pct = p * 100;
  if (!(pct > 0)) return '0%';
  if (pct >= 99.95 && pct < 100) return '>99.9%';
  if (pct >= 10) return `${Math.round(pct)}%`;
  if (pct >= 0.1) return `${pct.toFixed(1)}%`;
  return '<0.1%';
}

/** "training diverged" → "Training diverged". */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "the pretrained network" / "the network being trained". */
export function modelName(model: 'pretrained' | 'training'): string {
  return model === 'pretrained' ? 'the pretrained network' : 'the network being trained';
}

/** f as the page writes it: ReLU, tanh, sigmoid. */
export function activationName(activation: string): string {
  return activation === 'relu' ? 'ReLU' : activation;
}

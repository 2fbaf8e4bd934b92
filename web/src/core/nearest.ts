// Nearest neighbours by a₁ distance, for "why this answer": which training images of a
// digit does the network see as most like this one? The a₁ table comes from the core
// (CnnModel.hiddenActivations, once per model); the search is a plain scan.

/**
 * The indices of the `n` images of class `digit` whose a₁ (rows of `table`, `hidden`
 * values each; `labels[i]` is row i's digit) are nearest to `query` (`hidden` values) by
 * squared Euclidean distance, nearest first; equal distances in index order.
 */
export function nearestByActivation(
  table: Float32Array,
  hidden: number,
  labels: Uint8Array,
  query: Float32Array,
  digit: number,
  n: number,
): number[] {
  const count = labels.length;
  if (!Number.isInteger(hidden) || hidden < 1 || table.length !== count * hidden)
    throw new Error(`the a₁ table holds ${table.length} values, expected ${count} images × ${hidden}`);
  if (query.length !== hidden) throw new Error(`the query has ${query.length} values, expected ${hidden}`);
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a whole number ≥ 1, got ${n}`);
  // The best n so far, kept sorted by (distance, index).
  const best: { index: number; distance: number }[] = [];
  for (let i = 0; i < count; i++) {
    if (labels[i] !== digit) continue;
    let distance = 0;
    for (let h = 0, row = i * hidden; h < hidden; h++) {
      const d = table[row + h]! - query[h]!;
      distance += d * d;
    }
    if (best.length === n && distance >= best[n - 1]!.distance) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.distance > distance) at--;
    best.splice(at, 0, { index: i, distance });
    if (best.length > n) best.pop();
  }
  return best.map((b) => b.index);
}

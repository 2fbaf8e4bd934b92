// Two small helpers every part uses (page, worker, Node).

/** The index of the largest value (the first on ties): the predicted digit of S. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** What went wrong, as text for a reader. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

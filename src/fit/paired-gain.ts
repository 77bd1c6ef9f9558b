/**
 * The mean paired difference `left − right` of two 0/1 outcomes over `rows`, with its standard
 * error (each difference is −1, 0 or 1, so its square is its absolute value).
 */
export function pairedGain(
  rows: readonly number[],
  left: Uint8Array,
  right: Uint8Array,
): { mean: number; standardError: number } {
  if (rows.length === 0) return { mean: 0, standardError: 0 };
  let sum = 0;
  let differing = 0;
  for (const row of rows) {
    const difference = (left[row] ?? 0) - (right[row] ?? 0);
    sum += difference;
    differing += Math.abs(difference);
  }
  const mean = sum / rows.length;
  const variance = Math.max(differing / rows.length - mean * mean, 0);
  return { mean, standardError: Math.sqrt(variance / rows.length) };
}

/** `0.1234` → `"12.3%"`. */
export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** A difference of accuracies in points, signed: `0.0123` → `"+1.23"`. */
export function points(value: number): string {
  return `${value >= 0 ? "+" : ""}${(value * 100).toFixed(2)}`;
}

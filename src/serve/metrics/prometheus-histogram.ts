/** Upper bounds (seconds) of the latency histograms, from 0.5 ms to 10 s. */
export const latencyBucketsSeconds: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A fixed-bucket histogram rendered in the Prometheus text format. */
export class PrometheusHistogram {
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[] = latencyBucketsSeconds) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count += 1;
    const bounds = this.#bounds;
    for (let index = 0; index < bounds.length; index += 1) {
      if (value <= bounds[index]!) {
        this.#counts[index]! += 1;
        return;
      }
    }
  }

  get count(): number {
    return this.#count;
  }

  /** The sample lines (`name_bucket`, `name_sum`, `name_count`) for one label set such as `route="ssm"`. */
  render(name: string, labels: string): string {
    const prefix = labels === "" ? "" : `${labels},`;
    const lines: string[] = [];
    let cumulative = 0;
    for (let index = 0; index < this.#bounds.length; index += 1) {
      cumulative += this.#counts[index]!;
      lines.push(`${name}_bucket{${prefix}le="${this.#bounds[index]}"} ${cumulative}`);
    }
    lines.push(`${name}_bucket{${prefix}le="+Inf"} ${this.#count}`);
    const braces = labels === "" ? "" : `{${labels}}`;
    lines.push(`${name}_sum${braces} ${this.#sum}`);
    lines.push(`${name}_count${braces} ${this.#count}`);
    return lines.join("\n");
  }
}

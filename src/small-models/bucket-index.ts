/**
 * Bucket id → feature row, for the few buckets a model has seen: an open-addressing hash table
 * sized to the used buckets (a few hundred KB that stay in cache) rather than a dense array over
 * all 2^20 buckets (4 MB of cache misses per prediction).
 */
export class BucketIndex {
  private readonly keys: Int32Array;
  private readonly rows: Int32Array;
  private readonly mask: number;

  constructor(buckets: Int32Array) {
    let capacity = 16;
    while (capacity < buckets.length * 2) capacity *= 2;
    this.keys = new Int32Array(capacity).fill(-1);
    this.rows = new Int32Array(capacity);
    this.mask = capacity - 1;
    buckets.forEach((bucket, row) => {
      let slot = Math.imul(bucket, 0x9e3779b1) & this.mask;
      while (this.keys[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = bucket;
      this.rows[slot] = row;
    });
  }

  /** The row of `bucket`, or -1 when it was never seen. */
  rowOf(bucket: number): number {
    const keys = this.keys;
    let slot = Math.imul(bucket, 0x9e3779b1) & this.mask;
    for (;;) {
      const key = keys[slot]!;
      if (key === bucket) return this.rows[slot]!;
      if (key === -1) return -1;
      slot = (slot + 1) & this.mask;
    }
  }
}

/**
 * A fixed-size ring of samples in typed arrays (one column per field): memory is allocated once and never grows,
 * however long a stream runs. Time is a Float64 column (ms epoch); the fields are Float32 (NaN = unknown).
 */
export class SampleRing<F extends string> {
  private readonly t: Float64Array;
  private readonly cols: Record<F, Float32Array>;
  private head = 0;
  private count = 0;

  constructor(readonly fields: readonly F[], readonly capacity: number) {
    this.t = new Float64Array(capacity);
    this.cols = Object.fromEntries(fields.map((f) => [f, new Float32Array(capacity)])) as Record<F, Float32Array>;
  }

  /** bytes held by the typed arrays (the whole budget of this ring) */
  get bytes(): number {
    let n = this.t.byteLength;
    for (const f of this.fields) n += this.cols[f].byteLength;
    return n;
  }

  get size(): number {
    return this.count;
  }

  push(at: number, values: Partial<Record<F, number | null>>): void {
    this.t[this.head] = at;
    for (const f of this.fields) {
      const v = values[f];
      this.cols[f][this.head] = v === null || v === undefined ? NaN : v;
    }
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** index of the i-th oldest sample */
  private at(i: number): number {
    return (this.head - this.count + i + this.capacity) % this.capacity;
  }

  /** the newest `n` values of one field, oldest first (unknowns left out) */
  last(field: F, n: number): number[] {
    const out: number[] = [];
    for (let i = Math.max(0, this.count - n); i < this.count; i++) {
      const v = this.cols[field][this.at(i)];
      if (!Number.isNaN(v)) out.push(v);
    }
    return out;
  }

  /** samples at or after `since` (ms epoch), oldest first; unknown values as null */
  since(since: number): Array<{ at: number } & Record<F, number | null>> {
    const out: Array<{ at: number } & Record<F, number | null>> = [];
    for (let i = 0; i < this.count; i++) {
      const k = this.at(i);
      if (this.t[k] < since) continue;
      const row = { at: this.t[k] } as { at: number } & Record<F, number | null>;
      for (const f of this.fields) {
        const v = this.cols[f][k];
        (row as Record<string, number | null>)[f] = Number.isNaN(v) ? null : Math.round(v * 100) / 100;
      }
      out.push(row);
    }
    return out;
  }
}

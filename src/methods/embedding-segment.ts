// The embedding cache's write buffer: rows computed since the last write, appended to the
// shard as one segment on flush, so an interrupted run keeps what it computed.
import type { Shard } from './embedding-shard.js';

export class PendingSegment {
  private readonly keys: string[] = [];
  private readonly rows: Float32Array[] = [];

  constructor(
    private readonly shard: Shard,
    private readonly dim: number,
  ) {}

  /** Rows buffered since the last flush. */
  get count(): number {
    return this.keys.length;
  }

  /**
   * Buffers rows `picked` of a batch's embeddings (`batchSize` rows), `keys[i]` the content key
   * of row `picked[i]`. A batch kept whole is not copied.
   */
  add(
    embeddings: Float32Array,
    batchSize: number,
    picked: readonly number[],
    keys: readonly string[],
  ): void {
    this.keys.push(...keys);
    const dim = this.dim;
    if (picked.length === batchSize) this.rows.push(embeddings);
    else for (const k of picked) this.rows.push(embeddings.slice(k * dim, (k + 1) * dim));
  }

  /** Appends the buffered rows to the shard as one segment; nothing when none. */
  async flush(): Promise<void> {
    if (this.keys.length === 0) return;
    const data = new Float32Array(this.keys.length * this.dim);
    let offset = 0;
    for (const rows of this.rows) {
      data.set(rows, offset);
      offset += rows.length;
    }
    const keys = this.keys.splice(0);
    this.rows.length = 0;
    await this.shard.append(keys, data);
  }
}

// Named float32 arrays <-> one binary blob + a JSON index. Checkpoints use it for model weights
// and optimizer slots, so restoring needs no model rebuild: values are assigned by name.

export interface NamedArray {
  shape: number[];
  values: Float32Array;
}

export interface BlobIndexEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements. */
  offset: number;
  length: number;
}

export function packArrays(arrays: Record<string, NamedArray>): {
  index: BlobIndexEntry[];
  data: Uint8Array;
} {
  const index: BlobIndexEntry[] = [];
  let total = 0;
  for (const [name, a] of Object.entries(arrays)) {
    const expected = a.shape.reduce((n, d) => n * d, 1);
    if (expected !== a.values.length)
      throw new Error(
        `${name}: shape [${a.shape}] needs ${expected} values, got ${a.values.length}`,
      );
    index.push({ name, shape: a.shape, offset: total, length: a.values.length });
    total += a.values.length;
  }
  const data = new Float32Array(total);
  for (const entry of index) data.set(arrays[entry.name].values, entry.offset);
  return { index, data: new Uint8Array(data.buffer) };
}

export function unpackArrays(
  index: BlobIndexEntry[],
  bytes: Uint8Array,
  origin: string,
): Record<string, NamedArray> {
  const needed = index.reduce((n, e) => Math.max(n, e.offset + e.length), 0) * 4;
  if (bytes.byteLength !== needed) {
    throw new Error(`${origin}: ${bytes.byteLength} bytes, index describes ${needed}`);
  }
  // Copy into an aligned buffer: file reads may start at any byte offset.
  const floats = new Float32Array(bytes.slice().buffer);
  const out: Record<string, NamedArray> = {};
  for (const e of index)
    out[e.name] = { shape: e.shape, values: floats.slice(e.offset, e.offset + e.length) };
  return out;
}

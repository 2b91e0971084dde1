// Feature rows (the Float32Arrays an embedding pass yields, or plain arrays in tests) as one
// row-major float64 matrix. The diagnostics sum over thousands of products; float32 sums would
// drift at the 1e-6 level the tests hold them to.
import { badInput } from '../../../errors.js';

export type FeatureRows = readonly (ArrayLike<number> & Iterable<number>)[];

export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** Copies `rows` into a float64 matrix; each row needs `cols` finite values (default: row 0's). */
export function toMatrix(rows: FeatureRows, name: string, cols = rows[0]?.length ?? 0): Matrix {
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) {
      throw badInput(`${name}: row ${i} has ${row.length} features, expected ${cols}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (!Number.isFinite(v)) throw badInput(`${name}: row ${i} feature ${j} is ${v}`);
      data[i * cols + j] = v;
    }
  });
  return { data, rows: rows.length, cols };
}

/** The rows at `index`, in that order. */
export function pickRows<T>(rows: readonly T[], index: readonly number[]): T[] {
  return index.map((i) => rows[i]);
}

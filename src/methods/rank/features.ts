// The input every transferability score reads: row-major [n, dim] features of the training split
// (pooled embeddings of a frozen backbone) with their class labels, checked once.
import { Matrix } from 'ml-matrix';

export interface LabelledFeatures {
  /** Row-major [n, dim]. */
  features: ArrayLike<number>;
  dim: number;
  /** Class index per row, 0 ≤ label < numClasses. */
  labels: ArrayLike<number>;
  numClasses: number;
}

/** n, after checking that the shapes agree and every label is a class index. */
export function rowCount(input: LabelledFeatures): number {
  const { features, dim, labels, numClasses } = input;
  if (!(Number.isInteger(dim) && dim > 0))
    throw new RangeError(`dim must be positive (got ${dim})`);
  if (features.length % dim !== 0)
    throw new RangeError(`${features.length} feature values are not rows of ${dim}`);
  const n = features.length / dim;
  if (labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} feature rows`);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses))
      throw new RangeError(`label ${y} of row ${i} is not a class index below ${numClasses}`);
  }
  return n;
}

/** The features as a float64 matrix [n, dim]. */
export function featureMatrix(input: LabelledFeatures, n: number): Matrix {
  const m = new Matrix(n, input.dim);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < input.dim; j++) m.set(i, j, input.features[i * input.dim + j]!);
  return m;
}

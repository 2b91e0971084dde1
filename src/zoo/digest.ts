// Digests of weight files, streamed (a 500 MB file is never held in memory). SHA-256 is what the
// cache records; MD5 only checks files whose publisher states nothing else (most Keras weights).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import type { Digest, DigestAlgorithm } from './types.js';

export type { Digest, DigestAlgorithm };

/** Hex digests of a file, one pass for all the algorithms asked. */
export async function fileDigests<A extends DigestAlgorithm>(
  file: string,
  algorithms: readonly A[],
): Promise<Record<A, string>> {
  const hashes = algorithms.map((a) => createHash(a));
  for await (const chunk of createReadStream(file)) for (const h of hashes) h.update(chunk);
  return Object.fromEntries(algorithms.map((a, i) => [a, hashes[i]!.digest('hex')])) as Record<
    A,
    string
  >;
}

export const describeDigest = (d: Digest) => `${d.algorithm} ${d.value}`;

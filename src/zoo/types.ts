// What the zoo knows of a pretrained weight file, platform-free (the registry and the browser
// build see these types; only weights-file.ts touches the disk and the network).
export type DigestAlgorithm = 'sha256' | 'md5';

export interface Digest {
  algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  value: string;
}

export interface WeightsFile {
  /** Where the publisher hosts the file. */
  url: string;
  /** Its path under the cache folder and under a mirror's base, e.g. `keras-applications/…h5`. */
  path: string;
  /**
   * The digest the publisher states (Keras Applications state MD5, git-lfs pointers SHA-256);
   * absent where none is published: the first download's SHA-256 is then pinned beside it.
   */
  digest?: Digest;
  /** Size in bytes, where published. */
  bytes?: number;
}

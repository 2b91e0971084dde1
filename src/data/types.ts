// The shapes that flow through the data layer: sample references, decoded images, batches.
import type * as tf from '@tensorflow/tfjs';

/** A decoded image: RGB, 8-bit, row-major HWC. */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A reference to one labelled image; decoding happens later, in the loader. */
export interface Sample {
  /** File path, or `name:index` for built-in datasets; used in every error message. */
  id: string;
  /** Index into the source's class list; -1 when unlabelled. */
  label: number;
}

export type SplitName = 'train' | 'val' | 'test';

export type Interpolation = 'bilinear' | 'bicubic' | 'nearest';

/**
 * A resize the decoder may do while decoding, so a 24-megapixel photo never becomes a huge
 * array. `shorter`: scale so the shorter side is `size` (aspect kept); `exact`: `size` x `size`.
 * `downscaleOnly` leaves images that are already small enough untouched.
 */
export interface DecodeHint {
  mode: 'shorter' | 'exact';
  size: number;
  interpolation: Interpolation;
  downscaleOnly?: boolean;
}

/** What `skipBad: true` left out: how many items, and the first few as `path: reason`. */
export interface SkipReport {
  count: number;
  examples: string[];
}

export interface DataSource {
  /** Human-readable description (folder path, manifest path, dataset name). */
  name: string;
  classes: string[];
  /** Samples per split; a source without predefined splits puts everything under `train`. */
  splits: Partial<Record<SplitName, Sample[]>>;
  /** Decodes one sample to RGB; throws VisiontuneError (BAD_INPUT) naming the sample for bad data. */
  read(sample: Sample, hint?: DecodeHint): Promise<DecodedImage>;
  /**
   * A stable key for the sample's image content, for caches (the embedding cache). Sources
   * whose `read` decodes exactly the file at `id` leave it out: the file bytes are hashed
   * instead. Any other source (in-memory data, crops of a file) must give one. Throws as
   * `read` does for an unknown sample.
   */
  contentKey?(sample: Sample): string;
  /** Present when the source was opened with `skipBad: true`; loaders add lazy decode failures. */
  skipped?: SkipReport;
}

export interface Batch {
  /** [n, size, size, 3] float32, already normalized for the backbone. */
  x: tf.Tensor4D;
  /** Class indices, length n. */
  labels: Int32Array;
  samples: Sample[];
}

// Options every file-backed source accepts.
import type { ImageDecoder } from '../decode.js';
import type { VerifyLevel } from '../validate.js';

export interface SourceOptions {
  /** Skip bad files instead of failing; the source then carries a `skipped` report. */
  skipBad?: boolean;
  /** The label set, in index order. Classes outside it are bad input. Default: discovered, sorted. */
  labels?: string[];
  /** Image decoder; default sharp. */
  decoder?: ImageDecoder;
  /** Up-front checks: 'header' (default) probes every file's header; 'full' decodes each one. */
  verify?: VerifyLevel;
  /** Parallel file checks; default 8. */
  concurrency?: number;
}

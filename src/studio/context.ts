// What every studio route module gets: the validated options, the absolute projects folder and the
// built frontend's folder. Route modules register on the app with `(app, studio)`.
import type { StudioOptions } from './options.js';

export interface StudioContext {
  options: StudioOptions;
  /** The projects folder, absolute, created at start. */
  dir: string;
  /** The lock file that keeps one run at a time on the machine (across studios). */
  runLock: string;
  /** Told of every error answered 500 (a bug). */
  onInternalError?: (err: unknown) => void;
}

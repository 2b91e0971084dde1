// Where pretrained weight files come from and go: the cache folder, the offline switch and a
// mirror for air-gapped sites. Read from the environment (VISIONTUNE_CACHE, VISIONTUNE_OFFLINE,
// VISIONTUNE_MIRROR) unless a caller (the CLI's --offline, a library user) sets them; this is the
// one place that knows the variables.
import os from 'node:os';
import path from 'node:path';
import type { TransferProgress } from './fetch-part.js';

export interface ZooSettings {
  /** Folder of downloaded weights (default ~/.cache/visiontune, or $XDG_CACHE_HOME/visiontune). */
  cacheDir: string;
  /** Never touch the network: a file not in the cache is an error naming it. */
  offline: boolean;
  /**
   * Base that replaces each file's origin: an http(s) URL, a file:// URL or a folder holding the
   * files under their zoo paths (e.g. `keras-applications/mobilenet_v2/…h5`).
   */
  mirror?: string;
  /** How a download shows its progress (the CLI's progress bar); none by default. */
  progress?: (label: string) => TransferProgress;
}

let overrides: Partial<ZooSettings> = {};

const truthy = (v: string | undefined) => v !== undefined && !/^(|0|false|no)$/i.test(v.trim());

/** The settings in force: what was set in code, else the environment, else the defaults. */
export function zooSettings(): ZooSettings {
  const env = process.env;
  const home = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return {
    cacheDir: overrides.cacheDir ?? (env.VISIONTUNE_CACHE || path.join(home, 'visiontune')),
    offline: overrides.offline ?? truthy(env.VISIONTUNE_OFFLINE),
    mirror: overrides.mirror ?? (env.VISIONTUNE_MIRROR || undefined),
    progress: overrides.progress,
  };
}

/** Sets some settings for this process (undefined fields keep the environment's). */
export function setZooSettings(settings: Partial<ZooSettings>): void {
  overrides = Object.fromEntries(
    Object.entries({ ...overrides, ...settings }).filter(([, v]) => v !== undefined),
  );
}

// Name -> backbone. Adding a backbone is one family file plus one row here — or, for a library
// user, one `registerBackbone(entry)` call; the registry tests iterate over the rows, so a new
// row is tested for free.
import { badUsage } from '../errors.js';
import { Registry } from '../util/registry.js';
import { inceptionV3 } from './inception-v3.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV2Small } from './mobilenet-v2-small.js';
import { resnetTiny } from './resnet-tiny.js';
import type { BackboneEntry } from './types.js';

const BUILT_IN: readonly BackboneEntry[] = [mobilenetV2, inceptionV3, mobilenetV2Small, resnetTiny];

const backbones = new Registry<BackboneEntry>(
  'backbone',
  BUILT_IN.map((e) => [e.name, e]),
);

/** Adds a backbone that `createModel(name)`, `--backbone name` and every task can then use. */
export function registerBackbone(entry: BackboneEntry, options?: { replace?: boolean }): void {
  backbones.register(entry.name, entry, options);
}

export function listBackbones(): readonly BackboneEntry[] {
  return backbones.values();
}

export function getBackbone(name: string): BackboneEntry {
  if (!backbones.has(name)) {
    throw badUsage(
      `unknown backbone '${name}' (known: ${backbones.names().join(', ')}; or a path/URL to a TF.js layers model)`,
    );
  }
  return backbones.get(name);
}

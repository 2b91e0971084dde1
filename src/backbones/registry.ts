// Name -> backbone. Adding a backbone is one family file plus one row here; the registry tests
// iterate over these rows, so a new row is tested for free.
import { badUsage } from '../errors.js';
import { inceptionV3 } from './inception-v3.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV2Small } from './mobilenet-v2-small.js';
import { resnetTiny } from './resnet-tiny.js';
import type { BackboneEntry } from './types.js';

const ENTRIES: readonly BackboneEntry[] = [mobilenetV2, inceptionV3, mobilenetV2Small, resnetTiny];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));

export function listBackbones(): readonly BackboneEntry[] {
  return ENTRIES;
}

export function getBackbone(name: string): BackboneEntry {
  const entry = BY_NAME.get(name);
  if (!entry) {
    throw badUsage(
      `unknown backbone '${name}' (known: ${[...BY_NAME.keys()].join(', ')}; or a path/URL to a TF.js layers model)`,
    );
  }
  return entry;
}

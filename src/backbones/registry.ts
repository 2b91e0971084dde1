// Name -> backbone. Adding a backbone is one family file plus one row here — or, for a library
// user, one `registerBackbone(entry)` call; the registry tests iterate over the rows, so a new
// row is tested for free. Names follow timm: `architecture.weights` (`mobilenet_v2.imagenet`,
// `mobilenet_v2.nsfwjs`); a bare architecture name is its offline default (the weights that
// install with the dependencies) or, without any, the from-scratch body.
import { badUsage } from '../errors.js';
import { Registry } from '../util/registry.js';
import { KERAS_ZOO } from '../zoo/keras-entries.js';
import { ONNX_ZOO } from '../zoo/onnx-zoo-entries.js';
import { inceptionV3 } from './inception-v3.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV2Small } from './mobilenet-v2-arch.js';
import { resnetTiny } from './resnet-tiny.js';
import type { BackboneEntry } from './types.js';

const BUILT_IN: readonly BackboneEntry[] = [
  mobilenetV2,
  inceptionV3,
  mobilenetV2Small,
  resnetTiny,
  ...KERAS_ZOO,
  ...ONNX_ZOO,
];

/** Other names of an entry: the installed weights under their tagged names. */
const ALIASES: Record<string, string> = {
  'mobilenet_v2.nsfwjs': 'mobilenet_v2',
  'inception_v3.nsfwjs': 'inception_v3',
};

const backbones = new Registry<BackboneEntry>('backbone', [
  ...BUILT_IN.map((e): [string, BackboneEntry] => [e.name, e]),
  ...Object.entries(ALIASES).map(([alias, name]): [string, BackboneEntry] => [
    alias,
    BUILT_IN.find((e) => e.name === name)!,
  ]),
]);

/** Adds a backbone that `createModel(name)`, `--backbone name` and every task can then use. */
export function registerBackbone(entry: BackboneEntry, options?: { replace?: boolean }): void {
  backbones.register(entry.name, entry, options);
}

/** The other names `entry` answers to. */
export const aliasesOf = (entry: BackboneEntry) =>
  backbones.names().filter((n) => n !== entry.name && backbones.get(n) === entry);

/**
 * Each entry once. Entries whose weights download on first use (the zoo) only with `downloads`:
 * what runs offline is what tests, `rank all` and the benchmarks iterate over.
 */
export function listBackbones(options: { downloads?: boolean } = {}): readonly BackboneEntry[] {
  const entries = [...new Set(backbones.values())];
  return options.downloads ? entries : entries.filter((e) => !e.weights);
}

export function getBackbone(name: string): BackboneEntry {
  if (!backbones.has(name)) {
    throw badUsage(
      `unknown backbone '${name}' (known: ${backbones.names().join(', ')}; or a path/URL to a TF.js layers model)`,
    );
  }
  return backbones.get(name);
}

// An ONNX zoo entry's file (onnx-zoo.ts) converted once into the cache and built from there: the
// importer's conversion cut at the classifier's global pool, with the last layer at each stride
// named `stride_<s>` and the file's maps checked against the channels the entry states.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { findTaps, TAP_STRIDES } from '../backbones/graph.js';
import { loadLayersBackbone } from '../backbones/layers-backbone.js';
import { convertGraph } from '../backbones/onnx/convert.js';
import { importOnnx } from '../backbones/onnx/import.js';
import type { OnnxGraph } from '../backbones/onnx/parse.js';
import { parseOnnxFile } from '../backbones/onnx/parse-file.js';
import type { BuildOptions } from '../backbones/types.js';
import { badInput } from '../errors.js';
import { withLock } from '../guard/lock.js';
import { version } from '../version.js';
import { fileDigests } from './digest.js';
import { globalPoolInput } from './onnx-pool-cut.js';
import { type OnnxZooSpec, onnxZooConfig, tapName } from './onnx-zoo.js';
import { zooSettings } from './settings.js';

// The canonical names stay taken in both conversions, so a node that happens to carry one is
// named alike in both.
const RESERVED = new Map(TAP_STRIDES.map((s) => [tapName(s), tapName(s)]));

/** What a converted file has instead, for the error: its last map at each stride. */
const describeMaps = (probe: tf.LayersModel, size: number) =>
  `its last maps: ${findTaps(probe, size)
    .map((t) => `${t.channels} channels at stride ${t.stride}`)
    .join(', ')}`;

/**
 * Where `file` is cut (the global pool's input) and the names its taps get: the layers that a
 * conversion cut there puts last at each stride, checked against the channels `spec` states.
 */
function tapRenames(spec: OnnxZooSpec, graph: OnnxGraph, file: string) {
  const cut = globalPoolInput(graph, file);
  const probe = convertGraph(graph, {
    inputSize: spec.inputSize,
    outputs: [cut],
    layerNames: RESERVED,
  });
  try {
    const widths = Object.fromEntries(TAP_STRIDES.map((s, i) => [s, spec.channels[i]]));
    const taps = findTaps(probe, spec.inputSize, widths);
    const found = TAP_STRIDES.map((s) => taps.find((t) => t.stride === s));
    const missing = TAP_STRIDES.filter((_, i) => !found[i]);
    const last = probe.outputs[0]!.sourceLayer.name;
    const problem = missing.length
      ? `it has no feature map of ${missing.map((s) => `${widths[s]} channels at stride ${s}`).join(', ')} (${describeMaps(probe, spec.inputSize)})`
      : found[3]!.layer !== last
        ? `its last stride-32 layer ${found[3]!.layer} is not the pooled map ${last}`
        : undefined;
    if (problem) throw badInput(`${file}: not the architecture of ${spec.name}: ${problem}`);
    return { cut, renames: new Map(found.map((t) => [t!.layer, tapName(t!.stride)])) };
  } finally {
    probe.dispose();
  }
}

/**
 * The ONNX file `file` converted for `spec` into `dir`. A first conversion finds the taps' layers,
 * the importer's names them (conversion is deterministic, so the names match).
 */
async function convertInto(spec: OnnxZooSpec, file: string, dir: string) {
  // The graph is not kept: the importer parses the file again.
  const { cut, renames } = tapRenames(spec, await parseOnnxFile(file), file);
  const { mean, std } = onnxZooConfig(spec);
  const name = spec.name.replace(/\W/g, '_');
  await importOnnx(file, { out: dir, overwrite: true, name, cut, mean, std }, renames);
}

/** The converted model's folder in the cache: per file content and visiontune version (a newer
 * converter converts again). */
function convertedDir(spec: OnnxZooSpec, sha256: string) {
  return path.join(
    zooSettings().cacheDir,
    'converted',
    spec.name,
    `${sha256.slice(0, 16)}-v${version}`,
  );
}

const hasModel = (dir: string) =>
  fs.stat(path.join(dir, 'model.json')).then(
    () => true,
    () => false,
  );

/** `spec`'s body built from the local ONNX file `file` (converted once into the cache). */
export async function buildFromOnnxFile(
  spec: OnnxZooSpec,
  file: string,
  options: BuildOptions,
  sha256?: string,
) {
  const digest = sha256 ?? (await fileDigests(file, ['sha256'])).sha256;
  const dir = convertedDir(spec, digest);
  await withLock(`${dir}.lock`, `the converted ${spec.name} model`, async () => {
    if (!(await hasModel(dir))) await convertInto(spec, file, dir);
  });
  const config = onnxZooConfig(spec);
  const backbone = await loadLayersBackbone(dir, { mean: config.mean, std: config.std });
  try {
    return await backbone.build(options);
  } finally {
    backbone.dispose();
  }
}

// `visiontune import model.onnx --out DIR`: the ONNX graph converted (convert.ts), optionally cut
// at a node, saved as a standard TF.js layers model (DIR/model.json + weights) next to
// DIR/backbone.json — the preprocessing the weights expect (ImageNet's mean/std by default, as
// torchvision and timm train) and the feature taps, found on the converted graph before it is
// saved (weight by weight, save-layers-model.ts), so the import never holds a second copy. Any registry-style use follows: `--backbone DIR`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../engine/file-io.js';
import { saveLayersModel } from '../../engine/save-layers-model.js';
import { badInput } from '../../errors.js';
import { replaceDir } from '../../guard/replace-dir.js';
import { writeFailure } from '../../guard/write-failure.js';
import { parseLayers } from '../../util/merge-layers.js';
import { MAX_INPUT_SIZE } from '../input-size.js';
import { BACKBONE_CONFIG_FILE, inferBackboneConfig } from '../layers-backbone.js';
import type { PretrainedConfig } from '../types.js';
import { convertGraph } from './convert.js';
import { type ImportOnnxOptions, importOnnxOptionsSchema } from './import-options.js';
import { parseOnnxFile } from './parse-file.js';

/** The owner kind (guard/owner.ts) of an imported backbone's folder. */
export const BACKBONE_KIND = 'backbone';

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

export interface ImportedModel {
  dir: string;
  name: string;
  layers: number;
  parameters: number;
  config: PretrainedConfig;
  opCounts: Record<string, number>;
}

export type { ImportOnnxOptions };

/**
 * The converted model and the graph's operator counts. The file's bytes are released once parsed
 * (the graph's large weights are read from the file again, one at a time, as their converters
 * need them), so the import never holds the file and the converted weights together.
 */
async function convertFile(
  file: string,
  options: ReturnType<typeof parseImportOptions>,
  layerNames?: ReadonlyMap<string, string>,
) {
  const graph = await parseOnnxFile(file);
  const name = options.name ?? path.basename(file, path.extname(file));
  const [, , h, w] = graph.inputs[0]?.shape ?? [];
  const fixed = typeof h === 'number' && h === w ? h : undefined;
  if (fixed !== undefined && fixed > MAX_INPUT_SIZE)
    throw badInput(
      `${file}: graph input ${graph.inputs[0]?.name} is ${fixed}×${fixed}, larger than the ${MAX_INPUT_SIZE} px visiontune builds`,
    );
  let outputs: string[] | undefined;
  if (options.cut) {
    const node = graph.nodes.find(
      (n) => n.name === options.cut || n.outputs.includes(options.cut!),
    );
    if (!node) throw badInput(`--cut ${options.cut}: no ONNX node or output has that name`);
    outputs = [node.outputs.includes(options.cut) ? options.cut : node.outputs[0]];
  }
  const model = convertGraph(graph, {
    name,
    inputSize: options.inputSize ?? fixed ?? 224,
    outputs,
    layerNames,
  });
  const opCounts: Record<string, number> = {};
  for (const n of graph.nodes) opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
  return { model, name, opCounts };
}

const parseImportOptions = (input: ImportOnnxOptions) =>
  parseLayers(importOnnxOptionsSchema, 'import', [input]);

/** `layerNames`: layers to name otherwise (convertGraph's option; the zoo's canonical taps). */
export async function importOnnx(
  file: string,
  input: ImportOnnxOptions,
  layerNames?: ReadonlyMap<string, string>,
): Promise<ImportedModel> {
  const options = parseImportOptions(input);
  const { model, name, opCounts } = await convertFile(file, options, layerNames);
  const layers = model.layers.length;
  const parameters = model.countParams();
  let disposed = false;
  // Built in a hidden sibling and swapped in whole (guard/replace-dir): a failed or killed import
  // leaves the earlier backbone (or nothing), and a folder that is not a backbone is refused or,
  // with --overwrite, moved aside.
  const dir = path.resolve(options.out);
  const existed = await fs.stat(dir).then(Boolean, () => false);
  let config: PretrainedConfig | undefined;
  try {
    await replaceDir(
      dir,
      async (staging) => {
        const preprocessing = {
          mean: options.mean ?? IMAGENET_MEAN,
          std: options.std ?? IMAGENET_STD,
          source: path.resolve(file),
          licence: 'as the ONNX model (user-supplied)',
        };
        // Taps read from the graph in memory: reloading the saved model to find them would hold
        // a second copy of the weights.
        const inferred = await inferBackboneConfig(model, staging, preprocessing);
        config = { ...inferred.config, source: preprocessing.source };
        // One weight at a time, never the whole model encoded in memory beside it.
        await saveLayersModel(model, staging);
        model.dispose();
        disposed = true;
        await writeFileAtomic(
          path.join(staging, BACKBONE_CONFIG_FILE),
          `${JSON.stringify({ ...preprocessing, config }, null, 2)}\n`,
        );
      },
      { kind: BACKBONE_KIND, overwrite: options.overwrite },
    );
  } catch (err) {
    if (!disposed) model.dispose();
    const kept = existed ? `the previous content of ${dir} is unchanged` : 'nothing was written';
    throw writeFailure(err, dir, kept);
  }
  return { dir, name, layers, parameters, config: config!, opCounts };
}

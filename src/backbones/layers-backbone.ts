// Turns any TF.js layers model (a path, file:// or http(s) URL) into a backbone: cut at a layer,
// infer the config from the graph (input size, taps at strides 4/8/16/32, embedding), and build
// the body at any square input size by rebuilding from the serialized config.
// Registers the BatchNorm training fix before any model is deserialized.
import './batchnorm-fix.js';
import './relu-layer.js';
import './onnx/layers.js';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { badInput, badUsage, VisiontuneError } from '../errors.js';
import { defaultCut } from './default-cut.js';
import { embeddingWidth, findTaps, getLayerOrThrow } from './graph.js';
import { resolveInputSize } from './input-size.js';
import { asFunctional, rebuildBody, squareInputSize } from './rebuild.js';
import type { BackboneEntry, BuildOptions, PretrainedConfig } from './types.js';

export interface LayersBackboneOptions {
  /** Layer whose output ends the body: a feature map (pooled for the embedding) or a [batch, dim]
   * vector (used as is). Default (default-cut.ts): the model's output if it is a feature map, else
   * the last feature map where the head only pools it, else the head's input (pre-logits). */
  cut?: string;
  /** Native size when the model's input height/width are unspecified. */
  inputSize?: number;
  /** Input = (pixel / 255 - mean) / std. Default 0.5 / 0.5, i.e. [-1, 1]. */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Default min(32, native size); 'valid'-padded nets (InceptionV3: 75) need more. */
  minInputSize?: number;
  licence?: string;
}

export interface LayersBackbone extends BackboneEntry {
  /** The loaded model, kept to copy weights into each build. */
  source: tf.LayersModel;
  dispose(): void;
}

/** Next to model.json: the preprocessing the weights expect (written by `visiontune import`). */
export const BACKBONE_CONFIG_FILE = 'backbone.json';

interface BackboneFile {
  mean?: [number, number, number];
  std?: [number, number, number];
  licence?: string;
}

const rgb = z.tuple([z.number(), z.number(), z.number()]);
const backboneFileSchema = z.looseObject({
  mean: rgb.optional(),
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  licence: z.string().optional(),
});

/** A local model's backbone.json, if it has one: read as a bounded document and validated. */
async function readBackboneFile(location: string): Promise<BackboneFile> {
  if (hasScheme(location) && !location.startsWith('file://')) return {};
  const { modelJsonPath } = await import('../engine/file-io.js');
  const { readJsonDocument } = await import('../guard/read-input.js');
  const { promises: fs } = await import('node:fs');
  const path = await import('node:path');
  const file = path.join(path.dirname(modelJsonPath(location)), BACKBONE_CONFIG_FILE);
  if (!(await fs.lstat(file).catch(() => undefined))) return {};
  const parsed = backboneFileSchema.safeParse(await readJsonDocument(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badInput(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);
const hasScheme = (s: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** True when `name` looks like a model location rather than a registry name. */
export function isModelLocation(name: string): boolean {
  return hasScheme(name) || name.includes('/') || name.includes('\\') || name.endsWith('.json');
}

async function loadSource(location: string): Promise<tf.LayersModel> {
  try {
    if (isUrl(location) || (hasScheme(location) && !location.startsWith('file://'))) {
      return await tf.loadLayersModel(location);
    }
    // Paths need the Node file handler; imported lazily so this module stays platform-free.
    const { loadModelFile } = await import('../engine/load-model.js');
    return await loadModelFile(location);
  } catch (err) {
    if (err instanceof VisiontuneError) throw err;
    throw badInput(`cannot load a TF.js layers model from ${location}: ${(err as Error).message}`);
  }
}

/** A local model folder is read where it is whole: an import killed between its two renames
 * leaves it in a complete hidden sibling (guard/replace-dir). */
async function readableLocation(location: string): Promise<string> {
  if (hasScheme(location) || location.endsWith('.json')) return location;
  const { readableDir } = await import('../guard/replace-dir.js');
  return readableDir(location);
}

/**
 * The backbone config of a layers model (its cut, native size, taps at strides 4/8/16/32 and
 * embedding), read from its graph alone: no weight is read or copied, so an importer can ask
 * before it saves the model. `location` names the model in errors and in the config.
 */
export async function inferBackboneConfig(
  model: tf.LayersModel,
  location: string,
  options: LayersBackboneOptions = {},
): Promise<{ config: PretrainedConfig; source: tf.LayersModel; cut: string }> {
  const source = asFunctional(model);
  if (source.inputs.length !== 1)
    throw badInput(`${location}: a backbone needs exactly one image input`);
  const cut = options.cut ?? defaultCut(source);
  const cutLayer = getLayerOrThrow(source, cut);
  const cutWidth = embeddingWidth(cutLayer);
  if (cutWidth === undefined)
    throw badUsage(
      `cut: layer '${cut}' outputs ${JSON.stringify(cutLayer.outputShape)}, neither a feature map [batch, height, width, channels] nor a vector [batch, dim]`,
    );
  const native = squareInputSize(source) ?? options.inputSize;
  if (!native) throw badUsage(`inputSize: ${location} has no fixed square input; give inputSize`);

  // Taps come from the cut body at its native size; a free-size model is rebuilt to measure them.
  const probe = squareInputSize(source)
    ? source
    : await rebuildBody(source, { inputSize: native }, false);
  const body = tf.model({
    inputs: probe.inputs,
    outputs: getLayerOrThrow(probe, cut).output as tf.SymbolicTensor,
  });
  const taps = findTaps(body, native);
  const embeddingDim = embeddingWidth(getLayerOrThrow(probe, cut)) ?? cutWidth;
  if (probe !== source) probe.dispose();

  const config: PretrainedConfig = {
    inputSize: native,
    minInputSize: options.minInputSize ?? Math.min(32, native),
    mean: options.mean ?? [0.5, 0.5, 0.5],
    std: options.std ?? [0.5, 0.5, 0.5],
    interpolation: 'bilinear',
    embeddingLayer: cut,
    embeddingDim,
    taps,
    licence: options.licence ?? 'unknown (user-supplied model)',
    source: location,
  };
  return { config, source, cut };
}

export async function loadLayersBackbone(
  given: string,
  options: LayersBackboneOptions = {},
): Promise<LayersBackbone> {
  const location = await readableLocation(given);
  const loaded = await loadSource(location);
  const file = await readBackboneFile(location);
  const { config, source, cut } = await inferBackboneConfig(loaded, location, {
    ...options,
    mean: options.mean ?? file.mean,
    std: options.std ?? file.std,
    licence: options.licence ?? file.licence,
  });
  const name =
    location
      .replace(/\/model\.json$/, '')
      .split(/[\\/]/)
      .pop() || location;
  return {
    name,
    description: `TF.js layers model from ${location}, cut at ${cut}`,
    hasPretrained: true,
    config,
    source: loaded,
    build: (opts: BuildOptions) => {
      const inputSize = resolveInputSize(name, config, opts.inputSize);
      return rebuildBody(source, { cut, inputSize }, opts.pretrained);
    },
    dispose: () => loaded.dispose(),
  };
}

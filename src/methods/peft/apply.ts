// applyPeft: a model rebuilt for parameter-efficient fine-tuning. Serializes the model, edits the
// JSON (LoRA: Conv2D/Dense become their LoRA classes; adapter: a zero-initialized 1×1 conv in
// parallel with each block), rebuilds it and copies every weight by name, so every base weight
// keeps its name and value and the new model starts computing exactly what the base did. Then
// only the PEFT weights and the head train; every backbone BatchNorm runs in inference mode on its
// pretrained statistics (BitFit trains its gamma and beta, nothing else does).
import '../../bundle/custom-layers.js';
import './lora-layers.js';
import * as tf from '@tensorflow/tfjs';
import { freezeStatistics } from '../../backbones/batchnorm-fix.js';
import { asFunctional } from '../../backbones/rebuild.js';
import { isFunctionalJson, type KerasModelJson } from '../../backbones/topology.js';
import { badUsage } from '../../errors.js';
import { isBatchNorm } from '../../train/batchnorm.js';
import { isHeadLayer, splitBlocks } from '../freeze/index.js';
import { insertAdapters } from './adapters.js';
import { LORA_CLASS_OF, type LoraBaseClass } from './lora-layers.js';
import { DEFAULT_LORA_RANK, type PeftModel, type PeftOptions, type PeftSummary } from './types.js';

/** Weights BitFit trains: biases and BatchNorm's affine parameters. */
const BITFIT_WEIGHT = /\/(bias|gamma|beta)$/;

const paramsOf = (weights: readonly tf.LayerVariable[]) =>
  weights.reduce((n, w) => n + w.shape.reduce<number>((a, d) => a * (d ?? 1), 1), 0);

/** `json` with every body Conv2D and Dense turned into its LoRA class; the converted names. */
function convertToLora(
  json: KerasModelJson,
  isHead: (name: string) => boolean,
  lora: { rank: number; alpha: number; seed: number },
): string[] {
  const converted: string[] = [];
  json.config.layers.forEach((layer, i) => {
    const loraClass = LORA_CLASS_OF[layer.class_name as LoraBaseClass];
    if (!loraClass || isHead(layer.name)) return;
    layer.class_name = loraClass;
    Object.assign(layer.config, {
      lora_rank: lora.rank,
      lora_alpha: lora.alpha,
      lora_seed: lora.seed + i,
    });
    converted.push(layer.name);
  });
  return converted;
}

/** Writes each of `target`'s weights that `source` has under the same name (shapes checked). */
export function copyWeightsByName(source: tf.LayersModel, target: tf.LayersModel): Set<string> {
  const byName = new Map(source.weights.map((w) => [w.originalName, w]));
  const copied = new Set<string>();
  for (const w of target.weights) {
    const from = byName.get(w.originalName);
    if (!from) continue;
    if (!tf.util.arraysEqual(from.shape as number[], w.shape as number[]))
      throw new Error(
        `peft: weight ${w.originalName} is [${from.shape}] in the base, [${w.shape}] after the edit`,
      );
    w.write(from.read());
    copied.add(w.originalName);
  }
  return copied;
}

/** Sets what trains: the head fully, the PEFT weights, nothing else; BatchNorm statistics fixed. */
function markTrainable(
  model: tf.LayersModel,
  options: PeftOptions,
  isHead: (name: string) => boolean,
  peftLayers: ReadonlySet<string>,
): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if ((layer as unknown as { layers?: unknown }).layers)
      throw badUsage(
        `peft: layer ${layer.name} is a nested model; PEFT works on flat (functional) models`,
      );
    if (isHead(layer.name)) {
      layer.trainable = true;
      continue;
    }
    if (options.method === 'bitfit') {
      const trains = layer.weights.filter((w) => BITFIT_WEIGHT.test(w.originalName));
      layer.trainable = trains.length > 0;
      for (const w of layer.weights) w.trainable = trains.includes(w);
      if (isBatchNorm(layer)) freezeStatistics(layer);
    } else layer.trainable = peftLayers.has(layer.name);
  }
}

/**
 * The model rebuilt for `options.method`, its trainable weight names (the PEFT weights and the
 * head: what a delta bundle stores) and a summary with parameter counts. `model` is left as is.
 */
export async function applyPeft(model: tf.LayersModel, options: PeftOptions): Promise<PeftModel> {
  const rank = options.rank ?? DEFAULT_LORA_RANK;
  const alpha = options.alpha ?? rank;
  if (options.method === 'lora' && (!Number.isInteger(rank) || rank < 1 || !(alpha > 0)))
    throw badUsage(`peft: LoRA needs an integer rank >= 1 and alpha > 0 (got ${rank}, ${alpha})`);
  const source = asFunctional(model);
  const json = source.toJSON(null, false);
  if (!isFunctionalJson(json))
    throw badUsage(`peft: model '${model.name}' is not a Keras functional or sequential model`);
  const isHead = (name: string) => isHeadLayer(name, options.headLayers);
  let layers: string[] = [];
  let skipped: PeftSummary['skipped'] = [];
  if (options.method === 'lora') {
    layers = convertToLora(json, isHead, { rank, alpha, seed: options.seed ?? 0 });
  } else if (options.method === 'adapter') {
    const blocks = splitBlocks(source, options.blocks, { headLayers: options.headLayers });
    ({ adapters: layers, skipped } = insertAdapters(json, source, blocks));
  }
  if (options.method !== 'bitfit' && layers.length === 0)
    throw badUsage(
      `peft: ${options.method} found nothing to apply to in '${model.name}'` +
        (skipped.length ? ` (${skipped.map((s) => `${s.block}: ${s.reason}`).join('; ')})` : ''),
    );
  const rebuilt = await tf.models.modelFromJSON({ modelTopology: json as never });
  copyWeightsByName(source, rebuilt);
  markTrainable(rebuilt, options, isHead, new Set(layers));
  const trainable = rebuilt.trainableWeights;
  const headWeights = rebuilt.layers.filter((l) => isHead(l.name)).flatMap((l) => l.weights);
  const baseParams = source.countParams();
  const trainableParams = paramsOf(trainable);
  return {
    model: rebuilt,
    trainableWeights: trainable.map((w) => w.originalName),
    summary: {
      method: options.method,
      ...(options.method === 'lora' ? { rank, alpha } : {}),
      baseParams,
      addedParams: rebuilt.countParams() - baseParams,
      trainableParams,
      headParams: paramsOf(headWeights),
      fraction: trainableParams / baseParams,
      layers,
      skipped,
    },
  };
}

/** One line for logs: "lora r=8 α=8: 1.23% of 2.3M parameters train (…)". */
export function describePeft(s: PeftSummary): string {
  const what =
    s.method === 'lora'
      ? `lora r=${s.rank} alpha=${s.alpha} on ${s.layers.length} conv/dense layers`
      : s.method === 'adapter'
        ? `${s.layers.length} residual adapters${s.skipped.length ? ` (${s.skipped.length} blocks without)` : ''}`
        : 'bitfit (biases and BatchNorm gamma/beta)';
  return `${what}: ${s.trainableParams} of ${s.baseParams + s.addedParams} parameters train (${(100 * s.fraction).toFixed(2)}% of the base model's ${s.baseParams}; head ${s.headParams})`;
}

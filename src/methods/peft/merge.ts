// mergePeft: LoRA folded into plain Conv2D / Dense layers of the same names, kernel
// W + (α / r)·A·B, so a LoRA model exports and runs as an ordinary one (bundle --merge, ONNX).
// Adapters stay: a 1×1 conv beside a block that ends in a nonlinearity or BatchNorm cannot be
// folded into it. BitFit and adapter models come back as a copy (every weight by name).
import './lora-layers.js';
import * as tf from '@tensorflow/tfjs';
import { asFunctional } from '../../backbones/rebuild.js';
import { isFunctionalJson } from '../../backbones/topology.js';
import { badUsage } from '../../errors.js';
import { copyWeightsByName } from './apply.js';
import { isLoraLayer, LORA_CONFIG_KEYS, loraBaseClass, loraKernel } from './lora-layers.js';

/** Keras JSON spells config keys in snake case. */
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A new model computing what `model` does, with every LoRA layer merged into its base class. */
export async function mergePeft(model: tf.LayersModel): Promise<tf.LayersModel> {
  const source = asFunctional(model);
  const json = source.toJSON(null, false);
  if (!isFunctionalJson(json))
    throw badUsage(`merge: model '${model.name}' is not a Keras functional or sequential model`);
  for (const layer of json.config.layers) {
    const base = loraBaseClass(layer.class_name);
    if (!base) continue;
    layer.class_name = base;
    for (const key of LORA_CONFIG_KEYS) delete layer.config[snake(key)];
  }
  const merged = await tf.models.modelFromJSON({ modelTopology: json as never });
  copyWeightsByName(source, merged);
  for (const layer of source.layers) {
    if (!isLoraLayer(layer)) continue;
    const kernel = merged
      .getLayer(layer.name)
      .weights.find((w) => /\/kernel$/.test(w.originalName));
    if (!kernel || !layer.loraA || !layer.loraB)
      throw new Error(`merge: LoRA layer ${layer.name} has no kernel, A or B`);
    const base = layer.weights.find((w) => w.originalName === kernel.originalName)!;
    tf.tidy(() => {
      kernel.write(loraKernel(base.read(), layer.loraA!.read(), layer.loraB!.read(), layer.scale));
    });
  }
  for (const layer of merged.layers) layer.trainable = source.getLayer(layer.name).trainable;
  return merged;
}

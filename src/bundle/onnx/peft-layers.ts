// LoRA layers (methods/peft/lora-layers.ts) exported as the plain layer they came from, with the
// merged kernel W + (α / r)·A·B: ONNX gets one Conv / Gemm per layer, as for a merged model,
// without rebuilding the model first. (Adapters are a plain Conv2D and Add and need nothing.)
import * as tf from '@tensorflow/tfjs';
import { LORA_CLASS_OF, type LoraLayer, loraKernel } from '../../methods/peft/lora-layers.js';
import type { ExportContext, LayerConverter, Weight } from './context.js';
import { SPATIAL_CONVERTERS } from './spatial-layers.js';
import { TENSOR_CONVERTERS } from './tensor-layers.js';

/** The layer's weights with its kernel merged and A, B left out. */
function mergedWeights(ctx: ExportContext, layer: LoraLayer): Map<string, Weight> {
  const weights = ctx.weights(layer);
  const kernel = weights.get('kernel')!;
  const values = tf.tidy(
    () =>
      loraKernel(
        tf.tensor(kernel.values, kernel.shape),
        layer.loraA!.read(),
        layer.loraB!.read(),
        layer.scale,
      ).dataSync() as Float32Array,
  );
  weights.set('kernel', { shape: kernel.shape, values });
  weights.delete('lora_a');
  weights.delete('lora_b');
  return weights;
}

/** `plain`'s conversion, reading the merged weights of the layer it converts. */
function merged(plain: LayerConverter): LayerConverter {
  return (ctx, layer, config, inputs, outputShape) => {
    const view = Object.create(ctx) as ExportContext;
    view.weights = (l) => (l === layer ? mergedWeights(ctx, l as LoraLayer) : ctx.weights(l));
    return plain(view, layer, config, inputs, outputShape);
  };
}

export const PEFT_CONVERTERS: Record<string, LayerConverter> = {
  [LORA_CLASS_OF.Conv2D]: merged(SPATIAL_CONVERTERS.Conv2D!),
  [LORA_CLASS_OF.Dense]: merged(TENSOR_CONVERTERS.Dense!),
};

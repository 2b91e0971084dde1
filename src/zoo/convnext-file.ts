// Keras's ConvNeXt weight file in the layout the architecture built in code takes
// (backbones/convnext-arch.ts). Keras builds the stem and each downsampling step as nested
// Sequential models, so the file holds each as one layer whose weights belong to two inner layers
// (`convnext_tiny_stem` → `convnext_tiny_stem_conv/kernel:0`, …): they are split into those layers.
// Its depthwise convs are Conv2D(groups = channels), kernel [k, k, 1, C]: tfjs's depthwise kernel
// [k, k, C, 1] holds the same values in the same order, so only the shape changes.
import type { KerasArray, KerasLayerWeights } from './keras-h5.js';

/** The layer a weight belongs to, from its name (`outer/inner/kernel:0` → `inner`). */
const ownerOf = (w: KerasArray) => w.name.split('/').at(-2);

/** Each nested model's layer split into the layers its weights belong to, in order. */
export function flattenNested(layers: KerasLayerWeights[]): KerasLayerWeights[] {
  return layers.flatMap((l) => {
    const owners = [...new Set(l.weights.map(ownerOf))];
    if (owners.length < 2 || owners.includes(undefined)) return [l];
    return owners.map((owner) => ({
      layer: owner!,
      weights: l.weights.filter((w) => ownerOf(w) === owner),
    }));
  });
}

/** Grouped-conv kernels [k, k, 1, C] of `*_depthwise_conv` layers as depthwise [k, k, C, 1]. */
export function groupedToDepthwise(layers: KerasLayerWeights[]): KerasLayerWeights[] {
  return layers.map((l) => {
    const [kernel, ...rest] = l.weights;
    const [kh, kw, one, c] = kernel?.shape ?? [];
    if (!l.layer.endsWith('_depthwise_conv') || kernel!.shape.length !== 4 || one !== 1) return l;
    return { ...l, weights: [{ ...kernel!, shape: [kh!, kw!, c!, 1] }, ...rest] };
  });
}

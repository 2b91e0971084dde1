// `--layer a+b`: the pooled outputs of several body layers, concatenated in the order named. One
// spelling everywhere (CLI, config, bundle meta, cache key), so a spec is a plain string.

/** The separator between layer names in a combined spec. */
export const LAYER_JOIN = '+';

/** The layer names of a spec ('block_12_add+out_relu' → two names). */
export function layersOfSpec(spec: string): string[] {
  return spec.split(LAYER_JOIN).map((s) => s.trim());
}

/** The spec naming `layers`, pooled and concatenated in this order. */
export function layerSpec(layers: readonly string[]): string {
  return layers.join(LAYER_JOIN);
}

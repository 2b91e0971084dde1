// Edits a Keras functional-model config (the JSON in model.json / model.toJSON()) without
// building it: cut the graph at a layer and change the square input size. Working on the JSON
// lets pretrained weights load straight into the edited body (no build-then-rebuild).
import { badUsage } from '../errors.js';

/** One layer entry of a Keras functional config. */
export interface KerasLayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** A Keras functional config: `{ class_name: 'Model' | 'Functional', config: { layers, ... } }`. */
export interface KerasModelJson {
  class_name: string;
  config: {
    name?: string;
    layers: KerasLayerJson[];
    input_layers: [string, number, number][];
    output_layers: [string, number, number][];
  };
  [key: string]: unknown;
}

export interface TopologyEdit {
  /** Keep only this layer and what it depends on; it becomes the single output. */
  cut?: string;
  /** New square input size (height = width); channels are kept. */
  inputSize?: number;
}

/** Names of the layers a node list refers to (Keras 2 format: [[[name, node, tensor, kwargs], ...], ...]). */
export function inboundLayerNames(layer: KerasLayerJson): string[] {
  const names: string[] = [];
  for (const node of layer.inbound_nodes) {
    if (!Array.isArray(node)) continue;
    for (const ref of node) {
      if (Array.isArray(ref) && typeof ref[0] === 'string') names.push(ref[0]);
    }
  }
  return names;
}

export function isFunctionalJson(json: unknown): json is KerasModelJson {
  const j = json as KerasModelJson | undefined;
  return (
    !!j &&
    typeof j === 'object' &&
    (j.class_name === 'Model' || j.class_name === 'Functional') &&
    Array.isArray(j.config?.layers) &&
    Array.isArray(j.config?.input_layers)
  );
}

/** Returns an edited deep copy; throws badUsage naming the layer when the cut is unknown. */
export function editTopology(json: KerasModelJson, edit: TopologyEdit): KerasModelJson {
  const out = structuredClone(json);
  const cfg = out.config;
  if (edit.cut !== undefined) {
    const byName = new Map(cfg.layers.map((l) => [l.name, l]));
    if (!byName.has(edit.cut)) {
      const names = cfg.layers.map((l) => l.name);
      throw badUsage(
        `cut: no layer named '${edit.cut}' (layers: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})`,
      );
    }
    const keep = new Set<string>();
    const stack = [edit.cut];
    while (stack.length) {
      const name = stack.pop() as string;
      if (keep.has(name)) continue;
      keep.add(name);
      const layer = byName.get(name);
      if (layer) stack.push(...inboundLayerNames(layer));
    }
    cfg.layers = cfg.layers.filter((l) => keep.has(l.name));
    cfg.input_layers = cfg.input_layers.filter((ref) => keep.has(ref[0]));
    cfg.output_layers = [[edit.cut, 0, 0]];
  }
  if (edit.inputSize !== undefined) {
    for (const ref of cfg.input_layers) {
      const layer = cfg.layers.find((l) => l.name === ref[0]);
      const shape = layer?.config.batch_input_shape as (number | null)[] | undefined;
      if (!layer || !Array.isArray(shape) || shape.length !== 4) {
        throw badUsage(
          `input layer '${ref[0]}' is not an image input [batch, height, width, channels]`,
        );
      }
      layer.config.batch_input_shape = [shape[0], edit.inputSize, edit.inputSize, shape[3]];
    }
    // Layers that were first in a Sequential keep their old input shape and would warn; drop it.
    const inputs = new Set(cfg.input_layers.map((ref) => ref[0]));
    for (const layer of cfg.layers)
      if (!inputs.has(layer.name)) delete layer.config.batch_input_shape;
  }
  return out;
}

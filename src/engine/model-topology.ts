// A Keras topology from a file, checked before tfjs-layers builds it: every class it names must
// be one this process can build (else tfjs fails deep inside, as if it were a bug), and the layer
// graph of each functional model must be buildable — tfjs's builder loops forever on a node
// whose input never appears (a missing layer, a cycle, a node index that does not exist).
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Calls `visit` on every object in `node` with where it is, depth first. */
function walk(node: unknown, at: string, visit: (obj: Json, at: string) => void): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) walk(item, `${at}[${i}]`, visit);
  } else if (isObject(node)) {
    visit(node, at);
    for (const [key, value] of Object.entries(node)) walk(value, `${at}.${key}`, visit);
  }
}

/** [layer name, node index] of a Keras inbound or output reference, or why it is malformed. */
function reference(ref: unknown): [string, number] | undefined {
  if (!Array.isArray(ref) || typeof ref[0] !== 'string') return undefined;
  const node = ref[1] ?? 0;
  return Number.isInteger(node) && node >= 0 ? [ref[0], node] : undefined;
}

/**
 * Replays tfjs's functional builder on counts only: a layer's n-th inbound node can be made once
 * each layer it reads has made the node it names. Returns the first node that never can.
 */
function unbuildable(config: Json): string | undefined {
  const layers = Array.isArray(config.layers) ? config.layers.filter(isObject) : [];
  const made = new Map<string, number>();
  const pending = new Map<string, unknown[]>();
  for (const layer of layers) {
    const name = String(layer.name ?? (layer.config as Json | undefined)?.name ?? '');
    const inbound = Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : [];
    made.set(name, layer.class_name === 'InputLayer' && inbound.length === 0 ? 1 : 0);
    pending.set(name, [...inbound]);
  }
  const ready = (ref: unknown) => {
    const r = reference(ref);
    return r !== undefined && (made.get(r[0]) ?? 0) > r[1];
  };
  for (let progress = true; progress; ) {
    progress = false;
    for (const [name, nodes] of pending) {
      while (nodes.length > 0 && Array.isArray(nodes[0]) && nodes[0].every(ready)) {
        nodes.shift();
        made.set(name, (made.get(name) ?? 0) + 1);
        progress = true;
      }
    }
  }
  for (const [name, nodes] of pending) {
    if (nodes.length === 0) continue;
    const inputs = Array.isArray(nodes[0]) ? nodes[0] : [nodes[0]];
    const missing = inputs.find((ref) => !ready(ref));
    return `layer '${name}' reads ${JSON.stringify(missing)}, which no layer produces (a missing layer, a cycle or a node that does not exist)`;
  }
  for (const key of ['input_layers', 'output_layers']) {
    const refs = config[key];
    if (!Array.isArray(refs)) return `${key} is not a list`;
    const missing = refs.find((ref) => !ready(ref));
    if (missing !== undefined)
      return `${key} names ${JSON.stringify(missing)}, which no layer produces`;
  }
  return undefined;
}

const FUNCTIONAL = new Set(['Model', 'Functional']);

/**
 * Refuses a topology naming a class this process cannot build (an unknown or unregistered layer,
 * initializer, constraint…) or a functional graph that cannot be built: BAD_INPUT naming `file`,
 * the class or layer, and where in the topology it is.
 */
export function checkTopology(topology: Json, file: string): void {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  walk(topology, 'modelTopology', (obj, at) => {
    const name = obj.class_name;
    if (typeof name !== 'string' || !('config' in obj)) return;
    if (!(name in known))
      throw badInput(
        `${file}: unknown layer class '${name}' (at ${at}); it is neither a TF.js class nor one visiontune registers`,
      );
    if (!FUNCTIONAL.has(name)) return;
    if (!isObject(obj.config) || !Array.isArray(obj.config.layers))
      throw badInput(`${file}: ${at}: a ${name} needs a config with a list of layers`);
    const problem = unbuildable(obj.config);
    if (problem) throw badInput(`${file}: ${at}: ${problem}`);
  });
}

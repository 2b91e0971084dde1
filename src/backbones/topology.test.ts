import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { editTopology, type KerasModelJson } from './topology.js';

function chain(): KerasModelJson {
  const layer = (name: string, from?: string, config: Record<string, unknown> = {}) => ({
    name,
    class_name: from ? 'Dense' : 'InputLayer',
    config: { name, ...config },
    inbound_nodes: from ? [[[from, 0, 0, {}]]] : [],
  });
  return {
    class_name: 'Model',
    config: {
      name: 'm',
      layers: [
        layer('in', undefined, { batch_input_shape: [null, 224, 224, 3] }),
        layer('a', 'in'),
        layer('b', 'a'),
        layer('head', 'b'),
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['head', 0, 0]],
    },
  };
}

test('cut keeps the layer and its ancestors and makes it the output', () => {
  const out = editTopology(chain(), { cut: 'a' });
  assert.deepEqual(
    out.config.layers.map((l) => l.name),
    ['in', 'a'],
  );
  assert.deepEqual(out.config.output_layers, [['a', 0, 0]]);
});

test('inputSize changes only height and width of the input', () => {
  const src = chain();
  const out = editTopology(src, { inputSize: 96 });
  assert.deepEqual(out.config.layers[0].config.batch_input_shape, [null, 96, 96, 3]);
  assert.deepEqual(
    src.config.layers[0].config.batch_input_shape,
    [null, 224, 224, 3],
    'source untouched',
  );
});

test('unknown cut layer is a usage error naming the layer', () => {
  assert.throws(
    () => editTopology(chain(), { cut: 'nope' }),
    (e: unknown) =>
      e instanceof VisiontuneError && e.code === 'BAD_USAGE' && e.message.includes("'nope'"),
  );
});

test('a Sequential-style stale input shape on a non-input layer is dropped on resize', () => {
  const src = chain();
  src.config.layers[1].config.batch_input_shape = [null, 224, 224, 3];
  const out = editTopology(src, { inputSize: 64 });
  assert.equal(out.config.layers[1].config.batch_input_shape, undefined);
});

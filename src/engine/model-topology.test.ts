import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTopology } from './model-topology.js';

const input = {
  class_name: 'InputLayer',
  name: 'in',
  config: { name: 'in', batch_input_shape: [null, 4] },
  inbound_nodes: [],
};
const dense = (name: string, from: string, node = 0) => ({
  class_name: 'Dense',
  name,
  config: { name, units: 2 },
  inbound_nodes: [[[from, node, 0, {}]]],
});
const functional = (layers: unknown[], output = 'd') => ({
  class_name: 'Functional',
  config: { name: 'm', layers, input_layers: [['in', 0, 0]], output_layers: [[output, 0, 0]] },
});

test('a buildable functional topology passes', () => {
  checkTopology(functional([input, dense('d', 'in')]), 'm.json');
  checkTopology(functional([input, dense('a', 'in'), dense('d', 'a')]), 'm.json');
});

test('an unknown class is refused naming the file, the class and where it is', () => {
  const layers = [input, { ...dense('d', 'in'), class_name: 'FancyLayer' }];
  assert.throws(
    () => checkTopology(functional(layers), 'b/model.json'),
    /b\/model\.json: unknown layer class 'FancyLayer' \(at modelTopology\.config\.layers\[1\]\)/,
  );
  const initializer = { ...dense('d', 'in') };
  initializer.config = {
    ...initializer.config,
    kernel_initializer: { class_name: 'Evil', config: {} },
  } as typeof initializer.config;
  assert.throws(() => checkTopology(functional([input, initializer]), 'm'), /'Evil'/);
});

test('graphs tfjs would loop on forever are refused (missing layer, cycle, missing node)', () => {
  assert.throws(
    () => checkTopology(functional([input, dense('d', 'nope')]), 'm'),
    /layer 'd' reads \["nope"/,
  );
  assert.throws(
    () => checkTopology(functional([input, dense('a', 'd'), dense('d', 'a')]), 'm'),
    /no layer produces/,
  );
  assert.throws(
    () => checkTopology(functional([input, dense('d', 'in', 3)]), 'm'),
    /no layer produces/,
  );
  assert.throws(
    () => checkTopology(functional([input, dense('d', 'in')], 'ghost'), 'm'),
    /output_layers names \["ghost"/,
  );
  assert.throws(
    () => checkTopology({ class_name: 'Functional', config: { layers: 'x' } }, 'm'),
    /needs a config with a list of layers/,
  );
});

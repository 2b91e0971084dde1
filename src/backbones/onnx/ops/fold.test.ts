// Mask and shape arithmetic on constants folds at import (Swin's attention masks, ViT's Expand of
// the class token's shape): Range, Mod, Equal, Not, Cast, ConstantOfShape, ScatterND, Where, Pow,
// Expand, each against the values written out here, the result added to the input.
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertOutput, graphModel, normals, type TestNode } from '../test-graph.js';

const [N, C, H, W] = [2, 3, 4, 5];
const DIMS = [N, C, H, W];
const X = normals(N * C * H * W, 31);
const int64 = (name: string, dims: number[], values: number[]) => ({
  name,
  dims,
  values,
  int64: true,
});

test('Range, Mod, Equal, Not, Cast, ConstantOfShape, ScatterND, Where, Pow, Expand fold', async () => {
  await tf.setBackend('cpu');
  const fill = { tensor: { name: 'fill', dims: [1], values: [2.5] } };
  const nodes: TestNode[] = [
    { opType: 'Range', inputs: ['zero', 'five', 'one'], outputs: ['r'] }, // 0 1 2 3 4
    { opType: 'Mod', inputs: ['r', 'two'], outputs: ['m'] }, // 0 1 0 1 0
    { opType: 'Equal', inputs: ['m', 'zero'], outputs: ['even'] }, // 1 0 1 0 1
    { opType: 'Not', inputs: ['even'], outputs: ['odd'] }, // 0 1 0 1 0
    { opType: 'Cast', inputs: ['odd'], outputs: ['oddf'], attrs: { to: 1 } },
    { opType: 'ConstantOfShape', inputs: ['width'], outputs: ['z'], attrs: { value: fill } },
    { opType: 'ScatterND', inputs: ['z', 'at', 'updates'], outputs: ['s'] }, // 2.5 7 2.5 -1 2.5
    { opType: 'Where', inputs: ['even', 's', 'oddf'], outputs: ['w'] }, // 2.5 1 2.5 1 2.5
    { opType: 'Pow', inputs: ['w', 'twof'], outputs: ['p'] },
    { opType: 'Mul', inputs: ['r', 'neg'], outputs: ['rn'] }, // 0 -1 -2 -3 -4 (int)
    { opType: 'Cast', inputs: ['rn'], outputs: ['rnf'], attrs: { to: 1 } },
    { opType: 'Add', inputs: ['p', 'rnf'], outputs: ['q'] },
    { opType: 'Expand', inputs: ['q', 'shape'], outputs: ['e'] },
    { opType: 'Add', inputs: ['x', 'e'], outputs: ['y'] },
  ];
  const bytes = graphModel(DIMS, nodes, [
    int64('zero', [], [0]),
    int64('five', [], [5]),
    int64('one', [], [1]),
    int64('two', [], [2]),
    int64('neg', [], [-1]),
    int64('width', [1], [W]),
    int64('at', [2, 1], [1, 3]),
    { name: 'updates', dims: [2], values: [7, -1] },
    { name: 'twof', dims: [], values: [2] },
    int64('shape', [4], [1, 1, H, W]),
  ]);
  const column = [2.5 ** 2, 1 - 1, 2.5 ** 2 - 2, 1 - 3, 2.5 ** 2 - 4];
  const want = X.map((v, i) => v + column[i % W]);
  assertOutput('folded mask', bytes, { x: X, dims: DIMS }, { y: want, shape: DIMS });
});

// The operators of the transformer and CNN families beyond plain convnets, on hand-built graphs,
// against the same computation written in the ONNX (NCHW) view with tfjs ops: ShuffleNet's
// channel shuffle (Reshape to 5-D, Transpose) with at most one data-moving layer, ConvNeXt's
// LayerNorm over the last axis after a Transpose (ReduceMean, Sub, Pow, Sqrt, Div, Erf, MatMul),
// attention (MatMul of computed values, Softmax, Einsum, heads merged with the batch), Slice and
// Gather of computed values, Squeeze/Unsqueeze, other reductions, Pad off the image axes, Resize
// (tf.image's resizes against ONNX's coordinate modes; PyTorch's own numbers are the FCN, LR-ASPP
// and FPN fixtures').
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {
  assertOutput,
  convertBytes,
  graphModel,
  type Initializer,
  normals,
  singleNodeModel,
  type TestNode,
} from '../test-graph.js';

const [N, C, H, W] = [2, 6, 4, 5];
const DIMS = [N, C, H, W];
const X = normals(N * C * H * W, 5);
const int64 = (name: string, values: number[]): Initializer => ({
  name,
  dims: [values.length],
  values,
  int64: true,
});
const scalar = (name: string, value: number): Initializer => ({ name, dims: [], values: [value] });

/** Asserts the converted graph computes `reference` of the NCHW input (a tfjs expression). */
function matches(
  label: string,
  bytes: Uint8Array,
  reference: (x: tf.Tensor4D) => tf.Tensor,
  dims = DIMS,
  x = X,
) {
  const want = tf.tidy(() => {
    const y = reference(tf.tensor4d(x, dims as [number, number, number, number]));
    return { y: Array.from(y.dataSync()), shape: y.shape };
  });
  assertOutput(label, bytes, { x, dims }, want, 1e-5);
}

const permutes = (model: tf.LayersModel) =>
  model.layers.filter((l) => ['Permute', 'VisiontuneOnnxTranspose'].includes(l.getClassName()))
    .length;

test('channel shuffle: Reshape to 5-D, Transpose, Reshape back, with one permute at most', async () => {
  await tf.setBackend('cpu');
  const nodes: TestNode[] = [
    { opType: 'Reshape', inputs: ['x', 'split'], outputs: ['a'] },
    { opType: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: [0, 2, 1, 3, 4] } },
    { opType: 'Reshape', inputs: ['b', 'merge'], outputs: ['c'] },
    { opType: 'Relu', inputs: ['c'], outputs: ['y'] },
  ];
  const bytes = graphModel(DIMS, nodes, [int64('split', [N, 2, 3, H, W]), int64('merge', DIMS)]);
  matches('shuffle', bytes, (x) =>
    tf.relu(tf.reshape(tf.transpose(tf.reshape(x, [N, 2, 3, H, W]), [0, 2, 1, 3, 4]), DIMS)),
  );
  assert.ok(permutes(convertBytes(bytes)) <= 1);
});

test('LayerNorm over the last axis after a Transpose, GELU via Erf, MatMul on 4-D, Transpose back', async () => {
  await tf.setBackend('cpu');
  const weight = { name: 'w', dims: [C, 3], values: normals(C * 3, 6) };
  const nodes: TestNode[] = [
    { opType: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
    { opType: 'ReduceMean', inputs: ['t'], outputs: ['m'], attrs: { axes: [-1] } },
    { opType: 'Sub', inputs: ['t', 'm'], outputs: ['d'] },
    { opType: 'Pow', inputs: ['d', 'two'], outputs: ['d2'] },
    { opType: 'ReduceMean', inputs: ['d2'], outputs: ['v'], attrs: { axes: [-1] } },
    { opType: 'Add', inputs: ['v', 'eps'], outputs: ['ve'] },
    { opType: 'Sqrt', inputs: ['ve'], outputs: ['s'] },
    { opType: 'Div', inputs: ['d', 's'], outputs: ['n'] },
    { opType: 'MatMul', inputs: ['n', 'w'], outputs: ['p'] },
    { opType: 'Erf', inputs: ['p'], outputs: ['e'] },
    { opType: 'Transpose', inputs: ['e'], outputs: ['y'], attrs: { perm: [0, 3, 1, 2] } },
  ];
  const bytes = graphModel(DIMS, nodes, [scalar('two', 2), scalar('eps', 1e-6), weight]);
  matches('layernorm', bytes, (x) => {
    const t = tf.transpose(x, [0, 2, 3, 1]);
    const d = tf.sub(t, tf.mean(t, -1, true));
    const n = tf.div(d, tf.sqrt(tf.add(tf.mean(tf.square(d), -1, true), 1e-6)));
    const p = tf.matMul(tf.reshape(n, [-1, C]), tf.tensor2d(weight.values, [C, 3]));
    return tf.transpose(tf.erf(tf.reshape(p, [N, H, W, 3])), [0, 3, 1, 2]);
  });
});

/** Tokens [T, B, D] → heads merged with the batch, as torch's multi_head_attention_forward. */
test('attention with the batch moved and merged with the heads: MatMul, Softmax, Einsum', async () => {
  await tf.setBackend('cpu');
  const [T, D, heads] = [H * W, C, 2];
  const d = D / heads;
  const nodes: TestNode[] = [
    { opType: 'Reshape', inputs: ['x', 'tokens'], outputs: ['a'] }, // [B, D, T]
    { opType: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: [2, 0, 1] } }, // [T,B,D]
    { opType: 'Reshape', inputs: ['b', 'split'], outputs: ['q'] }, // [T, B·heads, d]
    { opType: 'Transpose', inputs: ['q'], outputs: ['q1'], attrs: { perm: [1, 0, 2] } },
    { opType: 'Transpose', inputs: ['q'], outputs: ['kT'], attrs: { perm: [1, 2, 0] } },
    { opType: 'MatMul', inputs: ['q1', 'kT'], outputs: ['s'] }, // [B·heads, T, T]
    { opType: 'Softmax', inputs: ['s'], outputs: ['p'], attrs: { axis: -1 } },
    {
      opType: 'Einsum',
      inputs: ['p', 'q1'],
      outputs: ['o'],
      attrs: { equation: 'b i j, b j d -> b i d' },
    },
    { opType: 'Transpose', inputs: ['o'], outputs: ['o1'], attrs: { perm: [1, 0, 2] } }, // [T, B·h, d]
    { opType: 'Reshape', inputs: ['o1', 'merge'], outputs: ['m'] }, // [T·B, D]
    { opType: 'Reshape', inputs: ['m', 'unmerge'], outputs: ['u'] }, // [T, B, D]
    { opType: 'Transpose', inputs: ['u'], outputs: ['y'], attrs: { perm: [1, 0, 2] } }, // [B, T, D]
  ];
  const shapes = [
    int64('tokens', [N, D, T]),
    int64('split', [T, N * heads, d]),
    int64('merge', [T * N, D]),
    int64('unmerge', [T, N, D]),
  ];
  const bytes = graphModel(DIMS, nodes, shapes);
  matches('attention', bytes, (x) => {
    const q = tf.transpose(
      tf.reshape(tf.transpose(tf.reshape(x, [N, D, T]), [2, 0, 1]), [T, N * heads, d]),
      [1, 0, 2],
    );
    const p = tf.softmax(tf.matMul(q, q, false, true));
    const o = tf.reshape(tf.transpose(tf.matMul(p, q), [1, 0, 2]), [T, N, D]);
    return tf.transpose(o, [1, 0, 2]);
  });
});

test('a graph exported with a batch of 1 that merges the batch with other axes is refused', () => {
  const nodes: TestNode[] = [
    { opType: 'Reshape', inputs: ['x', 'tokens'], outputs: ['a'] }, // [1, C, H·W]
    { opType: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: [2, 0, 1] } }, // [T, 1, C]
    { opType: 'Reshape', inputs: ['b', 'heads'], outputs: ['y'] }, // [T, 1·2, C/2]
  ];
  const shapes = [int64('tokens', [1, C, H * W]), int64('heads', [H * W, 2, C / 2])];
  assert.throws(
    () => convertBytes(graphModel([1, C, H, W], nodes, shapes)),
    /node n2: Reshape \[20,1,6\] → \[20,2,3\] merges the batch with other axes, which a graph exported with a batch of 1 does not tell apart/,
  );
});

test('Slice (with steps) and Gather of computed values, Squeeze and Unsqueeze', async () => {
  await tf.setBackend('cpu');
  const sliced = singleNodeModel('Slice', DIMS, {}, [
    int64('starts', [1, 0, 1]),
    int64('ends', [5, 9, 100]),
    int64('axes', [1, 2, 3]),
    int64('steps', [2, 2, 1]),
  ]);
  matches('Slice', sliced, (x) => tf.stridedSlice(x, [0, 1, 0, 1], [N, 5, H, W], [1, 2, 2, 1]));
  const picked = graphModel(
    DIMS,
    [
      { opType: 'Gather', inputs: ['x', 'i'], outputs: ['g'], attrs: { axis: 2 } },
      { opType: 'Unsqueeze', inputs: ['g', 'axes'], outputs: ['u'] },
      { opType: 'Squeeze', inputs: ['u', 'axes'], outputs: ['y'] },
    ],
    [{ name: 'i', dims: [], values: [-1], int64: true }, int64('axes', [1])],
  );
  matches('Gather', picked, (x) => tf.squeeze(tf.slice(x, [0, 0, H - 1, 0], [N, C, 1, W]), [2]));
});

test('ReduceSum, ReduceMax, ReduceL2 without keepdims; Tanh, Exp, Neg keep the layout', async () => {
  await tf.setBackend('cpu');
  const reductions: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['ReduceSum', (x) => tf.sum(x, [1, 3])],
    ['ReduceMax', (x) => tf.max(x, [1, 3])],
    ['ReduceL2', (x) => tf.sqrt(tf.sum(tf.square(x), [1, 3]))],
  ];
  for (const [op, reference] of reductions) {
    const attrs = { keepdims: 0, ...(op === 'ReduceSum' ? {} : { axes: [1, 3] }) };
    const inputs = op === 'ReduceSum' ? ['x', 'axes'] : ['x'];
    const bytes = graphModel(
      DIMS,
      [{ opType: op, inputs, outputs: ['y'], attrs }],
      op === 'ReduceSum' ? [int64('axes', [1, 3])] : [],
    );
    matches(op, bytes, reference);
  }
  const unary = graphModel(DIMS, [
    { opType: 'Tanh', inputs: ['x'], outputs: ['a'] },
    { opType: 'Exp', inputs: ['a'], outputs: ['b'] },
    { opType: 'Neg', inputs: ['b'], outputs: ['y'] },
  ]);
  matches('Tanh Exp Neg', unary, (x) => tf.neg(tf.exp(tf.tanh(x))));
});

test('Pad off the image axes (Swin pads [B, H, W, C]) and a constant joined to the batch', async () => {
  await tf.setBackend('cpu');
  const token = { name: 'token', dims: [1, C, 1, W + 2], values: normals(C * (W + 2), 9) };
  const nodes: TestNode[] = [
    { opType: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
    { opType: 'Pad', inputs: ['t', 'pads', 'value'], outputs: ['p'] },
    { opType: 'Transpose', inputs: ['p'], outputs: ['q'], attrs: { perm: [0, 3, 1, 2] } },
    { opType: 'Expand', inputs: ['token', 'batch'], outputs: ['e'] },
    { opType: 'Concat', inputs: ['e', 'q'], outputs: ['y'], attrs: { axis: 2 } },
  ];
  const bytes = graphModel(DIMS, nodes, [
    // [B, H, W, C]: one row before, two columns after.
    int64('pads', [0, 1, 0, 0, 0, 0, 2, 0]),
    scalar('value', 0.5),
    int64('batch', [N, C, 1, W + 2]),
    token,
  ]);
  matches('Pad', bytes, (x) => {
    const padded = tf.pad(
      x,
      [
        [0, 0],
        [0, 0],
        [1, 0],
        [0, 2],
      ],
      0.5,
    );
    const tokens = tf.tile(tf.tensor4d(token.values, [1, C, 1, W + 2]), [N, 1, 1, 1]);
    return tf.concat([tokens, padded], 2);
  });
});

test('Resize: bilinear with half-pixel and align-corners coordinates, nearest with floor', async () => {
  await tf.setBackend('cpu');
  const sizes = int64('sizes', [N, C, 7, 9]);
  const cases: [Record<string, string>, (x: tf.Tensor4D) => tf.Tensor4D][] = [
    [
      { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
      (x) => tf.image.resizeBilinear(x, [7, 9], false, true),
    ],
    [
      { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
      (x) => tf.image.resizeBilinear(x, [7, 9], true),
    ],
    [
      { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      (x) => tf.image.resizeNearestNeighbor(x, [7, 9]),
    ],
  ];
  for (const [attrs, reference] of cases) {
    const bytes = graphModel(
      DIMS,
      [{ opType: 'Resize', inputs: ['x', '', '', 'sizes'], outputs: ['y'], attrs }],
      [sizes],
    );
    matches(`Resize ${attrs.coordinate_transformation_mode}`, bytes, (x) =>
      tf.transpose(reference(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D), [0, 3, 1, 2]),
    );
  }
  const upsample = graphModel(
    DIMS,
    [{ opType: 'Upsample', inputs: ['x', 'scales'], outputs: ['y'], attrs: { mode: 'nearest' } }],
    [{ name: 'scales', dims: [4], values: [1, 1, 2, 2] }],
  );
  matches('Upsample', upsample, (x) =>
    tf.transpose(
      tf.image.resizeNearestNeighbor(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, [2 * H, 2 * W]),
      [0, 3, 1, 2],
    ),
  );
});

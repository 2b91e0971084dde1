// Every native torch kernel against the cpu backend, forward and (where tfjs has a gradient)
// backward, on random inputs. Skipped, saying why, where the native engine is not built.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../backbones/batchnorm-fix.js';
import { reLU } from '../../backbones/relu-layer.js';
import { fallbackCounts, resetFallbackCounts } from './index.js';
import { agree, B, F, I, skip, status, values } from './test-support.js';

test('unary kernels match cpu (float32, and int32 where tfjs keeps the dtype)', { skip }, () => {
  const positive = new Set(['Log', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Log1p']);
  const ops: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    Abs: tf.abs,
    Neg: tf.neg,
    Exp: tf.exp,
    Log: tf.log,
    Sqrt: tf.sqrt,
    Rsqrt: tf.rsqrt,
    Square: tf.square,
    Relu: tf.relu,
    Relu6: tf.relu6,
    Sigmoid: tf.sigmoid,
    Tanh: tf.tanh,
    Floor: tf.floor,
    Ceil: tf.ceil,
    Sign: tf.sign,
    Reciprocal: tf.reciprocal,
    Softplus: tf.softplus,
    Elu: tf.elu,
    Selu: tf.selu,
    Round: tf.round,
    Sin: tf.sin,
    Cos: tf.cos,
    Log1p: tf.log1p,
    Expm1: tf.expm1,
    Erf: tf.erf,
    LeakyRelu: (x) => tf.leakyRelu(x, 0.1),
  };
  for (const [name, op] of Object.entries(ops)) {
    agree(name, [positive.has(name) ? F([3, 7], 0.1, 4) : F([3, 7], -8, 8)], op);
  }
  for (const name of ['Abs', 'Neg', 'Square', 'Sign', 'Relu'])
    agree(`${name} int32`, [I([11])], ops[name]!);
  agree('LogicalNot', [B([9])], tf.logicalNot);
  agree('Round halves to even', [F([1])], () =>
    tf.round(tf.tensor1d([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])),
  );
  for (const [name, op] of [
    ['IsNan', tf.isNaN],
    ['IsInf', tf.isInf],
    ['IsFinite', tf.isFinite],
  ] as const) {
    agree(name, [F([4])], (t) =>
      op(tf.concat([t, tf.tensor1d([Number.NaN, Infinity, -Infinity])])),
    );
  }
});

test('binary kernels match cpu with broadcasting, for each dtype tfjs sends them', { skip }, () => {
  const arith: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
    Add: tf.add,
    Sub: tf.sub,
    Multiply: tf.mul,
    RealDiv: tf.div,
    FloorDiv: tf.floorDiv,
    Maximum: tf.maximum,
    Minimum: tf.minimum,
    SquaredDifference: tf.squaredDifference,
    Equal: tf.equal,
    NotEqual: tf.notEqual,
    Less: tf.less,
    LessEqual: tf.lessEqual,
    Greater: tf.greater,
    GreaterEqual: tf.greaterEqual,
  };
  for (const [name, op] of Object.entries(arith)) {
    agree(`${name} [2,3,4]+[4]`, [F([2, 3, 4]), F([4], 0.5, 3)], op);
    agree(`${name} [1,3,1]+[2,1,5]`, [F([1, 3, 1]), F([2, 1, 5], 0.5, 3)], op);
    agree(`${name} int32`, [I([2, 6]), I([6], 1, 4)], op);
  }
  agree('Pow', [F([4, 5], 0.1, 3), F([5], -2, 2)], tf.pow);
  agree('Mod takes the sign of the divisor', [F([4, 5], -9, 9), F([5], -3, 3)], tf.mod);
  agree('Mod int32 (cpu fallback, also by zero)', [I([9], -9, 9), I([9], -3, 3)], tf.mod);
  agree('Pow int32', [I([8], 0, 4), I([8], 0, 3)], tf.pow);
  agree('Add scalar', [F([3, 3]), F([])], tf.add);
  agree('LogicalAnd', [B([2, 5]), B([5])], tf.logicalAnd);
  agree('LogicalOr', [B([2, 5]), B([2, 1])], tf.logicalOr);
});

test('reductions and arg-reductions match cpu over axes, with and without keepDims', {
  skip,
}, () => {
  const x = F([3, 4, 5]);
  for (const axis of [0, 1, -1, [0, 2], [0, 1, 2]]) {
    for (const keep of [false, true]) {
      agree(`sum ${axis} ${keep}`, [x], (t) => tf.sum(t, axis, keep));
      agree(`mean ${axis} ${keep}`, [x], (t) => tf.mean(t, axis, keep));
      agree(`max ${axis} ${keep}`, [x], (t) => tf.max(t, axis, keep));
      agree(`min ${axis} ${keep}`, [x], (t) => tf.min(t, axis, keep));
    }
  }
  agree('prod', [F([3, 4], 0.5, 1.5)], (t) => tf.prod(t, 1));
  agree('sum int32', [I([4, 6])], (t) => tf.sum(t, 1));
  agree('sum bool', [B([4, 6])], (t) => tf.sum(t, 0));
  agree('mean int32', [I([4, 6])], (t) => tf.mean(t, 1));
  agree('all', [B([4, 6])], (t) => tf.all(t, 1));
  agree('any', [B([4, 6])], (t) => tf.any(t, 0, true));
  agree('argMax', [F([4, 7])], (t) => tf.argMax(t, 1));
  agree('argMin', [F([4, 7])], (t) => tf.argMin(t, 0));
});

test('cast, reshape, transpose and identity match cpu', { skip }, () => {
  agree('float -> int32 truncates toward zero', [F([12], -5, 5)], (t) => tf.cast(t, 'int32'));
  agree('int32 -> bool', [I([12], -1, 1)], (t) => tf.cast(t, 'bool'));
  agree('bool -> float32', [B([12])], (t) => tf.cast(t, 'float32'));
  agree('reshape', [F([2, 3, 4])], (t) => tf.reshape(t, [4, -1]));
  agree('reshape of a transposed tensor', [F([2, 3, 4])], (t) =>
    tf.reshape(tf.transpose(t, [2, 0, 1]), [8, 3]),
  );
  agree('transpose', [F([2, 3, 4, 5])], (t) => tf.transpose(t, [0, 3, 1, 2]));
  agree('identity (clone)', [I([5])], (t) => tf.clone(t));
});

test('batched matmul matches cpu, with transposes and broadcast batch dims', { skip }, () => {
  agree('2d', [F([5, 7]), F([7, 3])], (a, b) => tf.matMul(a!, b!));
  agree('transposeA', [F([7, 5]), F([7, 3])], (a, b) => tf.matMul(a!, b!, true));
  agree('transposeB', [F([5, 7]), F([3, 7])], (a, b) => tf.matMul(a!, b!, false, true));
  agree('batched', [F([4, 5, 7]), F([4, 7, 2])], (a, b) => tf.matMul(a!, b!));
});

test('matmul with batch dims of different rank matches a float64 reference', { skip }, () => {
  // tfjs-cpu 4.22 gets this case wrong (half the output); check torch against plain loops.
  const [a, b] = [values(F([2, 1, 5, 7]), 1), values(F([3, 7, 2]), 2)];
  tf.setBackend('torch');
  const got = tf.tidy(() =>
    tf.matMul(tf.tensor(a, [2, 1, 5, 7]), tf.tensor(b, [3, 7, 2])).dataSync(),
  );
  let k = 0;
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      for (let r = 0; r < 5; r++) {
        for (let c = 0; c < 2; c++) {
          let sum = 0;
          for (let m = 0; m < 7; m++) sum += a[i * 35 + r * 7 + m]! * b[j * 14 + m * 2 + c]!;
          assert.ok(Math.abs(got[k++]! - sum) < 1e-4 * Math.max(1, Math.abs(sum)));
        }
      }
    }
  }
  assert.equal(k, got.length);
});

test('conv2d (NHWC) matches cpu: strides, same/valid/explicit padding, dilation', { skip }, () => {
  const conv =
    (
      strides: number,
      pad:
        | 'same'
        | 'valid'
        | [[number, number], [number, number], [number, number], [number, number]],
      dilation = 1,
    ) =>
    (x?: tf.Tensor, w?: tf.Tensor) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, 'NHWC', dilation);
  const x = F([2, 9, 8, 3]);
  const w = F([3, 3, 3, 5]);
  agree('stride 1 same', [x, w], conv(1, 'same'));
  agree('stride 2 same (asymmetric padding)', [F([1, 8, 8, 3]), w], conv(2, 'same'));
  agree('stride 2 valid', [x, w], conv(2, 'valid'));
  agree(
    'explicit padding',
    [x, w],
    conv(1, [
      [0, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ]),
  );
  agree('dilation 2', [x, w], conv(1, 'same', 2));
  agree('1x1 kernel', [x, F([1, 1, 3, 7])], conv(1, 'valid'));
  agree('2x2 kernel stride 2', [F([1, 6, 6, 4]), F([2, 2, 4, 3])], conv(2, 'same'));
});

test('depthwise and fused convolutions match cpu', { skip }, () => {
  const depthwise =
    (strides: number, pad: 'same' | 'valid', dilation = 1) =>
    (x?: tf.Tensor, w?: tf.Tensor) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, 'NHWC', dilation);
  const x = F([2, 9, 8, 3]);
  agree('depthwise multiplier 1', [x, F([3, 3, 3, 1])], depthwise(1, 'same'));
  agree('depthwise multiplier 2, stride 2 valid', [x, F([3, 3, 3, 2])], depthwise(2, 'valid'));
  agree(
    'depthwise stride 2 same (asymmetric)',
    [F([1, 8, 8, 4]), F([3, 3, 4, 1])],
    depthwise(2, 'same'),
  );
  agree('depthwise dilation 2', [x, F([3, 3, 3, 2])], depthwise(1, 'same', 2));
  for (const activation of ['linear', 'relu', 'relu6', 'sigmoid', 'leakyrelu'] as const) {
    agree(`fused conv2d + bias + ${activation}`, [x, F([3, 3, 3, 5]), F([5])], (a, w, b) =>
      tf.fused.conv2d({
        x: a as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 2,
        pad: 'same',
        bias: b,
        activation,
      }),
    );
    agree(`fused depthwise + bias + ${activation}`, [x, F([3, 3, 3, 2]), F([6])], (a, w, b) =>
      tf.fused.depthwiseConv2d({
        x: a as tf.Tensor4D,
        filter: w as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: b,
        activation,
      }),
    );
    agree(`fused matmul + bias + ${activation}`, [F([4, 6]), F([6, 3]), F([3])], (a, b, bias) =>
      tf.fused.matMul({ a: a!, b: b!, bias, activation }),
    );
  }
  agree('fused conv2d without bias', [x, F([1, 1, 3, 4])], (a, w) =>
    tf.fused.conv2d({ x: a as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid' }),
  );
});

test('batch norm, clip, select, step, fills, pad, slice and tile match cpu', { skip }, () => {
  const x = F([2, 3, 4, 5]);
  const c = F([5]);
  agree('batchNorm with scale and offset', [x, c, F([5], 0.1, 2), c, c], (a, m, v, o, s) =>
    tf.batchNorm(a!, m!, v!, o, s, 1e-3),
  );
  agree('batchNorm without scale or offset', [F([6, 5]), c, F([5], 0.1, 2)], (a, m, v) =>
    tf.batchNorm(a!, m!, v!),
  );
  agree('clipByValue', [F([4, 6], -3, 3)], (t) => tf.clipByValue(t, -1, 0.5));
  agree('where, same shapes', [B([3, 4]), F([3, 4]), F([3, 4])], (cond, a, b) =>
    tf.where(cond as tf.Tensor, a!, b!),
  );
  agree('where, broadcast condition', [B([4]), F([3, 4]), F([3, 4])], (cond, a, b) =>
    tf.where(cond as tf.Tensor, a!, b!),
  );
  agree('where int32', [B([6]), I([6]), I([6])], (cond, a, b) => tf.where(cond!, a!, b!));
  agree('step', [F([3, 5])], (t) => tf.step(t, 0.25));
  agree('step keeps NaN', [F([4])], (t) =>
    tf.step(tf.div(t, tf.zeros([4])).sub(tf.div(t, tf.zeros([4])))),
  );
  agree('zerosLike float', [F([3, 2])], tf.zerosLike);
  agree('onesLike int32', [I([3, 2])], tf.onesLike);
  agree('pad with a constant', [F([2, 3, 4])], (t) =>
    tf.pad(
      t,
      [
        [0, 1],
        [2, 0],
        [1, 3],
      ],
      0.5,
    ),
  );
  agree('pad int32', [I([3, 3])], (t) =>
    tf.pad(t, [
      [1, 1],
      [0, 2],
    ]),
  );
  agree('slice', [F([4, 5, 6])], (t) => tf.slice(t, [1, 0, 2], [2, -1, 3]));
  agree('slice bool', [B([4, 5])], (t) => tf.slice(t, [2, 1], [2, 3]));
  agree('tile', [F([2, 3])], (t) => tf.tile(t, [3, 2]));
  agree('tile int32', [I([2, 1, 3])], (t) => tf.tile(t, [1, 4, 2]));
});

test('gradients through native kernels match cpu', { skip }, () => {
  agree('conv2d grads', [F([2, 7, 7, 3]), F([3, 3, 3, 4])], (x, w) => {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
        .square()
        .mean(),
    );
    return g([x!, w!]);
  });
  agree(
    'matmul + softmax cross-entropy grads',
    [F([6, 5]), F([5, 4]), F([6, 4], 0, 1)],
    (x, w, y) => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy(y!, tf.matMul(a, b)),
      );
      return g([x!, w!]);
    },
  );
  agree(
    'conv2d stride 2 same on an even size (asymmetric padding) grads',
    [F([2, 8, 8, 3]), F([3, 3, 3, 4])],
    (x, w) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')
          .square()
          .mean(),
      )([x!, w!]),
  );
  for (const [strides, size] of [
    [1, 7],
    [2, 8],
    [2, 7],
  ] as const) {
    agree(
      `depthwise grads, stride ${strides}, size ${size}`,
      [F([2, size, size, 3]), F([3, 3, 3, 2])],
      (x, w) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, 'same')
            .square()
            .mean(),
        )([x!, w!]),
    );
  }
  agree('fused conv2d + bias + relu grads', [F([2, 6, 6, 3]), F([3, 3, 3, 4]), F([4])], (x, w, b) =>
    tf.grads((a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) =>
      tf.fused
        .conv2d({
          x: a as tf.Tensor4D,
          filter: f as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: c,
          activation: 'relu',
        })
        .square()
        .mean(),
    )([x!, w!, b!]),
  );
  agree('fused matmul + bias + relu6 grads', [F([5, 4]), F([4, 3]), F([3])], (x, w, b) =>
    tf.grads((a: tf.Tensor, f: tf.Tensor, c: tf.Tensor) =>
      tf.fused.matMul({ a, b: f, bias: c, activation: 'relu6' }).square().mean(),
    )([x!, w!, b!]),
  );
  agree(
    'batchNorm grads',
    [F([4, 3, 3, 2]), F([2]), F([2], 0.2, 2), F([2]), F([2])],
    (x, m, v, o, s) =>
      tf.grads((a: tf.Tensor, off: tf.Tensor, sc: tf.Tensor) =>
        tf.batchNorm(a, m!, v!, off, sc).square().mean(),
      )([x!, o!, s!]),
  );
  agree('elementwise chain grads', [F([3, 4], 0.2, 2)], (x) =>
    tf.grad((a: tf.Tensor) => tf.sigmoid(a).mul(tf.log(a)).add(tf.sqrt(a)).sum())(x!),
  );
});

test('pooling matches cpu, forward and gradient, with asymmetric padding and ties', {
  skip,
}, () => {
  type Pad = 'same' | 'valid';
  const cases: [number[], number, number, Pad][] = [
    // x shape, window, stride, padding
    [[2, 7, 7, 3], 3, 1, 'same'],
    [[2, 8, 8, 3], 3, 2, 'same'],
    [[1, 8, 6, 2], 2, 2, 'same'],
    [[2, 9, 9, 2], 3, 2, 'valid'],
    [[1, 7, 7, 4], 2, 1, 'valid'],
  ];
  for (const [shape, k, s, pad] of cases) {
    const label = `${shape} window ${k} stride ${s} ${pad}`;
    agree(`maxPool ${label}`, [F(shape)], (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad));
    agree(`avgPool ${label}`, [F(shape)], (x) => tf.avgPool(x as tf.Tensor4D, k, s, pad));
    agree(`maxPool grad ${label}`, [F(shape), F(shape)], (x, w) =>
      tf.grad((a: tf.Tensor) =>
        tf
          .maxPool(a as tf.Tensor4D, k, s, pad)
          .mul(tf.maxPool(w as tf.Tensor4D, k, s, pad))
          .sum(),
      )(x!),
    );
    agree(`avgPool grad ${label}`, [F(shape), F(shape)], (x, w) =>
      tf.grad((a: tf.Tensor) =>
        tf
          .avgPool(a as tf.Tensor4D, k, s, pad)
          .mul(tf.avgPool(w as tf.Tensor4D, k, s, pad))
          .sum(),
      )(x!),
    );
  }
  // After relu most windows hold tied maxima: the gradient goes to the first (row-major).
  agree('maxPool grad with ties', [F([2, 8, 8, 3], -3, 1), F([2, 4, 4, 3])], (x, dy) =>
    tf.grad((a: tf.Tensor) =>
      tf
        .maxPool(tf.relu(a) as tf.Tensor4D, 2, 2, 'same')
        .mul(dy!)
        .sum(),
    )(x!),
  );
});

test('concat and split match cpu', { skip }, () => {
  agree('concat axis 1', [F([2, 3]), F([2, 4]), F([2, 1])], (a, b, c) =>
    tf.concat([a!, b!, c!], 1),
  );
  agree('concat axis -1 of NHWC maps', [F([2, 3, 3, 2]), F([2, 3, 3, 5])], (a, b) =>
    tf.concat([a!, b!], -1),
  );
  agree('concat int32 axis 0 with an empty part', [I([2, 3]), I([0, 3]), I([1, 3])], (a, b, c) =>
    tf.concat([a!, b!, c!], 0),
  );
  agree('concat grads', [F([2, 3]), F([2, 4]), F([2, 7])], (a, b, w) =>
    tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.concat([x, y], 1).mul(w!).sum())([a!, b!]),
  );
  agree('split into sizes', [F([3, 7, 2])], (x) => tf.split(x, [2, 4, 1], 1));
  agree('split into equal parts', [I([6, 2])], (x) => tf.split(x, 3, 0));
  agree('split into sizes with -1', [F([2, 9])], (x) => tf.split(x, [2, -1, 3], -1));
});

test('softmax, oneHot, stack/unstack, gather, reverse and addN match cpu', { skip }, () => {
  agree('softmax', [F([4, 7], -6, 6)], (t) => tf.softmax(t));
  agree('softmax grad', [F([4, 7], -3, 3), F([4, 7])], (t, w) =>
    tf.grad((x: tf.Tensor) => tf.softmax(x).mul(w!).sum())(t!),
  );
  agree('oneHot int32, out of range gives a row of off', [I([7], -1, 4)], (t) => tf.oneHot(t, 4));
  agree('oneHot float32 with on/off values', [I([2, 3], 0, 2)], (t) =>
    tf.oneHot(t, 3, 0.9, 0.05, 'float32'),
  );
  agree('stack axis 0', [F([2, 3]), F([2, 3]), F([2, 3])], (a, b, c) => tf.stack([a!, b!, c!]));
  agree('stack axis -1 int32', [I([2, 3]), I([2, 3])], (a, b) => tf.stack([a!, b!], -1));
  agree('unstack axis 1', [F([2, 3, 4])], (t) => tf.unstack(t, 1));
  agree('stack grads', [F([2, 3]), F([2, 3]), F([2, 2, 3])], (a, b, w) =>
    tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.stack([x, y]).mul(w!).sum())([a!, b!]),
  );
  agree('gather axis 0', [F([5, 3]), I([4], 0, 4)], (x, i) => tf.gather(x!, i!));
  agree('gather axis 1 with 2-d indices', [F([2, 6, 3]), I([2, 2], 0, 5)], (x, i) =>
    tf.gather(x!, i!, 1),
  );
  agree('gather int32', [I([6]), I([3], 0, 5)], (x, i) => tf.gather(x!, i!));
  agree('gather grad', [F([5, 3]), I([6], 0, 4)], (x, i) =>
    tf.grad((t: tf.Tensor) => tf.gather(t, i!).square().sum())(x!),
  );
  agree('reverse axes 1 and 3', [F([2, 3, 4, 2])], (t) => tf.reverse(t, [1, 3]));
  agree('addN', [F([2, 3]), F([2, 3]), F([2, 3])], (a, b, c) => tf.addN([a!, b!, c!]));
  agree('addN int32', [I([4]), I([4])], (a, b) => tf.addN([a!, b!]));
});

test('the Select kernel takes a rank-1 condition as a row mask (TF semantics)', { skip }, () => {
  // tf.where broadcasts before calling Select, but the kernel contract also allows a rank-1
  // condition over rows. tfjs-cpu 4.22 gets it wrong (repeats t[i] across row i), so the
  // reference here is the definition.
  tf.setBackend('torch');
  const [cond, t, e] = [[1, 0, 1], values(F([3, 4]), 1), values(F([3, 4]), 2)];
  const got = tf.tidy(() =>
    (
      tf.engine().runKernel('Select', {
        condition: tf.tensor1d(cond, 'bool'),
        t: tf.tensor(t, [3, 4]),
        e: tf.tensor(e, [3, 4]),
      }) as tf.Tensor
    ).dataSync(),
  );
  const expected = Array.from({ length: 12 }, (_, k) => (cond[Math.floor(k / 4)] ? t[k] : e[k]));
  assert.deepEqual(Array.from(got), expected);
});

test('space-to-batch and batch-to-space (the atrous conv path) match cpu, with gradients', {
  skip,
}, () => {
  resetFallbackCounts();
  const pads: [number, number][] = [
    [2, 3],
    [1, 0],
  ];
  agree('spaceToBatchND', [F([2, 7, 5, 3])], (x) => tf.spaceToBatchND(x, [3, 2], pads));
  const crops: [number, number][] = [
    [1, 2],
    [0, 1],
  ];
  agree('batchToSpaceND', [F([12, 4, 3, 2])], (x) => tf.batchToSpaceND(x, [3, 2], crops));
  agree('atrous conv forward and gradients', [F([2, 9, 8, 3]), F([3, 3, 3, 4])], (x, k) => {
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const s = tf.spaceToBatchND(
        a as tf.Tensor4D,
        [2, 2],
        [
          [2, 3],
          [2, 2],
        ],
      );
      const y = tf.conv2d(s as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid');
      return tf.sum(
        tf.square(
          tf.batchToSpaceND(
            y,
            [2, 2],
            [
              [0, 1],
              [0, 0],
            ],
          ),
        ),
      );
    };
    return tf.grads(f)([x!, k!]);
  });
  for (const name of ['SpaceToBatchND', 'BatchToSpaceND'])
    assert.equal(fallbackCounts().get(name), undefined, `${name} is native`);
});

/**
 * Float64 bilinear taps of one output coordinate as tfjs's cpu kernel computes them: the
 * gradient's reference (tfjs 4.22's cpu ResizeBilinearGrad ignores halfPixelCenters and gives
 * non-square inputs a transposed shape, so it cannot be one).
 */
function taps(o: number, inSize: number, outSize: number, align: boolean, half: boolean) {
  const ratio =
    (align && outSize > 1 ? inSize - 1 : inSize) / (align && outSize > 1 ? outSize - 1 : outSize);
  const src = half ? ratio * (o + 0.5) - 0.5 : ratio * o;
  const lo = Math.max(0, Math.floor(src));
  return { lo, hi: Math.min(inSize - 1, Math.ceil(src)), frac: src - lo };
}

test('bilinear resize matches cpu in every corner/half-pixel setting; its gradient a float64 scatter', {
  skip,
}, () => {
  resetFallbackCounts();
  const settings = [
    [false, false],
    [true, false],
    [false, true],
  ] as const;
  const cases = [
    [5, 7, 20, 14],
    [9, 8, 4, 3],
    [4, 4, 4, 9],
  ] as const;
  for (const [align, half] of settings) {
    for (const [h, w, outH, outW] of cases) {
      const what = `resizeBilinear ${h}x${w} → ${outH}x${outW} align ${align} half ${half}`;
      agree(what, [F([2, h, w, 3])], (x) =>
        tf.image.resizeBilinear(x as tf.Tensor4D, [outH, outW], align, half),
      );
      // d/dx Σ resize(x)·dy: each output pixel's dy spread back over its four taps.
      const dy = values(F([2, outH, outW, 3]), 7);
      const want = new Float64Array(2 * h * w * 3);
      for (let b = 0; b < 2; b++)
        for (let r = 0; r < outH; r++) {
          const tr = taps(r, h, outH, align, half);
          for (let c = 0; c < outW; c++) {
            const tc = taps(c, w, outW, align, half);
            for (let d = 0; d < 3; d++) {
              const g = dy[((b * outH + r) * outW + c) * 3 + d];
              const at = (y: number, x: number) => ((b * h + y) * w + x) * 3 + d;
              want[at(tr.lo, tc.lo)] += g * (1 - tr.frac) * (1 - tc.frac);
              want[at(tr.lo, tc.hi)] += g * (1 - tr.frac) * tc.frac;
              want[at(tr.hi, tc.lo)] += g * tr.frac * (1 - tc.frac);
              want[at(tr.hi, tc.hi)] += g * tr.frac * tc.frac;
            }
          }
        }
      tf.setBackend('torch');
      const got = tf.tidy(() => {
        const x = tf.zeros([2, h, w, 3]);
        const weights = tf.tensor4d(dy as Float32Array, [2, outH, outW, 3]);
        const f = (a: tf.Tensor) =>
          tf.sum(
            tf.mul(tf.image.resizeBilinear(a as tf.Tensor4D, [outH, outW], align, half), weights),
          );
        return tf.grad(f)(x).dataSync();
      });
      want.forEach((v, i) => {
        assert.ok(
          Math.abs(got[i] - v) < 1e-4 * Math.max(1, Math.abs(v)),
          `${what} gradient [${i}]`,
        );
      });
    }
  }
  for (const name of ['ResizeBilinear', 'ResizeBilinearGrad'])
    assert.equal(fallbackCounts().get(name), undefined, `${name} is native`);
});

test('kernels without a native version run on cpu, and are counted', { skip }, () => {
  resetFallbackCounts();
  agree('cumsum (fallback)', [F([4, 5])], (t) => tf.cumsum(t, 1));
  assert.ok((fallbackCounts().get('Cumsum') ?? 0) >= 1, 'Cumsum counted');
  agree('einsum (fallback with an array of inputs)', [F([2, 3]), F([3, 4])], (a, b) =>
    tf.einsum('ij,jk->ik', a!, b!),
  );
  assert.ok((fallbackCounts().get('Einsum') ?? 0) >= 1, 'Einsum counted');
  assert.equal(fallbackCounts().get('Add'), undefined, 'native kernels are not counted');
  tf.setBackend('torch');
  tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])).dataSync());
  assert.equal(fallbackCounts().get('Add'), undefined);
});

test('no leaks: 200 training steps keep tensors, native memory and RSS flat; reshape shares storage', {
  skip,
}, () => {
  tf.setBackend('torch');
  const addon = status.ok ? status.addon : undefined!;
  // Conv, batch norm and ReLU6 (the fused training kernels), depthwise, pooling, dense: the
  // kernels a real training step runs.
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, activation: 'relu' }),
      batchNormalization(),
      reLU({ maxValue: 6 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 2);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
  const opt = tf.train.adam(0.01);
  const step = () =>
    opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      false,
    );
  for (let i = 0; i < 20; i++) step();
  const before = {
    tf: tf.memory().numTensors,
    native: addon.stats(),
    rss: process.memoryUsage().rss,
  };
  for (let i = 0; i < 200; i++) step();
  assert.equal(tf.memory().numTensors, before.tf);
  assert.deepEqual(addon.stats(), before.native);
  const growth = process.memoryUsage().rss / before.rss - 1;
  assert.ok(growth < 0.05, `RSS grew ${(growth * 100).toFixed(1)}% over 200 steps`);
  const big = tf.zeros([256, 256]);
  const bytes = addon.stats().bytes;
  const flat = big.reshape([-1]);
  assert.equal(addon.stats().bytes, bytes, 'a reshape adds no storage');
  tf.dispose([flat, big, x, y]);
  opt.dispose();
  model.dispose();
});

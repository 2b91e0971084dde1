// The Keras ResNet50 architecture (keras.applications.ResNet50: v1, the stride on the first 1x1
// conv of a block, biases on every conv, BatchNorm epsilon 1.001e-5), built in code with Keras's
// layer names and order, so its ImageNet weight file loads into it (zoo/keras-entries.ts).
import * as tf from '@tensorflow/tfjs';
import { initializerSeed } from '../util/init-seed.js';
import { batchNormalization } from './batchnorm-fix.js';
import type { BlockRule, FeatureTap } from './types.js';

/** [stage name, bottleneck filters, residual blocks, first stride] of ResNet50. */
const STAGES: [string, number, number, number][] = [
  ['conv2', 64, 3, 1],
  ['conv3', 128, 4, 2],
  ['conv4', 256, 6, 2],
  ['conv5', 512, 3, 2],
];

const blockNames = STAGES.flatMap(([stage, , n]) =>
  Array.from({ length: n }, (_, i) => `${stage}_block${i + 1}`),
);

/** Each stage's last block output, strides 4 to 32. */
export const resnet50Taps: FeatureTap[] = STAGES.map(([stage, filters, n], i) => ({
  stride: (4 << i) as FeatureTap['stride'],
  layer: `${stage}_block${n}_out`,
  channels: 4 * filters,
}));

/** Stem to the max pool, then each residual block, ending at its `_out`. */
export const resnet50Blocks: BlockRule = {
  stemEnd: 'pool1_pool',
  ends: blockNames.map((b) => `${b}_out`),
};

export function resnet50Body(size: number, seed: number, name: string): tf.LayersModel {
  let next = seed;
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const conv = (filters: number, kernel: number, stride: number, name: string, same = false) =>
    tf.layers.conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: same ? 'same' : 'valid',
      kernelInitializer: tf.initializers.heNormal({ seed: initializerSeed(next++) }),
      name,
    });
  const bn = (name: string) => batchNormalization({ name, epsilon: 1.001e-5, momentum: 0.99 });
  const relu = (name: string) => tf.layers.activation({ activation: 'relu', name });

  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = apply(tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input);
  x = apply(relu('conv1_relu'), apply(bn('conv1_bn'), apply(conv(64, 7, 2, 'conv1_conv'), x)));
  x = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
  for (const [stage, filters, n, firstStride] of STAGES) {
    for (let i = 1; i <= n; i++) {
      const b = `${stage}_block${i}`;
      const stride = i === 1 ? firstStride : 1;
      const shortcut =
        i === 1 ? apply(bn(`${b}_0_bn`), apply(conv(4 * filters, 1, stride, `${b}_0_conv`), x)) : x;
      let h = apply(
        relu(`${b}_1_relu`),
        apply(bn(`${b}_1_bn`), apply(conv(filters, 1, stride, `${b}_1_conv`), x)),
      );
      h = apply(
        relu(`${b}_2_relu`),
        apply(bn(`${b}_2_bn`), apply(conv(filters, 3, 1, `${b}_2_conv`, true), h)),
      );
      h = apply(bn(`${b}_3_bn`), apply(conv(4 * filters, 1, 1, `${b}_3_conv`), h));
      x = apply(relu(`${b}_out`), apply(tf.layers.add({ name: `${b}_add` }), [shortcut, h]));
    }
  }
  return tf.model({ inputs: input, outputs: x, name });
}

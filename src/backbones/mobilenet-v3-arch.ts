// The Keras MobileNetV3 Small and Large architectures (keras.applications MobileNetV3Small/Large,
// not the "minimalistic" variants), built in code with Keras's layer names and order so their
// ImageNet weight files load into them (zoo/keras-families.ts). Inverted residual blocks with
// optional squeeze-excite (hard-sigmoid gate) and ReLU or hard-swish; BatchNorm epsilon 1e-3.
// Keras's Rescaling(1/127.5, -1) input layer is the entry's [-1, 1] preprocessing; its explicit
// ZeroPadding + 'valid' at stride 2 equals TF 'same' (the odd pixel bottom/right) at every size.
import * as tf from '@tensorflow/tfjs';
import { hardSigmoid, hardSwish } from './hard-activations.js';
import { kerasKit, makeDivisible, type Sym } from './keras-kit.js';
import { reLU } from './relu-layer.js';
import type { BlockRule, FeatureTap } from './types.js';

export type MobilenetV3Size = 'small' | 'large';
type Act = 'relu' | 'hswish';
/** [expansion, output channels, kernel, stride, squeeze-excite, activation] per block. */
type Row = [number, number, number, 1 | 2, boolean, Act];

const ROWS: Record<MobilenetV3Size, Row[]> = {
  small: [
    [1, 16, 3, 2, true, 'relu'],
    [72 / 16, 24, 3, 2, false, 'relu'],
    [88 / 24, 24, 3, 1, false, 'relu'],
    [4, 40, 5, 2, true, 'hswish'],
    [6, 40, 5, 1, true, 'hswish'],
    [6, 40, 5, 1, true, 'hswish'],
    [3, 48, 5, 1, true, 'hswish'],
    [3, 48, 5, 1, true, 'hswish'],
    [6, 96, 5, 2, true, 'hswish'],
    [6, 96, 5, 1, true, 'hswish'],
    [6, 96, 5, 1, true, 'hswish'],
  ],
  large: [
    [1, 16, 3, 1, false, 'relu'],
    [4, 24, 3, 2, false, 'relu'],
    [3, 24, 3, 1, false, 'relu'],
    [3, 40, 5, 2, true, 'relu'],
    [3, 40, 5, 1, true, 'relu'],
    [3, 40, 5, 1, true, 'relu'],
    [6, 80, 3, 2, false, 'hswish'],
    [2.5, 80, 3, 1, false, 'hswish'],
    [2.3, 80, 3, 1, false, 'hswish'],
    [2.3, 80, 3, 1, false, 'hswish'],
    [6, 112, 3, 1, true, 'hswish'],
    [6, 112, 3, 1, true, 'hswish'],
    [6, 160, 5, 2, true, 'hswish'],
    [6, 160, 5, 1, true, 'hswish'],
    [6, 160, 5, 1, true, 'hswish'],
  ],
};

const EPSILON = 1e-3;
const MOMENTUM = 0.999;
const prefixOf = (block: number) => (block ? `expanded_conv_${block}_` : 'expanded_conv_');

/** Channels entering each block and leaving the last (Keras: the stem's 16, then depth(c·alpha)). */
function channels(size: MobilenetV3Size, alpha: number): number[] {
  return [16, ...ROWS[size].map(([, c]) => makeDivisible(c * alpha))];
}

/** Channels of the last 1x1 conv (the body's output): 6× the last block's. */
export const mobilenetV3Channels = (size: MobilenetV3Size, alpha: number) =>
  makeDivisible(channels(size, alpha).at(-1)! * 6);

/**
 * The tap at each stride, as graph.ts findTaps finds it at 224 px: the expand activation of the
 * block that next halves the resolution (as MobileNetV2's expand_relu taps), and the output.
 */
export function mobilenetV3Taps(size: MobilenetV3Size, alpha: number): FeatureTap[] {
  const c = channels(size, alpha);
  const rows = ROWS[size];
  // Stride after the stem is 2; each stride-2 block doubles it.
  let stride = 2;
  const taps: FeatureTap[] = [];
  rows.forEach(([t, , , s], block) => {
    if (s === 2 && stride >= 4)
      taps.push({
        stride: stride as FeatureTap['stride'],
        layer: `${prefixOf(block)}expand_act`,
        channels: makeDivisible(c[block]! * t),
      });
    stride *= s;
  });
  return [...taps, { stride: 32, layer: 'conv_1_act', channels: mobilenetV3Channels(size, alpha) }];
}

/** The stem, then each inverted residual block (ending at its add, or its projection). */
export const mobilenetV3Blocks = (size: MobilenetV3Size, alpha: number): BlockRule => {
  const c = channels(size, alpha);
  return {
    stemEnd: 'conv_act',
    ends: ROWS[size].map(([, , , s], block) =>
      s === 1 && c[block] === c[block + 1]
        ? `${prefixOf(block)}add`
        : `${prefixOf(block)}project_bn`,
    ),
  };
};

/** The Keras MobileNetV3 body (no top) of `size` and width `alpha`, random init from `seed`. */
export function mobilenetV3Body(
  size: MobilenetV3Size,
  alpha: number,
  inputSize: number,
  seed: number,
  name: string,
): tf.LayersModel {
  const k = kerasKit(seed);
  const bn = (n: string) => k.bn(n, EPSILON, MOMENTUM);
  const act = (kind: Act, n: string) => (kind === 'relu' ? reLU({ name: n }) : hardSwish(n));
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' });
  let x: Sym = k.chain(
    input,
    k.conv('conv', 16, 3, { strides: 2 }),
    bn('conv_bn'),
    hardSwish('conv_act'),
  );
  ROWS[size].forEach(([t, c, kernel, stride, se, a], block) => {
    const p = prefixOf(block);
    const inChannels = x.shape[3]!;
    const filters = makeDivisible(c * alpha);
    const expanded = makeDivisible(inChannels * t);
    let h = x;
    if (block > 0)
      h = k.chain(
        h,
        k.conv(`${p}expand`, expanded, 1),
        bn(`${p}expand_bn`),
        act(a, `${p}expand_act`),
      );
    h = k.chain(
      h,
      k.depthwise(`${p}depthwise`, kernel, { strides: stride }),
      bn(`${p}depthwise_bn`),
      act(a, `${p}depthwise_act`),
    );
    if (se) {
      const s = `${p}squeeze_excite_`;
      const gate = k.chain(
        k.squeeze(h, `${s}avg_pool`, `${s}reshape`),
        k.conv(`${s}conv`, makeDivisible(expanded * 0.25), 1, { useBias: true }),
        reLU({ name: `${s}relu` }),
        k.conv(`${s}conv_1`, expanded, 1, { useBias: true }),
        hardSigmoid(`${s}hsigmoid`),
      );
      h = k.apply(tf.layers.multiply({ name: `${s}mul` }), [h, gate]);
    }
    h = k.chain(h, k.conv(`${p}project`, filters, 1), bn(`${p}project_bn`));
    if (stride === 1 && inChannels === filters)
      h = k.apply(tf.layers.add({ name: `${p}add` }), [x, h]);
    x = h;
  });
  x = k.chain(
    x,
    k.conv('conv_1', mobilenetV3Channels(size, alpha), 1),
    bn('conv_1_bn'),
    hardSwish('conv_1_act'),
  );
  return tf.model({ inputs: input, outputs: x, name });
}

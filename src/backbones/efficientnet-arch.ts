// The Keras EfficientNet B0–B7 architectures (keras.applications EfficientNetB*), built in code
// with Keras's layer names and order so their ImageNet weight files load into them
// (zoo/keras-families.ts): MBConv blocks (expand, depthwise, squeeze-excite, project) scaled in
// width and depth, swish activations, BatchNorm epsilon 1e-3, drop-connect on residual blocks
// (Dropout with one draw per sample, as Keras's noise_shape (None, 1, 1, 1)). Keras's input
// layers — Rescaling(1/255), Normalization with ImageNet's statistics, Rescaling — are the entry's
// mean/std preprocessing; its explicit ZeroPadding + 'valid' at stride 2 equals TF 'same'.
import * as tf from '@tensorflow/tfjs';
import { type KerasKit, kerasKit, makeDivisible, type Sym } from './keras-kit.js';
import type { BlockRule, FeatureTap } from './types.js';

/** [kernel, repeats, filters in, filters out, expand ratio, stride] per stage (Keras's DEFAULT_BLOCKS_ARGS). */
const STAGES: [number, number, number, number, number, 1 | 2][] = [
  [3, 1, 32, 16, 1, 1],
  [3, 2, 16, 24, 6, 2],
  [5, 2, 24, 40, 6, 2],
  [3, 3, 40, 80, 6, 2],
  [5, 3, 80, 112, 6, 1],
  [5, 4, 112, 192, 6, 2],
  [3, 1, 192, 320, 6, 1],
];
const SE_RATIO = 0.25;
const DROP_CONNECT = 0.2;
const EPSILON = 1e-3;

export interface EfficientnetScale {
  width: number;
  depth: number;
}

/** Keras's EfficientNet(width_coefficient, depth_coefficient, …) of B0–B3. */
export const EFFICIENTNET_SCALES = {
  b0: { width: 1.0, depth: 1.0 },
  b1: { width: 1.0, depth: 1.1 },
  b2: { width: 1.1, depth: 1.2 },
  b3: { width: 1.2, depth: 1.4 },
} satisfies Record<string, EfficientnetScale>;

const roundFilters = (f: number, s: EfficientnetScale) => makeDivisible(f * s.width);
const roundRepeats = (r: number, s: EfficientnetScale) => Math.ceil(s.depth * r);

/** Every block: its name prefix, and its stage's arguments with its own stride and input width. */
function blocksOf(s: EfficientnetScale) {
  return STAGES.flatMap(([kernel, repeats, fin, fout, expand, stride], i) =>
    Array.from({ length: roundRepeats(repeats, s) }, (_, j) => ({
      prefix: `block${i + 1}${String.fromCharCode(97 + j)}_`,
      stage: i,
      kernel,
      expand,
      stride: j ? 1 : stride,
      filtersIn: j ? roundFilters(fout, s) : roundFilters(fin, s),
      filtersOut: roundFilters(fout, s),
    })),
  );
}

const residual = (b: ReturnType<typeof blocksOf>[number]) =>
  b.stride === 1 && b.filtersIn === b.filtersOut;

export const efficientnetChannels = (s: EfficientnetScale) => roundFilters(1280, s);

/**
 * The tap at each stride, as graph.ts findTaps finds it at the native size: the expand activation
 * of the block that next halves the resolution (as MobileNetV2's expand_relu taps), and the output.
 */
export function efficientnetTaps(s: EfficientnetScale): FeatureTap[] {
  const blocks = blocksOf(s);
  const firstOf = (stage: number) => blocks.find((b) => b.stage === stage)!;
  return [
    ...[2, 3, 5].map((stage, i) => ({
      stride: (4 << i) as FeatureTap['stride'],
      layer: `${firstOf(stage).prefix}expand_activation`,
      channels: firstOf(stage).filtersIn * firstOf(stage).expand,
    })),
    { stride: 32, layer: 'top_activation', channels: efficientnetChannels(s) },
  ];
}

/** The stem, then each MBConv block (ending at its add, or its projection). */
export const efficientnetBlocks = (s: EfficientnetScale): BlockRule => ({
  stemEnd: 'stem_activation',
  ends: blocksOf(s).map((b) => `${b.prefix}${residual(b) ? 'add' : 'project_bn'}`),
});

/** EfficientNet's squeeze-excite (V1 and V2): a swish bottleneck of `squeezed` channels, sigmoid gate. */
export function squeezeExcite(k: KerasKit, h: Sym, p: string, squeezed: number): Sym {
  const gate = k.chain(
    k.squeeze(h, `${p}se_squeeze`, `${p}se_reshape`),
    k.conv(`${p}se_reduce`, squeezed, 1, { useBias: true, activation: 'swish' }),
    k.conv(`${p}se_expand`, h.shape[3]!, 1, { useBias: true, activation: 'sigmoid' }),
  );
  return k.apply(tf.layers.multiply({ name: `${p}se_excite` }), [h, gate]);
}

/** A residual block's end (V1 and V2): drop-connect at `rate` (one draw per sample), then add. */
export function dropAndAdd(k: KerasKit, h: Sym, x: Sym, p: string, rate: number): Sym {
  if (rate > 0)
    h = k.apply(
      tf.layers.dropout({ rate, noiseShape: [null, 1, 1, 1] as never, name: `${p}drop` }),
      h,
    );
  return k.apply(tf.layers.add({ name: `${p}add` }), [h, x]);
}

/** The Keras EfficientNet body (no top) at scale `s`, random init from `seed`. */
export function efficientnetBody(
  s: EfficientnetScale,
  size: number,
  seed: number,
  name: string,
): tf.LayersModel {
  const k = kerasKit(seed);
  const bn = (n: string) => k.bn(n, EPSILON);
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x: Sym = k.chain(
    input,
    k.conv('stem_conv', roundFilters(32, s), 3, { strides: 2 }),
    bn('stem_bn'),
    k.act('stem_activation', 'swish'),
  );
  const blocks = blocksOf(s);
  blocks.forEach((b, index) => {
    const p = b.prefix;
    const filters = b.filtersIn * b.expand;
    let h = x;
    if (b.expand !== 1)
      h = k.chain(
        h,
        k.conv(`${p}expand_conv`, filters, 1),
        bn(`${p}expand_bn`),
        k.act(`${p}expand_activation`, 'swish'),
      );
    h = k.chain(
      h,
      k.depthwise(`${p}dwconv`, b.kernel, { strides: b.stride }),
      bn(`${p}bn`),
      k.act(`${p}activation`, 'swish'),
    );
    h = squeezeExcite(k, h, p, Math.max(1, Math.trunc(b.filtersIn * SE_RATIO)));
    h = k.chain(h, k.conv(`${p}project_conv`, b.filtersOut, 1), bn(`${p}project_bn`));
    x = residual(b) ? dropAndAdd(k, h, x, p, (DROP_CONNECT * index) / blocks.length) : h;
  });
  x = k.chain(
    x,
    k.conv('top_conv', efficientnetChannels(s), 1),
    bn('top_bn'),
    k.act('top_activation', 'swish'),
  );
  return tf.model({ inputs: input, outputs: x, name });
}

// The few layers an imported ONNX graph needs that tfjs-layers lacks, registered so that the
// saved model.json loads with tf.loadLayersModel once this module is imported: ONNX's
// HardSigmoid/HardSwish with their own alpha and beta (tfjs's hardSigmoid is fixed at 0.2/0.5,
// PyTorch exports 1/6), elementwise ops with a constant (scalar or per-channel), elementwise ops
// between two tensors with broadcasting (tfjs-layers has no subtract or divide), padding with
// a value (max pooling pads with -Infinity), grouped and dilated convolutions that train (tfjs
// has no gradient for a dilated conv2d) and ConvTranspose with ONNX's pads and output_padding.
import * as tf from '@tensorflow/tfjs';
import { nativeGroupedConv2d } from '../../engine/grouped-conv.js';
import { type Args, inputShapeOf, single } from './layer-util.js';

export * from './view-layers.js';

/** Registers the classes for tf.loadLayersModel. */
const register = (cls: unknown) =>
  tf.serialization.registerClass(cls as Parameters<typeof tf.serialization.registerClass>[0]);

export type UnaryOp = 'hardSigmoid' | 'hardSwish' | 'erf' | 'sqrt' | 'tanh' | 'pow' | 'exp' | 'neg';

/** The elementwise functions of OnnxUnary; `alpha` is HardSigmoid's slope or Pow's exponent. */
const UNARY: Record<UnaryOp, (x: tf.Tensor, alpha: number, beta: number) => tf.Tensor> = {
  hardSigmoid: (x, alpha, beta) => tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1),
  hardSwish: (x, alpha, beta) => tf.mul(x, UNARY.hardSigmoid(x, alpha, beta)),
  erf: (x) => tf.erf(x),
  sqrt: (x) => tf.sqrt(x),
  tanh: (x) => tf.tanh(x),
  // x² (LayerNorm's variance) as a product: tf.pow's gradient takes log(x), NaN where x < 0.
  pow: (x, alpha) => (alpha === 2 ? tf.mul(x, x) : tf.pow(x, alpha)),
  exp: (x) => tf.exp(x),
  neg: (x) => tf.neg(x),
};

/** An elementwise function (UNARY) with its parameters. */
export class OnnxUnary extends tf.layers.Layer {
  static className = 'VisiontuneOnnxUnary';
  readonly op: UnaryOp;
  readonly alpha: number;
  readonly beta: number;

  constructor(args: Args & { op: UnaryOp; alpha?: number; beta?: number }) {
    super(args);
    this.op = args.op;
    this.alpha = args.alpha ?? 0;
    this.beta = args.beta ?? 0;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => UNARY[this.op](single(inputs), this.alpha, this.beta));
  }

  getConfig() {
    return { ...super.getConfig(), op: this.op, alpha: this.alpha, beta: this.beta };
  }
}

/** NumPy broadcasting of two symbolic shapes (null: the batch). */
function broadcastShape(x: tf.Shape, y: tf.Shape): tf.Shape {
  const rank = Math.max(x.length, y.length);
  const a = [...Array(rank - x.length).fill(1), ...x];
  const b = [...Array(rank - y.length).fill(1), ...y];
  return a.map((d, i) => (d === 1 ? b[i] : d));
}

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
const BINARY: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
};

/** x op c (or c op x when `constantFirst`), c broadcast NumPy-style from `shape`. */
export class OnnxConstantOp extends tf.layers.Layer {
  static className = 'VisiontuneOnnxConstantOp';
  readonly op: BinaryOp;
  readonly values: number[];
  readonly shape: number[];
  readonly constantFirst: boolean;

  constructor(
    args: Args & { op: BinaryOp; values: number[]; shape: number[]; constantFirst?: boolean },
  ) {
    super(args);
    this.op = args.op;
    this.values = args.values;
    this.shape = args.shape;
    this.constantFirst = args.constantFirst ?? false;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const c = tf.tensor(this.values, this.shape, 'float32');
      return this.constantFirst ? BINARY[this.op](c, x) : BINARY[this.op](x, c);
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return broadcastShape(inputShapeOf(inputShape), this.shape);
  }

  getConfig() {
    return {
      ...super.getConfig(),
      op: this.op,
      values: this.values,
      shape: this.shape,
      constantFirst: this.constantFirst,
    };
  }
}

/** a op b with broadcasting (tfjs merge layers lack sub and div). */
export class OnnxBinary extends tf.layers.Layer {
  static className = 'VisiontuneOnnxBinary';
  readonly op: BinaryOp;

  constructor(args: Args & { op: BinaryOp }) {
    super(args);
    this.op = args.op;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return BINARY[this.op](a, b);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [a, b] = inputShape as tf.Shape[];
    return broadcastShape(a, b);
  }

  getConfig() {
    return { ...super.getConfig(), op: this.op };
  }
}

/** NHWC padding [[top, bottom], [left, right]] with a constant value. */
export class OnnxPad2D extends tf.layers.Layer {
  static className = 'VisiontuneOnnxPad2D';
  readonly padding: [[number, number], [number, number]];
  readonly value: number;

  constructor(
    args: Args & { padding: [[number, number], [number, number]]; value: number | string },
  ) {
    super(args);
    this.padding = args.padding;
    this.value = Number(args.value);
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [[t, b], [l, r]] = this.padding;
    return tf.pad(
      single(inputs),
      [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ],
      this.value,
    );
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w, c] = inputShape as tf.Shape;
    const [[t, b], [l, r]] = this.padding;
    return [n, (h as number) + t + b, (w as number) + l + r, c];
  }

  getConfig() {
    // -Infinity is not JSON: saved as a string, read back by the constructor's Number().
    const value = Number.isFinite(this.value) ? this.value : String(this.value);
    return { ...super.getConfig(), padding: this.padding, value };
  }
}

/** ONNX's Conv / ConvTranspose window attributes, as the conv layers below take them. */
interface WindowArgs extends Args {
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  dilations: [number, number];
  groups: number;
  useBias: boolean;
}

/** What the conv layers below share: their window attributes, a kernel and an optional bias. */
abstract class OnnxWindowLayer extends tf.layers.Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly groups: number;
  readonly useBias: boolean;
  protected kernel?: tf.LayerVariable;
  protected bias?: tf.LayerVariable;

  constructor(args: WindowArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides;
    this.dilations = args.dilations;
    this.groups = args.groups;
    this.useBias = args.useBias;
  }

  /** Adds the kernel of `shape` (Glorot-initialized) and, where used, the bias (zeros). */
  protected addKernel(shape: number[]) {
    this.kernel = this.addWeight('kernel', shape, 'float32', tf.initializers.glorotUniform({}));
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  protected addBias(y: tf.Tensor): tf.Tensor {
    return this.bias ? tf.add(y, this.bias.read()) : y;
  }

  getConfig() {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      dilations: this.dilations,
      groups: this.groups,
      useBias: this.useBias,
    };
  }
}

/**
 * Input channels per group up to which a grouped conv runs as one depthwise conv and a sum: the
 * depthwise output is this many times the conv's, a fair price for one kernel call instead of
 * one per group (ResNeXt's 4–8; RegNet's wider groups keep the loop).
 */
export const DEPTHWISE_SUM_MAX_GROUP_WIDTH = 16;

/**
 * x [n, h, w, C] convolved ('valid', undilated) with a grouped kernel [kh, kw, C/groups, filters],
 * output channel o in group floor(o / (filters/groups)) as ONNX orders them. Where groups are
 * narrow: one depthwise conv with multiplier filters/groups — channel c of group g gets the
 * filters of g — then the sum over each group's channels; the FLOPs equal the grouped conv's.
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  strides: [number, number] | number = 1,
): tf.Tensor4D {
  const [kh, kw, width, filters] = kernel.shape;
  const m = filters / groups;
  if (width === 1)
    // [kh, kw, 1, C·m] → [kh, kw, C, m]: output channel c·m + j is (c, j) in both.
    return tf.depthwiseConv2d(x, tf.reshape(kernel, [kh, kw, groups, m]), strides, 'valid');
  if (width <= DEPTHWISE_SUM_MAX_GROUP_WIDTH) {
    // [kh, kw, k, G·m] → [kh, kw, G·k, m]: channel g·k + i takes group g's m filters.
    const perChannel = tf.reshape(
      tf.transpose(tf.reshape(kernel, [kh, kw, width, groups, m]), [0, 1, 3, 2, 4]),
      [kh, kw, groups * width, m],
    ) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x, perChannel, strides, 'valid');
    const [n, oh, ow] = y.shape;
    return tf.reshape(tf.sum(tf.reshape(y, [n, oh, ow, groups, width, m]), 4), [
      n,
      oh,
      ow,
      filters,
    ]);
  }
  const ks = tf.split(kernel, groups, 3);
  const ys = tf
    .split(x, groups, 3)
    .map((part, g) => tf.conv2d(part as tf.Tensor4D, ks[g] as tf.Tensor4D, strides, 'valid'));
  return tf.concat(ys, 3);
}

/**
 * A grouped convolution ('valid' padding; pad before it): the channels split into `groups`,
 * each convolved with its own [kh, kw, C/groups, filters/groups] slice of the kernel — one
 * grouped kernel where the backend has one (the torch engine), else groupedConv2d — ResNeXt /
 * RegNet blocks. Kernel [kh, kw, C/groups, filters], output channel
 * o belonging to group floor(o / (filters/groups)), as ONNX and PyTorch order them.
 */
export class OnnxGroupedConv2D extends OnnxWindowLayer {
  static className = 'VisiontuneOnnxGroupedConv2D';

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const [kh, kw] = this.kernelSize;
    const perGroup = (inputShapeOf(inputShape)[3] as number) / this.groups;
    this.addKernel([kh, kw, perGroup, this.filters]);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = inputShapeOf(inputShape);
    const out = (size: number, i: 0 | 1) =>
      Math.floor((size - ((this.kernelSize[i] - 1) * this.dilations[i] + 1)) / this.strides[i]) + 1;
    return [n, out(h as number, 0), out(w as number, 1), this.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const { groups, strides, dilations } = this;
      const native = nativeGroupedConv2d(x, kernel, {
        groups,
        strides,
        dilations,
        pads: [0, 0, 0, 0],
      });
      return this.addBias(native ?? composedConv2d(x, kernel, groups, strides, dilations));
    });
  }
}

for (const cls of [OnnxUnary, OnnxConstantOp, OnnxBinary, OnnxPad2D, OnnxGroupedConv2D])
  register(cls);

/** Every `s`-th row and column, from the first: a strided window's positions (has a gradient). */
function subsample(y: tf.Tensor4D, [sh, sw]: [number, number]): tf.Tensor4D {
  if (sh === 1 && sw === 1) return y;
  const [n, h, w, c] = y.shape;
  const [oh, ow] = [Math.ceil(h / sh), Math.ceil(w / sw)];
  const even = tf.pad(y, [
    [0, 0],
    [0, oh * sh - h],
    [0, ow * sw - w],
    [0, 0],
  ]);
  const grid = tf.reshape(even, [n, oh, sh, ow, sw, c]);
  return tf.reshape(tf.slice(grid, [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]), [n, oh, ow, c]);
}

/**
 * A dilated 'valid' convolution that trains: tfjs runs a dilated conv2d forward but has no
 * gradient for it, so this computes it as TensorFlow's atrous conv does: space-to-batch by the
 * dilation, an undilated conv (whole, grouped or depthwise), batch-to-space; a stride keeps every
 * stride-th output of that. Kernel [kh, kw, C/groups, filters].
 */
export function atrousConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  strides: [number, number],
  [rh, rw]: [number, number],
): tf.Tensor4D {
  // Rows and columns appended so the size divides by the rate; cropped again after.
  const extra: [number, number][] = [
    [0, (rh - (x.shape[1] % rh)) % rh],
    [0, (rw - (x.shape[2] % rw)) % rw],
  ];
  const blocks = tf.spaceToBatchND(x, [rh, rw], extra) as tf.Tensor4D;
  const convolved =
    groups === 1 ? tf.conv2d(blocks, kernel, 1, 'valid') : groupedConv2d(blocks, kernel, groups);
  const whole = tf.batchToSpaceND(convolved, [rh, rw], extra) as tf.Tensor4D;
  return subsample(whole, strides);
}

/** The layers' grouped, possibly dilated, 'valid' conv in stock tfjs ops (any backend). */
export function composedConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  groups: number,
  strides: [number, number],
  dilations: [number, number],
): tf.Tensor4D {
  return dilations[0] === 1 && dilations[1] === 1
    ? groupedConv2d(x, kernel, groups, strides)
    : atrousConv2d(x, kernel, groups, strides, dilations);
}

/**
 * A dilated convolution ('valid' padding; pad before it) that trains: one grouped kernel with
 * the dilation where the backend has one, else atrousConv2d. Kernel [kh, kw, C/groups, filters]
 * as in OnnxGroupedConv2D; groups = C with one channel each is run as a depthwise conv.
 */
export class OnnxDilatedConv2D extends OnnxGroupedConv2D {
  static override className = 'VisiontuneOnnxDilatedConv2D';
}

/** Zeros between a [kh, kw, …] kernel's taps: the dilated kernel, built so it has a gradient. */
function dilateKernel(kernel: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  if (dh === 1 && dw === 1) return kernel;
  const [kh, kw, o, i] = kernel.shape;
  const spaced = tf.pad(tf.reshape(kernel, [kh, 1, kw, 1, o, i]), [
    [0, 0],
    [0, dh - 1],
    [0, 0],
    [0, dw - 1],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(
    tf.reshape<tf.Rank.R4>(spaced, [kh * dh, kw * dw, o, i]),
    [0, 0, 0, 0],
    [(kh - 1) * dh + 1, (kw - 1) * dw + 1, o, i],
  );
}

/**
 * ONNX / PyTorch ConvTranspose: tfjs's conv2dTranspose at its full 'valid' size
 * (in - 1)·stride + dilated kernel, then pads [top, left, bottom, right] cropped off and
 * output_padding rows and columns (no input reaches them; they hold the bias) added at the
 * end. Groups split the input channels, each group with its own filters. Kernel
 * [kh, kw, filters/groups, C] (tfjs's conv2dTranspose layout, input channels grouped last).
 */
export class OnnxConvTranspose2D extends OnnxWindowLayer {
  static className = 'VisiontuneOnnxConvTranspose2D';
  readonly pads: [number, number, number, number];
  readonly outputPadding: [number, number];

  constructor(
    args: WindowArgs & {
      pads: [number, number, number, number];
      outputPadding: [number, number];
    },
  ) {
    super(args);
    this.pads = args.pads;
    this.outputPadding = args.outputPadding;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const [kh, kw] = this.kernelSize;
    this.addKernel([kh, kw, this.filters / this.groups, inputShapeOf(inputShape)[3] as number]);
  }

  /** Output size of axis i (0: rows, 1: columns) for an input of `size`. */
  private outputSize(size: number, i: 0 | 1) {
    const full = (size - 1) * this.strides[i] + (this.kernelSize[i] - 1) * this.dilations[i] + 1;
    return full - this.pads[i] - this.pads[i + 2] + this.outputPadding[i];
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = inputShapeOf(inputShape);
    return [n, this.outputSize(h as number, 0), this.outputSize(w as number, 1), this.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const [n, h, w] = x.shape;
      const kernel = dilateKernel(this.kernel!.read() as tf.Tensor4D, this.dilations);
      const [kh, kw] = kernel.shape;
      const full = [(h - 1) * this.strides[0] + kh, (w - 1) * this.strides[1] + kw];
      const perGroup = this.filters / this.groups;
      // The output shape is given, so it is the full size even where kernel < stride.
      const transpose = (part: tf.Tensor4D, k: tf.Tensor4D) =>
        tf.conv2dTranspose(part, k, [n, full[0], full[1], perGroup], this.strides, 'valid');
      let y: tf.Tensor4D;
      if (this.groups === 1) y = transpose(x, kernel);
      else {
        const ks = tf.split(kernel, this.groups, 3);
        const ys = tf
          .split(x, this.groups, 3)
          .map((part, g) => transpose(part as tf.Tensor4D, ks[g] as tf.Tensor4D));
        y = tf.concat(ys, 3);
      }
      const [top, left, bottom, right] = this.pads;
      const [oh, ow] = this.outputPadding;
      // Crop the pads (and what output_padding does not give back), then zeros for the rest.
      const keep = [
        full[0] - top - Math.max(0, bottom - oh),
        full[1] - left - Math.max(0, right - ow),
      ];
      y = tf.slice(y, [0, top, left, 0], [n, keep[0], keep[1], this.filters]);
      y = tf.pad(y, [
        [0, 0],
        [0, Math.max(0, oh - bottom)],
        [0, Math.max(0, ow - right)],
        [0, 0],
      ]);
      return this.addBias(y);
    });
  }

  getConfig() {
    return { ...super.getConfig(), pads: this.pads, outputPadding: this.outputPadding };
  }
}

for (const cls of [OnnxDilatedConv2D, OnnxConvTranspose2D]) register(cls);

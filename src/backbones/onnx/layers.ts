// The few layers an imported ONNX graph needs that tfjs-layers lacks, registered so that the
// saved model.json loads with tf.loadLayersModel once this module is imported: ONNX's
// HardSigmoid/HardSwish with their own alpha and beta (tfjs's hardSigmoid is fixed at 0.2/0.5,
// PyTorch exports 1/6), elementwise ops with a constant (scalar or per-channel), elementwise ops
// between two tensors with broadcasting (tfjs-layers has no subtract or divide), and padding with
// a value (max pooling pads with -Infinity).
import * as tf from '@tensorflow/tfjs';

type Args = { name?: string; trainable?: boolean };
const register = (cls: unknown) =>
  tf.serialization.registerClass(cls as Parameters<typeof tf.serialization.registerClass>[0]);
const single = (x: tf.Tensor | tf.Tensor[]) => (Array.isArray(x) ? x[0] : x);

export type UnaryOp = 'hardSigmoid' | 'hardSwish';

export class OnnxUnary extends tf.layers.Layer {
  static className = 'VisiontuneOnnxUnary';
  readonly op: UnaryOp;
  readonly alpha: number;
  readonly beta: number;

  constructor(args: Args & { op: UnaryOp; alpha: number; beta: number }) {
    super(args);
    this.op = args.op;
    this.alpha = args.alpha;
    this.beta = args.beta;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const gate = tf.clipByValue(tf.add(tf.mul(x, this.alpha), this.beta), 0, 1);
      return this.op === 'hardSwish' ? tf.mul(x, gate) : gate;
    });
  }

  getConfig() {
    return { ...super.getConfig(), op: this.op, alpha: this.alpha, beta: this.beta };
  }
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
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const rank = Math.max(shape.length, this.shape.length);
    const a = [...Array(rank - shape.length).fill(1), ...shape];
    const b = [...Array(rank - this.shape.length).fill(1), ...this.shape];
    return a.map((d, i) => (d === 1 ? b[i] : d));
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
    return a.map((d, i) => (d === 1 ? b[i] : d));
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

/**
 * A grouped convolution ('valid' padding; pad before it): the channels split into `groups`,
 * each convolved with its own [kh, kw, C/groups, filters/groups] slice of the kernel, the results
 * concatenated — ResNeXt / RegNet blocks. Kernel [kh, kw, C/groups, filters], output channel o
 * belonging to group floor(o / (filters/groups)), as ONNX and PyTorch order them.
 */
export class OnnxGroupedConv2D extends tf.layers.Layer {
  static className = 'VisiontuneOnnxGroupedConv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly groups: number;
  readonly useBias: boolean;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(
    args: Args & {
      filters: number;
      kernelSize: [number, number];
      strides: [number, number];
      dilations: [number, number];
      groups: number;
      useBias: boolean;
    },
  ) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides;
    this.dilations = args.dilations;
    this.groups = args.groups;
    this.useBias = args.useBias;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const perGroup = (shape[3] as number) / this.groups;
    const [kh, kw] = this.kernelSize;
    this.kernel = this.addWeight(
      'kernel',
      [kh, kw, perGroup, this.filters],
      'float32',
      tf.initializers.glorotUniform({}),
    );
    if (this.useBias)
      this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const out = (size: number, i: 0 | 1) =>
      Math.floor((size - ((this.kernelSize[i] - 1) * this.dilations[i] + 1)) / this.strides[i]) + 1;
    return [n, out(h as number, 0), out(w as number, 1), this.filters];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const xs = tf.split(x, this.groups, 3);
      const ks = tf.split(kernel, this.groups, 3);
      const ys = xs.map((part, g) =>
        tf.conv2d(
          part as tf.Tensor4D,
          ks[g] as tf.Tensor4D,
          this.strides,
          'valid',
          'NHWC',
          this.dilations,
        ),
      );
      const y = tf.concat(ys, 3);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
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

for (const cls of [OnnxUnary, OnnxConstantOp, OnnxBinary, OnnxPad2D, OnnxGroupedConv2D])
  register(cls);

// The layers the importer needs beyond convolutional nets (layers.ts), registered so that a saved
// model.json loads once layers.ts is imported: reshapes, slices and transposes of held tensors
// whose batch may sit on any axis (attention moves it), reductions, softmax along one axis,
// MatMul of two computed values, Resize, and a constant repeated to the batch.
import * as tf from '@tensorflow/tfjs';
import { type Args, inputShapeOf, single } from './layer-util.js';

/** Registers the classes for tf.loadLayersModel. */
const register = (cls: unknown) =>
  tf.serialization.registerClass(cls as Parameters<typeof tf.serialization.registerClass>[0]);

/**
 * A reshape to `targetShape` whose -1 is the axis that holds the batch, wherever it is (tfjs's
 * reshape keeps axis 0 as the batch; attention merges it with heads or tokens).
 */
export class OnnxReshape extends tf.layers.Layer {
  static className = 'VisiontuneOnnxReshape';
  readonly targetShape: number[];

  constructor(args: Args & { targetShape: number[] }) {
    super(args);
    this.targetShape = args.targetShape;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.reshape(single(inputs), this.targetShape);
  }

  computeOutputShape(): tf.Shape {
    return this.targetShape.map((d) => (d < 0 ? null : d));
  }

  getConfig() {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

/** Every `step`-th entry along `axis`, from the first (has a gradient; tf.stridedSlice has none). */
function everyNth(x: tf.Tensor, axis: number, step: number, count: number): tf.Tensor {
  const shape = x.shape;
  const missing = count * step - shape[axis];
  const pads = shape.map((_, i): [number, number] => [0, i === axis ? missing : 0]);
  const even = missing > 0 ? tf.pad(x, pads) : x;
  const split = [...shape.slice(0, axis), count, step, ...shape.slice(axis + 1)];
  const grid = tf.reshape(even, split);
  const size = split.map((d, i) => (i === axis + 1 ? 1 : d));
  const picked = tf.slice(
    grid,
    split.map(() => 0),
    size,
  );
  return tf.reshape(picked, [...shape.slice(0, axis), count, ...shape.slice(axis + 1)]);
}

/**
 * A box of the held tensor: `begin`, `size` (-1: to the end; the batch's whole) and `steps`
 * (positive) per axis — Swin's patch merging takes every other row and column.
 */
export class OnnxSlice extends tf.layers.Layer {
  static className = 'VisiontuneOnnxSlice';
  readonly begin: number[];
  readonly size: number[];
  readonly steps: number[];

  constructor(args: Args & { begin: number[]; size: number[]; steps?: number[] }) {
    super(args);
    this.begin = args.begin;
    this.size = args.size;
    this.steps = args.steps ?? args.size.map(() => 1);
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      // The span from the first entry to the last kept one, then every step-th of it.
      const span = this.size.map((n, i) => (n < 0 ? n : (n - 1) * this.steps[i] + 1));
      let y = tf.slice(single(inputs), this.begin, span);
      this.steps.forEach((step, i) => {
        if (step > 1) y = everyNth(y, i, step, this.size[i]);
      });
      return y;
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShapeOf(inputShape);
    return this.size.map((s, i) =>
      s >= 0 ? s : shape[i] === null ? null : (shape[i] as number) - this.begin[i],
    );
  }

  getConfig() {
    return { ...super.getConfig(), begin: this.begin, size: this.size, steps: this.steps };
  }
}

/** Constant padding of any held axes but the batch's ([before, after] per axis). */
export class OnnxPad extends tf.layers.Layer {
  static className = 'VisiontuneOnnxPad';
  readonly paddings: [number, number][];
  readonly value: number;

  constructor(args: Args & { paddings: [number, number][]; value: number }) {
    super(args);
    this.paddings = args.paddings;
    this.value = args.value;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.pad(single(inputs), this.paddings, this.value);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShapeOf(inputShape);
    return shape.map((d, i) => (d === null ? null : d + this.paddings[i][0] + this.paddings[i][1]));
  }

  getConfig() {
    return { ...super.getConfig(), paddings: this.paddings, value: this.value };
  }
}

/** Any permutation of the held axes, the batch's included (attention moves it). */
export class OnnxTranspose extends tf.layers.Layer {
  static className = 'VisiontuneOnnxTranspose';
  readonly perm: number[];

  constructor(args: Args & { perm: number[] }) {
    super(args);
    this.perm = args.perm;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.transpose(single(inputs), this.perm);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShapeOf(inputShape);
    return this.perm.map((p) => shape[p]);
  }

  getConfig() {
    return { ...super.getConfig(), perm: this.perm };
  }
}

export type ReduceOp = 'mean' | 'sum' | 'max' | 'l2';

/** A reduction over held axes (never the batch), keeping them as 1 where ONNX's keepdims does. */
export class OnnxReduce extends tf.layers.Layer {
  static className = 'VisiontuneOnnxReduce';
  readonly op: ReduceOp;
  readonly axes: number[];
  readonly keepDims: boolean;

  constructor(args: Args & { op: ReduceOp; axes: number[]; keepDims: boolean }) {
    super(args);
    this.op = args.op;
    this.axes = args.axes;
    this.keepDims = args.keepDims;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const { axes, keepDims } = this;
      if (this.op === 'l2') return tf.sqrt(tf.sum(tf.mul(x, x), axes, keepDims));
      if (this.op === 'sum') return tf.sum(x, axes, keepDims);
      return this.op === 'max' ? tf.max(x, axes, keepDims) : tf.mean(x, axes, keepDims);
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShapeOf(inputShape);
    return this.keepDims
      ? shape.map((d, i) => (this.axes.includes(i) ? 1 : d))
      : shape.filter((_, i) => !this.axes.includes(i));
  }

  getConfig() {
    return { ...super.getConfig(), op: this.op, axes: this.axes, keepDims: this.keepDims };
  }
}

/** Softmax along one held axis (tfjs's softmax layer takes the last only in older models). */
export class OnnxSoftmax extends tf.layers.Layer {
  static className = 'VisiontuneOnnxSoftmax';
  readonly axis: number;

  constructor(args: Args & { axis: number }) {
    super(args);
    this.axis = args.axis;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const last = x.rank - 1;
      if (this.axis === last) return tf.softmax(x);
      const perm = Array.from({ length: x.rank }, (_, i) => i);
      [perm[this.axis], perm[last]] = [last, this.axis];
      return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
    });
  }

  getConfig() {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/** a @ b over the last two axes, batched over the others (attention's scores and values). */
export class OnnxMatMul extends tf.layers.Layer {
  static className = 'VisiontuneOnnxMatMul';
  readonly transposeB: boolean;

  constructor(args: Args & { transposeB?: boolean }) {
    super(args);
    this.transposeB = args.transposeB ?? false;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    return tf.matMul(a, b, false, this.transposeB);
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [a, b] = inputShape as tf.Shape[];
    const cols = this.transposeB ? b[b.length - 2] : b[b.length - 1];
    return [...a.slice(0, -1), cols];
  }

  getConfig() {
    return { ...super.getConfig(), transposeB: this.transposeB };
  }
}

export type ResizeMode = 'linear' | 'nearest';

/**
 * The [out, in] matrix that resamples one axis: bilinear weights at half-pixel (or align-corners)
 * source positions, or the floor-nearest source (ONNX 'asymmetric'), as PyTorch samples.
 */
export function resampleMatrix(
  inSize: number,
  outSize: number,
  mode: ResizeMode,
  alignCorners: boolean,
): number[] {
  const m = new Array<number>(outSize * inSize).fill(0);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    if (mode === 'nearest') {
      m[o * inSize + Math.min(Math.floor(o * scale), inSize - 1)] = 1;
      continue;
    }
    const src = alignCorners
      ? outSize > 1
        ? (o * (inSize - 1)) / (outSize - 1)
        : 0
      : Math.max(0, (o + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const w = src - i0;
    m[o * inSize + i0] += 1 - w;
    m[o * inSize + i1] += w;
  }
  return m;
}

/**
 * NHWC resize to `size` as ONNX Resize does it: 'linear' (half-pixel or align-corners) or
 * 'nearest' (floor), as a resampling matrix per axis — exact gradients through matMul, where
 * tfjs's own ResizeBilinear gradient has the wrong shape on non-square images.
 */
export class OnnxResize extends tf.layers.Layer {
  static className = 'VisiontuneOnnxResize';
  readonly size: [number, number];
  readonly mode: ResizeMode;
  readonly alignCorners: boolean;

  constructor(args: Args & { size: [number, number]; mode: ResizeMode; alignCorners?: boolean }) {
    super(args);
    this.size = args.size;
    this.mode = args.mode;
    this.alignCorners = args.alignCorners ?? false;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const [n, h, w, c] = x.shape;
      const [oh, ow] = this.size;
      const matrix = (from: number, to: number) =>
        tf.tensor3d(resampleMatrix(from, to, this.mode, this.alignCorners), [1, to, from]);
      // Rows: [n, h, w·c] → [n, oh, w·c]; then columns: [n·oh, w, c] → [n·oh, ow, c].
      const rows = tf.matMul(matrix(h, oh), tf.reshape(x, [n, h, w * c]));
      const cols = tf.matMul(matrix(w, ow), tf.reshape(rows, [n * oh, w, c]));
      return tf.reshape(cols, [n, oh, ow, c]);
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [n, , , c] = inputShapeOf(inputShape);
    return [n, ...this.size, c];
  }

  getConfig() {
    return {
      ...super.getConfig(),
      size: this.size,
      mode: this.mode,
      alignCorners: this.alignCorners,
    };
  }
}

/**
 * A constant (`shape`, 1 on the batch's axis) repeated to the batch of its input along
 * `batchAxis` (ViT's class token expanded to the batch).
 */
export class OnnxBatchConstant extends tf.layers.Layer {
  static className = 'VisiontuneOnnxBatchConstant';
  readonly values: number[];
  readonly shape: number[];
  readonly batchAxis: number;

  constructor(args: Args & { values: number[]; shape: number[]; batchAxis: number }) {
    super(args);
    this.values = args.values;
    this.shape = args.shape;
    this.batchAxis = args.batchAxis;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const batch = single(inputs).shape[this.batchAxis];
      const reps = this.shape.map((_, i) => (i === this.batchAxis ? batch : 1));
      return tf.tile(tf.tensor(this.values, this.shape, 'float32'), reps);
    });
  }

  computeOutputShape(): tf.Shape {
    return this.shape.map((d, i) => (i === this.batchAxis ? null : d));
  }

  getConfig() {
    const { values, shape, batchAxis } = this;
    return { ...super.getConfig(), values, shape, batchAxis };
  }
}

for (const cls of [
  OnnxReshape,
  OnnxSlice,
  OnnxPad,
  OnnxTranspose,
  OnnxReduce,
  OnnxSoftmax,
  OnnxMatMul,
  OnnxResize,
  OnnxBatchConstant,
])
  register(cls);

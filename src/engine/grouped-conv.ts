// A grouped (and possibly dilated) 2-D convolution as one kernel on backends that have one: the
// torch engine registers these kernels (libtorch's conv2d and convolution_backward take a group
// count). tfjs has no grouped conv, so on every other backend callers keep their composition of
// stock ops and results there are unchanged. The gradient is registered here, backend-neutrally;
// it only ever runs where the forward kernel did.
import * as tf from '@tensorflow/tfjs';
import { onCurrentBackend } from './fused-ops.js';

/** Inputs x NHWC [n, h, w, C], filter HWIO [kh, kw, C/groups, O]; attrs GroupedConvAttrs. */
export const GROUPED_CONV2D = 'VisiontuneGroupedConv2D';
/** Inputs dy, filter; attrs GroupedConvAttrs and inputShape → dx. */
export const GROUPED_CONV2D_BACKPROP_INPUT = 'VisiontuneGroupedConv2DBackpropInput';
/** Inputs x, dy; attrs GroupedConvAttrs and filterShape → dfilter. */
export const GROUPED_CONV2D_BACKPROP_FILTER = 'VisiontuneGroupedConv2DBackpropFilter';

/**
 * Output channel o belongs to group floor(o / (O/groups)) and reads input channels
 * [g·C/groups, (g+1)·C/groups), as ONNX and PyTorch order them. pads: top, bottom, left, right.
 */
export interface GroupedConvAttrs {
  groups: number;
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
}

/** NHWC output shape of a grouped conv of x [n, h, w, C] with filter [kh, kw, C/groups, O]. */
export function groupedConvOutputShape(
  xShape: readonly number[],
  filterShape: readonly number[],
  { strides, dilations, pads }: GroupedConvAttrs,
): [number, number, number, number] {
  const size = (i: 0 | 1) =>
    Math.floor(
      (xShape[i + 1]! +
        pads[2 * i]! +
        pads[2 * i + 1]! -
        (dilations[i] * (filterShape[i]! - 1) + 1)) /
        strides[i],
    ) + 1;
  return [xShape[0]!, size(0), size(1), filterShape[3]!];
}

/** The grouped conv as one kernel, differentiable; undefined where the backend has none. */
export function nativeGroupedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: GroupedConvAttrs,
): tf.Tensor4D | undefined {
  if (!onCurrentBackend(GROUPED_CONV2D)) return undefined;
  return tf.engine().runKernel(GROUPED_CONV2D, { x, filter }, {
    ...attrs,
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * Registers the grouped conv's gradient: input and filter, each one backprop kernel. Registering
 * again replaces it with the same.
 */
export function installGroupedConvGradient(): void {
  tf.registerGradient({
    kernelName: GROUPED_CONV2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const run = (kernel: string, inputs: tf.NamedTensorMap, extra: tf.NamedAttrMap) =>
        tf.engine().runKernel(kernel, inputs, { ...attrs, ...extra }) as tf.Tensor;
      return {
        x: () =>
          run(
            GROUPED_CONV2D_BACKPROP_INPUT,
            { dy: dy as tf.Tensor, filter },
            { inputShape: x.shape },
          ),
        filter: () =>
          run(
            GROUPED_CONV2D_BACKPROP_FILTER,
            { x, dy: dy as tf.Tensor },
            { filterShape: filter.shape },
          ),
      };
    },
  });
}

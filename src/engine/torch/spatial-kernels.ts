// Spatial kernels of the torch backend: convolutions (plain, depthwise, fused; grouped-kernels.ts
// reuses them) and their gradients, pooling and its gradients, batch norm. tfjs tensors are NHWC; the addon convolves on
// channels-last NCHW views of them, so no layout copies are made.
import * as tf from '@tensorflow/tfjs';
import { biasAndActivation, fusedSupported, type Impl, input } from './kernel-support.js';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap | undefined,
  depthwise: boolean,
): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs?.strides as number | [number, number],
    (attrs?.dilations as number | [number, number] | undefined) ?? 1,
    attrs?.pad as 'valid' | 'same' | number,
    attrs?.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
}

const geometry = (info: Conv2DInfo) => ({
  strides: [info.strideHeight, info.strideWidth],
  pads: [info.padInfo.top, info.padInfo.bottom, info.padInfo.left, info.padInfo.right],
  dilations: [info.dilationHeight, info.dilationWidth],
});

/** What the addon's convolutions take, and the output shape, for one kernel call. */
export interface ConvGeometry {
  strides: number[];
  pads: number[];
  dilations: number[];
  /** true: depthwise; false: a plain conv; a number: that many groups. */
  grouping: boolean | number;
  outShape: number[];
}

/** A kernel's conv geometry from its x and filter shapes and attrs. */
export type GeometryOf = (
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap | undefined,
) => ConvGeometry;

/** tfjs's Conv2D / DepthwiseConv2dNative attrs (strides, pad, dilations, rounding). */
const tfjsGeometry =
  (depthwise: boolean): GeometryOf =>
  (xShape, filterShape, attrs) => {
    const info = convInfo(xShape, filterShape, attrs, depthwise);
    return { ...geometry(info), grouping: depthwise, outShape: [...info.outShape] };
  };

export function convolution(geometryOf: GeometryOf, fused = false): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    const filter = input(inputs, 'filter');
    if (attrs?.dataFormat === 'NCHW' || x.dtype !== 'float32') return null;
    if (fused && !fusedSupported(attrs)) return null;
    const g = geometryOf(x.shape, filter.shape, attrs);
    let h = addon.conv2d(
      backend.handleOf(x),
      backend.handleOf(filter),
      g.strides,
      g.pads,
      g.dilations,
      g.grouping,
    );
    if (fused) {
      h = biasAndActivation(inputs, (attrs?.activation as string) ?? 'linear', backend, addon, h);
    }
    return backend.output(h, g.outShape, 'float32');
  };
}

export function convBackpropInput(geometryOf: GeometryOf): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const dy = input(inputs, 'dy');
    const filter = input(inputs, 'filter');
    if (!attrs || attrs.dataFormat === 'NCHW') return null;
    const inputShape = [...(attrs.inputShape as number[])];
    const g = geometryOf(inputShape, filter.shape, attrs);
    const h = addon.conv2dBackprop(
      'input',
      inputShape,
      backend.handleOf(dy),
      backend.handleOf(filter),
      g.strides,
      g.pads,
      g.dilations,
      g.grouping,
    );
    return backend.output(h, inputShape, 'float32');
  };
}

export function convBackpropFilter(geometryOf: GeometryOf): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    if (!attrs || attrs.dataFormat === 'NCHW') return null;
    const filterShape = [...(attrs.filterShape as number[])];
    const g = geometryOf(x.shape, filterShape, attrs);
    const h = addon.conv2dBackprop(
      'filter',
      backend.handleOf(x),
      backend.handleOf(dy),
      filterShape,
      g.strides,
      g.pads,
      g.dilations,
      g.grouping,
    );
    return backend.output(h, filterShape, 'float32');
  };
}

const batchNorm: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const h = addon.batchNorm(
    backend.handleOf(x),
    backend.handleOf(input(inputs, 'mean')),
    backend.handleOf(input(inputs, 'variance')),
    inputs.offset ? backend.handleOf(inputs.offset) : 0,
    inputs.scale ? backend.handleOf(inputs.scale) : 0,
    (attrs?.varianceEpsilon as number | undefined) ?? 0.001,
  );
  return backend.output(h, [...x.shape], 'float32');
};

type PoolKind = 'max' | 'avg';

function poolInfo(xShape: number[], attrs: tf.NamedAttrMap) {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}

/** Kernel, strides, pads and dilations of a pool, or null where torch's floor rounding differs. */
function poolGeometry(info: ReturnType<typeof tf.backend_util.computePool2DInfo>) {
  const g = {
    kernel: [info.filterHeight, info.filterWidth],
    ...geometry(info as unknown as Conv2DInfo),
  };
  // torch sizes the output as floor((padded - window) / stride) + 1; tfjs's 'ceil' / 'round'
  // rounding with a numeric pad can ask for more. Those go to the cpu fallback.
  const floorSize = (
    size: number,
    before: number,
    after: number,
    k: number,
    s: number,
    d: number,
  ) => Math.floor((size + before + after - (d * (k - 1) + 1)) / s) + 1;
  const [top, bottom, left, right] = g.pads as [number, number, number, number];
  const fits =
    floorSize(
      info.inHeight,
      top,
      bottom,
      info.filterHeight,
      info.strideHeight,
      info.dilationHeight,
    ) === info.outHeight &&
    floorSize(info.inWidth, left, right, info.filterWidth, info.strideWidth, info.dilationWidth) ===
      info.outWidth;
  return fits ? g : null;
}

function pool(kind: PoolKind): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const x = input(inputs, 'x');
    if (!attrs || x.dtype !== 'float32') return null;
    const info = poolInfo(x.shape, attrs);
    const g = poolGeometry(info);
    if (!g) return null;
    const h = addon.pool(kind, backend.handleOf(x), g.kernel, g.strides, g.pads, g.dilations);
    return backend.output(h, [...info.outShape], 'float32');
  };
}

function poolGrad(kind: PoolKind): Impl {
  return ({ inputs, attrs }, backend, addon) => {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'input');
    if (!attrs || x.dtype !== 'float32') return null;
    const g = poolGeometry(poolInfo(x.shape, attrs));
    if (!g) return null;
    const h = addon.poolGrad(
      kind,
      backend.handleOf(dy),
      backend.handleOf(x),
      g.kernel,
      g.strides,
      g.pads,
      g.dilations,
    );
    return backend.output(h, [...x.shape], 'float32');
  };
}

/** The spatial kernels by tfjs kernel name. */
export function spatialKernels(): [string, Impl][] {
  return [
    ['Conv2D', convolution(tfjsGeometry(false))],
    ['FusedConv2D', convolution(tfjsGeometry(false), true)],
    ['DepthwiseConv2dNative', convolution(tfjsGeometry(true))],
    ['FusedDepthwiseConv2D', convolution(tfjsGeometry(true), true)],
    ['Conv2DBackpropInput', convBackpropInput(tfjsGeometry(false))],
    ['Conv2DBackpropFilter', convBackpropFilter(tfjsGeometry(false))],
    ['DepthwiseConv2dNativeBackpropInput', convBackpropInput(tfjsGeometry(true))],
    ['DepthwiseConv2dNativeBackpropFilter', convBackpropFilter(tfjsGeometry(true))],
    ['FusedBatchNorm', batchNorm],
    ['MaxPool', pool('max')],
    ['AvgPool', pool('avg')],
    ['MaxPoolGrad', poolGrad('max')],
    ['AvgPoolGrad', poolGrad('avg')],
  ];
}

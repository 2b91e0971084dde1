// The torch backend's grouped convolution kernels (src/engine/grouped-conv.ts): forward and both
// gradients as single libtorch calls with a group count — the spatial kernels' convolutions, with
// the geometry given explicitly instead of in tfjs's attrs.
import {
  GROUPED_CONV2D,
  GROUPED_CONV2D_BACKPROP_FILTER,
  GROUPED_CONV2D_BACKPROP_INPUT,
  type GroupedConvAttrs,
  groupedConvOutputShape,
} from '../grouped-conv.js';
import type { Impl } from './kernel-support.js';
import {
  convBackpropFilter,
  convBackpropInput,
  convolution,
  type GeometryOf,
} from './spatial-kernels.js';

const groupedGeometry: GeometryOf = (xShape, filterShape, attrs) => {
  const a = attrs as unknown as GroupedConvAttrs;
  return {
    strides: a.strides,
    pads: a.pads,
    dilations: a.dilations,
    grouping: a.groups,
    outShape: groupedConvOutputShape(xShape, filterShape, a),
  };
};

/** The grouped conv kernels by kernel name. */
export function groupedKernels(): [string, Impl][] {
  return [
    [GROUPED_CONV2D, convolution(groupedGeometry)],
    [GROUPED_CONV2D_BACKPROP_INPUT, convBackpropInput(groupedGeometry)],
    [GROUPED_CONV2D_BACKPROP_FILTER, convBackpropFilter(groupedGeometry)],
  ];
}

// The torch backend's grouped convolution kernels (src/engine/grouped-conv.ts): forward and both
// gradients as single libtorch calls with a group count, on channels-last views of the NHWC data.
import {
  GROUPED_CONV2D,
  GROUPED_CONV2D_BACKPROP_FILTER,
  GROUPED_CONV2D_BACKPROP_INPUT,
  type GroupedConvAttrs,
  groupedConvOutputShape,
} from '../grouped-conv.js';
import { type Impl, input } from './kernel-support.js';

const attrsOf = (attrs: unknown) => attrs as GroupedConvAttrs;

const groupedConv: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const filter = input(inputs, 'filter');
  const a = attrsOf(attrs);
  const h = addon.conv2d(
    backend.handleOf(x),
    backend.handleOf(filter),
    a.strides,
    a.pads,
    a.dilations,
    a.groups,
  );
  return backend.output(h, groupedConvOutputShape(x.shape, filter.shape, a), 'float32');
};

const groupedConvBackpropInput: Impl = ({ inputs, attrs }, backend, addon) => {
  const a = attrsOf(attrs);
  const inputShape = [...((attrs?.inputShape as number[]) ?? [])];
  const h = addon.conv2dBackprop(
    'input',
    inputShape,
    backend.handleOf(input(inputs, 'dy')),
    backend.handleOf(input(inputs, 'filter')),
    a.strides,
    a.pads,
    a.dilations,
    a.groups,
  );
  return backend.output(h, inputShape, 'float32');
};

const groupedConvBackpropFilter: Impl = ({ inputs, attrs }, backend, addon) => {
  const a = attrsOf(attrs);
  const filterShape = [...((attrs?.filterShape as number[]) ?? [])];
  const h = addon.conv2dBackprop(
    'filter',
    backend.handleOf(input(inputs, 'x')),
    backend.handleOf(input(inputs, 'dy')),
    filterShape,
    a.strides,
    a.pads,
    a.dilations,
    a.groups,
  );
  return backend.output(h, filterShape, 'float32');
};

/** The grouped conv kernels by kernel name. */
export function groupedKernels(): [string, Impl][] {
  return [
    [GROUPED_CONV2D, groupedConv],
    [GROUPED_CONV2D_BACKPROP_INPUT, groupedConvBackpropInput],
    [GROUPED_CONV2D_BACKPROP_FILTER, groupedConvBackpropFilter],
  ];
}

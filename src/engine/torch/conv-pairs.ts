// Both gradients of a convolution in one libtorch call. tfjs asks for them as two kernels — the
// input gradient (dy, filter) and then the filter gradient (x, dy) — from every conv gradient
// (Conv2D's, DepthwiseConv2dNative's, and the fused convs' custom gradient), and each separate
// libtorch call sets up and reorders for oneDNN on its own. So the input gradient is deferred:
// its kernel returns an output with no data yet, and when the filter gradient of the same dy and
// geometry follows, one convolution_backward computes both and fills it in. Used any other way
// first (a frozen conv's filter gradient is never asked for), it is computed alone then.
import type * as tf from '@tensorflow/tfjs';
import type { Handle, TorchAddon } from './addon.js';
import type { TorchBackend } from './backend.js';
import type { ConvGeometry } from './spatial-kernels.js';

interface Pending {
  dyId: tf.DataId;
  /** Views that keep dy's and the filter's data alive until the input gradient is computed. */
  dy: Handle;
  w: Handle;
  inputShape: number[];
  filterShape: number[];
  g: ConvGeometry;
  out?: tf.DataId;
}

/** The latest deferred input gradient of each backend, while it is still deferred. */
const latest = new WeakMap<TorchBackend, Pending>();

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

const sameGeometry = (a: ConvGeometry, b: ConvGeometry) =>
  same(a.strides, b.strides) &&
  same(a.pads, b.pads) &&
  same(a.dilations, b.dilations) &&
  a.grouping === b.grouping;

/** The input gradient of a conv as a deferred output (see the header). */
export function deferredInputGradient(
  backend: TorchBackend,
  addon: TorchAddon,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: number[],
  g: ConvGeometry,
): tf.TensorInfo {
  const pending: Pending = {
    dyId: dy.dataId,
    dy: addon.reshape(backend.handleOf(dy), [...dy.shape]),
    w: addon.reshape(backend.handleOf(filter), [...filter.shape]),
    inputShape,
    filterShape: [...filter.shape],
    g,
  };
  const out = backend.deferredOutput(
    {
      compute: () =>
        addon.conv2dBackprop(
          'input',
          inputShape,
          pending.dy,
          pending.w,
          g.strides,
          g.pads,
          g.dilations,
          g.grouping,
        ),
      release: () => {
        addon.free(pending.dy);
        addon.free(pending.w);
        if (latest.get(backend) === pending) latest.delete(backend);
      },
    },
    inputShape,
    'float32',
  );
  pending.out = out.dataId;
  latest.set(backend, pending);
  return out;
}

/**
 * The filter gradient of (x, dy), computed together with the deferred input gradient of the same
 * dy and geometry when there is one (which it then fills in); undefined when there is none.
 */
export function pairedFilterGradient(
  backend: TorchBackend,
  addon: TorchAddon,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: number[],
  g: ConvGeometry,
): Handle | undefined {
  const pending = latest.get(backend);
  if (
    !pending ||
    !addon.conv2dBackward ||
    pending.dyId !== dy.dataId ||
    !same(pending.inputShape, x.shape) ||
    !same(pending.filterShape, filterShape) ||
    !sameGeometry(pending.g, g)
  ) {
    return undefined;
  }
  const [dx, dw] = addon.conv2dBackward(
    backend.handleOf(x),
    pending.dy,
    pending.w,
    g.strides,
    g.pads,
    g.dilations,
    g.grouping,
  );
  if (!backend.supply(pending.out!, dx)) addon.free(dx);
  return dw;
}

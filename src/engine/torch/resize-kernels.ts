// ResizeBilinear and its gradient on the torch backend as two matmuls with interpolation
// matrices (one per axis), built with tfjs's exact source-coordinate rules (alignCorners,
// halfPixelCenters, the clamped floor/ceil taps). libtorch's own upsampling has only the
// half-pixel and align-corners conventions, not tfjs's default asymmetric one, which Keras's
// UpSampling2D uses. Bilinear weights are separable, so out = Rh · x · Rwᵀ per channel.
import { type Impl, input } from './kernel-support.js';

/** [out × in] weights of one axis, as tfjs's cpu kernel samples it. */
export function interpolationMatrix(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Float32Array {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const lo = Math.max(0, Math.floor(src));
    const hi = Math.min(inSize - 1, Math.ceil(src));
    const frac = src - lo;
    m[o * inSize + lo] += 1 - frac;
    m[o * inSize + hi] += frac;
  }
  return m;
}

function matrices(
  attrs: Record<string, unknown> | undefined,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
) {
  const align = attrs?.alignCorners === true;
  const half = attrs?.halfPixelCenters === true;
  return {
    rows: interpolationMatrix(inH, outH, align, half),
    cols: interpolationMatrix(inW, outW, align, half),
  };
}

const resizeBilinear: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'images');
  if (x.shape.length !== 4 || x.dtype !== 'float32') return null;
  const [b, h, w, c] = x.shape;
  const [outH, outW] = (attrs?.size ?? []) as [number, number];
  const { rows, cols } = matrices(attrs, h, w, outH, outW);
  const rh = addon.create(rows, [1, outH, h], 'float32');
  const rw = addon.create(cols, [1, outW, w], 'float32');
  const flat = addon.reshape(backend.handleOf(x), [b, h, w * c]);
  const tall = addon.matmul(rh, flat, false, false); // [b, outH, w·c]
  const strips = addon.reshape(tall, [b * outH, w, c]);
  const wide = addon.matmul(rw, strips, false, false); // [b·outH, outW, c]
  const shape = [b, outH, outW, c];
  const out = addon.reshape(wide, shape);
  for (const handle of [rh, rw, flat, tall, strips, wide]) addon.free(handle);
  return backend.output(out, shape, 'float32');
};

const resizeBilinearGrad: Impl = ({ inputs, attrs }, backend, addon) => {
  const dy = input(inputs, 'dy');
  const images = input(inputs, 'images');
  if (dy.shape.length !== 4 || dy.dtype !== 'float32') return null;
  const [b, outH, outW, c] = dy.shape;
  const [, h, w] = images.shape;
  const { rows, cols } = matrices(attrs, h, w, outH, outW);
  const rh = addon.create(rows, [1, outH, h], 'float32');
  const rw = addon.create(cols, [1, outW, w], 'float32');
  const strips = addon.reshape(backend.handleOf(dy), [b * outH, outW, c]);
  const narrow = addon.matmul(rw, strips, true, false); // [b·outH, w, c]
  const flat = addon.reshape(narrow, [b, outH, w * c]);
  const short = addon.matmul(rh, flat, true, false); // [b, h, w·c]
  const shape = [b, h, w, c];
  const out = addon.reshape(short, shape);
  for (const handle of [rh, rw, strips, narrow, flat, short]) addon.free(handle);
  return backend.output(out, shape, 'float32');
};

export function resizeKernels(): [string, Impl][] {
  return [
    ['ResizeBilinear', resizeBilinear],
    ['ResizeBilinearGrad', resizeBilinearGrad],
  ];
}

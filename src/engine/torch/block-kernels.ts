// SpaceToBatchND and BatchToSpaceND on the torch backend for NHWC tensors with a 2-D block, as
// pad + reshape + transpose + reshape (and crop). They carry the atrous convolutions of the
// DeepLab decoder (heads/segmentation/atrous-conv.ts), where the cpu fallback took 85% of a
// training step. Each op's gradient is the other, so both directions stay native.
import { type Impl, input } from './kernel-support.js';

const spaceToBatch: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const block = attrs?.blockShape as number[];
  const paddings = attrs?.paddings as [number, number][];
  if (x.shape.length !== 4 || block.length !== 2) return null;
  const [b, h, w, c] = x.shape;
  const [bh, bw] = block;
  const hp = h + paddings[0][0] + paddings[0][1];
  const wp = w + paddings[1][0] + paddings[1][1];
  const padded = addon.pad(backend.handleOf(x), [0, 0, ...paddings[0], ...paddings[1], 0, 0], 0);
  const split = addon.reshape(padded, [b, hp / bh, bh, wp / bw, bw, c]);
  addon.free(padded);
  const moved = addon.transpose(split, [2, 4, 0, 1, 3, 5]);
  addon.free(split);
  const shape = [bh * bw * b, hp / bh, wp / bw, c];
  const out = addon.reshape(moved, shape);
  addon.free(moved);
  return backend.output(out, shape, x.dtype);
};

const batchToSpace: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const block = attrs?.blockShape as number[];
  const crops = attrs?.crops as [number, number][];
  if (x.shape.length !== 4 || block.length !== 2) return null;
  const [n, h, w, c] = x.shape;
  const [bh, bw] = block;
  const b = n / (bh * bw);
  const split = addon.reshape(backend.handleOf(x), [bh, bw, b, h, w, c]);
  const moved = addon.transpose(split, [2, 3, 0, 4, 1, 5]);
  addon.free(split);
  const joined = addon.reshape(moved, [b, h * bh, w * bw, c]);
  addon.free(moved);
  const shape = [b, h * bh - crops[0][0] - crops[0][1], w * bw - crops[1][0] - crops[1][1], c];
  const out = addon.slice(joined, [0, crops[0][0], crops[1][0], 0], shape);
  addon.free(joined);
  return backend.output(out, shape, x.dtype);
};

export function blockKernels(): [string, Impl][] {
  return [
    ['SpaceToBatchND', spaceToBatch],
    ['BatchToSpaceND', batchToSpace],
  ];
}

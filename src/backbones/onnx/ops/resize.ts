// Resize (and Upsample) of an image to a size known at import time — the segmentation heads'
// F.interpolate back to the input size and FPN's top-down upsampling: 'linear' with half-pixel
// or align-corners coordinates, 'nearest' with asymmetric coordinates and floor rounding (what
// PyTorch exports); other modes are refused.
import type { OpConverter } from '../context.js';
import { tensorValue } from '../context.js';
import { OnnxResize } from '../layers.js';

const HALF_PIXEL = new Set(['half_pixel', 'pytorch_half_pixel']);

const resize: OpConverter = (ctx) => {
  const x = ctx.tensor(0);
  if (x.shape.length !== 4) throw ctx.fail('Resize is supported on images (4-D) only');
  const [, h, w, c] = x.shape as number[];
  const upsample = ctx.node.opType === 'Upsample';
  const sizes = !upsample ? ctx.optionalConstant(3) : undefined;
  const scales = ctx.optionalConstant(upsample ? 1 : 2);
  let size: number[];
  if (sizes && sizes.data.length === 4) size = Array.from(sizes.data);
  else if (scales && scales.data.length === 4)
    size = [1, c, h, w].map((d, i) => Math.floor(d * Number(scales.data[i])));
  else throw ctx.fail('Resize needs constant scales or sizes');
  if (size[1] !== c) throw ctx.fail('Resize of the batch or channel axis is not supported');
  const mode = ctx.string('mode', 'nearest');
  const transform = ctx.string('coordinate_transformation_mode', 'half_pixel');
  const nearest = ctx.string('nearest_mode', 'round_prefer_floor');
  const linear = mode === 'linear' && (HALF_PIXEL.has(transform) || transform === 'align_corners');
  const floor =
    mode === 'nearest' && (upsample || (transform === 'asymmetric' && nearest === 'floor'));
  if (!linear && !floor)
    throw ctx.fail(`Resize mode ${mode} with ${transform} coordinates is not supported`);
  const layer = new OnnxResize({
    size: [size[2], size[3]],
    mode: linear ? 'linear' : 'nearest',
    alignCorners: transform === 'align_corners',
    name: ctx.layerName(),
  });
  return tensorValue(ctx.apply(layer, x));
};

export const resizeOps: Record<string, OpConverter> = { Resize: resize, Upsample: resize };

// The options of `importOnnx` / `visiontune import`: one schema for the library and the flags.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { overwriteField } from '../../config/run-fields.js';

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const importOnnxOptionsSchema = z.object({
  out: opt(z.string().min(1), 'folder for model.json, weights and backbone.json', { arg: 'dir' }),
  overwrite: overwriteField,
  name: opt(z.string().min(1).optional(), 'model name (default: the file name)'),
  /** ONNX node name (or output name) whose output ends the model. */
  cut: opt(z.string().optional(), 'ONNX node (or output) name whose output ends the model', {
    arg: 'node',
  }),
  /** Square input side when the ONNX input's is not fixed. */
  inputSize: opt(
    z.number().int().min(8).optional(),
    'square input when the ONNX input size is not fixed (default 224)',
    { arg: 'px' },
  ),
  mean: opt(rgb.optional(), "input = (pixel/255 - mean) / std (default ImageNet's)", {
    arg: 'r,g,b',
  }),
  std: opt(rgb.optional(), "per-channel std (default ImageNet's)", { arg: 'r,g,b' }),
});

export type ImportOnnxOptions = z.input<typeof importOnnxOptionsSchema>;

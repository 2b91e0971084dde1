// `visiontune import model.onnx --out DIR`: an ONNX CNN as a trainable TF.js layers backbone
// (use it with `--backbone DIR`).
import type { Command } from 'commander';
import { importOnnx } from '../../backbones/onnx/import.js';
import { importOnnxOptionsSchema } from '../../backbones/onnx/import-options.js';
import { defineCommand } from '../define-command.js';

export function importCommand(program: Command): void {
  defineCommand(program, {
    name: 'import',
    description: 'convert an ONNX CNN (torchvision, timm exports) into a trainable backbone',
    args: [['<model>', 'the .onnx file']],
    options: importOnnxOptionsSchema,
    what: 'import',
    async run(options, { out, args }) {
      const result = await importOnnx(args[0] as string, options);
      const { config } = result;
      out.result(result, () =>
        [
          `${result.name}: ${result.layers} layers, ${result.parameters.toLocaleString('en')} parameters`,
          `ONNX operators: ${Object.entries(result.opCounts)
            .map(([op, n]) => `${op} ${n}`)
            .join(', ')}`,
          `input ${config.inputSize}px, mean ${config.mean.join('/')}, std ${config.std.join('/')}`,
          `embedding: ${config.embeddingLayer} (${config.embeddingDim}-d)`,
          `taps: ${config.taps.map((t) => `stride ${t.stride} ${t.layer}`).join(', ') || '(none)'}`,
          `saved: ${result.dir} (use --backbone ${result.dir})`,
        ].join('\n'),
      );
    },
  });
}

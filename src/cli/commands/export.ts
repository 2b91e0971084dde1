// `visiontune export --model BUNDLE --format onnx --out model.onnx`: the bundle as an ONNX model
// for ONNX Runtime (Node, browser, mobile, C++, Python), its labels and preprocessing in the
// file's metadata. By default the export is run once in ONNX Runtime against TF.js on a random
// batch and the largest difference reported; one beyond the tolerance (onnx/check.ts) is refused.
import type { Command } from 'commander';
import { z } from 'zod';
import { loadBundle } from '../../bundle/bundle.js';
import { checkOnnxExport } from '../../bundle/onnx/check.js';
import { bundleToOnnx } from '../../bundle/onnx/export-bundle.js';
import { opt } from '../../config/options.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput } from '../../errors.js';
import { defineCommand } from '../define-command.js';

const exportOptions = z.object({
  model: opt(z.string().min(1), 'model bundle folder, or a run folder (its bundle/)', {
    arg: 'dir',
  }),
  out: opt(z.string().min(1), 'the .onnx file to write', { arg: 'file' }),
  format: opt(z.enum(['onnx']).default('onnx'), 'output format'),
  check: opt(z.boolean().default(true), 'skip running the export in ONNX Runtime against TF.js'),
});

export function exportCommand(program: Command): void {
  defineCommand(program, {
    name: 'export',
    description: 'write a model bundle as an ONNX model (labels and preprocessing in its metadata)',
    options: exportOptions,
    what: 'export',
    async run(options, { out }) {
      const bundle = await loadBundle(options.model);
      const bytes = bundleToOnnx(bundle);
      const check = options.check ? await checkOnnxExport(bundle.model, bytes) : undefined;
      // A failed check writes nothing: a wrong model is worse than none.
      if (check && !check.passed) {
        throw badInput(
          `the ONNX export of ${options.model} differs from TF.js by ${check.maxAbsError} (max |output| ${check.maxAbs}, tolerance ${check.tolerance}); not written. Please report this model.`,
        );
      }
      await writeFileAtomic(options.out, bytes);
      const result = {
        model: options.model,
        out: options.out,
        task: bundle.meta.task,
        bytes: bytes.byteLength,
        check: check ?? null,
      };
      out.result(result, () =>
        [
          `wrote ${options.out} (${(bytes.byteLength / 1e6).toFixed(2)} MB, ${bundle.meta.task}, opset 17)`,
          check
            ? `checked in ONNX Runtime: max |onnx - tfjs| ${check.maxAbsError.toExponential(2)} over outputs ${check.shapes.map((s) => `[${s}]`).join(', ')} (max |output| ${check.maxAbs.toFixed(3)}, tolerance ${check.tolerance.toExponential(2)})`
            : 'not checked (--no-check)',
        ].join('\n'),
      );
    },
  });
}

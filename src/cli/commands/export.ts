// `visiontune export --model BUNDLE --format onnx --out model.onnx`: the bundle as an ONNX model
// for ONNX Runtime (Node, browser, mobile, C++, Python), its labels and preprocessing in the
// file's metadata. By default the export is run once in ONNX Runtime against TF.js on a random
// batch and the largest difference reported.
import type { Command } from 'commander';
import { loadBundle } from '../../bundle/bundle.js';
import { checkOnnxExport } from '../../bundle/onnx/check.js';
import { bundleToOnnx } from '../../bundle/onnx/export-bundle.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput, badUsage } from '../../errors.js';
import { addCommonFlags, type CommonFlags, setUp } from '../common.js';

interface ExportFlags extends CommonFlags {
  model: string;
  format: string;
  out: string;
  check: boolean;
}

/** Exports that differ from TF.js by more than this fail the check (float32 rounding is ~1e-6). */
export const EXPORT_TOLERANCE = 1e-4;

export function exportCommand(program: Command): void {
  addCommonFlags(
    program
      .command('export')
      .description(
        'write a model bundle as an ONNX model (labels and preprocessing in its metadata)',
      )
      .requiredOption('--model <dir>', 'model bundle folder')
      .requiredOption('--out <file>', 'the .onnx file to write')
      .option('--format <format>', 'output format (onnx)', 'onnx')
      .option('--no-check', 'skip running the export in ONNX Runtime against TF.js'),
  ).action(async (flags: ExportFlags) => {
    if (flags.format !== 'onnx')
      throw badUsage(`--format: only 'onnx' is supported (got '${flags.format}')`);
    const { out } = await setUp(flags);
    const bundle = await loadBundle(flags.model);
    const bytes = bundleToOnnx(bundle);
    const check = flags.check ? await checkOnnxExport(bundle.model, bytes) : undefined;
    // A failed check writes nothing: a wrong model is worse than none.
    if (check && !(check.maxAbsError <= EXPORT_TOLERANCE)) {
      throw badInput(
        `the ONNX export of ${flags.model} differs from TF.js by ${check.maxAbsError} (max |output| ${check.maxAbs}); not written. Please report this model.`,
      );
    }
    await writeFileAtomic(flags.out, bytes);
    const result = {
      model: flags.model,
      out: flags.out,
      task: bundle.meta.task,
      bytes: bytes.byteLength,
      check: check ?? null,
    };
    out.result(result, () =>
      [
        `wrote ${flags.out} (${(bytes.byteLength / 1e6).toFixed(2)} MB, ${bundle.meta.task}, opset 17)`,
        check
          ? `checked in ONNX Runtime: max |onnx - tfjs| ${check.maxAbsError.toExponential(2)} over outputs ${check.shapes.map((s) => `[${s}]`).join(', ')} (max |output| ${check.maxAbs.toFixed(3)})`
          : 'not checked (--no-check)',
      ].join('\n'),
    );
  });
}

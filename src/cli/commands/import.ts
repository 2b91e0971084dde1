// `visiontune import model.onnx --out DIR`: an ONNX CNN as a trainable TF.js layers backbone
// (use it with `--backbone DIR`).
import type { Command } from 'commander';
import { importOnnx } from '../../backbones/onnx/import.js';
import { badUsage } from '../../errors.js';
import { addCommonFlags, type CommonFlags, parseInteger, setUp } from '../common.js';

interface ImportFlags extends CommonFlags {
  out: string;
  name?: string;
  cut?: string;
  inputSize?: number;
  mean?: string;
  std?: string;
}

function triple(flag: string, value: string | undefined): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const v = value.split(',').map(Number);
  if (v.length !== 3 || !v.every(Number.isFinite))
    throw badUsage(`${flag}: expected three numbers like 0.485,0.456,0.406 (got '${value}')`);
  return [v[0], v[1], v[2]];
}

export function importCommand(program: Command): void {
  addCommonFlags(
    program
      .command('import')
      .description('convert an ONNX CNN (torchvision, timm exports) into a trainable backbone')
      .argument('<model>', 'the .onnx file')
      .requiredOption('--out <dir>', 'folder for model.json, weights and backbone.json')
      .option('--name <name>', 'model name (default: the file name)')
      .option('--cut <node>', 'ONNX node (or output) name whose output ends the model')
      .option(
        '--input-size <px>',
        'square input when the ONNX input size is not fixed (default 224)',
        parseInteger('--input-size', 8),
      )
      .option('--mean <r,g,b>', "input = (pixel/255 - mean) / std (default ImageNet's)")
      .option('--std <r,g,b>', "per-channel std (default ImageNet's)"),
  ).action(async (file: string, flags: ImportFlags) => {
    const { out } = await setUp(flags);
    const result = await importOnnx(file, {
      out: flags.out,
      name: flags.name,
      cut: flags.cut,
      inputSize: flags.inputSize,
      mean: triple('--mean', flags.mean),
      std: triple('--std', flags.std),
    });
    const { config } = result;
    out.result(result, () =>
      [
        `${result.name}: ${result.layers} layers, ${result.parameters.toLocaleString('en')} parameters`,
        `ONNX operators: ${Object.entries(result.opCounts)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`,
        `input ${config.inputSize}px, mean ${config.mean.join('/')}, std ${config.std.join('/')}`,
        `taps: ${config.taps.map((t) => `stride ${t.stride} ${t.layer}`).join(', ') || '(none)'}`,
        `saved: ${result.dir} (use --backbone ${result.dir})`,
      ].join('\n'),
    );
  });
}

// ONNX fixtures for the importer's tests (not a test itself): torchvision models exported by
// scripts/onnx/make_fixtures.py (and small configured instances of each torchvision family by
// scripts/onnx/zoo_export.py) with PyTorch's outputs on seeded inputs. Too large to commit
// (resnet18 ≈ 45 MB), so they are made on first use into fixtures/ (git-ignored) when Debian's
// python3-torch and python3-torchvision are installed; tests skip without them, unless
// VISIONTUNE_REQUIRE_ONNX_FIXTURES is set (CI), where that is a failure.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makePythonFixtures, REPO_ROOT as ROOT, readFloats } from '../../util/python-fixtures.js';

export interface OnnxFixture {
  name: string;
  file: string;
  inputShape: number[];
  input: Float32Array;
  output: Float32Array;
}

/** Runs scripts/onnx/`script` into `dir` unless its manifest is there; a skip reason or null. */
const make = (dir: string, script: string, args: string[]) =>
  makePythonFixtures(`scripts/onnx/${script}`, dir, args, 'python3-torch python3-torchvision');

/** What each fixture set adds to the default export (opset 13, BatchNorm folded into convs). */
const SETS = {
  folded: [],
  batchnorm: ['--keep-bn', '--models', 'resnet18,mobilenet_v2,se_hardswish_net'],
  opset11: ['--opset', '11', '--models', 'mobilenet_v3_large,se_hardswish_net'],
  // Opset 14+ exports HardSwish as its own node.
  opset17: ['--opset', '17', '--models', 'mobilenet_v3_large,se_hardswish_net'],
} as const;
export type FixtureSet = keyof typeof SETS;

export function onnxFixtures(kind: FixtureSet): { skip: string | false; models: OnnxFixture[] } {
  const dir = path.join(ROOT, 'fixtures', kind === 'folded' ? 'onnx' : `onnx-${kind}`);
  const reason = make(dir, 'make_fixtures.py', ['--size', '64', ...SETS[kind]]);
  if (reason) return { skip: reason, models: [] };
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return {
    skip: false,
    models: manifest.models.map((m: { name: string; inputShape: number[] }) => ({
      name: m.name,
      file: path.join(dir, `${m.name}.onnx`),
      inputShape: m.inputShape,
      input: readFloats(path.join(dir, `${m.name}.input.bin`)),
      output: readFloats(path.join(dir, `${m.name}.output.bin`)),
    })),
  };
}

/** One small instance per torchvision family the importer covers beyond plain convnets. */
export const ZOO_FIXTURES = [
  'tiny_shufflenet',
  'tiny_densenet',
  'tiny_convnext',
  'tiny_vit',
  'tiny_swin',
  'tiny_maxvit',
  'tiny_lraspp',
  'tiny_fpn',
] as const;

export interface ZooFixture extends OnnxFixture {
  /** The largest |value| of PyTorch's output: the scale the relative tolerance refers to. */
  outputScale: number;
  /** With --prelogits: the input of the model's final Linear layer (timm's pre-logits). */
  preLogits?: Float32Array;
}

/** Fixtures of scripts/onnx/zoo_export.py in fixtures/`folder`, made on first use. */
function zooSet(folder: string, names: readonly string[], args: string[] = []) {
  const dir = path.join(ROOT, 'fixtures', folder);
  const reason = make(dir, 'zoo_export.py', ['--models', names.join(','), ...args]);
  if (reason) return { skip: reason, models: [] };
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return {
    skip: false as const,
    models: manifest.models.map(
      (m: {
        name: string;
        file: string;
        inputShape: number[];
        outputScale: number;
        preLogitsShape?: number[];
      }): ZooFixture => {
        const stem = path.join(dir, m.file.replace(/\.onnx$/, ''));
        return {
          name: m.name,
          file: path.join(dir, m.file),
          inputShape: m.inputShape,
          input: readFloats(`${stem}.input.bin`),
          output: readFloats(`${stem}.output.bin`),
          outputScale: m.outputScale,
          ...(m.preLogitsShape ? { preLogits: readFloats(`${stem}.prelogits.bin`) } : {}),
        };
      },
    ),
  };
}

/** The families' fixtures (fixtures/onnx-zoo), made on first use as onnxFixtures' are. */
export function zooFixtures(): { skip: string | false; models: ZooFixture[] } {
  return zooSet('onnx-zoo', ZOO_FIXTURES);
}

/** Classifiers whose default cut differs by family: token models and CNNs with normed heads. */
export const PRE_LOGITS_FIXTURES = [
  'tiny_vit',
  'tiny_maxvit',
  'tiny_swin',
  'tiny_convnext',
] as const;

/** Those classifiers with PyTorch's pre-logits (fixtures/onnx-prelogits). */
export function preLogitsFixtures(): { skip: string | false; models: ZooFixture[] } {
  return zooSet('onnx-prelogits', PRE_LOGITS_FIXTURES, ['--prelogits']);
}

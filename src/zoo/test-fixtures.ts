// Weight-file fixtures for the zoo tests (not a test itself): files with the real layout of the
// Keras Applications `.h5` files (scripts/zoo/make_keras_fixtures.py) and of the ONNX Model Zoo
// files (scripts/zoo/make_onnx_zoo_fixtures.py), holding torchvision's random weights, with
// PyTorch's outputs as the reference, made on first use into fixtures/zoo/.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makePythonFixtures, REPO_ROOT, readFloats } from '../util/python-fixtures.js';

export interface KerasFixture {
  /** The registry name whose file this stands in for. */
  name: string;
  /** The file, at its zoo path under `mirror`. */
  file: string;
  sha256: string;
  inputShape: number[];
  outputShape: number[];
  /** NHWC, in the channel order the Keras model reads (BGR for 'caffe' preprocessing). */
  input: Float32Array;
  output: Float32Array;
  inputChannelOrder: 'RGB' | 'BGR';
}

export interface OnnxZooFixture {
  /** The registry name whose file this stands in for. */
  name: string;
  /** The file, at its zoo path under `mirror`. */
  file: string;
  /** Its path under a mirror (the entry's). */
  path: string;
  sha256: string;
  bytes: number;
  /** NCHW, as PyTorch took it. */
  inputShape: number[];
  input: Float32Array;
  /** PyTorch's last feature map at each stride (NCHW), the stride-32 one pooled by the head. */
  maps: Record<'4' | '8' | '16' | '32', { shape: number[]; data: Float32Array }>;
}

/** `script`'s fixtures in fixtures/zoo/<its digest>/ (a changed script makes them anew). */
function scriptFixtures(script: string, args: string[], packages: string) {
  const version = createHash('sha256')
    .update(readFileSync(path.join(REPO_ROOT, script)))
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(REPO_ROOT, 'fixtures', 'zoo', version);
  const mirror = path.join(dir, 'mirror');
  const skip = makePythonFixtures(script, dir, args, packages);
  const manifest = skip
    ? { fixtures: [] }
    : JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return { skip: skip ?? (false as const), dir, mirror, manifest };
}

export function kerasFixtures(): {
  skip: string | false;
  mirror: string;
  fixtures: KerasFixture[];
} {
  const { skip, dir, mirror, manifest } = scriptFixtures(
    'scripts/zoo/make_keras_fixtures.py',
    ['--size', '64'],
    'python3-torch python3-torchvision python3-h5py',
  );
  return {
    skip,
    mirror,
    fixtures: manifest.fixtures.map((f: KerasFixture & { path: string }) => ({
      ...f,
      file: path.join(mirror, ...f.path.split('/')),
      input: readFloats(path.join(dir, `${f.name}.input.bin`)),
      output: readFloats(path.join(dir, `${f.name}.output.bin`)),
    })),
  };
}

export function onnxZooFixtures(): {
  skip: string | false;
  mirror: string;
  fixtures: OnnxZooFixture[];
} {
  const { skip, dir, mirror, manifest } = scriptFixtures(
    'scripts/zoo/make_onnx_zoo_fixtures.py',
    [],
    'python3-torch python3-torchvision',
  );
  type Stored = Omit<OnnxZooFixture, 'file' | 'input' | 'maps'> & {
    maps: Record<string, number[]>;
  };
  return {
    skip,
    mirror,
    fixtures: manifest.fixtures.map((f: Stored) => ({
      ...f,
      file: path.join(mirror, ...f.path.split('/')),
      input: readFloats(path.join(dir, `${f.name}.input.bin`)),
      maps: Object.fromEntries(
        Object.entries(f.maps).map(([s, shape]) => [
          s,
          { shape, data: readFloats(path.join(dir, `${f.name}.s${s}.bin`)) },
        ]),
      ),
    })),
  };
}

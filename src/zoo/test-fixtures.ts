// Keras weight-file fixtures for the zoo tests (not a test itself): the files of the real Keras
// Applications layout, holding torchvision's random weights, with PyTorch's output as the
// reference (scripts/zoo/make_keras_fixtures.py), made on first use into fixtures/zoo/.
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

export function kerasFixtures(): {
  skip: string | false;
  mirror: string;
  fixtures: KerasFixture[];
} {
  const script = 'scripts/zoo/make_keras_fixtures.py';
  // Keyed by the script's digest: a checkout whose script writes more fixtures makes them anew.
  const version = createHash('sha256')
    .update(readFileSync(path.join(REPO_ROOT, script)))
    .digest('hex')
    .slice(0, 12);
  const dir = path.join(REPO_ROOT, 'fixtures', 'zoo', version);
  const mirror = path.join(dir, 'mirror');
  const reason = makePythonFixtures(
    script,
    dir,
    ['--size', '64'],
    'python3-torch python3-torchvision python3-h5py',
  );
  if (reason) return { skip: reason, mirror, fixtures: [] };
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  return {
    skip: false,
    mirror,
    fixtures: manifest.fixtures.map((f: KerasFixture & { path: string }) => ({
      ...f,
      file: path.join(mirror, ...f.path.split('/')),
      input: readFloats(path.join(dir, `${f.name}.input.bin`)),
      output: readFloats(path.join(dir, `${f.name}.output.bin`)),
    })),
  };
}

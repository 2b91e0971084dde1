// Bad weight files are refused as bad input naming the file: not HDF5 at all, cut short, or an
// HDF5 file that is not a Keras weight file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { readKerasWeights } from './keras-h5.js';
import { kerasFixtures } from './test-fixtures.js';

const refused = (file: string) => (e: unknown) =>
  e instanceof VisiontuneError && e.exitCode === 2 && e.message.includes(file);

test('random bytes are not an HDF5 file', () => {
  const bytes = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  assert.throws(() => readKerasWeights(bytes, 'noise.h5'), refused('noise.h5'));
});

const { skip, fixtures } = kerasFixtures();

test('a weight file cut short is refused, whichever the cut', { skip }, () => {
  const whole = readFileSync(fixtures.find((f) => f.name === 'mobilenet_v2_035.imagenet')!.file);
  for (const keep of [64, 2048, Math.floor(whole.length / 2), whole.length - 1000]) {
    assert.throws(
      () => {
        const layers = readKerasWeights(whole.subarray(0, keep), 'cut.h5');
        // Headers may survive a late cut: the arrays must not.
        for (const l of layers) for (const w of l.weights) void w.data;
      },
      refused('cut.h5'),
      `cut at ${keep} bytes`,
    );
  }
});

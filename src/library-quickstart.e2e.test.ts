// The README's library quick start, run as written: each ```ts block of that section is written
// to a file (its `from 'visiontune'` pointed at this checkout) and run with node in a folder that
// holds the image folders the examples name, so the examples cannot rot.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir, patternFolder } from './methods/fewshot/classifier/test-folders.js';
import { quickStartBlocks } from './readme-quickstart-testing.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIBRARY = path.join(ROOT, 'src/index.ts');

function runNode(file: string, cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // tsx from this checkout: the examples' folder has no node_modules of its own.
      ['--import', import.meta.resolve('tsx'), file],
      { cwd, maxBuffer: 1 << 24 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

test('every example of the README library quick start runs and prints its result', async () => {
  const blocks = await quickStartBlocks();
  assert.equal(blocks.length, 3, 'expected the train/predict, few-shot and adapt examples');
  const dir = await makeTempDir('vt-quickstart-');
  // The folders the examples name: loose photos, support sets, and two domains of one task.
  await patternFolder(path.join(dir, 'photos'), ['a', 'b'], 2);
  await patternFolder(path.join(dir, 'five-per-class'), ['mug', 'lamp', 'vase'], 5);
  await patternFolder(path.join(dir, 'new-products'), ['kettle', 'clock'], 5);
  await patternFolder(path.join(dir, 'studio'), ['mug', 'lamp', 'vase'], 12, 1);
  await patternFolder(path.join(dir, 'phone'), ['mug', 'lamp', 'vase'], 10, 2);
  await patternFolder(path.join(dir, 'phone-labelled'), ['mug', 'lamp', 'vase'], 4, 3);
  const expected = [
    /test accuracy \d\.\d{3}; bundle: runs\/quick\/bundle/,
    /classes now: (?=.*kettle)(?=.*mug).*/,
    /target accuracy \d\.\d{3}/,
  ];
  for (const [i, code] of blocks.entries()) {
    assert.match(code, /from 'visiontune'/, `example ${i + 1} imports the package`);
    const file = path.join(dir, `example-${i + 1}.mts`);
    await fs.writeFile(file, code.replaceAll("from 'visiontune'", `from '${LIBRARY}'`));
    const { code: exit, out } = await runNode(file, dir);
    assert.equal(exit, 0, `example ${i + 1} failed:\n${out}`);
    assert.match(out, expected[i], `example ${i + 1} printed:\n${out}`);
    // The predict example prints one line per photo (four) with its two best labels.
    if (i === 0) assert.equal(out.match(/^\S+ \S+ > \S+$/gm)?.length, 4, out);
  }
});

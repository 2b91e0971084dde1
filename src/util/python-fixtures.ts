// Test support (not a test): fixtures that Debian's PyTorch/h5py write on first use into the
// git-ignored fixtures/ folder (too large to commit). Without those packages the tests that need
// them skip, unless VISIONTUNE_REQUIRE_ONNX_FIXTURES is set (CI), where that is a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PYTHON = '/usr/bin/python3';

/**
 * Runs `script` (relative to the repo) with `--out dir …args` unless dir/manifest.json exists.
 * Returns why the fixtures are missing (a skip reason), or null when they are there.
 */
export function makePythonFixtures(
  script: string,
  dir: string,
  args: string[],
  packages: string,
): string | null {
  if (existsSync(path.join(dir, 'manifest.json'))) return null;
  // Written aside and renamed into place: test files running in parallel that both find the
  // folder missing never read each other's half-written files.
  const partial = `${dir}.partial-${process.pid}`;
  try {
    execFileSync(PYTHON, [path.join(REPO_ROOT, script), '--out', partial, ...args], {
      stdio: 'pipe',
    });
    try {
      renameSync(partial, dir);
    } catch (err) {
      // Another process finished first: use its files.
      if (!existsSync(path.join(dir, 'manifest.json'))) throw err;
    }
    return null;
  } catch (err) {
    const reason = `cannot make fixtures with ${script} (apt-get install ${packages}): ${(err as Error).message.split('\n')[0]}`;
    if (process.env.VISIONTUNE_REQUIRE_ONNX_FIXTURES) throw new Error(reason);
    return reason;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** A little-endian float32 file. */
export function readFloats(file: string): Float32Array {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

// Test support for the hostile-input suites: a temp root holding the data under test and, beside
// it, an "outside" folder of canary files that no command may read or write. Reads are caught by
// access times (set far in the past, so even a relatime mount updates them on a read), writes by
// modification times and content; on a file system that keeps no access times the read check
// falls back to the canary's secret text never showing in a command's output.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliRun, runCli } from '../cli/run-cli.js';

const LONG_AGO = new Date('2001-01-01T00:00:00Z');

export interface Canary {
  file: string;
  secret: string;
}

export interface HostileRoot {
  /** The temp root: everything a test makes lives here. */
  root: string;
  /** Where the data (or bundle) under test goes. */
  data: string;
  /** Files outside `data` that a command must never touch. */
  outside: string;
  /** Adds a canary file in `outside` (content: its secret, or `bytes`); returns its path. */
  canary(name: string, bytes?: Uint8Array): Promise<string>;
  /** Fails when a canary was read, written, or its secret shows in `runs`' output. */
  assertUntouched(...runs: CliRun[]): Promise<void>;
  cleanup(): Promise<void>;
}

let atimeWorks: Promise<boolean> | undefined;

/** Whether reading a file updates its access time here (noatime mounts do not). */
function accessTimesWork(dir: string): Promise<boolean> {
  atimeWorks ??= (async () => {
    const probe = path.join(dir, '.atime-probe');
    await fs.writeFile(probe, 'probe');
    await fs.utimes(probe, LONG_AGO, LONG_AGO);
    await fs.readFile(probe);
    const { atimeMs } = await fs.stat(probe);
    await fs.rm(probe);
    return atimeMs !== LONG_AGO.getTime();
  })();
  return atimeWorks;
}

export async function hostileRoot(): Promise<HostileRoot> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-hostile-'));
  const data = path.join(root, 'data');
  const outside = path.join(root, 'outside');
  await fs.mkdir(data);
  await fs.mkdir(outside);
  const canaries: Canary[] = [];
  const canary = async (name: string, bytes?: Uint8Array) => {
    const file = path.join(outside, name);
    const secret = `CANARY-${randomBytes(6).toString('hex')}`;
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes ?? `${secret}\n`);
    await fs.utimes(file, LONG_AGO, LONG_AGO);
    canaries.push({ file, secret });
    return file;
  };
  await canary('secret.txt');
  return {
    root,
    data,
    outside,
    canary,
    async assertUntouched(...runs) {
      const checkReads = await accessTimesWork(root);
      const output = runs.map((r) => r.stdout + r.stderr).join('\n');
      for (const c of canaries) {
        const st = await fs.stat(c.file).catch(() => undefined);
        assert.ok(st, `canary ${c.file} was removed`);
        assert.equal(st.mtimeMs, LONG_AGO.getTime(), `canary ${c.file} was written`);
        if (checkReads) assert.equal(st.atimeMs, LONG_AGO.getTime(), `canary ${c.file} was read`);
        assert.ok(!output.includes(c.secret), `canary ${c.file}'s content leaked into the output`);
      }
      const left = await fs.readdir(outside);
      const expected = new Set(
        canaries.map((c) => path.relative(outside, c.file).split(path.sep)[0]),
      );
      assert.deepEqual(
        left.filter((n) => !expected.has(n)),
        [],
        `files were written outside the data folder (${outside})`,
      );
    },
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}

/** Asserts a clean refusal: the exit code, no crash report, and each text in stderr. */
export function assertRefused(run: CliRun, code: number, ...texts: (string | RegExp)[]): void {
  const shown = `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`;
  assert.ok(!/internal error/i.test(run.stderr), `crashed instead of refusing:\n${shown}`);
  assert.equal(run.code, code, shown);
  for (const t of texts) {
    if (typeof t === 'string') assert.ok(run.stderr.includes(t), `stderr lacks '${t}':\n${shown}`);
    else assert.match(run.stderr, t, shown);
  }
}

/** The real `visiontune` command on the wasm backend (fast to start, the same on every machine). */
export function vt(...args: string[]): Promise<CliRun> {
  return runCli(args, 'wasm');
}

// Test and bench support: pack a project folder with npm and install the tarball into a fresh
// consumer project as a user would, with none of the npm_* settings that `npm test` or
// `npm run` put in the environment (a child npm would read them as flags).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The environment minus npm's own variables, plus `extra`. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const own = Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'));
  return { ...Object.fromEntries(own), ...extra };
}

export function run(
  file: string,
  args: string[],
  cwd: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd,
        env: options.env ?? userEnv(),
        maxBuffer: 1 << 26,
        timeout: options.timeoutMs ?? 600_000,
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          seconds: (performance.now() - start) / 1000,
        }),
    );
  });
}

/** Whether the npm registry answers; without it nothing can be installed. */
export async function registryReachable(): Promise<boolean> {
  const registry = (await run('npm', ['config', 'get', 'registry'], process.cwd())).stdout.trim();
  try {
    const res = await fetch(new URL('visiontune', registry || 'https://registry.npmjs.org/'), {
      method: 'HEAD',
      signal: AbortSignal.timeout(10_000),
    });
    return res.status < 500;
  } catch {
    return false;
  }
}

/** `npm pack` of `project` into `dest`; returns the tarball's path. */
export async function pack(project: string, dest: string, npmArgs: string[] = []): Promise<string> {
  const r = await run('npm', ['pack', '--pack-destination', dest, ...npmArgs], project);
  if (r.code !== 0) throw new Error(`npm pack failed in ${project}:\n${r.stderr.slice(-4000)}`);
  const tarball = (await fs.readdir(dest)).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball to ${dest}`);
  return path.join(dest, tarball);
}

/** Flags that only let npm use its cache and skip the audit and funding notices. */
export const QUIET_INSTALL = ['--prefer-offline', '--no-audit', '--no-fund'];

/** A fresh ESM project in `dir` that installs `tarball`; the install's run (code, time, output). */
export async function installInFreshProject(
  dir: string,
  tarball: string,
  env?: NodeJS.ProcessEnv,
): Promise<Run> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
  );
  return run('npm', ['install', tarball, ...QUIET_INSTALL], dir, env ? { env } : {});
}

/** Newest modification time (ms) of the files under `dir` whose path `keep` accepts. */
async function newest(dir: string, keep: (file: string) => boolean): Promise<number> {
  const files = (await fs.readdir(dir, { recursive: true })).filter(keep);
  const times = await Promise.all(
    files.map(async (f) => (await fs.stat(path.join(dir, f))).mtimeMs),
  );
  return Math.max(0, ...times);
}

/**
 * Whether `root`/dist was built after every source and build setting changed (as `npm ci` leaves
 * it), so packing need not build it again; false when dist/ is missing.
 */
export async function distIsFresh(root: string): Promise<boolean> {
  const built = await fs.stat(path.join(root, 'dist/index.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const settings = [
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'scripts/build-studio-ui.js',
  ];
  const changed = Math.max(
    await newest(path.join(root, 'src'), (f) => f.endsWith('.ts')),
    // The studio's frontend sources (built into dist/studio-ui).
    await newest(path.join(root, 'studio-ui'), () => true),
    ...(await Promise.all(settings.map(async (f) => (await fs.stat(path.join(root, f))).mtimeMs))),
  );
  return built > changed;
}

// What installing visiontune costs a user: `npm pack` of this checkout (and, with --before, of
// an older commit's package layout), then `npm install <tarball>` into a fresh project, timed;
// the size of that project's node_modules and its package count. Installs use npm's cache
// (--prefer-offline), so times are for a warm cache. A layout whose plain install fails is retried
// with `--env NAME=VALUE` settings and reported both ways.
// Prints JSON. Usage: node --import tsx bench/install.ts [--before <git ref>]
//   [--env npm_config_onnxruntime_node_install=skip]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installInFreshProject, pack, run, userEnv } from '../src/package/install-testing.js';
import { machineInfo } from './machine.js';
import { runAsScript } from './run-as-script.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface InstallCost {
  layout: string;
  tarballKb: number;
  ok: boolean;
  seconds: number;
  nodeModulesMb?: number;
  packages?: number;
  /** The last lines npm printed when it failed. */
  error?: string;
  /** Settings the install needed, when the plain one failed. */
  env?: Record<string, string>;
}

async function measure(layout: string, tarball: string, dir: string, env?: Record<string, string>) {
  const r = await installInFreshProject(dir, tarball, env ? userEnv(env) : undefined);
  const cost: InstallCost = {
    layout,
    tarballKb: Math.round((await fs.stat(tarball)).size / 1024),
    ok: r.code === 0,
    seconds: Number(r.seconds.toFixed(1)),
    ...(env ? { env } : {}),
  };
  if (!cost.ok) return { ...cost, error: r.stderr.trim().split('\n').slice(-6).join('\n') };
  const du = await run('du', ['-sk', 'node_modules'], dir);
  const list = await run('npm', ['ls', '--all', '--parseable'], dir);
  return {
    ...cost,
    nodeModulesMb: Math.round(Number(du.stdout.split('\t')[0]) / 1024),
    packages: list.stdout.trim().split('\n').length - 1,
  };
}

/** The files of commit `ref`, in a folder that borrows this checkout's node_modules to pack. */
async function checkout(ref: string, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const archive = path.join(dir, '..', 'source.tar');
  const r = await run('git', ['archive', '--output', archive, ref], ROOT);
  if (r.code !== 0) throw new Error(`git archive ${ref}: ${r.stderr}`);
  await run('tar', ['-xf', archive, '-C', dir], dir);
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function costs(layout: string, project: string, work: string, env: Record<string, string>) {
  const tarball = await pack(project, path.join(work, 'pack'));
  const plain = await measure(layout, tarball, path.join(work, 'plain'));
  if (plain.ok || Object.keys(env).length === 0) return [plain];
  return [plain, await measure(layout, tarball, path.join(work, 'with-env'), env)];
}

async function main() {
  const { values } = parseArgs({
    options: { before: { type: 'string' }, env: { type: 'string', multiple: true } },
  });
  const env = Object.fromEntries(
    (values.env ?? []).map((kv) => kv.split('=', 2) as [string, string]),
  );
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-install-bench-'));
  try {
    await fs.mkdir(path.join(work, 'now', 'pack'), { recursive: true });
    const results = await costs('this checkout', ROOT, path.join(work, 'now'), env);
    if (values.before) {
      await fs.mkdir(path.join(work, 'before', 'pack'), { recursive: true });
      const old = await checkout(values.before, path.join(work, 'before', 'src'));
      results.unshift(...(await costs(values.before, old, path.join(work, 'before'), env)));
    }
    console.log(
      JSON.stringify(
        {
          bench: 'install',
          date: new Date().toISOString(),
          machine: machineInfo(),
          npm: (await run('npm', ['--version'], work)).stdout.trim(),
          results,
        },
        null,
        2,
      ),
    );
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

await runAsScript(import.meta.url, main);

// `npm install` hook: builds the libtorch engine (native/) when libtorch is on this machine, and
// otherwise says how to get it. Never fails the install: without the addon, visiontune runs on
// the wasm backend. `npm run build:native` runs the same build and fails loudly instead.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.includes('--strict');
const native = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'native');
const say = (line) => console.log(`visiontune: ${line}`);
// Installed as a dependency, the package's own scripts are not the user's: npm rebuilds it.
const rebuild = native.split(path.sep).includes('node_modules')
  ? 'npm rebuild visiontune'
  : 'npm run build:native';

function finish(ok, line) {
  say(line);
  process.exit(ok || !strict ? 0 : 1);
}

const check = spawnSync(process.execPath, ['libtorch.cjs', 'check'], {
  cwd: native,
  encoding: 'utf8',
});
if (check.status !== 0) {
  finish(
    false,
    `${check.stdout.trim()}; the torch backend is off (wasm runs instead). To enable it: apt-get install -y libtorch-dev && ${rebuild}`,
  );
}

// npm puts its own node-gyp on PATH for scripts; fall back to the copy inside npm.
function nodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const npm = process.env.npm_execpath;
    return npm
      ? path.join(path.dirname(npm), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
      : undefined;
  }
}
const gyp = nodeGyp();
if (!gyp) finish(false, `node-gyp not found; run \`${rebuild}\``);
say(`building the torch engine (${check.stdout.trim()}) …`);
const build = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: native, stdio: 'inherit' });
if (build.status !== 0) {
  finish(false, 'building the torch engine failed (output above); visiontune runs on wasm instead');
}
const collectives = spawnSync(process.execPath, ['libtorch.cjs', 'distributed'], {
  cwd: native,
  encoding: 'utf8',
}).stdout.includes('VT_DISTRIBUTED=1');
finish(
  true,
  collectives
    ? 'torch engine built, with c10d/Gloo collectives: native/build/Release/vt_torch.node'
    : `torch engine built: native/build/Release/vt_torch.node (without data-parallel training: apt-get install -y libgloo-dev && ${rebuild})`,
);

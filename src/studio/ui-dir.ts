// Where the built frontend is: dist/studio-ui/ of the package (made by `npm run build`, which
// `npm install` runs in a clone; shipped in the published package). The same path from src/ (tsx)
// and from dist/, both two folders below the package root.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VisiontuneError } from '../errors.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUILT_UI_DIR = path.join(PACKAGE_ROOT, 'dist', 'studio-ui');

/** `dir` when it holds a built frontend, else an error that says how to build it. */
export async function checkUiDir(dir: string): Promise<string> {
  const built = await fs.stat(path.join(dir, 'index.html')).then(
    () => true,
    () => false,
  );
  if (!built)
    throw new VisiontuneError(
      'RUNTIME',
      `the studio's frontend is not built (${dir}/index.html is missing): run \`npm run build\` in ${PACKAGE_ROOT}`,
    );
  return dir;
}

// Unlabelled images named on a command line: files and folders (searched recursively), for
// prediction. Named files must be images; inside folders, non-image files are passed over.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { fsReason } from '../../guard/index.js';
import { IMAGE_EXTENSIONS } from '../decode.js';
import { sharpDecoder } from '../decode-sharp.js';
import { nativePath } from '../native-path.js';
import type { DataSource } from '../types.js';
import { checkImages, type Problem, settleProblems } from '../validate.js';
import type { SourceOptions } from './options.js';
import { walkFiles } from './walk.js';

const notFound = (err: NodeJS.ErrnoException) =>
  err.code === 'ENOENT' ? 'no such file or folder' : fsReason(err);

export async function openFiles(
  inputs: readonly string[],
  options: SourceOptions = {},
): Promise<DataSource> {
  const decoder = options.decoder ?? sharpDecoder();
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const input of inputs) {
    // A name that is not valid UTF-8 reaches argv with U+FFFD: nativePath finds the real one.
    const fsPath = await nativePath(input);
    const st = fsPath === undefined ? 'no such file or folder' : await stat(fsPath).catch(notFound);
    if (typeof st === 'string') problems.push({ path: input, reason: st });
    else if (st.isDirectory()) {
      const found = await walkFiles({ root: input, problems }, input);
      files.push(...found.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())));
    } else if (!IMAGE_EXTENSIONS.has(extname(input).toLowerCase())) {
      problems.push({
        path: input,
        reason: `not an image file (extension '${extname(input) || 'none'}')`,
      });
    } else files.push(input);
  }
  const bad = await checkImages(
    files,
    decoder,
    options.verify ?? 'header',
    options.concurrency ?? 8,
  );
  problems.push(...bad);
  const name = inputs.join(', ');
  const skipped = settleProblems(name, problems, options.skipBad === true);
  const badPaths = new Set(bad.map((p) => p.path));
  return {
    name,
    classes: options.labels ?? [],
    splits: { test: files.filter((f) => !badPaths.has(f)).map((id) => ({ id, label: -1 })) },
    read: (sample, hint) => decoder.decode(sample.id, sample.id, hint),
    ...(skipped ? { skipped } : {}),
  };
}

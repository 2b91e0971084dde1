// Unlabelled images named on a command line: files and folders (searched recursively), for
// prediction. Named files must be images; inside folders, non-image files are passed over.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { IMAGE_EXTENSIONS } from '../decode.js';
import { sharpDecoder } from '../decode-sharp.js';
import type { DataSource } from '../types.js';
import { checkImages, type Problem, settleProblems } from '../validate.js';
import { walk } from './folder.js';
import type { SourceOptions } from './options.js';

export async function openFiles(
  inputs: readonly string[],
  options: SourceOptions = {},
): Promise<DataSource> {
  const decoder = options.decoder ?? sharpDecoder();
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const input of inputs) {
    const st = await stat(input).catch(() => null);
    if (!st) problems.push({ path: input, reason: 'no such file or folder' });
    else if (st.isDirectory())
      files.push(
        ...(await walk(input)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())),
      );
    else if (!IMAGE_EXTENSIONS.has(extname(input).toLowerCase())) {
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

// Image-folder source: root/<class>/** or, when split folders exist, root/{train,val,test}/<class>/**.
// Every problem (non-image files, empty class folders, unreadable headers, classes outside the
// label set, links leaving the root, link loops, FIFOs, unreadable files: see walk.ts) is
// collected and settled at once; files at the root and dotfiles are ignored.
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { badInput } from '../../errors.js';
import { fsReason } from '../../guard/index.js';
import { IMAGE_EXTENSIONS } from '../decode.js';
import { sharpDecoder } from '../decode-sharp.js';
import type { DataSource, Sample, SplitName } from '../types.js';
import { checkImages, type Problem, settleProblems, sortClassNames } from '../validate.js';
import type { SourceOptions } from './options.js';
import { type Entry, listDir, type Walk, walkFiles } from './walk.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** The split folders to read, or null for a flat root/<class> layout. */
async function splitLayout(root: Entry[]): Promise<Entry[] | null> {
  const dirs = root.filter((e) => e.dir);
  const names = new Set(dirs.map((d) => d.name));
  if (!names.has('train') || !dirs.every((d) => (SPLITS as string[]).includes(d.name))) return null;
  return dirs;
}

export async function openFolder(root: string, options: SourceOptions = {}): Promise<DataSource> {
  const decoder = options.decoder ?? sharpDecoder();
  const st = await stat(root).catch((err: unknown) => fsReason(err));
  if (typeof st === 'string') throw badInput(`Image folder ${root}: ${st}`);
  if (!st.isDirectory()) throw badInput(`Image folder not found: ${root}`);
  const problems: Problem[] = [];
  const walk: Walk = { root, problems };
  const top = await listDir(walk, root);
  if (top.length === 0 && problems.length > 0)
    throw badInput(`Image folder ${root}: ${problems[0]!.reason}`);
  const splitDirs = (await splitLayout(top)) ?? [{ name: 'train', path: root, dir: true }];

  const found: { split: SplitName; cls: string; path: string }[] = [];
  const classFolders = new Set<string>();
  for (const split of splitDirs) {
    for (const cls of (await listDir(walk, split.path)).filter((e) => e.dir)) {
      classFolders.add(cls.name);
      if (options.labels && !options.labels.includes(cls.name)) {
        problems.push({ path: cls.path, reason: `class '${cls.name}' is not in the label set` });
        continue;
      }
      let images = 0;
      for (const file of await walkFiles(walk, cls.path)) {
        const ext = extname(file).toLowerCase();
        if (!IMAGE_EXTENSIONS.has(ext)) {
          problems.push({ path: file, reason: `not an image file (extension '${ext || 'none'}')` });
          continue;
        }
        images++;
        found.push({ split: split.name as SplitName, cls: cls.name, path: file });
      }
      if (images === 0) problems.push({ path: cls.path, reason: 'empty class folder (no images)' });
    }
  }
  if (classFolders.size === 0) {
    throw badInput(`No class folders in ${root} (expected ${root}/<class>/<image files>)`);
  }

  const bad = await checkImages(
    found.map((f) => f.path),
    decoder,
    options.verify ?? 'header',
    options.concurrency ?? 8,
  );
  problems.push(...bad);
  const skipped = settleProblems(root, problems, options.skipBad === true);
  const badPaths = new Set(bad.map((p) => p.path));
  const good = found.filter((f) => !badPaths.has(f.path));

  const classes = options.labels ? [...options.labels] : sortClassNames(good.map((f) => f.cls));
  const index = new Map(classes.map((c, i) => [c, i]));
  const splits: Partial<Record<SplitName, Sample[]>> = {};
  for (const f of good) {
    splits[f.split] ??= [];
    splits[f.split]!.push({ id: f.path, label: index.get(f.cls)! });
  }
  return {
    name: root,
    classes,
    splits,
    read: (sample, hint) => decoder.decode(sample.id, sample.id, hint),
    ...(skipped ? { skipped } : {}),
  };
}

// Image-folder source: root/<class>/** or, when split folders exist, root/{train,val,test}/<class>/**.
// Every problem (non-image files, empty class folders, unreadable headers, classes outside the
// label set) is collected and settled at once; files at the root and dotfiles are ignored.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { badInput } from '../../errors.js';
import { IMAGE_EXTENSIONS } from '../decode.js';
import { sharpDecoder } from '../decode-sharp.js';
import type { DataSource, Sample, SplitName } from '../types.js';
import { checkImages, type Problem, settleProblems, sortClassNames } from '../validate.js';
import type { SourceOptions } from './options.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];
const IGNORED = new Set(['Thumbs.db', 'desktop.ini']);

interface Entry {
  name: string;
  path: string;
  dir: boolean;
}

async function list(dir: string): Promise<Entry[]> {
  const names = await readdir(dir);
  const entries: Entry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.') || IGNORED.has(name)) continue;
    const path = join(dir, name);
    // stat (not lstat): symlinked class folders and images are followed.
    const st = await stat(path).catch(() => null);
    if (st) entries.push({ name, path, dir: st.isDirectory() });
  }
  return entries;
}

/** All files under `dir`, recursively, in sorted order. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await list(dir)) {
    if (e.dir) out.push(...(await walk(e.path)));
    else out.push(e.path);
  }
  return out;
}

/** The split folders to read, or null for a flat root/<class> layout. */
async function splitLayout(root: Entry[]): Promise<Entry[] | null> {
  const dirs = root.filter((e) => e.dir);
  const names = new Set(dirs.map((d) => d.name));
  if (!names.has('train') || !dirs.every((d) => (SPLITS as string[]).includes(d.name))) return null;
  return dirs;
}

export async function openFolder(root: string, options: SourceOptions = {}): Promise<DataSource> {
  const decoder = options.decoder ?? sharpDecoder();
  const st = await stat(root).catch(() => null);
  if (!st?.isDirectory()) throw badInput(`Image folder not found: ${root}`);
  const top = await list(root);
  const splitDirs = (await splitLayout(top)) ?? [{ name: 'train', path: root, dir: true }];

  const problems: Problem[] = [];
  const found: { split: SplitName; cls: string; path: string }[] = [];
  const classFolders = new Set<string>();
  for (const split of splitDirs) {
    for (const cls of (await list(split.path)).filter((e) => e.dir)) {
      classFolders.add(cls.name);
      if (options.labels && !options.labels.includes(cls.name)) {
        problems.push({ path: cls.path, reason: `class '${cls.name}' is not in the label set` });
        continue;
      }
      let images = 0;
      for (const file of await walk(cls.path)) {
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

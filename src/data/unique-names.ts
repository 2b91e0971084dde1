// Output names for input files (predictions, drawings): the file name without extension, or,
// where two inputs share one (a/001.jpg, b/001.jpg), the path from the working folder with '_'
// for '/'.
import path from 'node:path';

export function uniqueNames(files: readonly string[]): string[] {
  const stem = (f: string) => path.basename(f, path.extname(f));
  const seen = new Map<string, number>();
  for (const f of files) seen.set(stem(f), (seen.get(stem(f)) ?? 0) + 1);
  return files.map((f) => {
    if (seen.get(stem(f)) === 1) return stem(f);
    const relative = path.relative(process.cwd(), path.resolve(f));
    return relative
      .slice(0, relative.length - path.extname(relative).length)
      .replace(/[\\/]/g, '_');
  });
}

// Long benchmarks run for hours on a shared 2-core machine: `--resume A.json[,B.json…]` takes the
// runs already recorded in earlier outputs of the same benchmark (a run cut short, or processes
// that split the seeds between them) instead of running them again. Only outputs whose settings
// equal this run's are taken, so a resumed table never mixes two set-ups.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';

/** The runs recorded in `files`, after checking each file's `settings` equal the given ones. */
export async function resumeRuns<Run>(
  files: readonly string[],
  benchmark: string,
  settings: unknown,
  settingsOf: (report: Record<string, unknown>) => unknown,
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const file of files) {
    const report = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    if (report.benchmark !== benchmark)
      throw new Error(`--resume ${file}: a '${report.benchmark}' output, not '${benchmark}'`);
    const theirs = settingsOf(report);
    if (
      !isDeepStrictEqual(JSON.parse(JSON.stringify(theirs)), JSON.parse(JSON.stringify(settings)))
    )
      throw new Error(
        `--resume ${file}: its settings ${JSON.stringify(theirs)} differ from this run's ${JSON.stringify(settings)}`,
      );
    runs.push(...((report.runs as Run[] | undefined) ?? []));
  }
  return runs;
}

/** The runs of `earlier` that `key` identifies, each once (the first file's copy wins). */
export function resumedLookup<Run>(earlier: readonly Run[], key: (run: Run) => string) {
  const byKey = new Map<string, Run>();
  for (const run of earlier) if (!byKey.has(key(run))) byKey.set(key(run), run);
  return (wanted: string) => byKey.get(wanted);
}

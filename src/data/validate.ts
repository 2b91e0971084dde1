// Bad-input bookkeeping shared by all sources. Sources collect every problem they find
// (one `path: reason` per bad file or folder) and settle them once: either one badInput error
// listing all of them, or, with skipBad, a SkipReport with the count and the first few names.
// Up-front checks are the cheap ones (extension, existence, empty folders, header probe);
// `verify: 'full'` also decodes every image so truncated files show up here, not mid-epoch.
import { badInput } from '../errors.js';
import type { ImageDecoder } from './decode.js';
import { mapLimited } from './limit.js';
import type { SkipReport } from './types.js';

export interface Problem {
  /** The file, folder or manifest line at fault. */
  path: string;
  reason: string;
}

/** How much to check before training starts. */
export type VerifyLevel = 'none' | 'header' | 'full';

/** How many skipped items a SkipReport names. */
export const SKIP_EXAMPLES = 5;

export function problemLine(p: Problem): string {
  return `${p.path}: ${p.reason}`;
}

/**
 * Throws one badInput listing every problem, unless `skipBad`; then returns what was skipped.
 * Returns undefined when there are no problems and skipBad is off.
 */
export function settleProblems(
  sourceName: string,
  problems: readonly Problem[],
  skipBad: boolean,
): SkipReport | undefined {
  if (problems.length > 0 && !skipBad) {
    const n = problems.length;
    throw badInput(
      `${n} bad input${n === 1 ? '' : 's'} in ${sourceName} (fix them, or skip them with --skip-bad / skipBad: true)`,
      problems.map(problemLine),
    );
  }
  if (!skipBad) return undefined;
  return { count: problems.length, examples: problems.slice(0, SKIP_EXAMPLES).map(problemLine) };
}

/** Adds one lazily found bad item to a report. */
export function recordSkip(report: SkipReport, line: string): void {
  report.count++;
  if (report.examples.length < SKIP_EXAMPLES) report.examples.push(line);
}

/** Header-probes (or fully decodes, for 'full') each file; returns a problem per bad one. */
export async function checkImages(
  paths: readonly string[],
  decoder: ImageDecoder,
  level: VerifyLevel,
  concurrency: number,
): Promise<Problem[]> {
  if (level === 'none') return [];
  const reasons = await mapLimited(paths, concurrency, async (path) => {
    const headerReason = await decoder.probe(path);
    if (headerReason !== null || level === 'header') return headerReason;
    try {
      await decoder.decode(path, path);
      return null;
    } catch (err) {
      const details = (err as { details?: string[] }).details;
      const line = details?.[0] ?? String(err);
      return line.startsWith(`${path}: `) ? line.slice(path.length + 2) : line;
    }
  });
  const problems: Problem[] = [];
  reasons.forEach((reason, i) => {
    if (reason !== null) problems.push({ path: paths[i]!, reason });
  });
  return problems;
}

/** Class-name order: numeric when every name is a plain integer ("2" < "10"), else code point. */
export function sortClassNames(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  if (list.length > 0 && list.every((n) => /^(0|[1-9][0-9]*)$/.test(n))) {
    return list.sort((a, b) => Number(a) - Number(b));
  }
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

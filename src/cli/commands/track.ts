// `visiontune track`: tracking by detection over given detections (MOTChallenge det.txt format),
// with SORT or ByteTrack, written as MOTChallenge results; with --gt, scored by CLEAR MOT and IDF1.
// (Tracking a folder of frames through a detector bundle comes with the detector.)
import { promises as fs } from 'node:fs';
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput } from '../../errors.js';
import { ByteTracker } from '../../track/bytetrack.js';
import { formatMotTracks, parseMotDetections, parseMotTracks } from '../../track/mot-format.js';
import { motMetrics } from '../../track/mot-metrics.js';
import { SortTracker } from '../../track/sort.js';
import type { Detection, Track } from '../../track/types.js';
import { addCommonFlags, type CommonFlags, setUp } from '../common.js';

interface TrackFlags extends CommonFlags {
  detections: string;
  tracker: 'sort' | 'bytetrack';
  out?: string;
  gt?: string;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw badInput(
      `${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** Runs the tracker frame by frame from 1 to the last frame with a detection (empty frames too). */
export function runTracker(
  detections: readonly Detection[],
  tracker: 'sort' | 'bytetrack',
): Track[] {
  const t = tracker === 'sort' ? new SortTracker() : new ByteTracker();
  const byFrame = new Map<number, Detection[]>();
  for (const d of detections) byFrame.set(d.frame, [...(byFrame.get(d.frame) ?? []), d]);
  const last = Math.max(0, ...byFrame.keys());
  const tracks: Track[] = [];
  for (let frame = 1; frame <= last; frame++)
    tracks.push(...t.update(byFrame.get(frame) ?? [], frame));
  return tracks;
}

export function trackCommand(program: Command): void {
  addCommonFlags(
    program
      .command('track')
      .description('track objects across frames from their detections (SORT or ByteTrack)')
      .requiredOption(
        '--detections <file>',
        'detections, MOTChallenge det.txt format (frame,-1,x,y,w,h,score,...)',
      )
      .addOption(
        new Option('--tracker <name>', 'tracker')
          .choices(['sort', 'bytetrack'])
          .default('bytetrack'),
      )
      .option('--out <file>', 'where to write the tracks (MOTChallenge results format)')
      .option('--gt <file>', 'ground truth (MOTChallenge gt.txt) to score the tracks against'),
  ).action(async (flags: TrackFlags) => {
    const { out } = await setUp(flags);
    const detections = parseMotDetections(
      await readText(flags.detections, 'detections'),
      flags.detections,
    );
    const tracks = runTracker(detections, flags.tracker);
    if (flags.out) await writeFileAtomic(flags.out, formatMotTracks(tracks));
    const metrics = flags.gt
      ? motMetrics(parseMotTracks(await readText(flags.gt, 'ground truth'), flags.gt), tracks)
      : undefined;
    const ids = new Set(tracks.map((t) => t.id)).size;
    out.result(
      {
        tracker: flags.tracker,
        detections: detections.length,
        boxes: tracks.length,
        tracks: ids,
        out: flags.out,
        metrics,
      },
      () =>
        [
          `${flags.tracker}: ${detections.length} detections -> ${ids} tracks (${tracks.length} boxes)` +
            (flags.out ? `, written to ${flags.out}` : ''),
          ...(metrics
            ? [
                `MOTA ${(metrics.mota * 100).toFixed(1)}%  IDF1 ${(metrics.idf1 * 100).toFixed(1)}%  MOTP ${metrics.motp.toFixed(3)}  ` +
                  `ID switches ${metrics.idsw}  fragmentations ${metrics.frag}  FP ${metrics.fp}  FN ${metrics.fn}`,
              ]
            : []),
        ].join('\n'),
    );
  });
}

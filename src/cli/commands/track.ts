// `visiontune track`: tracking by detection with SORT or ByteTrack over given detections
// (MOTChallenge det.txt format) or a detector bundle's boxes on a folder of frames or a video;
// written as MOTChallenge results (and the detections as det.txt); with --gt, scored by CLEAR MOT
// and IDF1.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { closeBundle } from '../../bundle/batch-model.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput, badUsage } from '../../errors.js';
import { openDetectorBundle } from '../../methods/detection/bundle-detector.js';
import { detectFrames, listFrames, videoToFrames } from '../../methods/detection/frames.js';
import {
  formatMotDetections,
  formatMotTracks,
  parseMotDetections,
  parseMotTracks,
} from '../../track/mot-format.js';
import { motMetrics } from '../../track/mot-metrics.js';
import { runTracker, SORT_MIN_SCORE, type TrackerName } from '../../track/run-tracker.js';
import type { Detection } from '../../track/types.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, parseNumber, setUp } from '../common.js';

interface TrackFlags extends CommonFlags {
  engine: string;
  detections?: string;
  model?: string;
  frames?: string;
  video?: string;
  tracker: TrackerName;
  minScore?: number;
  detectThreshold: number;
  out?: string;
  saveDetections?: string;
  gt?: string;
}

/** Detections from a file, or from a detector bundle on frames; exactly one source. */
async function readDetections(
  flags: TrackFlags,
): Promise<{ detections: Detection[]; frames?: number }> {
  const sources = [flags.detections, flags.model].filter(Boolean).length;
  if (sources !== 1)
    throw badUsage('give --detections FILE, or --model BUNDLE with --frames DIR or --video FILE');
  if (flags.detections) {
    if (flags.frames || flags.video)
      throw badUsage('--frames/--video need --model, not --detections');
    return {
      detections: parseMotDetections(
        await readText(flags.detections, 'detections'),
        flags.detections,
      ),
    };
  }
  if (Boolean(flags.frames) === Boolean(flags.video))
    throw badUsage('--model needs one of --frames DIR or --video FILE');
  const detector = await openDetectorBundle(flags.model!, flags);
  let scratch: string | undefined;
  try {
    if (flags.video) scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'visiontune-frames-'));
    const files = flags.video
      ? await videoToFrames(flags.video, scratch!)
      : await listFrames(flags.frames!);
    const detections = await detectFrames(detector, files, {
      scoreThreshold: flags.detectThreshold,
    });
    return { detections, frames: files.length };
  } finally {
    await closeBundle(detector.bundle);
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  }
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

export function trackCommand(program: Command): void {
  addEngineFlag(
    addCommonFlags(
      program
        .command('track')
        .description('track objects across frames from their detections (SORT or ByteTrack)')
        .option(
          '--detections <file>',
          'detections, MOTChallenge det.txt format (frame,-1,x,y,w,h,score,...)',
        )
        .option('--model <dir>', 'detector bundle to find the objects in --frames or --video')
        .option('--frames <dir>', 'folder of frames, in name order')
        .option('--video <file>', 'video decoded to frames with ffmpeg (when installed)')
        .option(
          '--detect-threshold <x>',
          "with --model: keep boxes scoring above this (default 0.1, ByteTrack's low threshold)",
          parseNumber('--detect-threshold'),
          0.1,
        )
        .option(
          '--save-detections <file>',
          'with --model: also write the detections (MOTChallenge det.txt)',
        )
        .option(
          '--min-score <x>',
          `SORT: ignore detections under this score (default ${SORT_MIN_SCORE})`,
          parseNumber('--min-score'),
        )
        .addOption(
          new Option('--tracker <name>', 'tracker')
            .choices(['sort', 'bytetrack'])
            .default('bytetrack'),
        )
        .option('--out <file>', 'where to write the tracks (MOTChallenge results format)')
        .option('--gt <file>', 'ground truth (MOTChallenge gt.txt) to score the tracks against'),
    ),
  ).action(async (flags: TrackFlags) => {
    const { out } = await setUp(flags);
    if (flags.minScore !== undefined && flags.tracker !== 'sort')
      throw badUsage('--min-score: only for --tracker sort (ByteTrack has its own two thresholds)');
    const { detections, frames } = await readDetections(flags);
    if (flags.saveDetections)
      await writeFileAtomic(flags.saveDetections, formatMotDetections(detections));
    const tracks = runTracker(detections, flags.tracker, {
      sortMinScore: flags.minScore,
      lastFrame: frames,
    });
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

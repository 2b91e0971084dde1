// `visiontune track`: tracking by detection with SORT or ByteTrack over given detections
// (MOTChallenge det.txt format) or a detector bundle's boxes on a folder of frames or a video;
// written as MOTChallenge results (and the detections as det.txt); with --gt, scored by CLEAR MOT
// and IDF1.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { closeBundle } from '../../bundle/batch-model.js';
import { opt } from '../../config/options.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput, configError } from '../../errors.js';
import { openDetectorBundle } from '../../methods/detection/bundle-detector.js';
import { decodeOverrideFields } from '../../methods/detection/config.js';
import { detectFrames, listFrames, videoToFrames } from '../../methods/detection/frames.js';
import {
  formatMotDetections,
  formatMotTracks,
  parseMotDetections,
  parseMotTracks,
} from '../../track/mot-format.js';
import { motMetrics } from '../../track/mot-metrics.js';
import { runTracker, SORT_MIN_SCORE } from '../../track/run-tracker.js';
import type { Detection } from '../../track/types.js';
import { type ConfigLayer, parseLayers } from '../../util/merge-layers.js';
import type { RuntimeOptions } from '../common.js';
import { defineCommand } from '../define-command.js';
import { openOptions } from './bundle-fields.js';

export const trackOptionsSchema = z.object({
  detections: opt(
    z.string().optional(),
    'detections, MOTChallenge det.txt format (frame,-1,x,y,w,h,score,...)',
    { arg: 'file' },
  ),
  model: opt(
    z.string().min(1).optional(),
    'detector bundle or run folder to find the objects in --frames or --video',
    { arg: 'dir' },
  ),
  frames: opt(z.string().optional(), 'folder of frames, in name order', { arg: 'dir' }),
  video: opt(z.string().optional(), 'video decoded to frames with ffmpeg (when installed)', {
    arg: 'file',
  }),
  /** The detector's score threshold (the decode setting's range): ByteTrack's low threshold. */
  detectThreshold: opt(
    decodeOverrideFields.scoreThreshold.unwrap().default(0.1),
    "with --model: keep boxes scoring above this (ByteTrack's low threshold)",
    { arg: 'x' },
  ),
  saveDetections: opt(
    z.string().optional(),
    'with --model: also write the detections (MOTChallenge det.txt)',
    { arg: 'file' },
  ),
  minScore: opt(
    z.number().min(0).optional(),
    `SORT: ignore detections under this score (default ${SORT_MIN_SCORE})`,
    { arg: 'x' },
  ),
  tracker: opt(z.enum(['sort', 'bytetrack']).default('bytetrack'), 'tracker', { arg: 'name' }),
  out: opt(z.string().optional(), 'where to write the tracks (MOTChallenge results format)', {
    arg: 'file',
  }),
  gt: opt(z.string().optional(), 'ground truth (MOTChallenge gt.txt) to score the tracks against', {
    arg: 'file',
  }),
});

type TrackOptions = z.output<typeof trackOptionsSchema>;

/** The options, with one source of detections: a file, or a detector on frames or a video. */
export function resolveTrackOptions(...layers: ConfigLayer[]): TrackOptions {
  const what = 'tracking';
  const o = parseLayers(trackOptionsSchema, what, layers);
  const frameSources = (['frames', 'video'] as const).filter((f) => o[f] !== undefined);
  if ((o.detections === undefined) === (o.model === undefined))
    throw configError(
      what,
      ['detections', 'model'],
      'give --detections FILE, or --model BUNDLE with --frames DIR or --video FILE',
    );
  if (o.detections !== undefined && frameSources.length > 0)
    throw configError(what, frameSources, 'need --model, not --detections');
  if (o.model !== undefined && frameSources.length !== 1)
    throw configError(
      what,
      ['frames', 'video'],
      '--model needs one of --frames DIR or --video FILE',
    );
  if (o.minScore !== undefined && o.tracker !== 'sort')
    throw configError(
      what,
      'minScore',
      'only for --tracker sort (ByteTrack has its own two thresholds)',
    );
  return o;
}

/** Detections from the file, or from the detector bundle on the frames or the video. */
async function readDetections(
  o: TrackOptions,
  runtime: RuntimeOptions,
): Promise<{ detections: Detection[]; frames?: number }> {
  if (o.detections)
    return {
      detections: parseMotDetections(await readText(o.detections, 'detections'), o.detections),
    };
  const detector = await openDetectorBundle(o.model!, openOptions(runtime));
  let scratch: string | undefined;
  try {
    if (o.video) scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'visiontune-frames-'));
    const files = o.video ? await videoToFrames(o.video, scratch!) : await listFrames(o.frames!);
    const detections = await detectFrames(detector, files, { scoreThreshold: o.detectThreshold });
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
  defineCommand(program, {
    name: 'track',
    description: 'track objects across frames from their detections (SORT or ByteTrack)',
    options: trackOptionsSchema,
    what: 'tracking',
    resolve: resolveTrackOptions,
    async run(config, { out, runtime }) {
      const { detections, frames } = await readDetections(config, runtime);
      if (config.saveDetections)
        await writeFileAtomic(config.saveDetections, formatMotDetections(detections));
      const tracks = runTracker(detections, config.tracker, {
        sortMinScore: config.minScore,
        lastFrame: frames,
      });
      if (config.out) await writeFileAtomic(config.out, formatMotTracks(tracks));
      const metrics = config.gt
        ? motMetrics(parseMotTracks(await readText(config.gt, 'ground truth'), config.gt), tracks)
        : undefined;
      const ids = new Set(tracks.map((t) => t.id)).size;
      out.result(
        {
          tracker: config.tracker,
          detections: detections.length,
          boxes: tracks.length,
          tracks: ids,
          out: config.out,
          metrics,
        },
        () =>
          [
            `${config.tracker}: ${detections.length} detections -> ${ids} tracks (${tracks.length} boxes)` +
              (config.out ? `, written to ${config.out}` : ''),
            ...(metrics
              ? [
                  `MOTA ${(metrics.mota * 100).toFixed(1)}%  IDF1 ${(metrics.idf1 * 100).toFixed(1)}%  MOTP ${metrics.motp.toFixed(3)}  ` +
                    `ID switches ${metrics.idsw}  fragmentations ${metrics.frag}  FP ${metrics.fp}  FN ${metrics.fn}`,
                ]
              : []),
          ].join('\n'),
      );
    },
  });
}

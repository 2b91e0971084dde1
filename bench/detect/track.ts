// Tracking benchmark: generated sequences of MNIST digits (test split) moving over a photo, paths
// crossing and inked strokes hiding each other, with ground-truth identities; SORT and ByteTrack
// on (a) the trained detector's boxes on the frames and (b) noisy ground truth (jitter, misses,
// false positives, low scores for the least visible boxes). MOTA, IDF1, ID switches and
// fragmentations summed over sequences. Prints JSON.
// Usage: node --import tsx bench/detect/track.ts [--bundle runs/bench-detect/finetune/bundle]
//        [--sequences 4] [--frames 150] [--objects 8] [--size 192] [--out runs/bench-track]
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { openDetectorBundle } from '../../src/methods/detection/bundle-detector.js';
import { detectFrames, listFrames } from '../../src/methods/detection/frames.js';
import { type MotMetrics, motMetrics } from '../../src/track/mot-metrics.js';
import { runTracker, type TrackerName } from '../../src/track/run-tracker.js';
import type { Detection } from '../../src/track/types.js';
import { machineInfo } from '../machine.js';
import { makeTrackingSequence, noisyDetections } from './make-tracking-set.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const bundleDir = arg('bundle', 'runs/bench-detect/finetune/bundle');
const sequences = Number(arg('sequences', '4'));
const frames = Number(arg('frames', '150'));
const objects = Number(arg('objects', '8'));
const size = Number(arg('size', '192'));
const out = arg('out', 'runs/bench-track');
const log = (line: string) => process.stderr.write(`${line}\n`);
const TRACKERS: TrackerName[] = ['sort', 'bytetrack'];

const engine = await initEngine({});
const detector = await openDetectorBundle(bundleDir);

/** Counts summed over sequences; the ratios recomputed from the sums (as MOTChallenge does). */
function total(list: MotMetrics[]) {
  const sum = (k: keyof MotMetrics) => list.reduce((s, m) => s + (m[k] as number), 0);
  const [gt, fp, fn, idsw, frag, idtp, idfp, idfn] = (
    ['gt', 'fp', 'fn', 'idsw', 'frag', 'idtp', 'idfp', 'idfn'] as const
  ).map(sum);
  return {
    mota: 1 - (fn + fp + idsw) / gt,
    idf1: (2 * idtp) / (2 * idtp + idfp + idfn),
    idsw,
    frag,
    fp,
    fn,
    gt,
  };
}

const results: Record<string, Record<TrackerName, MotMetrics[]>> = {
  detector: { sort: [], bytetrack: [] },
  noisyGroundTruth: { sort: [], bytetrack: [] },
};
let detections = 0;
for (let s = 0; s < sequences; s++) {
  const seq = await makeTrackingSequence({
    dir: path.join(out, `seq${s + 1}`),
    frames,
    objects,
    size,
    seed: 100 + s,
  });
  const sources: Record<string, Detection[]> = {
    detector: await detectFrames(detector, await listFrames(seq.framesDir), {
      scoreThreshold: 0.1,
    }),
    noisyGroundTruth: noisyDetections(seq.gt, { seed: 200 + s, width: size, height: size, frames }),
  };
  detections += sources.detector.length;
  for (const [name, dets] of Object.entries(sources)) {
    for (const tracker of TRACKERS) {
      const m = motMetrics(seq.gt, runTracker(dets, tracker, { lastFrame: frames }));
      results[name][tracker].push(m);
      log(
        `seq ${s + 1} ${name} ${tracker}: MOTA ${m.mota.toFixed(3)} IDF1 ${m.idf1.toFixed(3)} IDSW ${m.idsw}`,
      );
    }
  }
}

console.log(
  JSON.stringify(
    {
      benchmark: 'track',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), backend: engine.backend },
      setup: {
        bundle: bundleDir,
        sequences,
        frames,
        objects,
        size,
        detectorScoreThreshold: 0.1,
        sortMinScore: 0.6,
        detectorBoxes: detections,
      },
      results: Object.fromEntries(
        Object.entries(results).map(([name, byTracker]) => [
          name,
          Object.fromEntries(
            TRACKERS.map((t) => [t, { total: total(byTracker[t]), perSequence: byTracker[t] }]),
          ),
        ]),
      ),
    },
    null,
    2,
  ),
);

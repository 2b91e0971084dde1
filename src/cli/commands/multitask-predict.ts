// `visiontune multitask predict BUNDLE IMAGES…`: every task of a multi-task bundle from one forward
// pass per batch (bundle/multitask/joint-pass.ts): classes (multi-label: those at or above the
// threshold), boxes, and for segmentation tasks an index PNG per image under out/<task>/.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { closeBundle, openBundle } from '../../bundle/batch-model.js';
import {
  type JointInput,
  jointTasks,
  prepareJoint,
  runJoint,
  type TaskResult,
} from '../../bundle/multitask/joint-pass.js';
import type { Classified } from '../../bundle/predict.js';
import { opt } from '../../config/options.js';
import { outFields, skipBadField } from '../../config/run-fields.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { decodeForPrediction } from '../../data/detection/loader.js';
import { openFiles } from '../../data/index.js';
import type { SkipReport } from '../../data/types.js';
import { uniqueNames } from '../../data/unique-names.js';
import { recordSkip } from '../../data/validate.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { VisiontuneError } from '../../errors.js';
import { withOutDir } from '../../guard/out-dir.js';
import { encodeIndexPng } from '../../report/mask-images.js';
import { defineCommand } from '../define-command.js';
import { openOptions, thresholdField } from './bundle-fields.js';
import { formatClasses } from './predict.js';

export const multitaskPredictOptionsSchema = z.object({
  topK: opt(z.number().int().positive().default(3), 'classes to show per image and task', {
    arg: 'k',
  }),
  threshold: thresholdField,
  batch: opt(z.number().int().positive().default(8), 'images per forward pass'),
  ...outFields('runs/multitask-predict'),
  skipBad: skipBadField,
});

/** One task's result for one image as JSON (a segmentation mask is written to `maskFile`). */
async function taskJson(r: TaskResult, maskFile: string): Promise<Record<string, unknown>> {
  if (r.kind === 'classification') return { ...r.classified };
  if (r.kind === 'detection')
    return {
      detections: r.boxes.map((b) => ({
        label: r.categories[b.category],
        score: b.score,
        bbox: b.bbox,
      })),
    };
  await writeFileAtomic(maskFile, await encodeIndexPng(r.mask));
  return { mask: maskFile, width: r.mask.width, height: r.mask.height, classShares: r.shares };
}

/** One task's result as a short line fragment. */
function taskText(name: string, r: Record<string, unknown>): string {
  if ('top' in r) return `${name}: ${formatClasses(r as unknown as Classified)}`;
  if ('detections' in r) return `${name}: ${(r.detections as unknown[]).length} objects`;
  const shares = Object.entries(r.classShares as Record<string, number>)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([c, s]) => `${c} ${(100 * s).toFixed(1)}%`);
  return `${name}: ${shares.join(', ')}`;
}

export function multitaskPredictSubcommand(multitask: Command): void {
  defineCommand(multitask, {
    name: 'predict',
    description: 'run every task of a multitask bundle on images, one forward pass per batch',
    args: [
      ['<bundle>', 'multitask bundle or run folder (or its exported .onnx)'],
      ['<inputs...>', 'image files and/or folders (searched recursively)'],
    ],
    options: multitaskPredictOptionsSchema,
    what: 'multitask prediction',
    async run(config, { out, runtime, args }) {
      const model = args[0] as string;
      await withOutDir(
        config.out,
        { kind: 'predictions', overwrite: config.overwrite },
        async () => {
          const bundle = await openBundle(model, openOptions(runtime));
          try {
            const tasks = jointTasks(bundle);
            const source = await openFiles(args[1] as string[], { skipBad: config.skipBad });
            const files = (source.splits.test ?? []).map((s) => s.id);
            const names = uniqueNames(files);
            for (const t of tasks)
              if (t.task === 'segmentation')
                await fs.mkdir(path.join(config.out, t.name), { recursive: true });
            const skipped: SkipReport = { count: source.skipped?.count ?? 0, examples: [] };
            const predictions: { file: string; tasks: Record<string, Record<string, unknown>> }[] =
              [];
            const bar = out.progress('predict', files.length);
            for (let start = 0; start < files.length; start += config.batch) {
              const batch: { file: string; name: string; input: JointInput }[] = [];
              for (const [k, file] of files.slice(start, start + config.batch).entries()) {
                try {
                  const image = await decodeForPrediction(sharpDecoder(), file);
                  batch.push({
                    file,
                    name: names[start + k]!,
                    input: prepareJoint(bundle.meta, image),
                  });
                } catch (err) {
                  if (!config.skipBad || !(err instanceof VisiontuneError)) throw err;
                  recordSkip(skipped, err.message);
                }
              }
              if (batch.length === 0) continue;
              const results = await runJoint(
                bundle,
                batch.map((b) => b.input),
                { topK: config.topK, threshold: config.threshold },
              );
              for (const [k, byTask] of results.entries()) {
                const entries = await Promise.all(
                  tasks.map(async (t) => [
                    t.name,
                    await taskJson(
                      byTask[t.name]!,
                      path.join(config.out, t.name, `${batch[k]!.name}.png`),
                    ),
                  ]),
                );
                predictions.push({ file: batch[k]!.file, tasks: Object.fromEntries(entries) });
              }
              bar.tick(batch.length);
            }
            bar.stop();
            out.result(
              {
                model,
                engine: bundle.engine,
                tasks: tasks.map((t) => t.name),
                out: config.out,
                skipped: skipped.count,
                predictions,
              },
              () =>
                [
                  ...predictions.map(
                    (p) =>
                      `${p.file}\t${Object.entries(p.tasks)
                        .map(([name, r]) => taskText(name, r))
                        .join('\t')}`,
                  ),
                  ...(skipped.count ? [`skipped ${skipped.count} unreadable image(s)`] : []),
                ].join('\n'),
            );
          } finally {
            await closeBundle(bundle);
          }
        },
      );
    },
  });
}

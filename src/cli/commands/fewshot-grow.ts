// `visiontune fewshot fit` / `fewshot add`: a prototype classifier from a few labelled images per
// class, saved as an ordinary classification bundle, and grown later with new classes without
// touching the old ones. Registered on the `fewshot` group by fewshot.ts. Flags: the settings of
// the library's fit / add, and where and how to read the support images.
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { skipBadField, verifyField } from '../../config/run-fields.js';
import { openSource, type VerifyLevel } from '../../data/index.js';
import {
  addClasses,
  addClassesSettingsSchema,
  type FewShotResult,
  fitFewShotClassifier,
  fitFewShotSettingsSchema,
} from '../../methods/fewshot/classifier/index.js';
import { defineCommand } from '../define-command.js';
import type { Output, Progress } from '../output.js';

const SUPPORT_FORMS = 'a folder <class>/<images>, a .csv/.jsonl manifest, or a built-in dataset';

/** Where the support images are and how to read them. */
const supportReading = (description: string) => ({
  support: opt(z.string().min(1), description, { arg: 'dir' }),
  skipBad: skipBadField,
  verify: verifyField,
});

const fitOptionsSchema = fitFewShotSettingsSchema.extend({
  ...supportReading(`labelled support images: ${SUPPORT_FORMS}`),
  // The command always writes a bundle; the library may keep it in memory.
  out: opt(z.string().min(1), 'bundle folder to write', { arg: 'dir' }),
});

const addOptionsSchema = addClassesSettingsSchema.extend({
  model: opt(z.string().min(1), "bundle (or run folder) made by 'fewshot fit'", { arg: 'dir' }),
  ...supportReading(`support images of the new classes only: ${SUPPORT_FORMS}`),
});

function openSupport(options: { support: string; skipBad: boolean; verify: VerifyLevel }) {
  return openSource(options.support, { skipBad: options.skipBad, verify: options.verify });
}

interface SupportHooks {
  onStart: (images: number) => void;
  onBatch: (n: number) => void;
}

/** Runs a fit or an add with a progress bar over its support images, then prints the result. */
async function growAndReport(
  out: Output,
  verb: string,
  grow: (hooks: SupportHooks) => Promise<FewShotResult>,
): Promise<void> {
  let bar: Progress | undefined;
  const result = await grow({
    onStart: (n) => {
      bar = out.progress('embed support', n);
    },
    onBatch: (n) => bar?.tick(n),
  });
  bar?.stop();
  const { meta } = result;
  if (result.skipped) out.info(`skipped ${result.skipped} bad support image(s)`);
  out.result(
    {
      bundle: result.bundleDir,
      metric: meta.fewshot?.metric,
      labels: meta.labels,
      added: result.added,
      classes: meta.fewshot?.classes,
      skipped: result.skipped,
      ...(result.finetuneLosses ? { finetuneLosses: result.finetuneLosses } : {}),
    },
    () =>
      [
        `${verb} ${result.added.length} class(es) (${meta.fewshot?.metric} prototypes): ${result.added
          .map((a) => `${a.label} (${a.shots})`)
          .join(', ')}`,
        `bundle: ${result.bundleDir} (${meta.labels.length} classes)`,
      ].join('\n'),
  );
}

export function registerFewShotGrow(group: Command): void {
  defineCommand(group, {
    name: 'fit',
    description:
      'build a classifier from a few labelled images per class: class prototypes on a frozen backbone',
    options: fitOptionsSchema,
    what: 'few-shot fit',
    configFile: true,
    async run(config, { out }) {
      const support = await openSupport(config);
      await growAndReport(out, 'fitted', (hooks) =>
        fitFewShotClassifier({
          // The library's own settings (zod drops the fields about reading the support images).
          ...fitFewShotSettingsSchema.parse(config),
          support,
          log: (line) => out.info(line),
          ...hooks,
        }),
      );
    },
  });

  defineCommand(group, {
    name: 'add',
    description: 'add classes to a few-shot bundle; old classes keep exactly the same scores',
    options: addOptionsSchema,
    what: 'few-shot add',
    async run(config, { out }) {
      const support = await openSupport(config);
      await growAndReport(out, 'added', (hooks) =>
        addClasses({
          ...addClassesSettingsSchema.parse(config),
          bundle: config.model,
          support,
          ...hooks,
        }),
      );
    },
  });
}

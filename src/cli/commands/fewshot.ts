// `visiontune fewshot train|eval|fit|add`: few-shot learning and meta-learning. `train` meta-trains
// one method and saves its network; `eval` compares methods on the same seeded test episodes;
// `fit` / `add` (fewshot-grow.ts) build a classifier from a few images per class and grow it.
// train and eval take their flags from the few-shot configuration's schema; they differ in
// --method (one method, default protonet; or a list, default all).
import path from 'node:path';
import type { Command } from 'commander';
import {
  type FewShotConfig,
  fewShotConfigSchema,
  parseMethod,
  resolveFewShotConfig,
} from '../../methods/fewshot/config.js';
import type { FewShotMethodName } from '../../methods/fewshot/learner.js';
import { FEWSHOT_METHODS } from '../../methods/fewshot/methods/index.js';
import {
  fewShotReport,
  saveMetaTrainedBundle,
  writeResults,
} from '../../methods/fewshot/outputs.js';
import { runFewShot } from '../../methods/fewshot/run.js';
import { formatMeanCI } from '../../methods/fewshot/stats.js';
import { writeFewShotReport } from '../../report/fewshot.js';
import { defineCommand } from '../define-command.js';
import type { Output } from '../output.js';
import { registerFewShotGrow } from './fewshot-grow.js';

function summaryLines(result: Awaited<ReturnType<typeof runFewShot>>): string[] {
  const { config } = result;
  const lines = [
    `${config.ways}-way, ${config.queries} queries, ${config.episodes} test episodes (seed ${config.seed}); mean ± 95% CI`,
  ];
  for (const m of result.methods) {
    const cells = m.results.map((r, i) => {
      const before = m.untrained?.[i];
      return `${r.shots}-shot ${formatMeanCI(r)}${before ? ` (untrained ${formatMeanCI(before)})` : ''}`;
    });
    lines.push(`  ${m.method.padEnd(14)} ${cells.join('   ')}`);
  }
  return lines;
}

async function runAndReport(out: Output, config: FewShotConfig, saveBundle: boolean) {
  const bundleDir = path.join(config.out, 'bundle');
  const result = await runFewShot(config, {
    status: (line) => out.info(line),
    onTrained: saveBundle
      ? (network, method, info) => saveMetaTrainedBundle(bundleDir, network, config, method, info)
      : undefined,
  });
  const resultsFile = await writeResults(config.out, result);
  const reportFile = await writeFewShotReport(config.out, fewShotReport(result));
  out.result(
    {
      ...(saveBundle ? { bundle: bundleDir } : {}),
      report: reportFile,
      results: resultsFile,
      seconds: result.seconds,
      layer: result.network.layer,
      ...(result.network.layerNote ? { layerNote: result.network.layerNote } : {}),
      methods: result.methods.map((m) => ({
        method: m.method,
        results: m.results,
        untrained: m.untrained,
        bestStep: m.bestStep,
        settings: m.settings,
      })),
      config,
    },
    () =>
      [
        ...summaryLines(result),
        ...(saveBundle ? [`bundle: ${bundleDir}`] : []),
        `report: ${reportFile}`,
      ].join('\n'),
  );
}

/**
 * A few-shot command whose --method defaults to `methods` (a layer under the --config file) and
 * whose help shows that default instead of the library's.
 */
function episodeCommand(
  group: Command,
  spec: {
    name: string;
    description: string;
    methods: FewShotMethodName[];
    /** How --method reads, where it differs from the schema's (a comma list or 'all'). */
    method?: { description: string; arg: string; parse: (text: string) => FewShotMethodName[] };
    shownDefault: string;
    saveBundle: boolean;
  },
): void {
  const command = defineCommand(group, {
    name: spec.name,
    description: spec.description,
    options: fewShotConfigSchema,
    what: 'few-shot',
    flags: spec.method && { methods: spec.method },
    configFile: true,
    resolve: (...layers) => resolveFewShotConfig({ methods: spec.methods }, ...layers),
    run: (config, { out }) => runAndReport(out, config, spec.saveBundle),
  });
  // Shown only: flags not typed are never read back (see cli/schema-options).
  command.options.find((o) => o.long === '--method')?.default(spec.methods, spec.shownDefault);
}

export function fewshotCommand(program: Command): void {
  const group = program
    .command('fewshot')
    .description(
      'few-shot learning: meta-train, compare methods on episodes, build classifiers from a few images',
    );
  episodeCommand(group, {
    name: 'train',
    description:
      'meta-train one method, score it before and after on the same test episodes, save its network',
    methods: ['protonet'],
    method: {
      description: `method to meta-train: ${FEWSHOT_METHODS.join(', ')}`,
      arg: 'name',
      parse: (text) => [parseMethod(text)],
    },
    shownDefault: 'protonet',
    saveBundle: true,
  });
  episodeCommand(group, {
    name: 'eval',
    description:
      'compare methods on the same seeded test episodes (meta-learners are meta-trained first)',
    methods: [...FEWSHOT_METHODS],
    shownDefault: 'all',
    saveBundle: false,
  });
  registerFewShotGrow(group);
}

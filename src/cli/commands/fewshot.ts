// `visiontune fewshot train|eval|fit|add`: few-shot learning and meta-learning. `train` meta-trains
// one method and saves its network; `eval` compares methods on the same seeded test episodes;
// `fit` / `add` (fewshot-grow.ts) build a classifier from a few images per class and grow it.
import path from 'node:path';
import { type Command, Option } from 'commander';
import { badUsage } from '../../errors.js';
import { type FewShotConfig, resolveFewShotConfig } from '../../methods/fewshot/config.js';
import { parseCount } from '../../methods/fewshot/episodes.js';
import { FEWSHOT_METHODS, type FewShotMethodName } from '../../methods/fewshot/learner.js';
import {
  fewShotReport,
  saveMetaTrainedBundle,
  writeResults,
} from '../../methods/fewshot/outputs.js';
import { runFewShot } from '../../methods/fewshot/run.js';
import { formatMeanCI } from '../../methods/fewshot/stats.js';
import { parseUnfreeze } from '../../methods/freeze/freeze.js';
import { writeFewShotReport } from '../../report/fewshot.js';
import {
  addCommonFlags,
  type CommonFlags,
  parseInteger,
  parseNumber,
  readConfigFile,
  setUp,
} from '../common.js';
import { registerFewShotGrow } from './fewshot-grow.js';

interface FewShotFlags extends CommonFlags {
  config?: string;
  [key: string]: unknown;
}

function parseMethods(value: string): FewShotMethodName[] {
  const names = value === 'all' ? [...FEWSHOT_METHODS] : value.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(FEWSHOT_METHODS as readonly string[]).includes(n))
      throw badUsage(
        `--method: unknown method '${n}' (known: ${FEWSHOT_METHODS.join(', ')}, or all)`,
      );
  }
  return names as FewShotMethodName[];
}

function parseShots(value: string): number[] {
  const shots = value.split(',').map((s) => Number(s.trim()));
  if (!shots.every((k) => Number.isInteger(k) && k >= 1))
    throw badUsage(`--shots: expected whole numbers >= 1 separated by commas, got '${value}'`);
  return shots;
}

function episodeFlags(command: Command): Command {
  return command
    .option('--data <data>', 'labelled images: folder, manifest, or mnist / fashion-mnist')
    .option('--test-data <data>', 'meta-test classes from other data (cross-domain)')
    .option('--train-classes <list>', 'meta-train classes: index ranges or names, e.g. 0-4')
    .option('--val-classes <list>', 'meta-validation classes (best step kept)')
    .option('--test-classes <list>', 'meta-test classes, never seen in meta-training')
    .option(
      '--backbone <name>',
      'registry name or path/URL of a TF.js layers model (default mobilenet_v2)',
    )
    .option('--scratch', 'random initial weights instead of pretrained ones')
    .option('--image-size <px>', 'square input size', parseInteger('--image-size', 1))
    .option('--unfreeze <n>', "blocks meta-training updates: a number or 'all' (default 3)", (v) =>
      parseUnfreeze(v),
    )
    .option('--train-bn', 'let BatchNorm statistics train (default: frozen when pretrained)')
    .option('--ways <n>', 'N: classes per test episode (default 5)', parseInteger('--ways', 2))
    .option(
      '--shots <list>',
      'K: support images per class, one setting each (default 1,5)',
      parseShots,
    )
    .option('--queries <n>', 'Q: query images per class (default 15)', parseInteger('--queries', 1))
    .option(
      '--episodes <n>',
      'test episodes per setting (default 600)',
      parseInteger('--episodes', 1),
    )
    .option('--train-ways <n|lo-hi>', 'N of meta-training episodes (default --ways)', (v) =>
      parseCount(v, '--train-ways'),
    )
    .option(
      '--train-shots <n|lo-hi>',
      'K of meta-training episodes; a range varies it (default 1-5)',
      (v) => parseCount(v, '--train-shots'),
    )
    .option('--meta-steps <n>', 'outer steps (default 1000)', parseInteger('--meta-steps', 0))
    .option(
      '--meta-batch <n>',
      'episodes per outer step (default 4)',
      parseInteger('--meta-batch', 1),
    )
    .option(
      '--eval-every <n>',
      'log and validate every n steps (default 100)',
      parseInteger('--eval-every', 1),
    )
    .option(
      '--val-episodes <n>',
      'validation episodes per check (default 100)',
      parseInteger('--val-episodes', 0),
    )
    .option(
      '--max-per-class <n>',
      'images kept per class (default 600)',
      parseInteger('--max-per-class', 1),
    )
    .addOption(
      new Option('--metric <m>', 'centroid distance (default cosine)').choices([
        'cosine',
        'euclidean',
      ]),
    )
    .option(
      '--head-steps <n>',
      'finetune-head: steps per episode (default 100)',
      parseInteger('--head-steps', 1),
    )
    .option('--head-lr <x>', 'finetune-head: Adam lr (default 0.01)', parseNumber('--head-lr'))
    .option('--outer-lr <x>', 'meta-learning outer lr', parseNumber('--outer-lr'))
    .option(
      '--inner-steps <n>',
      'maml/anil/reptile: inner steps in meta-training',
      parseInteger('--inner-steps', 1),
    )
    .option(
      '--test-inner-steps <n>',
      'maml/anil/reptile: inner steps at test time',
      parseInteger('--test-inner-steps', 1),
    )
    .option('--inner-lr <x>', 'maml/anil/reptile: inner lr', parseNumber('--inner-lr'))
    .addOption(
      new Option(
        '--head-init <init>',
        "maml/anil: each task's head starts from its support prototypes (Proto-MAML; default) or a meta-learned init",
      ).choices(['learned', 'prototypes']),
    )
    .option(
      '--second-order',
      'maml/anil: differentiate through the inner loop (default first order)',
    )
    .option('--out <dir>', 'output folder (default runs/fewshot)')
    .option('--config <file>', 'JSON run configuration; flags override it')
    .option('--skip-bad', 'skip bad images (counted and named) instead of failing');
}

async function configFrom(
  flags: FewShotFlags,
  methods: FewShotMethodName[],
): Promise<FewShotConfig> {
  const fromFile = flags.config ? await readConfigFile(flags.config) : {};
  return resolveFewShotConfig(fromFile, {
    data: flags.data,
    testData: flags.testData,
    trainClasses: flags.trainClasses,
    valClasses: flags.valClasses,
    testClasses: flags.testClasses,
    methods,
    backbone: flags.backbone,
    pretrained: flags.scratch ? false : undefined,
    imageSize: flags.imageSize,
    unfreeze: flags.unfreeze,
    freezeBn: flags.trainBn ? false : undefined,
    ways: flags.ways,
    shots: flags.shots,
    queries: flags.queries,
    episodes: flags.episodes,
    trainWays: flags.trainWays,
    trainShots: flags.trainShots,
    metaSteps: flags.metaSteps,
    metaBatch: flags.metaBatch,
    evalEvery: flags.evalEvery,
    valEpisodes: flags.valEpisodes,
    maxPerClass: flags.maxPerClass,
    metric: flags.metric,
    headSteps: flags.headSteps,
    headLr: flags.headLr,
    outerLr: flags.outerLr,
    innerSteps: flags.innerSteps,
    testInnerSteps: flags.testInnerSteps,
    innerLr: flags.innerLr,
    headInit: flags.headInit,
    firstOrder: flags.secondOrder ? false : flags.firstOrder ? true : undefined,
    out: flags.out,
    seed: flags.seed,
    skipBad: flags.skipBad,
  });
}

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

async function runAndReport(
  flags: FewShotFlags,
  methods: FewShotMethodName[],
  saveBundle: boolean,
): Promise<void> {
  const { out } = await setUp(flags);
  const config = await configFrom(flags, methods);
  const bundleDir = path.join(config.out, 'bundle');
  const result = await runFewShot(config, {
    status: (line) => out.info(line),
    onTrained: saveBundle
      ? (network, method) => saveMetaTrainedBundle(bundleDir, network, config, method)
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

export function fewshotCommand(program: Command): void {
  const group = program
    .command('fewshot')
    .description(
      'few-shot learning: meta-train, compare methods on episodes, build classifiers from a few images',
    );
  addCommonFlags(
    episodeFlags(
      group
        .command('train')
        .description(
          'meta-train one method, score it before and after on the same test episodes, save its network',
        ),
    ).addOption(
      new Option('--method <name>', 'method to meta-train (default protonet)').choices([
        ...FEWSHOT_METHODS,
      ]),
    ),
  ).action(async (flags: FewShotFlags) => {
    await runAndReport(
      flags,
      [(flags.method as FewShotMethodName | undefined) ?? 'protonet'],
      true,
    );
  });
  addCommonFlags(
    episodeFlags(
      group
        .command('eval')
        .description(
          'compare methods on the same seeded test episodes (meta-learners are meta-trained first)',
        ),
    ).option('--method <list>', "methods, comma-separated, or 'all' (default all)", parseMethods),
  ).action(async (flags: FewShotFlags) => {
    await runAndReport(
      flags,
      (flags.method as FewShotMethodName[] | undefined) ?? [...FEWSHOT_METHODS],
      false,
    );
  });
  registerFewShotGrow(group);
}

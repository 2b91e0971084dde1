// Test fixture (not a test): a synthetic but realistic RunReport with real PNG thumbnails, for
// the report tests and for eyeballing the page (`node --import tsx src/report/fixture.ts OUT`).
import sharp from 'sharp';
import { Rng } from '../util/rng.js';
import type {
  AdaptationSummary,
  ClassMetrics,
  ReliabilityBin,
  RunReport,
  ScatterPoint,
  WorstExample,
} from './types.js';

/** Labels chosen to break naive HTML, Markdown and SVG: tags, ampersands, both quotes, pipes. */
export const NASTY_CLASSES = [
  'cat',
  'dog & "co"',
  "o'neil <x>",
  '<script>alert(1)</script>',
  'a|b *star*',
];

/** A solid thumbnail with a darker diagonal, so the grid shows distinct real images. */
export async function thumbnail(r: number, g: number, b: number, size = 48): Promise<Uint8Array> {
  const px = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.abs(x - y) < 4 ? 0.4 : 1;
      px.set([r * d, g * d, b * d], (y * size + x) * 3);
    }
  }
  const png = await sharp(px, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

/** Per-class precision/recall/F1/support from a confusion matrix (rows true, columns predicted). */
export function perClassFrom(confusion: number[][], classes: string[]): ClassMetrics[] {
  return classes.map((label, k) => {
    const tp = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k], 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
}

/** A confusion matrix with distinctive counts (no two diagonal cells equal). */
export function syntheticConfusion(n: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 30 + 7 * i : (i * 3 + j * 5) % 4)),
  );
}

export async function syntheticRun(classes: string[] = NASTY_CLASSES): Promise<RunReport> {
  const epochs = 12;
  const stepsPerEpoch = 25;
  const history = Array.from({ length: epochs }, (_, e) => {
    const epoch = e + 1;
    return {
      epoch,
      trainLoss: 1.6 * Math.exp(-epoch / 4) + 0.08,
      valLoss: 1.5 * Math.exp(-epoch / 5) + 0.25 + (epoch > 9 ? 0.02 * (epoch - 9) : 0),
      trainAccuracy: 1 - 0.8 * Math.exp(-epoch / 3),
      valAccuracy: 0.95 - 0.7 * Math.exp(-epoch / 3.5),
      lr: 1e-3 * 0.5 * (1 + Math.cos((Math.PI * epoch) / epochs)),
    };
  });
  const total = epochs * stepsPerEpoch;
  const warmup = 30;
  const lrSteps = Array.from({ length: total }, (_, step) => ({
    step,
    lr:
      step < warmup
        ? (1e-3 * (step + 1)) / warmup
        : 1e-3 * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / (total - warmup))),
  }));
  const confusion = syntheticConfusion(classes.length);
  const perClass = perClassFrom(confusion, classes);
  const correct = confusion.reduce((a, row, i) => a + row[i], 0);
  const count = confusion.flat().reduce((a, b) => a + b, 0);
  const colors: [number, number, number][] = [
    [220, 60, 60],
    [60, 160, 60],
    [60, 90, 220],
    [230, 180, 40],
    [150, 60, 200],
    [40, 190, 200],
  ];
  const worst: WorstExample[] = await Promise.all(
    colors.map(async ([r, g, b], i) => ({
      id: `images/${classes[i % classes.length]}/IMG_${1000 + i}.jpg`,
      png: await thumbnail(r, g, b),
      trueLabel: classes[i % classes.length],
      predictedLabel: classes[(i + 1) % classes.length],
      confidence: 0.99 - i * 0.07,
    })),
  );
  const reliability: ReliabilityBin[] = Array.from({ length: 10 }, (_, i) => ({
    lo: i / 10,
    hi: (i + 1) / 10,
    confidence: i / 10 + 0.05,
    accuracy: Math.max(0, i / 10 + 0.05 - 0.04 * Math.sin(i)),
    count: i < 2 ? 0 : 10 * i,
  }));
  return {
    title: 'Run 2024-05-01 <fine-tune> & "friends"',
    createdAt: '2024-05-01T12:34:56.000Z',
    config: {
      data: { root: '/data/pets & "things"/<train>', valFraction: 0.1 },
      backbone: 'mobilenetv2',
      weights: 'https://example.com/weights/model.json',
      method: 'fine-tune',
      epochs,
      batchSize: 32,
      optimizer: { name: 'adam', lr: 1e-3, schedule: 'cosine', warmupSteps: warmup },
      seed: 42,
      note: '</pre><script>alert("config")</script>',
    },
    data: {
      name: 'pets <v2>',
      classes,
      train: 1200,
      val: 150,
      test: count,
      source: '/data/pets & "things"',
    },
    backbone: {
      name: 'mobilenetv2',
      weights: 'nsfwjs-mobilenetv2',
      source: 'npm nsfwjs 4.3.0',
      licence: 'MIT',
      inputSize: 224,
    },
    method: { name: 'fine-tune', summary: 'unfroze the last 2 blocks at lr x0.1' },
    history,
    lrSteps,
    final: {
      accuracy: correct / count,
      balancedAccuracy: perClass.reduce((a, c) => a + c.recall, 0) / classes.length,
      macroF1: perClass.reduce((a, c) => a + c.f1, 0) / classes.length,
      ece: 0.043,
      loss: 0.3127,
    },
    evaluatedOn: 'test',
    confusion,
    perClass,
    worst,
    reliability,
    notes: ['Validation loss rises after epoch 9: <early stopping> would have helped.'],
  };
}

/** Two Gaussian clouds per stage: apart along PC1 before adaptation, mostly overlapping after. */
function syntheticScatter(gap: number, seed: number): ScatterPoint[] {
  const rng = new Rng(seed);
  const cloud = (domain: 'source' | 'target', dx: number) =>
    Array.from({ length: 150 }, (_, i) => ({
      x: dx + 1.5 * rng.normal(),
      y: 0.8 * rng.normal(),
      domain,
      label: NASTY_CLASSES[i % NASTY_CLASSES.length],
    }));
  return [...cloud('source', -gap / 2), ...cloud('target', gap / 2)];
}

/**
 * A DANN-like adaptation summary: the discriminator drifts toward chance, target accuracy
 * rises above the source-only baseline. The selection sentence carries markup to be escaped.
 */
export function syntheticAdaptation(targetLabelsGiven = true): AdaptationSummary {
  const epochs = Array.from({ length: 10 }, (_, e) => {
    const epoch = e + 1;
    return {
      epoch,
      sourceAccuracy: 0.93 - 0.5 * Math.exp(-epoch / 2),
      ...(targetLabelsGiven ? { targetAccuracy: 0.71 - 0.3 * Math.exp(-epoch / 3) } : {}),
      discriminatorAccuracy: 0.55 + 0.4 * Math.exp(-epoch / 3),
      transferLoss: 0.69 - 0.2 * Math.exp(-epoch / 2),
    };
  });
  return {
    method: 'dann <grl>',
    selection:
      'Checkpoint with the highest source validation accuracy (<source-val> & no target labels).',
    targetLabelsGiven,
    epochs,
    proxyADistance: { before: 1.7342, after: 0.6125 },
    scatter: { before: syntheticScatter(6, 1), after: syntheticScatter(1, 2) },
    ...(targetLabelsGiven ? { sourceOnlyTargetAccuracy: 0.58 } : {}),
  };
}

// Run directly: write the fixture's report (and card) for a look in a browser.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeModelCard, writeReport } = await import('./write.js');
  const { modelCardFromReport } = await import('./model-card.js');
  const out = process.argv[2] ?? 'runs/report-fixture';
  const n = Number(process.argv[3] ?? 0);
  const classes = n > 0 ? Array.from({ length: n }, (_, i) => `class_${i}`) : undefined;
  const run = await syntheticRun(classes);
  // A fourth argument `adapt` adds the adaptation section.
  if (process.argv[4] === 'adapt') run.adaptation = syntheticAdaptation();
  console.log(await writeReport(out, run));
  console.log(await writeModelCard(out, modelCardFromReport(run)));
}

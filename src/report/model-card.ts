// The model card: README.md inside a bundle, saying what the model is for, what it was trained
// on, how well it did and where it should not be trusted. Built from plain data (`ModelCard`);
// `modelCardFromReport` fills one from a run report. Platform-free.
import { formatMetric, metricName } from './format.js';
import type { ModelCard, RunReport } from './types.js';

/**
 * Escapes text for inline Markdown (and the HTML Markdown allows), so a label such as
 * `<b>|x*` shows as written instead of becoming a tag, a table column or emphasis.
 */
export function escapeMarkdown(text: unknown): string {
  return String(text)
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#~])/g, '\\$1');
}

/** Longest label list written in full; longer ones are cut with a count of the rest. */
const MAX_LISTED_CLASSES = 30;

function classList(classes: readonly string[]): string {
  const shown = classes.slice(0, MAX_LISTED_CLASSES).map((c) => `\`${c.replace(/`/g, "'")}\``);
  const rest = classes.length - shown.length;
  return shown.join(', ') + (rest > 0 ? `, … and ${rest} more` : '');
}

function defaultIntendedUse(card: ModelCard): string[] {
  const n = card.data.classes.length;
  return [
    `Classifying images like those in ${escapeMarkdown(card.data.name)} into one of ${n} classes.`,
    'As a starting point for further fine-tuning on closely related data.',
  ];
}

function standardLimits(card: ModelCard): string[] {
  const split = card.evaluatedOn ?? 'test';
  const sizes: Record<string, number> = {
    train: card.data.train,
    val: card.data.val,
    test: card.data.test,
  };
  const size = Object.hasOwn(sizes, split) ? ` (${sizes[split]} images)` : '';
  const limits = [
    `Metrics were measured on the ${escapeMarkdown(split)} split of ${escapeMarkdown(card.data.name)}${size} only; accuracy on images from other cameras, sites or time periods is unknown until measured.`,
    `The model always answers with one of its ${card.data.classes.length} classes; it has no "none of these" output, so out-of-scope images get a confident-looking wrong label.`,
  ];
  if (card.backbone.weights === 'random') {
    limits.push('The backbone was randomly initialised, not pretrained.');
  }
  if (!card.backbone.licence) {
    limits.push(
      'The licence of the pretrained weights is not recorded; check it before redistributing.',
    );
  }
  if (!card.data.licence) {
    limits.push('The licence of the training data is not recorded.');
  }
  return limits;
}

const bullets = (items: readonly string[]): string => items.map((i) => `- ${i}`).join('\n');

/**
 * Renders the card as Markdown. Names, labels and paths are escaped; the prose a person writes
 * for the card (`description`, `intendedUse`, `limits`) is Markdown and used verbatim.
 */
export function renderModelCard(card: ModelCard): string {
  const { data, backbone, method } = card;
  const dir = card.bundleDir ?? 'DIR';
  const shellDir = /^[\w./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, "'\\''")}'`;
  const tsString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const from = card.importFrom ?? 'visiontune';
  const split = card.evaluatedOn ?? 'test';
  const metrics = Object.entries(card.metrics).filter(
    (e): e is [string, number] => typeof e[1] === 'number',
  );
  const out: string[] = [];
  out.push(`# ${escapeMarkdown(card.name)}`, '');
  if (card.description) out.push(card.description, '');
  if (card.createdAt) out.push(`Created ${escapeMarkdown(card.createdAt)}.`, '');

  out.push('## Data', '');
  out.push(
    bullets([
      `Dataset: ${escapeMarkdown(data.name)}${data.source ? ` (source: ${escapeMarkdown(data.source)})` : ''}`,
      `Images: ${data.train} train, ${data.val} validation, ${data.test} test`,
      `Classes (${data.classes.length}): ${classList(data.classes)}`,
      `Data licence: ${data.licence ? escapeMarkdown(data.licence) : 'not recorded'}`,
    ]),
    '',
  );

  out.push('## Backbone', '');
  out.push(
    bullets([
      `Architecture: ${escapeMarkdown(backbone.name)}`,
      `Weights: ${backbone.weights ? escapeMarkdown(backbone.weights) : 'not recorded'}`,
      `Weights source: ${backbone.source ? escapeMarkdown(backbone.source) : 'not recorded'}`,
      `Weights licence: ${backbone.licence ? escapeMarkdown(backbone.licence) : 'not recorded'}`,
      ...(backbone.inputSize ? [`Input size: ${backbone.inputSize} px`] : []),
    ]),
    '',
  );

  out.push('## Method', '');
  out.push(
    `${escapeMarkdown(method.name)}${method.summary ? `: ${escapeMarkdown(method.summary)}` : ''}`,
    '',
  );

  out.push('## Metrics', '');
  out.push(`Measured on the ${escapeMarkdown(split)} split.`, '');
  if (metrics.length > 0) {
    out.push('| metric | value |', '| --- | ---: |');
    for (const [k, v] of metrics) out.push(`| ${metricName(k)} | ${formatMetric(k, v)} |`);
    out.push('');
  } else {
    out.push('No metrics were recorded.', '');
  }
  if (card.perClass && card.perClass.length > 0) {
    out.push('<details><summary>Per-class metrics</summary>', '');
    out.push(
      '| class | precision | recall | F1 | support |',
      '| --- | ---: | ---: | ---: | ---: |',
    );
    for (const c of card.perClass) {
      out.push(
        `| ${escapeMarkdown(c.label)} | ${c.precision.toFixed(3)} | ${c.recall.toFixed(3)} | ${c.f1.toFixed(3)} | ${c.support} |`,
      );
    }
    out.push('', '</details>', '');
  }

  out.push('## Intended use', '');
  out.push(bullets(card.intendedUse ?? defaultIntendedUse(card)), '');

  out.push('## Limits', '');
  out.push(bullets([...(card.limits ?? []), ...standardLimits(card)]), '');

  out.push('## How to load', '');
  out.push(
    'From the command line:',
    '',
    '```sh',
    `visiontune predict --model ${shellDir} img.jpg`,
    '```',
    '',
  );
  out.push(
    'From code:',
    '',
    '```ts',
    `import { loadBundle, openFiles, predictSamples } from ${tsString(from)};`,
    '',
    `const bundle = await loadBundle(${tsString(dir)});`,
    "const source = await openFiles(['img.jpg']);",
    'const [prediction] = await predictSamples(bundle, source, source.splits.test ?? [], { topK: 3 });',
    'console.log(prediction.top); // [{ label, index, probability }, ...]',
    '```',
    '',
  );
  return out.join('\n');
}

/** A card from a run report, plus what a report doesn't know (intended use, limits, name). */
export function modelCardFromReport(
  run: RunReport,
  extra: Partial<Omit<ModelCard, 'data' | 'backbone' | 'method' | 'metrics'>> = {},
): ModelCard {
  return {
    name: run.title,
    createdAt: run.createdAt,
    evaluatedOn: run.evaluatedOn,
    perClass: run.perClass,
    ...extra,
    data: run.data,
    backbone: run.backbone,
    method: run.method,
    metrics: { ...run.final },
  };
}

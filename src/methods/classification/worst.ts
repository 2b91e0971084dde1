// The report's grid of worst mistakes: misclassified images, most confident first, as small PNG
// thumbnails with their true and predicted labels. Node-only (sharp).
import sharp from 'sharp';
import type { DataSource, Sample } from '../../data/types.js';
import type { WorstExample } from '../../report/types.js';

export async function worstExamples(
  source: DataSource,
  samples: readonly Sample[],
  probabilities: Float32Array,
  labels: readonly string[],
  limit = 12,
): Promise<WorstExample[]> {
  const classes = labels.length;
  const wrong: { index: number; predicted: number; confidence: number }[] = [];
  samples.forEach((s, i) => {
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    let predicted = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[predicted]) predicted = c;
    if (predicted !== s.label) wrong.push({ index: i, predicted, confidence: row[predicted] });
  });
  wrong.sort((a, b) => b.confidence - a.confidence);
  const out: WorstExample[] = [];
  for (const w of wrong.slice(0, limit)) {
    const sample = samples[w.index];
    const img = await source.read(sample, {
      mode: 'shorter',
      size: 96,
      interpolation: 'bilinear',
      downscaleOnly: true,
    });
    const png = await sharp(img.data, {
      raw: { width: img.width, height: img.height, channels: 3 },
    })
      .resize(96, 96, { fit: 'inside', withoutEnlargement: false, kernel: 'nearest' })
      .png()
      .toBuffer();
    out.push({
      id: sample.id,
      png: new Uint8Array(png),
      trueLabel: labels[sample.label],
      predictedLabel: labels[w.predicted],
      confidence: w.confidence,
    });
  }
  return out;
}

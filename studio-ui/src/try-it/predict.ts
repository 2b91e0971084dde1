// One prediction with a loaded bundle, whatever its task, timed: the page shows the result and
// how long the model took. Inputs are decoded images (visiontune/web's own decoding), so the page
// draws exactly the pixels the model saw.
import type { DecodedImage } from '../../../src/data/types.js';
// visiontune/web's modules one by one rather than its index: the index also exports the few-shot
// class adder, whose types reach Node-only modules this browser-only program cannot type-check.
import { type Classification, classify } from '../../../src/web/classify.js';
import { type Detection, detect } from '../../../src/web/detect.js';
import type { WebBundle } from '../../../src/web/load-bundle.js';
import { type Segmentation, segment } from '../../../src/web/segment.js';

export type Outcome =
  | { task: 'classification'; result: Classification }
  | { task: 'detection'; result: Detection[] }
  | { task: 'segmentation'; result: Segmentation };

export async function predict(
  bundle: WebBundle,
  image: DecodedImage,
): Promise<{ outcome: Outcome; ms: number }> {
  const started = performance.now();
  const task = bundle.meta.task;
  let outcome: Outcome;
  if (task === 'classification')
    outcome = { task, result: await classify(bundle, image, { topK: 5 }) };
  else if (task === 'detection') outcome = { task, result: await detect(bundle, image) };
  else if (task === 'segmentation') outcome = { task, result: await segment(bundle, image) };
  else throw new Error(`a ${task} bundle has no predictions to show here (it embeds images)`);
  return { outcome, ms: performance.now() - started };
}

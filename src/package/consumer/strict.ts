// A strict TypeScript user of the published declarations, type-checked (never run) by
// pack-install.e2e.test.ts with strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes:
// the main entry points with the types a user would write around them.
import {
  type BundleMeta,
  closeBundle,
  createModel,
  type InputPolicy,
  type LoadedBundle,
  loadBundle,
  openBundle,
  openFolder,
  openSource,
  type Prediction,
  predictSamples,
  readBundleMeta,
  setInputPolicy,
  train,
  VisiontuneError,
} from 'visiontune';
import {
  type Classification,
  classify as classifyWeb,
  loadBundle as loadWebBundle,
} from 'visiontune/web';

export async function classify(dir: string, images: string): Promise<Map<string, string>> {
  const bundle: LoadedBundle = await loadBundle(dir);
  const source = await openFolder(images, { skipBad: true });
  const predictions: Prediction[] = await predictSamples(bundle, source, source.splits.test ?? [], {
    topK: 2,
  });
  const best = new Map<string, string>();
  for (const p of predictions) {
    const top = p.top[0];
    if (top) best.set(p.id, `${top.label} ${top.probability.toFixed(3)}`);
  }
  return best;
}

export async function trainThenDescribe(data: string): Promise<string> {
  const previous: InputPolicy = setInputPolicy({ maxPixels: 4_000_000 });
  try {
    const run = await train({ data, strategy: 'linear', epochs: 1, out: 'runs/strict' });
    const meta: BundleMeta = await readBundleMeta(run.bundleDir);
    return `${meta.task}: ${run.labels.join(', ')} (${run.metrics.accuracy})`;
  } finally {
    setInputPolicy(previous);
  }
}

export async function onnxTop(file: string, images: string): Promise<string[]> {
  const bundle = await openBundle(file, { engine: 'onnx', threads: 1 });
  try {
    const source = await openFolder(images);
    const predictions = await predictSamples(bundle, source, source.splits.test ?? []);
    return predictions.map((p) => p.top.map((t) => t.label).join(' > '));
  } finally {
    await closeBundle(bundle);
  }
}

export async function inputSizeOf(backbone: string): Promise<number> {
  const { model, config } = await createModel(backbone, { numClasses: 3, pretrained: false });
  model.dispose();
  return config.inputSize;
}

export async function describeError(spec: string): Promise<string> {
  try {
    const source = await openSource(spec);
    return `${source.name}: ${source.classes.length} classes`;
  } catch (err) {
    if (err instanceof VisiontuneError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

/** The browser entry's API, as a page would call it (type-checked here, run in Chromium elsewhere). */
export async function classifyInPage(url: string, image: ImageBitmap): Promise<string> {
  const bundle = await loadWebBundle(url);
  const result: Classification = await classifyWeb(bundle, image, { topK: 1 });
  const best = result.top[0];
  return best ? `${best.label} ${best.probability.toFixed(3)}` : 'no classes';
}

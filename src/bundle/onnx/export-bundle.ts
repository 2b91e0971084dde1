// A bundle as one .onnx file: the model, and in the file's metadata everything needed to feed it
// and read its output (task, labels, preprocessing, the detection/segmentation decoding) — so an
// ONNX Runtime user in any language needs nothing else. Written to a temp file, then renamed.
import onnxProto from 'onnx-proto';
import { externalDataTensor } from '../../backbones/onnx/parse.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { badInput } from '../../errors.js';
import { parseJsonDocument, readInputFile } from '../../guard/read-input.js';
import type { LoadedBundle } from '../bundle.js';
import { type BundleMeta, bundleMetaSchema } from '../meta.js';
import { layersModelToOnnx } from './export-model.js';

/** Metadata keys; `visiontune.bundle` holds the whole visiontune.json. */
export const ONNX_META = {
  bundle: 'visiontune.bundle',
  task: 'visiontune.task',
  labels: 'visiontune.labels',
  preprocessing: 'visiontune.preprocessing',
} as const;

/** How to read one output of `task` with `labels` (listed in `where`), in words. */
function describeOutput(
  meta: BundleMeta,
  task: Exclude<BundleMeta['task'], 'multitask'>,
  labels: readonly string[],
  settings: Pick<BundleMeta, 'detection' | 'multiLabel'>,
  where: string,
): string {
  const p = meta.preprocessing;
  const classes = labels.length;
  return {
    classification: settings.multiLabel
      ? `[batch, ${classes}] logits over ${where}, one independent class each (sigmoid for probabilities; multi-label).`
      : `[batch, ${classes}] logits over ${where} (softmax for probabilities).`,
    embedding: `[batch, ${meta.backbone.embeddingDim ?? 'dim'}] embeddings.`,
    detection: `[batch, locations, ${classes} + 5]: per location of each stride ${JSON.stringify(settings.detection?.strides)} (row-major, centre floor(s/2) + j·s), ${classes} class logits, 4 raw distances r (left, top, right, bottom = s·exp(r) px), 1 centre-ness logit.`,
    segmentation: `[batch, ${p.inputSize}, ${p.inputSize}, ${classes}] per-pixel logits, NHWC.`,
  }[task];
}

/** What the input is and how to read the output, in words (the model's doc_string). */
export function describeBundle(meta: BundleMeta): string {
  const p = meta.preprocessing;
  const input =
    `input: float32 [batch, ${p.inputSize}, ${p.inputSize}, 3], NHWC, RGB; each value ` +
    `(v / 255 − mean[c]) / std[c] with mean ${JSON.stringify(p.mean)}, std ${JSON.stringify(p.std)}.`;
  const resize =
    meta.task === 'detection' || meta.task === 'multitask'
      ? 'Resize: letterbox to the input size (aspect kept, gray padding 114).'
      : meta.task === 'segmentation'
        ? `Resize: fit to the input size (aspect kept, gray padding) or slide input-sized windows (${meta.segmentation?.inference}).`
        : `Resize: shorter side to floor(${p.inputSize} / ${p.cropPct}) (${p.interpolation}), centre crop ${p.inputSize}.`;
  const output = meta.multitask
    ? meta.multitask.tasks
        .map(
          (t) =>
            `output_${t.output}: task ${t.name} (${t.multiLabel ? 'multi-label ' : ''}${t.task}; labels: visiontune.bundle's multitask.tasks), ${describeOutput(meta, t.task, t.labels, t, `its labels`)}`,
        )
        .join(' ')
    : `output: ${describeOutput(meta, meta.task as Exclude<BundleMeta['task'], 'multitask'>, meta.labels, meta, 'visiontune.labels')}`;
  return `visiontune ${meta.task} model (${meta.backbone.name}). ${input} ${resize} ${output}`;
}

export function bundleToOnnx(bundle: LoadedBundle): Uint8Array {
  const { meta, model } = bundle;
  return layersModelToOnnx(model, {
    graphName: `visiontune_${meta.task}`,
    docString: describeBundle(meta),
    metadata: {
      [ONNX_META.bundle]: JSON.stringify(meta),
      [ONNX_META.task]: meta.task,
      [ONNX_META.labels]: JSON.stringify(meta.labels),
      [ONNX_META.preprocessing]: JSON.stringify(meta.preprocessing),
    },
  });
}

/** Writes the bundle's ONNX model to `file` (staged, then renamed); returns its size in bytes. */
export async function writeBundleOnnx(bundle: LoadedBundle, file: string): Promise<number> {
  const bytes = bundleToOnnx(bundle);
  await writeFileAtomic(file, bytes);
  return bytes.byteLength;
}

/**
 * An exported .onnx file's bytes and the bundle description it carries, validated like
 * visiontune.json. Read once, as a model file under the input policy; a file whose tensors live
 * in external files is refused (an export never writes them, and they are never opened).
 */
export async function readOnnxBundleFile(
  file: string,
): Promise<{ meta: BundleMeta; bytes: Uint8Array }> {
  const bytes = await readInputFile(file, 'model');
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnxProto.onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw badInput(`${file} is not an ONNX model: ${(err as Error).message}`);
  }
  const external = externalDataTensor(model);
  if (external)
    throw badInput(`${file}: tensor ${external} keeps its data in an external file (not read)`);
  const raw = (model.metadataProps ?? []).find((p) => p.key === ONNX_META.bundle)?.value;
  if (!raw)
    throw badInput(
      `${file} has no ${ONNX_META.bundle} metadata: not exported by visiontune export, so its labels and preprocessing are unknown`,
    );
  const parsed = bundleMetaSchema.safeParse(
    parseJsonDocument(raw, `${file}: its ${ONNX_META.bundle} metadata`),
  );
  if (!parsed.success)
    throw badInput(`${file}: its ${ONNX_META.bundle} metadata is not a valid bundle description`);
  return { meta: parsed.data, bytes };
}

/** The bundle description an exported .onnx file carries (see readOnnxBundleFile). */
export async function readOnnxBundleMeta(file: string): Promise<BundleMeta> {
  return (await readOnnxBundleFile(file)).meta;
}

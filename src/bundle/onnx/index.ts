// ONNX export of models and bundles, and running them in ONNX Runtime.
export { checkOnnxExport, type ExportCheck } from './check.js';
export {
  bundleToOnnx,
  describeBundle,
  ONNX_META,
  readOnnxBundleMeta,
  writeBundleOnnx,
} from './export-bundle.js';
export { EXPORTABLE_LAYERS, type LayersToOnnxOptions, layersModelToOnnx } from './export-model.js';
export {
  type FrozenForward,
  type FrozenForwardOptions,
  frozenForward,
  releaseFrozenForward,
} from './frozen-forward.js';
export { loadOnnxBundle, type OnnxBundle } from './load.js';
export { createOnnxRunner, type OnnxRunner, type OnnxSessionOptions } from './runtime.js';

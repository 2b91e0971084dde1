// Public surface of backbones: the registry, the one factory, and loading any TF.js layers model.
// Registers the BatchNorm training fix before any model is deserialized.
import './batchnorm-fix.js';
import './relu-layer.js';

export { type CreatedModel, type CreateModelOptions, createModel } from './create-model.js';
export { findTaps, TAP_STRIDES, type TapStride } from './graph.js';
export {
  isModelLocation,
  type LayersBackbone,
  type LayersBackboneOptions,
  loadLayersBackbone,
} from './layers-backbone.js';
export { rebuildBody } from './rebuild.js';
export { getBackbone, listBackbones, registerBackbone } from './registry.js';
export type {
  BackboneEntry,
  BlockRule,
  BuildOptions,
  FeatureTap,
  PretrainedConfig,
} from './types.js';

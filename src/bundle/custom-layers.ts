// Every custom layer class a visiontune bundle can contain, registered with tfjs serialization by
// importing this one module. Platform-free: Node's bundle loader (bundle.ts) and the browser entry
// (web/) both import it, so a layer added here loads everywhere, and the list exists once.
// Classes kept for old bundles too (e.g. VisiontuneStandardize, now folded into Dense at save).
import '../backbones/batchnorm-fix.js';
import '../backbones/hard-activations.js';
import '../backbones/layer-scale.js';
import '../backbones/relu-layer.js';
import '../backbones/onnx/layers.js';
import '../backbones/onnx/view-layers.js';
import '../heads/segmentation/atrous-conv.js';
import '../heads/standardize.js';
import '../heads/l2-normalize.js';
import '../methods/peft/lora-layers.js';
import '../methods/multitask/weighting/log-variance-layer.js';

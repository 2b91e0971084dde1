// Cheaper saves for the gradient tape on the torch backend. While it records, tfjs keeps every
// tensor a gradient needs as a clone (Engine.clone): an Identity kernel run through the whole
// runKernel path plus a tape node of its own that links the clone to its source. A MobileNetV2
// training step makes ~1,050 of them, ~15-25 µs each. On the outermost tape (gradient depth 1)
// that node can never be used: a clone feeds only gradient functions, which run after recording
// ends, so no recorded path reaches it. There the clone is made directly — one more reference to
// the same data, as the Identity kernel makes — and everything else (nested tapes, where the link
// carries second-order gradients; other backends) keeps tfjs's own clone.
import * as tf from '@tensorflow/tfjs';

interface EngineInternals {
  backendName: string;
  state: {
    gradientDepth: number;
    tensorInfo: { get(dataId: tf.DataId): { backend: tf.KernelBackend } | undefined };
  };
  clone(x: tf.Tensor): tf.Tensor;
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: tf.KernelBackend): tf.Tensor;
}

let installed = false;

/** Installs the direct clone for tensors of `backendName` on the outermost tape. Idempotent. */
export function installCheapTapeSaves(backendName: string): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const stock = engine.clone;
  engine.clone = function clone(this: EngineInternals, x: tf.Tensor): tf.Tensor {
    const owner = this.state.tensorInfo.get(x.dataId)?.backend;
    if (this.state.gradientDepth !== 1 || this.backendName !== backendName || !owner) {
      return stock.call(this, x);
    }
    if (owner !== tf.findBackend(backendName)) return stock.call(this, x);
    owner.incRef(x.dataId);
    return this.makeTensorFromTensorInfo(
      { dataId: x.dataId, shape: x.shape, dtype: x.dtype },
      owner,
    );
  };
}

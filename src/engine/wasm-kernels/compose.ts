// Runs a kernel body written with ordinary tfjs ops and hands its result back to the engine
// as a TensorInfo. The engine wraps a kernel's returned dataId in a new Tensor without taking
// a backend reference of its own, so the result's reference is transferred here: we add one
// for the engine's wrapper and then dispose the op-level Tensor (and every intermediate, via
// tidy). Inner ops are not recorded on the gradient tape while a kernel runs (kernelDepth > 0).
import * as tf from '@tensorflow/tfjs';

export function composeKernel(
  backend: tf.KernelBackend,
  inputs: readonly tf.TensorInfo[],
  body: (...tensors: tf.Tensor[]) => tf.Tensor,
): tf.TensorInfo {
  const result = tf.tidy(() => {
    const tensors = inputs.map((info) => asTensor(info, backend));
    let out = body(...tensors);
    // Returning an input object itself would have us dispose the caller's tensor below.
    if (tensors.includes(out)) out = tf.clone(out);
    return out;
  });
  backend.incRef(result.dataId);
  const info: tf.TensorInfo = {
    dataId: result.dataId,
    shape: result.shape.slice(),
    dtype: result.dtype,
  };
  result.dispose();
  return info;
}

// Kernel inputs are Tensors when they come through engine.runKernel; a backend calling the
// kernel function directly may pass bare TensorInfos. Those get a wrapper holding its own
// backend reference, which the enclosing tidy releases.
function asTensor(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  const tensor = tf.engine().makeTensorFromTensorInfo(info, backend);
  backend.incRef(info.dataId);
  return tensor;
}

/** The pieces of a kernel call, typed: named inputs that must be present, and the backend. */
export function kernelArgs<Attrs>(args: Parameters<tf.KernelFunc>[0]): {
  backend: tf.KernelBackend;
  attrs: Attrs;
  input(name: string): tf.TensorInfo;
} {
  return {
    backend: args.backend as tf.KernelBackend,
    attrs: (args.attrs ?? {}) as unknown as Attrs,
    input(name) {
      const info = args.inputs[name];
      if (info === undefined) throw new Error(`wasm training kernel: missing input '${name}'`);
      return info;
    },
  };
}

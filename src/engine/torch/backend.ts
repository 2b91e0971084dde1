// The `torch` TensorFlow.js backend: tensor data lives in libtorch tensors owned by the native
// addon; a tfjs dataId maps to a native handle plus tfjs's reference count. Kernels in
// kernels.ts call the addon; everything else runs through fallback.ts on the cpu backend.
import * as tf from '@tensorflow/tfjs';
import type { Handle, TorchAddon, TorchDType } from './addon.js';

interface Entry {
  handle: Handle;
  dtype: tf.DataType;
  refCount: number;
}

type Values = Float32Array | Int32Array | Uint8Array;

function checkDtype(dtype: tf.DataType): TorchDType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new Error(`torch backend: dtype ${dtype} is not supported`);
}

/** tfjs may hand over plain arrays or other typed arrays; the addon takes the exact type. */
function typed(values: tf.backend_util.BackendValues, dtype: TorchDType, size: number): Values {
  const Ctor = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
  if (values instanceof Ctor) return values;
  if (values == null) return new Ctor(size);
  return Ctor.from(values as ArrayLike<number>);
}

export class TorchBackend extends tf.KernelBackend {
  private readonly entries = new WeakMap<tf.DataId, Entry>();
  private live = 0;

  constructor(readonly addon: TorchAddon) {
    super();
  }

  /** The native tensor behind a tfjs tensor of this backend. */
  handleOf(info: tf.TensorInfo): Handle {
    const entry = this.entries.get(info.dataId);
    if (!entry) throw new Error('torch backend: tensor data is not on this backend');
    return entry.handle;
  }

  /** Wraps a new native tensor as the kernel output of `shape` and `dtype`. */
  output(handle: Handle, shape: number[], dtype: tf.DataType): tf.TensorInfo {
    const dataId = {};
    this.entries.set(dataId, { handle, dtype, refCount: 1 });
    this.live++;
    return { dataId, shape, dtype };
  }

  /** Points `info`'s data at native tensor `handle` instead (freeing the old one). */
  replace(info: tf.TensorInfo, handle: Handle): tf.TensorInfo {
    const entry = this.entries.get(info.dataId);
    if (!entry) throw new Error('torch backend: replace of unknown data');
    if (entry.handle !== handle) this.addon.free(entry.handle);
    entry.handle = handle;
    return info;
  }

  /** A new tensor of this backend holding `values`. */
  makeOutput(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType) {
    const d = checkDtype(dtype);
    const size = tf.util.sizeFromShape(shape);
    return this.output(this.addon.create(typed(values, d, size), shape, d), shape, dtype);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType) {
    return this.makeOutput(values, shape, dtype).dataId;
  }

  override move(
    dataId: tf.DataId,
    values: tf.backend_util.BackendValues,
    shape: number[],
    dtype: tf.DataType,
    refCount: number,
  ): void {
    const d = checkDtype(dtype);
    const handle = this.addon.create(typed(values, d, tf.util.sizeFromShape(shape)), shape, d);
    this.entries.set(dataId, { handle, dtype, refCount });
    this.live++;
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const entry = this.entries.get(dataId);
    if (!entry) throw new Error('torch backend: readSync of unknown data');
    return this.addon.read(entry.handle);
  }

  override async read(dataId: tf.DataId): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override refCount(dataId: tf.DataId): number {
    return this.entries.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: tf.DataId): void {
    const entry = this.entries.get(dataId);
    if (entry) entry.refCount++;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const entry = this.entries.get(dataId);
    if (!entry) return true;
    entry.refCount--;
    if (!force && entry.refCount > 0) return false;
    this.addon.free(entry.handle);
    this.entries.delete(dataId);
    this.live--;
    return true;
  }

  override numDataIds(): number {
    return this.live;
  }

  override memory() {
    const { bytes, tensors } = this.addon.stats();
    return { unreliable: false, numBytesInTorch: bytes, numTorchTensors: tensors };
  }

  override async time(f: () => void): Promise<tf.TimingInfo> {
    const start = performance.now();
    f();
    return { kernelMs: performance.now() - start } as tf.TimingInfo;
  }

  override timerAvailable(): boolean {
    return true;
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7; // tfjs's EPSILON_FLOAT32, as the cpu backend uses
  }

  override dispose(): void {}
}

// A fast path for reading HDF5 datasets stored contiguous and little-endian float32/float16 (how
// h5py and Keras write weights): their bytes are copied straight from the file. jsfive decodes
// every element through a DataView into a JS array, which took ~5 s for a 94 MB ResNet50 file;
// this takes milliseconds. Anything else (chunked, compressed, big-endian, integers) returns
// undefined and is read through jsfive's own `value`. Uses jsfive's DataObjects internals
// (dataobjects.js: find_msg_type, _get_data_message_properties), checked here before use.

/** HDF5's Data Layout message type (jsfive's DATA_STORAGE_MSG_TYPE) and its contiguous class. */
const DATA_LAYOUT_MESSAGE = 0x0008;
const CONTIGUOUS = 1;
/** HDF5's "undefined address": a dataset with no storage allocated. */
const UNDEFINED_ADDRESS = 0xffffffffffffffffn;

interface DataObjects {
  fh: ArrayBuffer;
  shape: number[];
  dtype: unknown;
  find_msg_type(type: number): { get(key: string): number }[];
  _get_data_message_properties(offset: number): [number, number, number, number];
}

/** Float16 bits → float32 value (IEEE 754 half: 1 sign, 5 exponent, 10 fraction bits). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

let halves: Float32Array | undefined;
/** Every float16 bit pattern's value, made once. */
const halfTable = () => {
  halves ??= Float32Array.from({ length: 65536 }, (_, h) => halfToFloat(h));
  return halves;
};

/** The dataset's values if it is stored contiguous as '<f4' or '<f2'; else undefined. */
export function contiguousFloats(dataset: object): Float32Array | undefined {
  const objects = (dataset as { _dataobjects?: DataObjects })._dataobjects;
  if (
    !objects ||
    !(objects.fh instanceof ArrayBuffer) ||
    typeof objects.find_msg_type !== 'function' ||
    typeof objects._get_data_message_properties !== 'function'
  )
    return undefined;
  const dtype = objects.dtype;
  if (dtype !== '<f4' && dtype !== '<f2') return undefined;
  const message = objects.find_msg_type(DATA_LAYOUT_MESSAGE)[0];
  if (!message) return undefined;
  const [, , layout, propertyOffset] = objects._get_data_message_properties(
    message.get('offset_to_message'),
  );
  if (layout !== CONTIGUOUS) return undefined;
  const address = new DataView(objects.fh).getBigUint64(propertyOffset, true);
  const count = objects.shape.reduce((a, b) => a * b, 1);
  const bytes = dtype === '<f4' ? 4 : 2;
  if (address === UNDEFINED_ADDRESS || Number(address) + count * bytes > objects.fh.byteLength)
    return undefined;
  const raw = objects.fh.slice(Number(address), Number(address) + count * bytes);
  if (dtype === '<f4') return new Float32Array(raw);
  const table = halfTable();
  const halves = new Uint16Array(raw);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = table[halves[i]!]!;
  return out;
}

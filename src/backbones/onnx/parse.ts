// An ONNX model file as plain values: the graph's nodes in order with their attributes decoded,
// the initializers (weights) as typed arrays, the graph inputs and outputs with their shapes,
// and the default-domain opset. Decoding is onnx-proto's (protobufjs with the ONNX schema).
import onnxProto, { type onnx } from 'onnx-proto';
import { badInput } from '../../errors.js';

// A CommonJS module: its namespace comes through the default export under ESM.
const proto = onnxProto.onnx;

export interface OnnxTensor {
  name: string;
  dims: number[];
  /**
   * Float tensors as Float32Array; integer and bool ones as plain numbers. Decoded on first read
   * (a file's tensors are read only once its operators are known to be supported), so a data
   * type the importer cannot read fails only where the value is used.
   */
  readonly data: Float32Array | number[];
  /**
   * Float tensors only: values [first, first + count) in an array of their own, read alone where
   * the tensor is re-read from its file (so a large weight can be rearranged in parts).
   */
  readonly floats?: (first: number, count: number) => Float32Array;
}

export type OnnxAttribute = number | number[] | string | OnnxTensor;

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxValue {
  name: string;
  /** null for a symbolic dimension (e.g. 'batch'). */
  shape: (number | null)[];
}

export interface OnnxGraph {
  opset: number;
  producer: string;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
}

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const UINT16 = 4;
const INT16 = 5;
const INT32 = 6;
const INT64 = 7;
const BOOL = 9;
const DOUBLE = 11;

type Int64 = number | { toNumber(): number; toString(): string };

const toNumber = (v: Int64) => (typeof v === 'number' ? v : v.toNumber());

/** A dimension from the file, or why it cannot be one (negative, or past 2^53 as an int64). */
function dimension(v: Int64): number | string {
  const n = toNumber(v);
  if (!Number.isSafeInteger(n)) return `dimension ${v.toString()} is too large`;
  return n < 0 ? `dimension ${n} is negative` : n;
}

/** Whether a tensor's data lives in a file beside the model (ONNX external data). */
const isExternal = (t: onnx.ITensorProto) =>
  t.dataLocation === proto.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0;

/**
 * The name of a tensor whose data is in an external file (initializers and Constant nodes), or
 * undefined. Such files are never read: a model file cannot make visiontune open another file.
 */
export function externalDataTensor(model: onnx.IModelProto): string | undefined {
  const graph = model.graph;
  const tensors = [
    ...(graph?.initializer ?? []),
    ...(graph?.node ?? []).flatMap((n) => (n.attribute ?? []).flatMap((a) => (a.t ? [a.t] : []))),
  ];
  const found = tensors.find(isExternal);
  return found ? (found.name ?? '(unnamed)') : undefined;
}

/** Bytes per value of the tensor types read here, in raw_data. */
const RAW_BYTES: Record<number, number> = {
  [FLOAT]: 4,
  [DOUBLE]: 8,
  [INT64]: 8,
  [INT32]: 4,
  [INT16]: 2,
  [UINT16]: 2,
  [INT8]: 1,
  [UINT8]: 1,
  [BOOL]: 1,
};

/** Little-endian readers of the narrow integer types in raw_data (int32_data holds them else). */
const NARROW: Record<number, (v: DataView, i: number) => number> = {
  [INT16]: (v, i) => v.getInt16(i * 2, true),
  [UINT16]: (v, i) => v.getUint16(i * 2, true),
  [INT8]: (v, i) => v.getInt8(i),
  [UINT8]: (v, i) => v.getUint8(i),
  [BOOL]: (v, i) => (v.getUint8(i) ? 1 : 0),
};

/**
 * The dims of `t` and the number of values they imply, refused (BAD_INPUT naming `where`, the
 * tensor and the reason) unless the file holds exactly that many values: checked before any
 * array is made, so a forged header cannot make the reader allocate.
 */
function checkedDims(
  t: onnx.ITensorProto,
  where: string,
  external?: ExternalDataReader,
): { dims: number[]; size: number } {
  const fail = (reason: string) => badInput(`${where}: tensor ${t.name ?? ''}: ${reason}`);
  if (isExternal(t) && !external)
    throw fail(
      'its data is in an external file, which is read only beside a model file (visiontune import)',
    );
  const dims: number[] = [];
  let size = 1;
  for (const d of t.dims ?? []) {
    const dim = dimension(d);
    if (typeof dim === 'string') throw fail(dim);
    dims.push(dim);
    size *= dim;
    if (!Number.isSafeInteger(size)) throw fail(`dims [${t.dims}] describe an impossible size`);
  }
  const bytes = RAW_BYTES[t.dataType ?? 0];
  if (bytes === undefined || isExternal(t)) return { dims, size };
  const raw = t.rawData?.length ?? 0;
  const held =
    raw > 0
      ? raw / bytes
      : (t.floatData?.length ?? 0) +
        (t.doubleData?.length ?? 0) +
        (t.int64Data?.length ?? 0) +
        (t.int32Data?.length ?? 0);
  if (held !== size)
    throw fail(
      raw > 0
        ? `raw_data holds ${raw} bytes but dims [${dims}] need ${size * bytes}`
        : `holds ${held} values for dims [${dims}] (${size} values)`,
    );
  return { dims, size };
}

/** The values of `t` (`size` of them), or the data-type error naming it. */
function decodeData(
  t: onnx.ITensorProto,
  size: number,
  where: string,
  raw: Uint8Array | null,
): Float32Array | number[] {
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const type = t.dataType ?? 0;
  switch (type) {
    case FLOAT:
      // One block copy on little-endian hosts (not a view: tensors made from the values keep
      // them, and a view would keep the whole file's bytes alive).
      if (raw && LITTLE_ENDIAN)
        // Bytes read for this tensor alone (re-read from the file, external data) are viewed.
        return ownsBuffer(raw)
          ? new Float32Array(raw.buffer, raw.byteOffset, size)
          : new Float32Array(new Uint8Array(raw).buffer, 0, size);
      return view
        ? Float32Array.from({ length: size }, (_, i) => view.getFloat32(i * 4, true))
        : Float32Array.from(t.floatData ?? []);
    case DOUBLE:
      return view
        ? Float32Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true))
        : Float32Array.from(t.doubleData ?? []);
    case INT64:
      return view
        ? Array.from({ length: size }, (_, i) => Number(view.getBigInt64(i * 8, true)))
        : (t.int64Data ?? []).map(toNumber);
    case INT32:
      return view
        ? Array.from({ length: size }, (_, i) => view.getInt32(i * 4, true))
        : [...(t.int32Data ?? [])];
    default: {
      const narrow = NARROW[type];
      if (!narrow)
        throw badInput(
          `${where}: tensor ${t.name ?? ''} has data type ${type}; only float32/64, int8–64, uint8/16 and bool are read`,
        );
      return view
        ? Array.from({ length: size }, (_, i) => narrow(view, i))
        : (t.int32Data ?? []).map((v) => (type === BOOL ? Number(v !== 0) : v));
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether `raw` is the whole of its (4-aligned) buffer, so a view keeps nothing else alive. */
const ownsBuffer = (raw: Uint8Array) =>
  raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;

/** Tensors up to this many values keep their decoded data; larger ones are decoded per read. */
const CACHED_VALUES = 1 << 16;

/**
 * Reads `length` bytes (all where undefined) at `offset` of the external data file `location`
 * (relative to the model's folder) for tensor `tensor`.
 */
export type ExternalDataReader = (
  location: string,
  offset: number,
  length: number | undefined,
  tensor: string,
) => Uint8Array;

/**
 * An external tensor's location, checked when the file is parsed (its data is read only when a
 * converter needs it): a forged model naming a file outside its folder is refused even where
 * the tensor is never used.
 */
function checkExternalLocation(t: onnx.ITensorProto, where: string) {
  const location = t.externalData?.find((e) => e.key === 'location')?.value ?? '';
  const parts = location.split(/[\\/]/);
  if (!location || location.startsWith('/') || /^[a-z]:/i.test(location) || parts.includes('..'))
    throw badInput(
      `${where}: tensor ${t.name ?? ''}: external data ${location}: the data file must be inside the model's folder`,
    );
}

/** The bytes of an external tensor, checked against what its dims need. */
function externalBytes(
  t: onnx.ITensorProto,
  size: number,
  where: string,
  read: ExternalDataReader,
): Uint8Array {
  const entry = (key: string) => t.externalData?.find((e) => e.key === key)?.value ?? undefined;
  const name = t.name ?? '';
  const location = entry('location');
  if (!location) throw badInput(`${where}: tensor ${name}: external data without a location`);
  const number = (key: string) => (entry(key) === undefined ? undefined : Number(entry(key)));
  const raw = read(location, number('offset') ?? 0, number('length'), name);
  const need = size * (RAW_BYTES[t.dataType ?? 0] ?? 0);
  if (raw.length !== need)
    throw badInput(
      `${where}: tensor ${name}: ${location} holds ${raw.length} bytes for it, its dims [${t.dims}] need ${need}`,
    );
  return raw;
}

/**
 * Reads `length` bytes at `offset` of the model file itself again (`tensor` names them in errors).
 */
export type ModelFileReader = (offset: number, length: number, tensor: string) => Uint8Array;

/** Where a tensor's raw_data lies in the parsed bytes, when it may be read again from the file. */
interface FileRange {
  /** The parsed bytes, whose buffer raw_data views. */
  bytes: Uint8Array;
  reread: ModelFileReader;
}

/**
 * The raw_data of `t` as decode reads it: small ones copied now (a view would keep the whole
 * file's bytes alive), large ones re-read from the file on each decode where `range` allows it
 * (the file's bytes are released after parsing: a weight exists only while its converter reads
 * it, never as part of a whole file held beside the model), else the view.
 */
/** A tensor's raw_data, all of it or `length` bytes from `start` (own copies where held). */
type RawData = (start?: number, length?: number) => Uint8Array | null;

function rawDataSource(t: onnx.ITensorProto, range: FileRange | undefined, name: string): RawData {
  // No closure is made here: V8 would give it this scope, and with it `raw`, the view that keeps
  // the whole file alive.
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  t.rawData = null;
  if (!raw) return held(null);
  if (raw.length <= CACHED_VALUES * 4) return held(new Uint8Array(raw));
  if (!range || raw.buffer !== range.bytes.buffer) return held(raw);
  return rereadOf(range.reread, raw.byteOffset - range.bytes.byteOffset, raw.length, name);
}

const held =
  (bytes: Uint8Array | null): RawData =>
  (start, length) =>
    bytes && start !== undefined ? bytes.subarray(start, start + (length ?? 0)) : bytes;

const rereadOf =
  (reread: ModelFileReader, offset: number, length: number, name: string): RawData =>
  (start = 0, count = length - start) =>
    reread(offset + start, count, name);

/**
 * A tensor whose dims are checked now and whose values are decoded on read (kept where small:
 * weights are read once by their converter, and holding a decoded copy of each would double
 * the import's memory).
 */
export function decodeTensor(
  t: onnx.ITensorProto,
  where: string,
  external?: ExternalDataReader,
  range?: FileRange,
): OnnxTensor {
  const name = t.name ?? '';
  const { dims, size } = checkedDims(t, where, external);
  if (isExternal(t)) checkExternalLocation(t, where);
  const rawData = rawDataSource(t, range, name);
  let data: Float32Array | number[] | undefined;
  const decode = () => {
    const raw = isExternal(t) && external ? externalBytes(t, size, where, external) : rawData();
    return decodeData(t, size, where, raw);
  };
  const read = () => {
    if (data) return data;
    const decoded = decode();
    if (size <= CACHED_VALUES) data = decoded;
    return decoded;
  };
  const floats = (first: number, count: number) => {
    if (!(first >= 0 && count >= 0 && first + count <= size))
      throw new Error(`internal: values ${first}+${count} of tensor ${name} of ${size}`);
    const raw = isExternal(t) || data ? null : rawData(first * 4, count * 4);
    return raw
      ? (decodeData(t, count, where, raw) as Float32Array)
      : (read() as Float32Array).slice(first, first + count);
  };
  return {
    name,
    dims,
    get data() {
      return read();
    },
    ...(t.dataType === FLOAT ? { floats } : {}),
  };
}

function decodeAttribute(a: onnx.IAttributeProto, where: string): OnnxAttribute | undefined {
  const T = proto.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT:
      return a.f ?? 0;
    case T.INT:
      return toNumber(a.i ?? 0);
    case T.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case T.TENSOR:
      return a.t ? decodeTensor(a.t, where) : undefined;
    case T.FLOATS:
      return [...(a.floats ?? [])];
    case T.INTS:
      return (a.ints ?? []).map(toNumber);
    default:
      return undefined; // graphs, strings lists, …: no CNN operator here needs them
  }
}

/** A graph input or output; a dimension that is not a size is refused, naming the value. */
function valueInfo(v: onnx.IValueInfoProto, where: string): OnnxValue {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  const shape = dims.map((d) => {
    if (d.dimValue === undefined || d.dimValue === null) return null;
    const dim = dimension(d.dimValue);
    if (typeof dim === 'string') throw badInput(`${where}: graph value ${v.name ?? ''}: ${dim}`);
    return dim;
  });
  return { name: v.name ?? '', shape };
}

export interface ParseOptions {
  /** Reads ONNX external data (models over 2 GB); without it such tensors are refused. */
  externalData?: ExternalDataReader;
  /** Reads the parsed file's bytes again: large weights are then not held by the graph. */
  reread?: ModelFileReader;
}

export function parseOnnx(bytes: Uint8Array, where: string, options: ParseOptions = {}): OnnxGraph {
  let model: onnx.ModelProto;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (err) {
    throw badInput(`${where}: not an ONNX model (${(err as Error).message})`);
  }
  const graph = model.graph;
  if (!graph?.node?.length) throw badInput(`${where}: the ONNX model has no graph`);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const initializers = new Map<string, OnnxTensor>();
  for (const t of graph.initializer ?? [])
    initializers.set(
      t.name ?? '',
      decodeTensor(
        t,
        where,
        options.externalData,
        options.reread && { bytes, reread: options.reread },
      ),
    );
  const nodes = graph.node.map((n, i) => {
    const name = n.name || `${n.opType}_${i}`;
    const attributes: Record<string, OnnxAttribute> = {};
    for (const a of n.attribute ?? []) {
      const value = decodeAttribute(a, `${where}: node ${name}`);
      if (value !== undefined) attributes[a.name ?? ''] = value;
    }
    return {
      name,
      opType: n.opType ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes,
    };
  });
  return {
    opset: opset ? toNumber(opset.version ?? 0) : 0,
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    // Graph inputs may list the initializers too (older exporters): keep the real inputs.
    inputs: (graph.input ?? [])
      .map((v) => valueInfo(v, where))
      .filter((v) => !initializers.has(v.name)),
    outputs: (graph.output ?? []).map((v) => valueInfo(v, where)),
    initializers,
    nodes,
  };
}

// What a TF.js layers model.json may say, checked before anything it names is read: the shape of
// the document (a topology object, a weights manifest of groups with numeric weight specs) and
// how many bytes each group's weights take, so files are compared with it before any allocation.
// The topology's content is checked in model-topology.ts.
import { z } from 'zod';
import { badInput } from '../errors.js';

/** Bytes per value of the dtypes a weights file may store (tfjs's DTYPE_VALUE_SIZE_MAP). */
const VALUE_BYTES = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
} as const;

// 'string' weights (graph models' lookup tables) are left out: a layers model has none, and their
// size cannot be known before reading them.
const weightDtype = z.enum(['float32', 'int32', 'bool', 'complex64']);

const quantizationSchema = z.looseObject({
  dtype: z.enum(['uint8', 'uint16', 'float16']),
  scale: z.number().optional(),
  min: z.number().optional(),
});

const weightSpecSchema = z
  .looseObject({
    name: z.string(),
    shape: z.array(z.number().int().nonnegative()),
    dtype: weightDtype,
    quantization: quantizationSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const q = spec.quantization;
    if (!q) return;
    if (q.dtype === 'float16' ? spec.dtype !== 'float32' : spec.dtype === 'bool')
      ctx.addIssue({
        code: 'custom',
        path: ['quantization', 'dtype'],
        message: `${q.dtype} cannot store ${spec.dtype} weights`,
      });
    else if (q.dtype !== 'float16' && (q.scale === undefined || q.min === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['quantization'],
        message: `${q.dtype} quantization needs scale and min`,
      });
  });

const weightsGroupSchema = z.looseObject({
  paths: z.array(z.string().min(1)),
  weights: z.array(weightSpecSchema),
});

export const modelJsonSchema = z.looseObject({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(weightsGroupSchema).optional(),
});

export type WeightSpec = z.output<typeof weightSpecSchema>;
export type WeightsGroup = z.output<typeof weightsGroupSchema>;
export type ModelJson = z.output<typeof modelJsonSchema>;

/** The issues of a failed parse, one line per field. */
function problemsOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map(
    (i) =>
      `${
        i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '') || '(root)'
      }: ${i.message}`,
  );
}

/** `raw` (a parsed model.json) checked against the schema; BAD_INPUT naming `file` and fields. */
export function parseModelJson(raw: unknown, file: string): ModelJson {
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = problemsOf(parsed.error);
    throw badInput(`${file} is not a valid TF.js model.json: ${problems[0]}`, problems.slice(1));
  }
  return parsed.data;
}

/**
 * Bytes a weight takes in a weights file: values × bytes per stored value. Refused (BAD_INPUT
 * naming `where`) when the shape's product is beyond what any file could hold.
 */
export function weightBytes(spec: WeightSpec, where: string): number {
  let values = 1;
  for (const d of spec.shape) values *= d;
  const bytes = values * VALUE_BYTES[spec.quantization?.dtype ?? spec.dtype];
  if (!Number.isSafeInteger(bytes))
    throw badInput(`${where}: weight '${spec.name}' has an impossible shape [${spec.shape}]`);
  return bytes;
}

/** Bytes a group's weight files must hold together. */
export function groupBytes(group: WeightsGroup, where: string): number {
  let total = 0;
  for (const spec of group.weights) {
    total += weightBytes(spec, where);
    if (!Number.isSafeInteger(total)) throw badInput(`${where}: the weights are impossibly large`);
  }
  return total;
}

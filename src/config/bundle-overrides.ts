// Training fields reused as optional overrides of what a bundle saved: the same types and ranges
// (declared once, in the run configuration), no default, and help that says where the value
// comes from when the flag is not given.
import { z } from 'zod';
import { opt, optionMetaOf } from './options.js';

type WithoutDefault<T> = T extends z.ZodDefault<infer Inner> ? Inner : T;

export type Overrides<F extends Record<string, z.ZodType>> = {
  [K in keyof F]: z.ZodOptional<WithoutDefault<F[K]>>;
};

/** `fields` without their defaults, each optional; `source` names the fallback, e.g. "the bundle's". */
export function overridesOf<F extends Record<string, z.ZodType>>(
  fields: F,
  source = "the bundle's",
): Overrides<F> {
  const result: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(fields)) {
    const { description, ...meta } = optionMetaOf(field, name);
    const inner = field instanceof z.ZodDefault ? field.unwrap() : field;
    result[name] = opt(
      (inner as z.ZodType).optional(),
      `${description} (default: ${source})`,
      meta,
    );
  }
  return result as Overrides<F>;
}

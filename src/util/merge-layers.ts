// Configuration layers merged in precedence order (later layers win, and an undefined value never
// overrides: a flag the user did not pass leaves the config file's value alone), then validated
// once against a strict schema, so an unknown or invalid field is a usage error naming it.
import type { z } from 'zod';
import { badUsage } from '../errors.js';

export function mergeLayers(
  ...layers: (Record<string, unknown> | undefined)[]
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {}))
      if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** `what` names the configuration in the error, e.g. 'training'. */
export function parseLayers<S extends z.ZodObject>(
  schema: S,
  what: string,
  layers: (Record<string, unknown> | undefined)[],
): z.output<S> {
  const parsed = schema.strict().safeParse(mergeLayers(...layers));
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(config)'}: ${i.message}`,
    );
    throw badUsage(`invalid ${what} configuration: ${problems.join('; ')}`);
  }
  return parsed.data as z.output<S>;
}

// Configuration layers merged in precedence order (later layers win, and an undefined value never
// overrides: a flag the user did not pass leaves the config file's value alone), then validated
// once against a strict schema, so an unknown or invalid field is a usage error naming it.
import type { z } from 'zod';
import { ConfigError, type FieldProblem } from '../errors.js';

export type ConfigLayer = Record<string, unknown> | undefined;

export function mergeLayers(...layers: ConfigLayer[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {}))
      if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** zod's issues as problems naming config fields ('required' when a field is missing). */
function problemsOf(error: z.ZodError, input: Record<string, unknown>): FieldProblem[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return { fields: issue.keys, message: 'unknown field' };
    const field = issue.path.join('.') || '(config)';
    // A field nobody set fails whatever its type (an enum says "invalid option"): say so plainly.
    const missing = issue.path.length === 1 && input[field] === undefined;
    return { fields: [field], message: missing ? 'required' : issue.message };
  });
}

/** `what` names the configuration in the error, e.g. 'training'. */
export function parseLayers<S extends z.ZodObject>(
  schema: S,
  what: string,
  layers: ConfigLayer[],
): z.output<S> {
  const merged = mergeLayers(...layers);
  const parsed = schema.strict().safeParse(merged);
  if (!parsed.success) throw new ConfigError(what, problemsOf(parsed.error, merged));
  return parsed.data as z.output<S>;
}

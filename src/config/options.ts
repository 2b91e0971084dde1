// How a configuration field reaches the command line. Every field of a run's zod schema carries a
// one-line description and, where the field's name and type do not say it, a flag name, a
// placeholder or a parser of its own. The CLI derives its options from these (cli/schema-options),
// so an option is written once: in the schema.
import { z } from 'zod';

/** Another flag that sets the field to a fixed value (e.g. --second-order: firstOrder false). */
export interface PresetFlag {
  value: unknown;
  description: string;
}

export interface OptionMeta {
  /** One line for --help. */
  description: string;
  /** The long flag without dashes, when it is not the field's name in kebab-case. */
  flag?: string;
  /** The placeholder in --help (default: the flag's name, or 'lo,hi' for pairs). */
  arg?: string;
  /**
   * Boolean fields: the value the flag sets. Default: true for a field whose default is false
   * (--skip-bad), false for one whose default is true (--no-entropy-conditioning), and both flags
   * for one with no default.
   */
  sets?: boolean;
  /** Flags that set the field to a fixed value, by flag name. */
  presets?: Record<string, PresetFlag>;
  /** The accepted values when they are not fixed in the schema (names in a registry). */
  choices?: () => readonly string[];
  /** Reads the flag's text (default: from the field's type; zod validates the value after). */
  parse?: (text: string) => unknown;
  /** List fields: the flag is typed once per item (--model a=x --model b=y), not comma-separated. */
  repeatable?: boolean;
  /** The field has no flag, and this says why (the flag-coverage test accepts it). */
  internal?: string;
}

/** The CLI metadata of schema fields, keyed by the field's schema object. */
export const optionRegistry = z.registry<OptionMeta>();

/**
 * `schema` described for --help and for JSON Schema consumers; `meta` adds what the command line
 * needs beyond the field's name and type.
 */
export function opt<T extends z.ZodType>(
  schema: T,
  description: string,
  meta: Omit<OptionMeta, 'description'> = {},
): T {
  const described = schema.describe(description) as T;
  optionRegistry.add(described, { description, ...meta });
  return described;
}

/** The field's metadata; a field without any is described by its name alone. */
export function optionMetaOf(schema: z.ZodType, field: string): OptionMeta {
  return optionRegistry.get(schema) ?? { description: schema.description ?? field };
}

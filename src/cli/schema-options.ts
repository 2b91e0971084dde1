// Commander options derived from a zod schema: one flag per field (name, type, choices, default
// and help text from the schema and its option metadata), and the flags the user actually typed
// read back as a configuration layer. Values commander fills in itself (defaults, implied values)
// are never read back, so they cannot shadow a --config file.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { type OptionMeta, optionMetaOf } from '../config/options.js';

/** The JSON Schema view of one field: all that decides how its flag parses. */
export interface FieldJson {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: FieldJson[];
  items?: FieldJson | false;
  prefixItems?: FieldJson[];
  default?: unknown;
}

/** A field's JSON with today's registry names as its values (or its items' values). */
function withChoices(json: FieldJson = {}, names: readonly string[]): FieldJson {
  if (json.type === 'array' && json.items)
    return { ...json, items: { ...json.items, enum: [...names] } };
  return { ...json, enum: [...names] };
}

/** One flag: the commander attribute it fills, the field it sets, and a fixed value if any. */
export interface Binding {
  attribute: string;
  field: string;
  flag: string;
  fixed?: { value: unknown };
}

export interface SchemaOptions {
  schema: z.ZodObject;
  /** The JSON Schema of each field (input side), as the flags were derived from it. */
  fields: Record<string, FieldJson>;
  bindings: Binding[];
  /** Fields without a flag, and why. */
  internal: Map<string, string>;
}

const BY_COMMAND = new WeakMap<Command, SchemaOptions[]>();

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function parseScalar(json: FieldJson, text: string): unknown {
  if (json.type === 'integer' || json.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('not a number');
    if (json.type === 'integer' && !Number.isInteger(n))
      throw new InvalidArgumentError('not a whole number');
    return n;
  }
  if (json.enum && !json.enum.includes(text))
    throw new InvalidArgumentError(`expected one of ${json.enum.join(', ')}`);
  return text;
}

/** A parser for the field's text by its type; undefined for plain strings and enums. */
function parserFor(json: FieldJson): ((text: string) => unknown) | undefined {
  if (json.anyOf) {
    // e.g. 'all' | n: a constant spelled out wins, else the first alternative that parses.
    const alternatives = json.anyOf;
    return (text) => {
      const constant = alternatives.find((a) => a.const === text);
      if (constant) return constant.const;
      for (const a of alternatives.filter((a) => a.const === undefined)) {
        try {
          return (parserFor(a) ?? ((t: string) => t))(text);
        } catch {}
      }
      const consts = alternatives.filter((a) => a.const !== undefined).map((a) => a.const);
      throw new InvalidArgumentError(`expected ${[...consts, 'a number'].join(' or ')}`);
    };
  }
  if (json.type === 'array') {
    const tuple = json.prefixItems;
    const item = json.items || undefined;
    return (text) => {
      const parts = text.split(',').map((s) => s.trim());
      if (tuple && parts.length !== tuple.length)
        throw new InvalidArgumentError(`expected ${tuple.length} values separated by commas`);
      return parts.map((p, i) => parseScalar((tuple ? tuple[i] : item) ?? {}, p));
    };
  }
  if (json.type === 'integer' || json.type === 'number') return (text) => parseScalar(json, text);
  return undefined;
}

function placeholder(json: FieldJson, flag: string, meta: OptionMeta): string {
  if (meta.arg) return meta.arg;
  if (json.prefixItems?.length === 2) return 'lo,hi';
  if (json.type === 'array') return meta.repeatable ? 'value' : 'a,b,...';
  if (json.type === 'integer') return 'n';
  return json.type === 'number' ? 'x' : flag;
}

interface FlagSpec {
  flag: string;
  option: Option;
  /** The value the flag sets, for flags without an argument that do not set true/false as named. */
  fixed?: { value: unknown };
}

/** A boolean field's flags: --x sets true, --no-x false (commander's own negation). */
function booleanFlags(name: string, json: FieldJson, meta: OptionMeta): FlagSpec[] {
  if (meta.flag && meta.sets !== undefined) {
    const flag = `--${name}`;
    return [{ flag, option: new Option(flag, meta.description), fixed: { value: meta.sets } }];
  }
  const flags: FlagSpec[] = [];
  if (json.default !== true)
    flags.push({ flag: `--${name}`, option: new Option(`--${name}`, meta.description) });
  if (json.default !== false) {
    const text = json.default === true ? meta.description : `the opposite of --${name}`;
    flags.push({ flag: `--no-${name}`, option: new Option(`--no-${name}`, text) });
  }
  return flags;
}

function valueFlag(name: string, json: FieldJson, meta: OptionMeta, required: boolean): FlagSpec {
  const help = required ? `${meta.description} (required)` : meta.description;
  const option = new Option(`--${name} <${placeholder(json, name, meta)}>`, help);
  if (meta.repeatable) {
    // Each occurrence adds one item; commander hands back the list so far.
    const item = meta.parse ?? ((text: string) => text);
    option.argParser((text: string, previous: unknown) => [
      ...(Array.isArray(previous) ? previous : []),
      item(text),
    ]);
    return { flag: `--${name}`, option };
  }
  const parse = meta.parse ?? parserFor(json);
  if (parse)
    option.argParser((text: string) => {
      try {
        return parse(text);
      } catch (err) {
        throw err instanceof InvalidArgumentError
          ? err
          : new InvalidArgumentError((err as Error).message);
      }
    });
  if (json.enum && json.type === 'string') option.choices(json.enum.map(String));
  // Shown in --help; never read back (only values typed on the command line are).
  if (json.default !== undefined) option.default(json.default);
  return { flag: `--${name}`, option };
}

function flagsOf(field: string, json: FieldJson, meta: OptionMeta, required: boolean) {
  const name = meta.flag ?? kebab(field);
  const flags =
    json.type === 'boolean'
      ? booleanFlags(name, json, meta)
      : [valueFlag(name, json, meta, required)];
  for (const [flag, preset] of Object.entries(meta.presets ?? {})) {
    const option = new Option(`--${flag}`, preset.description);
    flags.push({ flag: `--${flag}`, option, fixed: { value: preset.value } });
  }
  return flags;
}

/** Per-field changes a command makes to its schema's metadata (e.g. another description). */
export type FlagOverrides = Record<string, Partial<OptionMeta>>;

/**
 * Adds a flag for every field of `schema` to `command` (fields marked internal get none) and
 * remembers how each flag maps back to its field.
 */
export function addSchemaOptions(
  command: Command,
  schema: z.ZodObject,
  overrides: FlagOverrides = {},
): Command {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, FieldJson>;
    required?: string[];
  };
  const spec: SchemaOptions = {
    schema,
    fields: json.properties,
    bindings: [],
    internal: new Map(),
  };
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    const meta = { ...optionMetaOf(fieldSchema as z.ZodType, field), ...overrides[field] };
    if (meta.internal) {
      spec.internal.set(field, meta.internal);
      continue;
    }
    const required = json.required?.includes(field) ?? false;
    // Registry names are checked by zod at resolve time; the flag offers today's names.
    if (meta.choices) json.properties[field] = withChoices(json.properties[field], meta.choices());
    for (const { flag, option, fixed } of flagsOf(
      field,
      json.properties[field] ?? {},
      meta,
      required,
    )) {
      command.addOption(option);
      spec.bindings.push({ attribute: option.attributeName(), field, flag, fixed });
    }
  }
  BY_COMMAND.set(command, [...(BY_COMMAND.get(command) ?? []), spec]);
  return command;
}

/** The schemas whose options `command` has (for the flag-coverage test). */
export function schemaOptionsOf(command: Command): readonly SchemaOptions[] {
  return BY_COMMAND.get(command) ?? [];
}

/**
 * The fields of `schema` set by flags typed on the command line; a field set by no flag is
 * absent, so a lower layer (a --config file, the defaults) keeps its value.
 */
export function flagLayer(command: Command, schema: z.ZodObject): Record<string, unknown> {
  const spec = schemaOptionsOf(command).find((s) => s.schema === schema);
  if (!spec) throw new Error(`${command.name()}: no options from this schema`);
  const values = command.opts();
  const layer: Record<string, unknown> = {};
  for (const b of spec.bindings) {
    if (command.getOptionValueSource(b.attribute) !== 'cli') continue;
    layer[b.field] = b.fixed ? b.fixed.value : values[b.attribute];
  }
  return layer;
}

/** How a field is named to someone at the command line: the field and its flag. */
export function fieldWithFlag(command: Command): (field: string) => string {
  return (field) => {
    // A problem inside a list or pair (classWeights.1) is set by the list's flag.
    const top = field.split('.')[0];
    for (const spec of schemaOptionsOf(command)) {
      const binding = spec.bindings.find((b) => b.field === top && !b.fixed);
      const any = binding ?? spec.bindings.find((b) => b.field === top);
      if (any) return `${field} (${any.flag})`;
    }
    return field;
  };
}

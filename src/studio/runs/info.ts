// GET /api/info and GET /api/schemas/:command. The backend is what the runs' CLI processes will
// pick (VISIONTUNE_BACKEND, else the first available in auto's order), found without starting
// TF.js here. A command's schema is its CLI options as addSchemaOptions derived them (the same
// JSON Schema view and flag bindings), less the fields the studio fills itself.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BACKBONE_CONFIG_FILE } from '../../backbones/layers-backbone.js';
import { listBackbones } from '../../backbones/registry.js';
import type { FieldJson } from '../../cli/schema-options.js';
import { optionMetaOf } from '../../config/options.js';
import { AUTO_ORDER, probeBackends } from '../../engine/backends.js';
import { readJsonDocument } from '../../guard/read-input.js';
import { version } from '../../version.js';
import { zooSettings } from '../../zoo/settings.js';
import { cachedPath } from '../../zoo/weights-file.js';
import type {
  BackboneChoice,
  CommandSchema,
  OptionField,
  RunCommand,
  StudioInfo,
} from '../api-types.js';
import { IMPORTED_BACKBONES } from '../projects/layout.js';
import {
  COMMON_FIELDS,
  declaredRunCommand,
  RUN_COMMANDS,
  runCommandSpec,
  STUDIO_FIELDS,
} from './run-commands.js';

let autoBackend: string | undefined;

function runBackend(): string {
  const chosen = process.env.VISIONTUNE_BACKEND;
  if (chosen && chosen !== 'auto') return chosen;
  // Probed once per process: it looks for the packages (and the torch addon), starting nothing.
  if (autoBackend === undefined) {
    const available = new Set(probeBackends().flatMap((b) => (b.available ? [b.name] : [])));
    autoBackend = AUTO_ORDER.find((name) => available.has(name)) ?? 'cpu';
  }
  return autoBackend;
}

/**
 * Backbones in DIR/backbones/<name>/: TF.js layers models, as `visiontune import model.onnx --out`
 * writes them (with backbone.json: their preprocessing) or any saved model the CLI cuts itself.
 */
async function importedBackbones(dir: string): Promise<BackboneChoice[]> {
  const folder = path.join(dir, IMPORTED_BACKBONES);
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  const found: BackboneChoice[] = [];
  for (const name of names.sort()) {
    const location = path.join(folder, name);
    const isModel = await fs.stat(path.join(location, 'model.json')).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isModel) continue;
    const config = (await readJsonDocument(path.join(location, BACKBONE_CONFIG_FILE)).catch(
      () => ({}),
    )) as { inputSize?: unknown };
    found.push({
      // The CLI takes the folder's path as --backbone.
      name: location,
      description: `imported: ${name} (${location})`,
      pretrained: true,
      inputSize: typeof config.inputSize === 'number' ? config.inputSize : 224,
      downloads: false,
    });
  }
  return found;
}

async function backbones(dir: string): Promise<BackboneChoice[]> {
  const settings = zooSettings();
  const registered = await Promise.all(
    listBackbones({ downloads: true }).map(async (e) => ({
      name: e.name,
      description: e.description,
      pretrained: e.hasPretrained,
      inputSize: e.config.inputSize,
      downloads: e.weights ? !(await cachedPath(e.weights, settings)).cached : false,
    })),
  );
  return [...registered, ...(await importedBackbones(dir))];
}

export async function studioInfo(dir: string): Promise<StudioInfo> {
  return { version, dir, backend: runBackend(), backbones: await backbones(dir) };
}

type Json = FieldJson & { minimum?: number; maximum?: number; exclusiveMinimum?: number };

/**
 * Fields whose words are a registry's names (the CLI also takes a path or URL there): the
 * backbones, the imported ones of the studio folder included.
 */
const REGISTRY_CHOICES: Record<string, (dir: string) => Promise<string[]>> = {
  backbone: async (dir) => (await backbones(dir)).map((b) => b.name),
};

/** A field's bounds; zod's "any safe integer" is no bound a form should show. */
function bounds(json: Json): Pick<OptionField, 'minimum' | 'maximum'> {
  const minimum =
    json.minimum ??
    (json.type === 'integer' && json.exclusiveMinimum !== undefined
      ? json.exclusiveMinimum + 1
      : undefined);
  const maximum =
    json.maximum !== undefined && json.maximum < Number.MAX_SAFE_INTEGER ? json.maximum : undefined;
  return {
    ...(minimum !== undefined && minimum > Number.MIN_SAFE_INTEGER && { minimum }),
    ...(maximum !== undefined && { maximum }),
  };
}

/** How a form edits the field, from its JSON Schema. */
function fieldKind(json: Json): Pick<OptionField, 'kind' | 'choices' | 'minimum' | 'maximum'> {
  if (json.anyOf) {
    const words = json.anyOf.filter((a) => typeof a.const === 'string').map((a) => `${a.const}`);
    const number = json.anyOf.find((a) => a.type === 'number' || a.type === 'integer') as Json;
    if (number && words.length > 0)
      return { kind: 'number-or-enum', choices: words, ...bounds(number) };
    const plain = json.anyOf.find((a) => a.type !== 'null') as Json | undefined;
    return plain ? fieldKind(plain) : { kind: 'string' };
  }
  if (json.type === 'array') return { kind: 'list' };
  if (json.enum) return { kind: 'enum', choices: json.enum.map(String) };
  if (json.type === 'boolean') return { kind: 'boolean' };
  if (json.type === 'integer') return { kind: 'integer', ...bounds(json) };
  if (json.type === 'number') return { kind: 'number', ...bounds(json) };
  return { kind: 'string' };
}

export async function commandSchema(name: string, dir: string): Promise<CommandSchema> {
  const command: RunCommand = runCommandSpec(name).name;
  const { options } = await declaredRunCommand(command);
  const fields: OptionField[] = [];
  const names = [...new Set(options.bindings.map((b) => b.field))];
  for (const field of names.filter((f) => !STUDIO_FIELDS.has(f))) {
    const json = (options.fields[field] ?? {}) as Json;
    // A flag that takes the value; a boolean may have only a flag that sets it (--skip-bad).
    const binding =
      options.bindings.find((b) => b.field === field && !b.fixed) ??
      (json.type === 'boolean' ? options.bindings.find((b) => b.field === field) : undefined);
    if (!binding) continue;
    const meta = optionMetaOf(options.schema.shape[field] as never, field);
    const registry = REGISTRY_CHOICES[field];
    const choices = meta.choices?.() ?? (registry && (await registry(dir)));
    fields.push({
      name: field,
      flag: binding.flag,
      description: meta.description,
      ...fieldKind(json),
      ...(choices && { kind: 'enum' as const, choices: [...choices] }),
      ...(json.default !== undefined && { default: json.default }),
      common: COMMON_FIELDS.has(field),
    });
  }
  return { command, cli: `visiontune ${RUN_COMMANDS[command].words.join(' ')}`, fields };
}

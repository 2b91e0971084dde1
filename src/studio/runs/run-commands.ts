// The run commands the studio starts, as the CLI declares them: each RunCommand is a leaf of the
// `visiontune` command tree, whose own schema (flags, --config fields) and resolve function
// (validation) are read from the declared command — nothing about the options is restated here.
// What the studio adds: which tasks a command fits, the fields it fills itself (the project's
// data folders from layout.ts, the run folder), and the handful of fields shown first.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { declaredCommand } from '../../cli/define-command.js';
import { type SchemaOptions, schemaOptionsOf } from '../../cli/schema-options.js';
import { ConfigError, VisiontuneError } from '../../errors.js';
import { HttpError } from '../../serve/http-error.js';
import type { RunCommand, Task } from '../api-types.js';
import { classification, detection, segmentation } from '../projects/layout.js';

/** Fields the studio fills from the project and the run (never in a form or a studio config). */
export const STUDIO_FIELDS: ReadonlySet<string> = new Set([
  'data',
  'images',
  'valData',
  'valImages',
  'testData',
  'testImages',
  'source',
  'target',
  'targetTest',
  'support',
  'model',
  'out',
  'overwrite',
  'resume',
  'cacheDir',
]);

/** Fields shown first in the run form (the rest go under "more options"). */
export const COMMON_FIELDS: ReadonlySet<string> = new Set([
  'backbone',
  'strategy',
  'method',
  'decoder',
  'metric',
  'shots',
  'epochs',
  'batch',
  'imageSize',
  'lr',
]);

interface RunCommandSpec {
  /** The CLI's command words. */
  words: string[];
  tasks: Task[];
  /** The studio's fields for a run of `project` writing to `run` (absolute folders). */
  fill(project: string, run: string): Promise<Record<string, unknown>>;
}

const hasFiles = async (dir: string) =>
  (await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).some((e) =>
    e.isFile(),
  );

/** Whether a COCO file lists any image. */
async function cocoHasImages(file: string): Promise<boolean> {
  try {
    const coco = JSON.parse(await fs.readFile(file, 'utf8')) as { images?: unknown[] };
    return (coco.images?.length ?? 0) > 0;
  } catch {
    return false;
  }
}

export const RUN_COMMANDS: Record<RunCommand, RunCommandSpec> = {
  train: {
    words: ['train'],
    tasks: ['classification'],
    fill: async (project, out) => ({ data: classification.data(project), out }),
  },
  adapt: {
    words: ['adapt'],
    tasks: ['classification'],
    fill: async (project, out) => ({
      source: classification.data(project),
      target: classification.target(project),
      out,
    }),
  },
  'fewshot-fit': {
    words: ['fewshot', 'fit'],
    tasks: ['classification'],
    // fit's --out is the bundle itself; in the run folder it sits where the other runs put theirs.
    fill: async (project, out) => ({
      support: classification.split(project, 'train'),
      out: path.join(out, 'bundle'),
    }),
  },
  'detect-train': {
    words: ['detect', 'train'],
    tasks: ['detection'],
    fill: async (project, out) => {
      const test = detection.annotations(project, 'test');
      return {
        data: detection.annotations(project, 'train'),
        images: detection.images(project),
        ...((await cocoHasImages(test)) && {
          testData: test,
          testImages: detection.images(project),
        }),
        out,
      };
    },
  },
  'segment-train': {
    words: ['segment', 'train'],
    tasks: ['segmentation'],
    fill: async (project, out) => ({
      data: segmentation.split(project, 'train'),
      ...((await hasFiles(segmentation.images(project, 'test'))) && {
        testData: segmentation.split(project, 'test'),
      }),
      out,
    }),
  },
};

export const isRunCommand = (name: string): name is RunCommand => Object.hasOwn(RUN_COMMANDS, name);

/** 400 for a name that is not a run command. */
export function runCommandSpec(name: string): RunCommandSpec & { name: RunCommand } {
  if (!isRunCommand(name))
    throw new HttpError(
      400,
      'UNKNOWN_COMMAND',
      `command: '${name}' is not a run command (${Object.keys(RUN_COMMANDS).join(', ')})`,
    );
  return { ...RUN_COMMANDS[name], name };
}

interface Declared {
  command: Command;
  declared: NonNullable<ReturnType<typeof declaredCommand>>;
  /** The command's own options (the first schema it declared; the runtime options come after). */
  options: SchemaOptions;
}

let leaves: Map<string, Command> | undefined;

/**
 * The declared CLI command of a run command. The command tree is built once, on first use, and
 * imported then: the CLI's tree holds `studio`, which holds this module.
 */
export async function declaredRunCommand(name: RunCommand): Promise<Declared> {
  if (!leaves) {
    const { buildProgram, leafCommands } = await import('../../cli/program.js');
    leaves = new Map(leafCommands(buildProgram()));
  }
  const command = leaves.get(RUN_COMMANDS[name].words.join(' '));
  const declared = command && declaredCommand(command);
  const options = command && schemaOptionsOf(command)[0];
  if (!command || !declared || !options) throw new Error(`no declared CLI command for ${name}`);
  return { command, declared, options };
}

/** The CLI flag of each field, for the fields the studio fills on the command line. */
export async function fieldFlags(
  name: RunCommand,
  fields: Record<string, unknown>,
): Promise<string[]> {
  const { options } = await declaredRunCommand(name);
  return Object.entries(fields).flatMap(([field, value]) => {
    const binding = options.bindings.find((b) => b.field === field && !b.fixed);
    if (!binding) throw new Error(`${name}: no flag for ${field}`);
    if (value === true) return [binding.flag];
    return [binding.flag, String(value)];
  });
}

/**
 * Checks a run's options with the command's own resolve function, as the CLI will (with the
 * studio's fields filled in): 400 naming the field and the reason.
 */
export async function validateRunOptions(
  name: RunCommand,
  options: Record<string, unknown>,
  filled: Record<string, unknown>,
): Promise<void> {
  for (const field of Object.keys(options))
    if (STUDIO_FIELDS.has(field))
      throw new HttpError(
        400,
        'BAD_OPTIONS',
        `options.${field}: set by the studio from the project, not by a run's options`,
      );
  const { declared } = await declaredRunCommand(name);
  try {
    declared.validate(options, filled);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof VisiontuneError)
      throw new HttpError(400, 'BAD_OPTIONS', err.message);
    throw err;
  }
}

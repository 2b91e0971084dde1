// What a task of a multi-task run is: its data (the data layer's schema: name, kind, where its
// labelled images are) plus its head's options, as one zod schema. The CLI's
// `--task name:kind:data[:key=value,...]` is parsed into the same object a config file lists under
// `tasks`. Task names become layer-name prefixes (`head_<task>_…`) and JSON keys.
import { z } from 'zod';
import { taskDataSchema } from '../../data/multitask/config.js';
import { TASK_KINDS, TASK_NAME, type TaskKind } from '../../data/multitask/types.js';
import { badUsage } from '../../errors.js';

export { TASK_KINDS, type TaskKind };

/** The prefix of every layer of a task's head. */
export function headPrefix(task: string): string {
  return `head_${task}_`;
}

/** Refuses a bad or repeated task name, or an unknown kind, naming it. */
export function checkTasks(tasks: readonly { name: string; kind: string }[]): void {
  if (tasks.length === 0) throw badUsage('tasks: a multi-task network needs at least one task');
  const seen = new Set<string>();
  for (const { name, kind } of tasks) {
    if (!TASK_NAME.test(name))
      throw badUsage(
        `task name '${name}': must match ${TASK_NAME} (lower case letter, then up to 31 lower case letters, digits or _)`,
      );
    if (seen.has(name)) throw badUsage(`task name '${name}': used twice`);
    seen.add(name);
    if (!(TASK_KINDS as readonly string[]).includes(kind))
      throw badUsage(`task ${name}: kind '${kind}' is not one of ${TASK_KINDS.join(', ')}`);
  }
}

export const taskSpecSchema = taskDataSchema
  .extend({
    /** A fixed multiple of this task's loss, before the weighting's own weights. */
    weight: z.number().positive().default(1).describe("a fixed multiple of the task's loss"),
    /** classification/multilabel: the layer (or stride) whose pooled map the head reads. */
    tap: z
      .string()
      .optional()
      .describe('classification/multilabel: the stride or layer the head pools (default 32)'),
    /** segmentation: the decoder. */
    decoder: z
      .enum(['unet', 'deeplabv3plus'])
      .default('unet')
      .describe('segmentation: unet or deeplabv3plus'),
    /** segmentation (unet): channels a 1×1 conv reduces the deepest tap to first. */
    bottleneck: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('segmentation (unet): a 1×1 conv first reduces the deepest tap to this width'),
  })
  .strict();

export type TaskSpec = z.infer<typeof taskSpecSchema>;
export type TaskSpecInput = z.input<typeof taskSpecSchema>;

/**
 * A task as a config file or `--task` gives it: the spec object, or its text
 * `name:kind:data[:key=value,...]` (a malformed text is an issue on the field, not a crash).
 */
export const taskEntrySchema = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  try {
    return parseTaskFlag(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message, input: value });
    return z.NEVER;
  }
}, taskSpecSchema);

/** Option keys typed in `--task` text whose values are lists (`classes=a;b;c`). */
const LIST_KEYS = new Set(['classes']);
const NUMBER_KEYS = new Set(['weight', 'ignoreIndex', 'val', 'bottleneck']);

/**
 * `name:kind:data[:key=value,...]` → a task spec input (validated later with the run config, so
 * a bad value is named by its field). The data part may itself hold ':' (a URL); options are the
 * last part when it has '='. Keys are the schema's (camelCase or kebab-case).
 */
export function parseTaskFlag(text: string): TaskSpecInput {
  const parts = text.split(':');
  if (parts.length < 3 || parts.slice(0, 3).some((p) => p === ''))
    throw new Error(`expected name:kind:data[:key=value,...] (got '${text}')`);
  const [name, kind] = parts as [string, string];
  const last = parts[parts.length - 1]!;
  const hasOptions = parts.length > 3 && last.includes('=');
  const data = parts.slice(2, hasOptions ? -1 : undefined).join(':');
  const spec: Record<string, unknown> = { name, kind, data };
  if (hasOptions)
    for (const pair of last.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`task ${name}: '${pair}' is not key=value`);
      const key = pair.slice(0, eq).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      const value = pair.slice(eq + 1);
      spec[key] = LIST_KEYS.has(key)
        ? value.split(';')
        : NUMBER_KEYS.has(key) && value.trim() !== '' && Number.isFinite(Number(value))
          ? Number(value)
          : value;
    }
  return spec as TaskSpecInput;
}

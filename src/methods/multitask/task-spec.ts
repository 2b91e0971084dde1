// What a task of a multi-task run is: its name (a JSON key and the prefix of its head's layers,
// hence the narrow pattern), its kind of head, where its labelled data is, and the head's own
// options. Declared once as a zod schema; the CLI's `--task name:kind:data[:key=value,...]` is
// parsed into the same object a config file lists under `tasks`.
import { z } from 'zod';
import { badUsage } from '../../errors.js';

export const HEAD_KINDS = ['classification', 'multilabel', 'detection', 'segmentation'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

export const TASK_NAME = /^[a-z][a-z0-9_]{0,31}$/;

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
    if (!(HEAD_KINDS as readonly string[]).includes(kind))
      throw badUsage(`task ${name}: kind '${kind}' is not one of ${HEAD_KINDS.join(', ')}`);
  }
}

export const taskSpecSchema = z
  .object({
    name: z
      .string()
      .regex(TASK_NAME, 'a lowercase letter, then up to 31 lowercase letters, digits or _'),
    kind: z.enum(HEAD_KINDS),
    /** Labelled data in any format the kind reads (a folder, manifest, COCO, YOLO, VOC, …). */
    data: z.string().min(1),
    /** COCO: the images folder of `data` (default: next to the .json). */
    images: z.string().optional(),
    /** Validation data for this task (default: `val` of its images held out). */
    valData: z.string().optional(),
    valImages: z.string().optional(),
    /** Data evaluated after training (default: the validation images). */
    testData: z.string().optional(),
    testImages: z.string().optional(),
    /** A fixed multiple of this task's loss, before the weighting's own weights. */
    weight: z.number().positive().default(1),
    /** classification/multilabel: the layer (or stride) whose pooled map the head reads;
     * default the deepest feature map. */
    tap: z.string().optional(),
    /** segmentation: the decoder. */
    decoder: z.enum(['unet', 'deeplabv3plus']).default('unet'),
    /** segmentation: class names in index order (default: classes.txt / VOC / COCO). */
    classes: z.array(z.string().min(1)).optional(),
    /** segmentation: how mask PNGs encode classes. */
    maskMode: z.enum(['index', 'palette', 'binary']).default('index'),
    /** segmentation: the mask value left out of loss and metrics. */
    ignoreIndex: z.number().int().min(0).max(255).default(255),
  })
  .strict();

export type TaskSpec = z.infer<typeof taskSpecSchema>;
export type TaskSpecInput = z.input<typeof taskSpecSchema>;

/** Option keys typed in `--task` text whose values are lists (`classes=a;b;c`). */
const LIST_KEYS = new Set(['classes']);
const NUMBER_KEYS = new Set(['weight', 'ignoreIndex']);

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

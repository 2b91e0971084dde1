// What a task of a multi-task network is called and which kind of head it has. Task names become
// layer-name prefixes (`head_<task>_…`) and JSON keys, hence the narrow pattern.
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

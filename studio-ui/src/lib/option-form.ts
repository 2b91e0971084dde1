// The train form's logic: fields from GET /api/schemas/<command> into common and "more" groups,
// the text each input holds, and the options sent to POST …/runs (only what differs from the
// defaults, so the run's CLI line stays short). Pure, unit-tested.
import type { OptionField, Project, RunCommand, Task } from '../../../src/studio/api-types.js';

export function groupFields(fields: OptionField[]) {
  return { common: fields.filter((f) => f.common), more: fields.filter((f) => !f.common) };
}

/** What a field's input shows for a value (booleans as 'true'/'false', lists comma-separated). */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Every field's starting text: its default. */
export function initialTexts(fields: OptionField[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, toText(f.default)]));
}

export type Parsed = { value: unknown } | { error: string } | { unset: true };

const numeric = (text: string) => text.trim() !== '' && Number.isFinite(Number(text));

/** A field's text as the value its kind takes; empty text leaves the option unset. */
export function parseField(field: OptionField, text: string): Parsed {
  const t = text.trim();
  if (t === '') return { unset: true };
  const inRange = (n: number): Parsed => {
    if (field.kind === 'integer' && !Number.isInteger(n))
      return { error: `${field.name}: a whole number, not ${t}` };
    if (field.minimum !== undefined && n < field.minimum)
      return { error: `${field.name}: at least ${field.minimum}` };
    if (field.maximum !== undefined && n > field.maximum)
      return { error: `${field.name}: at most ${field.maximum}` };
    return { value: n };
  };
  switch (field.kind) {
    case 'boolean':
      return { value: t === 'true' };
    case 'number':
    case 'integer':
      return numeric(t) ? inRange(Number(t)) : { error: `${field.name}: a number, not "${t}"` };
    case 'enum':
      return field.choices && !field.choices.includes(t)
        ? { error: `${field.name}: one of ${field.choices.join(', ')}` }
        : { value: t };
    case 'number-or-enum':
      if (field.choices?.includes(t)) return { value: t };
      return numeric(t)
        ? inRange(Number(t))
        : { error: `${field.name}: a number or one of ${(field.choices ?? []).join(', ')}` };
    case 'list': {
      const items = t
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const numbers = Array.isArray(field.default)
        ? field.default.every((d) => typeof d === 'number')
        : items.every(numeric);
      return { value: numbers && items.every(numeric) ? items.map(Number) : items };
    }
    default:
      return { value: t };
  }
}

/** The options of a run: fields whose value differs from the default; or the first error. */
export function collectOptions(
  fields: OptionField[],
  texts: Record<string, string>,
): { options: Record<string, unknown> } | { errors: string[] } {
  const options: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const field of fields) {
    const text = texts[field.name] ?? '';
    if (text.trim() === toText(field.default).trim()) continue;
    const parsed = parseField(field, text);
    if ('error' in parsed) errors.push(parsed.error);
    else if ('value' in parsed) options[field.name] = parsed.value;
  }
  return errors.length > 0 ? { errors } : { options };
}

export interface CommandChoice {
  command: RunCommand;
  title: string;
  hint: string;
}

/** The run commands a project can start, in the order offered. */
export function commandsFor(project: Pick<Project, 'task' | 'targetImages'>): CommandChoice[] {
  const byTask: Record<Task, CommandChoice[]> = {
    classification: [
      {
        command: 'train',
        title: 'Train',
        hint: 'Fine-tune a pretrained network on your labelled images (the usual choice).',
      },
      {
        command: 'fewshot-fit',
        title: 'Instant (few-shot)',
        hint: 'No training loop: a classifier from a handful of images per class in seconds.',
      },
      ...(project.targetImages > 0
        ? [
            {
              command: 'adapt' as const,
              title: 'Adapt to new photos',
              hint: 'Train on your labelled images while adapting to the unlabelled target photos.',
            },
          ]
        : []),
    ],
    detection: [
      { command: 'detect-train', title: 'Train a detector', hint: 'Find and box objects.' },
    ],
    segmentation: [
      {
        command: 'segment-train',
        title: 'Train a segmenter',
        hint: 'Colour every pixel by class.',
      },
    ],
  };
  return byTask[project.task];
}

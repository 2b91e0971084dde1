// User errors are values: one class, a code that maps to the process exit code,
// and a message that names the file, field or flag. Stack traces are for bugs.

export type ErrorCode = 'BAD_INPUT' | 'BAD_USAGE' | 'RUNTIME';

export class VisiontuneError extends Error {
  readonly code: ErrorCode;
  /** Per-item problems (e.g. one line per bad file) shown under the message. */
  readonly details: string[];

  constructor(code: ErrorCode, message: string, details: string[] = []) {
    super(message);
    this.name = 'VisiontuneError';
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return this.code === 'RUNTIME' ? 1 : 2;
  }
}

export function badInput(message: string, details: string[] = []): VisiontuneError {
  return new VisiontuneError('BAD_INPUT', message, details);
}

export function badUsage(message: string): VisiontuneError {
  return new VisiontuneError('BAD_USAGE', message);
}

/** A problem with a configuration: the fields it concerns (dotted paths) and what is wrong. */
export interface FieldProblem {
  fields: string[];
  message: string;
}

/**
 * An invalid configuration, problem by problem. The library names config fields (`mixup`); the
 * CLI re-renders the same problems with the flag that sets each field (`--mixup`).
 */
export class ConfigError extends VisiontuneError {
  constructor(
    /** What was configured, e.g. 'training'. */
    readonly what: string,
    readonly problems: readonly FieldProblem[],
    /** How a field is named in the message (the CLI adds its flag). */
    nameField: (field: string) => string = (field) => field,
  ) {
    const text = problems.map((p) => `${p.fields.map(nameField).join(', ')}: ${p.message}`);
    super('BAD_USAGE', `invalid ${what} configuration: ${text.join('; ')}`);
  }

  /** The same problems, each field named by `nameField`. */
  renamed(nameField: (field: string) => string): ConfigError {
    return new ConfigError(this.what, this.problems, nameField);
  }
}

/** A problem zod cannot see (a rule across fields), naming the fields it concerns. */
export function configError(what: string, fields: string | string[], message: string) {
  return new ConfigError(what, [{ fields: Array.isArray(fields) ? fields : [fields], message }]);
}

export function exitCodeOf(err: unknown): number {
  return err instanceof VisiontuneError ? err.exitCode : 1;
}

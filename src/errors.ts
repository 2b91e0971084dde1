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

export function exitCodeOf(err: unknown): number {
  return err instanceof VisiontuneError ? err.exitCode : 1;
}

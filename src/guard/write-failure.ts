// A write that failed for a reason of the machine, not of visiontune (disk full, quota, read-only
// or unwritable folder): exit 1 with the path and what was kept intact, instead of a stack.
import { VisiontuneError } from '../errors.js';
import { writeReason } from './out-dir.js';

/** System errors a write can meet that the user (not a bug) must resolve. */
const WRITE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR']);

/** Errors of the machine, not of visiontune's logic: out of space or handles, denied, failing disk. */
const MACHINE_ERRORS = new Set([...WRITE_ERRORS, 'EMFILE', 'ENFILE', 'EIO', 'ENOMEM']);

/** Whether `err` is an fs error with an errno code (ENOSPC, EACCES, …). */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && !(err instanceof VisiontuneError);
}

/** A system error the user must resolve (disk full, permissions); others that escape (a missing
 * file nothing checked for) are bugs and keep their stack. */
export function isMachineError(err: unknown): err is NodeJS.ErrnoException {
  return isSystemError(err) && MACHINE_ERRORS.has(err.code!);
}

/**
 * `err` as a runtime error naming `target` and what is still intact (`kept`, e.g. "the previous
 * bundle is unchanged"); anything but a write error from the system is returned as it is.
 */
export function writeFailure(err: unknown, target: string, kept: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (!isSystemError(err) || !WRITE_ERRORS.has(code!)) return err;
  return new VisiontuneError('RUNTIME', `cannot write ${target}: ${writeReason(err)}; ${kept}`);
}

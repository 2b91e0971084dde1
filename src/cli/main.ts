#!/usr/bin/env node
// The visiontune command line: parse, validate, call the library; map errors to exit codes.
import { CommanderError } from 'commander';
import { VisiontuneError } from '../errors.js';
import { isMachineError, writeReason } from '../guard/index.js';
import { emitRunEvent } from '../train/run-events.js';
import { buildProgram } from './program.js';

function report(err: unknown): number {
  const code = reportOnStderr(err);
  if (code !== 0) emitRunEvent({ type: 'error', message: errorLine(err), code: errorCode(err) });
  return code;
}

/** The error as one line for the --events file. */
function errorLine(err: unknown): string {
  if (err instanceof VisiontuneError) return [err.message, ...err.details].join('\n');
  return (err as Error)?.message ?? String(err);
}

function errorCode(err: unknown): string {
  if (err instanceof VisiontuneError) return err.code;
  if (err instanceof CommanderError) return 'BAD_USAGE';
  return isMachineError(err) ? 'MACHINE' : 'INTERNAL';
}

function reportOnStderr(err: unknown): number {
  if (err instanceof VisiontuneError) {
    process.stderr.write(`error: ${err.message}\n`);
    for (const line of err.details) process.stderr.write(`  - ${line}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  // Last resort for a system error no write site put in words (disk full, permissions): the
  // machine's problem, not a bug.
  if (isMachineError(err)) {
    // Node names the path for most calls; a failed write on an open file names only the call.
    const where = err.path ? `${err.syscall ?? 'write'} ${err.path}` : err.message;
    process.stderr.write(`error: ${writeReason(err)} (${where})\n`);
    return 1;
  }
  process.stderr.write(
    `internal error (a bug, please report it):\n${(err as Error)?.stack ?? err}\n`,
  );
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return report(err);
  }
}

// An error that escapes every await (a bug) still gets one clear report and a non-zero exit.
// Registered before the wasm backend starts, these run before Emscripten's own handlers, which
// rethrow and make Node print a whole line of minified module source instead of the error.
function crash(err: unknown): never {
  process.exit(report(err) || 1);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

process.exitCode = await main(process.argv);

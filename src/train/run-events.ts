// The process-wide sink of progress events (`--events FILE`): JSON lines appended to one file as a
// command runs, for a program that watches it (the studio follows them live). Output.info emits
// the lines a command prints, the training loop emits batches and epochs (so every command that
// trains with it reports without code of its own), main.ts the final result or error. With no
// sink open nothing is written. Appends are synchronous: the events are in the file, in order,
// before the process can exit.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** One line of an events file. */
export type CliRunEvent =
  | { type: 'log'; line: string }
  | { type: 'batch'; epoch: number; epochs: number; batch: number; batches?: number; loss?: number }
  | { type: 'epoch'; record: Record<string, number | string | null> }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string; code: string };

let sink: string | undefined;

/** Sends the events of this process to `file` (appended; its folder is created). */
export function openRunEvents(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  appendFileSync(file, '');
  sink = file;
}

export function emitRunEvent(event: CliRunEvent): void {
  if (sink === undefined) return;
  try {
    appendFileSync(sink, `${JSON.stringify(event)}\n`);
  } catch (err) {
    // Progress reporting must not break the run it reports on: say so once and stop emitting.
    process.stderr.write(`warning: --events ${sink}: ${(err as Error).message}; no more events\n`);
    sink = undefined;
  }
}

// Test support: runs the real `visiontune` binary in a child process and collects its exit code
// and output, as a user's shell would see them.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real binary, for tests that must start it themselves (a server they signal). */
export const BIN = fileURLToPath(new URL('../../bin/visiontune.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `visiontune ...args`; `backend` sets VISIONTUNE_BACKEND (default: the environment's choice). */
export function runCli(args: string[], backend?: string): Promise<CliRun> {
  const env = backend ? { ...process.env, VISIONTUNE_BACKEND: backend } : process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// Test support: runs the real `visiontune` command line in a child process and collects its exit
// code and output, as a user's shell would see them. It runs the sources through tsx (as
// `npm run visiontune` does), so tests need no build; the pack-install test runs the built bin.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Node arguments that start the CLI from the sources, from any working directory. */
export const CLI_ARGV: readonly string[] = [
  '--import',
  import.meta.resolve('tsx'),
  fileURLToPath(new URL('./main.ts', import.meta.url)),
];

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `visiontune ...args`; `backend` sets VISIONTUNE_BACKEND (default: the environment's choice). */
export function runCli(args: string[], backend?: string): Promise<CliRun> {
  const env = backend ? { ...process.env, VISIONTUNE_BACKEND: backend } : process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGV, ...args], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

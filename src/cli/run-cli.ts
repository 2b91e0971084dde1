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

/**
 * `visiontune ...args`; `backend` sets VISIONTUNE_BACKEND (default: the environment's choice),
 * `extraEnv` adds environment variables (undefined removes one).
 */
export function runCli(
  args: string[],
  backend?: string,
  extraEnv: Record<string, string | undefined> = {},
): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(backend ? { VISIONTUNE_BACKEND: backend } : {}),
    ...extraEnv,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGV, ...args], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

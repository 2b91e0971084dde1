// Runs `main` when the module is the script node was started with, not when a test imports it;
// a failure prints its message and sets exit code 1.
import { realpath } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function runAsScript(moduleUrl: string, main: () => Promise<void>): Promise<void> {
  const script = process.argv[1] ? await realpath(process.argv[1]).catch(() => '') : '';
  if (script !== (await realpath(fileURLToPath(moduleUrl)))) return;
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

// How the studio starts the `visiontune` CLI as a child process: this Node binary and the CLI's
// entry beside this module — the sources through tsx when the studio itself runs from .ts (tests,
// `npm run visiontune`), else the package's built dist/cli/main.js.
import { fileURLToPath } from 'node:url';

const fromSources = import.meta.url.endsWith('.ts');

/** The node arguments that start `visiontune`; the command words and flags follow them. */
export function cliNodeArgs(): string[] {
  const main = fileURLToPath(
    new URL(`../../cli/main.${fromSources ? 'ts' : 'js'}`, import.meta.url),
  );
  return fromSources ? ['--import', import.meta.resolve('tsx'), main] : [main];
}

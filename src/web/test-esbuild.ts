// Test support: bundles an entry for a browser with esbuild, in memory, and lists the files that
// went in, so a test can assert that nothing Node-only did.
import { build } from 'esbuild';

export async function bundleForBrowser(
  entry: string,
  workingDir?: string,
): Promise<{ errors: unknown[]; inputs: string[] }> {
  const result = await build({
    entryPoints: [entry],
    ...(workingDir ? { absWorkingDir: workingDir } : {}),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { errors: result.errors, inputs: Object.keys(result.metafile.inputs) };
}

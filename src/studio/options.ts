// What `createStudio` takes, as one zod schema: the `visiontune studio` flags are derived from it.
// A non-loopback host needs a token (checked in resolveStudioOptions): the studio reads and writes
// files and starts training processes, so it must not be open to a network by accident.
import { z } from 'zod';
import { opt } from '../config/options.js';
import { listenFields, requireSecretBeyondLoopback } from '../serve/options.js';
import { parseLayers } from '../util/merge-layers.js';

export const studioOptionsSchema = z.object({
  dir: opt(z.string().min(1).default('visiontune-projects'), 'the folder that holds the projects', {
    arg: 'dir',
  }),
  ...listenFields(5170, '--token'),
  token: opt(
    z.string().min(16, 'use at least 16 characters').optional(),
    'require this token (open the printed URL once; default: $VISIONTUNE_STUDIO_TOKEN)',
    { arg: 'token' },
  ),
  uploadLimitMb: opt(z.number().positive().default(32), 'largest uploaded image, in MiB', {
    arg: 'mb',
  }),
});

export type StudioOptionsInput = z.input<typeof studioOptionsSchema>;
export type StudioOptions = z.output<typeof studioOptionsSchema>;

export function resolveStudioOptions(
  input: StudioOptionsInput,
  env: NodeJS.ProcessEnv = process.env,
): StudioOptions {
  const options = parseLayers(studioOptionsSchema, 'studio', [
    { token: env.VISIONTUNE_STUDIO_TOKEN || undefined },
    input as Record<string, unknown>,
  ]);
  requireSecretBeyondLoopback(
    'studio',
    options.host,
    options.token,
    'a token (--token or VISIONTUNE_STUDIO_TOKEN)',
  );
  return options;
}

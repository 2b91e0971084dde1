// What `createServer` takes, as one zod schema: the `visiontune serve` flags are derived from it
// (cli/commands/serve.ts), so a server option is written once. Rules across fields (a non-loopback
// host needs an API key) are checked in resolveServeOptions.
import { z } from 'zod';
import { opt } from '../config/options.js';
import { ENGINE_CHOICES } from '../engine/frozen-engine.js';
import { configError } from '../errors.js';
import { parseLayers } from '../util/merge-layers.js';

/** NAME=BUNDLE: the name in the URL, the bundle folder, run folder or exported .onnx. */
const MODEL_ENTRY = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})=(.+)$/;

export const SERVE_ENGINES = ENGINE_CHOICES;

/** Where a local server listens (serve, studio): `secret` is the flag a non-loopback host needs. */
export const listenFields = (defaultPort: number, secret: string) => ({
  port: opt(
    z.number().int().min(0).max(65535).default(defaultPort),
    'TCP port (0: any free port)',
    { arg: 'n' },
  ),
  host: opt(
    z.string().min(1).default('127.0.0.1'),
    `address to listen on; anything but loopback needs ${secret}`,
    { arg: 'address' },
  ),
});

export const serveOptionsSchema = z.object({
  model: opt(
    z
      .array(z.string().regex(MODEL_ENTRY, 'expected NAME=BUNDLE (NAME: letters, digits, . _ -)'))
      .min(1, 'give at least one --model NAME=BUNDLE'),
    'a model to serve as NAME=BUNDLE (bundle or run folder, or an exported .onnx); repeat for more',
    { arg: 'name=bundle', repeatable: true },
  ),
  ...listenFields(8080, '--api-key'),
  engine: opt(
    z.enum(SERVE_ENGINES).default('auto'),
    'auto: ONNX Runtime where onnxruntime-node is installed and the bundle exports, else TF.js',
  ),
  maxBatch: opt(z.number().int().min(1).max(256).default(16), 'images per forward pass, at most', {
    arg: 'n',
  }),
  maxWaitMs: opt(
    z.number().min(0).max(10_000).default(4),
    'how long the first image of a batch waits for others, in ms',
    { arg: 'ms' },
  ),
  queueLimit: opt(
    z.number().int().min(1).default(256),
    'images waiting per model before requests are refused with 429',
    { arg: 'n' },
  ),
  timeoutMs: opt(
    z.number().int().positive().default(30_000),
    'a predict request not answered in this time gets 503',
    { arg: 'ms' },
  ),
  bodyLimitMb: opt(z.number().positive().default(32), 'largest request body, in MiB', {
    arg: 'mb',
  }),
  maxImages: opt(
    z.number().int().min(1).max(1024).default(32),
    'images in one predict request, at most',
    { arg: 'n' },
  ),
  apiKey: opt(
    z.string().min(16, 'use at least 16 characters').optional(),
    'require "Authorization: Bearer KEY" on /v1 routes (default: $VISIONTUNE_API_KEY)',
    { arg: 'key' },
  ),
});

export type ServeOptionsInput = z.input<typeof serveOptionsSchema>;
export type ServeOptions = z.output<typeof serveOptionsSchema>;

export interface ModelEntry {
  name: string;
  location: string;
}

/** The --model entries as names and locations; a name given twice is refused. */
export function modelEntries(options: Pick<ServeOptions, 'model'>): ModelEntry[] {
  const entries = options.model.map((text) => {
    const [, name, location] = MODEL_ENTRY.exec(text) ?? [];
    return { name: name ?? '', location: location ?? '' };
  });
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) throw configError('serve', 'model', `the name '${name}' is given twice`);
    seen.add(name);
  }
  return entries;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Refuses a non-loopback `host` without its secret: a server reachable from the network must
 * check who calls it (serve's API key, the studio's token). `needs` says which, with its flag.
 */
export function requireSecretBeyondLoopback(
  what: string,
  host: string,
  secret: string | undefined,
  needs: string,
): void {
  if (!isLoopback(host) && !secret)
    throw configError(
      what,
      'host',
      `${host} is not a loopback address: ${what} beyond this machine needs ${needs}`,
    );
}

/**
 * Validated options, the API key taken from VISIONTUNE_API_KEY when not given. Serving beyond
 * loopback without a key would let anyone on the network use (and load) the machine.
 */
export function resolveServeOptions(
  input: ServeOptionsInput,
  env: NodeJS.ProcessEnv = process.env,
): ServeOptions {
  const options = parseLayers(serveOptionsSchema, 'serve', [
    { apiKey: env.VISIONTUNE_API_KEY || undefined },
    input as Record<string, unknown>,
  ]);
  modelEntries(options);
  requireSecretBeyondLoopback(
    'serve',
    options.host,
    options.apiKey,
    'an API key (--api-key or VISIONTUNE_API_KEY)',
  );
  return options;
}

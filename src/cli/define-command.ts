// One way to declare a command: its options are a zod schema (usually the library's run
// configuration), from which the flags are derived; the command's action merges defaults <
// --config file < typed flags, validates once, and hands the result to `run`. Errors that name
// configuration fields are shown with the flag that sets each field.

import os from 'node:os';
import type { Command } from 'commander';
import type { z } from 'zod';
import { launchWorkers } from '../distributed/launcher.js';
import { distributedOptionsSchema, type Role, resolveRole } from '../distributed/options.js';
import { joinGroup, leaveGroup } from '../distributed/process-group.js';
import { enableSyncBatchNorm } from '../distributed/sync-batchnorm.js';
import type { EngineInfo } from '../engine/index.js';
import { ConfigError } from '../errors.js';
import { openRunEvents } from '../train/run-events.js';
import { type ConfigLayer, parseLayers } from '../util/merge-layers.js';
import {
  applyInputPolicy,
  applyZooSettings,
  outputOptionsSchema,
  type RuntimeOptions,
  readConfigFile,
  runtimeOptionsSchema,
  setUp,
} from './common.js';
import { Output } from './output.js';
import {
  addSchemaOptions,
  type FlagOverrides,
  fieldWithFlag,
  flagLayer,
} from './schema-options.js';

export interface CommandContext {
  out: Output;
  /** The started TF.js engine (commands declared with `engine: false` start none). */
  engine?: EngineInfo;
  runtime: RuntimeOptions;
  /** Positional arguments, in the order declared. */
  args: unknown[];
  command: Command;
}

export interface CommandSpec<S extends z.ZodObject, C> {
  /** The command's name (positional arguments go in `args`). */
  name: string;
  description: string;
  /** Positional arguments as commander writes them, with their help: ['<inputs...>', '…']. */
  args?: [string, string][];
  /** The command's options: one flag per field. */
  options: S;
  /** Names the configuration in errors, e.g. 'training'. */
  what: string;
  /** Per-command changes to the schema's flag metadata (another description, flag name). */
  flags?: FlagOverrides;
  /** Accept --config FILE (a JSON object of fields; typed flags override it). */
  configFile?: boolean;
  /** Merges and validates the layers (default: the schema itself, strictly). */
  resolve?: (...layers: ConfigLayer[]) => C;
  /** Start the TF.js engine (default true); false still gives --json/--quiet. */
  engine?: boolean;
  /** Training that can run data-parallel: --nproc, --nnodes, … (distributed/options.ts). */
  distributed?: boolean;
  run: (config: C, context: CommandContext) => Promise<void>;
}

interface Declared {
  /** The schema of the command's own options (what --config sets). */
  options: z.ZodObject;
  /** Merges and validates configuration layers as the command does (the studio checks with it). */
  validate(...layers: ConfigLayer[]): unknown;
  /** The merged configuration layers of a parsed command line, before validation. */
  layers(command: Command): Promise<ConfigLayer[]>;
  resolve(command: Command): Promise<unknown>;
}

const DECLARED = new WeakMap<Command, Declared>();

/** For tests: how a declared command turns its parsed command line into a configuration. */
export function declaredCommand(command: Command): Declared | undefined {
  return DECLARED.get(command);
}

/** Field errors re-named with their flags; everything else unchanged. */
function withFlags<T>(command: Command, work: () => Promise<T>): Promise<T> {
  return work().catch((err) => {
    throw err instanceof ConfigError ? err.renamed(fieldWithFlag(command)) : err;
  });
}

function omitFields<T extends z.ZodObject>(schema: T, names: string[]): T {
  const taken = names.filter((n) => n in schema.shape);
  if (taken.length === 0) return schema;
  const mask = Object.fromEntries(taken.map((n) => [n, true])) as Record<string, true>;
  return (schema as z.ZodObject).omit(mask as never) as unknown as T;
}

export function defineCommand<S extends z.ZodObject, C = z.output<S>>(
  parent: Command,
  spec: CommandSpec<S, C>,
): Command {
  const command = parent.command(spec.name).description(spec.description);
  for (const [name, help] of spec.args ?? []) command.argument(name, help);
  addSchemaOptions(command, spec.options, spec.flags);
  if (spec.configFile)
    command.option('--config <file>', 'JSON file of configuration fields; typed flags override it');
  // A command option of a runtime option's name is the command's own (serve's --engine picks the
  // server's engine and is part of its options): the flag is declared once.
  const runtimeSchema = omitFields(
    spec.engine === false ? outputOptionsSchema : runtimeOptionsSchema,
    Object.keys(spec.options.shape),
  );
  addSchemaOptions(command, runtimeSchema);
  if (spec.distributed) addSchemaOptions(command, distributedOptionsSchema);

  const resolve =
    spec.resolve ??
    ((...layers: ConfigLayer[]) => parseLayers(spec.options, spec.what, layers) as C);
  const declared: Declared = {
    options: spec.options,
    validate: (...layers) => resolve(...layers),
    async layers(cmd) {
      const file = cmd.opts().config as string | undefined;
      return [file ? await readConfigFile(file) : {}, flagLayer(cmd, spec.options)];
    },
    resolve: (cmd) => withFlags(cmd, async () => resolve(...(await declared.layers(cmd)))),
  };
  DECLARED.set(command, declared);

  command.action(async (...params: unknown[]) => {
    const cmd = params.at(-1) as Command;
    // Typed as the whole runtime schema: a field the command took over is simply absent.
    const runtime = parseLayers(runtimeSchema, 'command-line', [
      flagLayer(cmd, runtimeSchema),
    ]) as RuntimeOptions;
    // Field errors named by their flags (--nproc), as the command's own options are.
    const distributed = spec.distributed
      ? await withFlags(cmd, async () =>
          parseLayers(distributedOptionsSchema, 'command-line', [
            flagLayer(cmd, distributedOptionsSchema),
          ]),
        )
      : undefined;
    const role: Role = distributed ? await resolveRole(distributed) : { kind: 'single' };
    const config = (await declared.resolve(cmd)) as C;
    // The launcher checks the configuration once, then its workers do the work.
    if (role.kind === 'launch') return launchWorkers(role.plan);
    const writes = role.kind !== 'worker' || role.settings.rank === 0;
    if (runtime.events && writes) openRunEvents(runtime.events);
    applyInputPolicy(runtime);
    // Workers share the machine's cores, as torchrun's OMP_NUM_THREADS does.
    if (role.kind === 'worker' && runtime.threads === undefined)
      runtime.threads = Math.max(1, Math.floor(os.availableParallelism() / role.localWorldSize));
    const started = spec.engine === false ? { out: new Output(runtime) } : await setUp(runtime);
    applyZooSettings(runtime, started.out);
    const context = { ...started, runtime, args: params.slice(0, -2), command: cmd };
    if (role.kind === 'worker') {
      const group = joinGroup(role.settings);
      enableSyncBatchNorm(distributed?.syncBn ?? false);
      started.out.info(
        `rank ${group.rank} of ${group.size} joined at ${role.settings.masterAddr}:${role.settings.masterPort}`,
      );
      await withFlags(cmd, () => spec.run(config, context));
      // Rank 0 hosts the store: it leaves only once every rank has what it needed.
      group.barrier();
      leaveGroup();
      return;
    }
    await withFlags(cmd, () => spec.run(config, context));
  });
  return command;
}

// The command line is derived from the configuration schemas, so these checks cover every
// command: each field is reachable by a flag (or deliberately internal) and described; each flag
// sets its field; defaults < --config < typed flags, with no commander default shadowing the file;
// and every visiontune command line the README shows parses and reaches the configuration.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { optionRegistry } from '../config/options.js';
import { declaredCommand } from './define-command.js';
import { buildProgram, leafCommands } from './program.js';
import { documentedCommands } from './readme-commands.js';
import { type FieldJson, flagLayer, schemaOptionsOf } from './schema-options.js';

const README = path.join(import.meta.dirname, '../../README.md');

/** A program whose commands record their flag layers instead of running. */
function recordingProgram() {
  const program = buildProgram();
  const layers = new Map<Command, Record<string, unknown>>();
  for (const [, command] of leafCommands(program)) {
    command.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    command.action(async (...params: unknown[]) => {
      const cmd = params.at(-1) as Command;
      const layer = Object.assign({}, ...schemaOptionsOf(cmd).map((s) => flagLayer(cmd, s.schema)));
      layers.set(cmd, layer);
    });
  }
  return { program, layers };
}

/** The command's name words, then a stand-in for each positional argument it requires. */
function invocation(name: string, command: Command): string[] {
  return [...name.split(' '), ...command.registeredArguments.map(() => 'some/path')];
}

async function parse(args: string[]) {
  const { program, layers } = recordingProgram();
  await program.parseAsync(args, { from: 'user' });
  const command = [...layers.keys()][0];
  return { command, layer: layers.get(command) ?? {} };
}

/** A value a flag accepts, as typed, and the value it should give the field. */
function sampleValue(json: FieldJson): { text: string; value: unknown } {
  if (json.anyOf) {
    const constant = json.anyOf.find((a) => a.const !== undefined);
    return constant
      ? { text: String(constant.const), value: constant.const }
      : sampleValue(json.anyOf[0]);
  }
  if (json.enum) {
    const last = json.enum.at(-1);
    return { text: String(last), value: last };
  }
  if (json.type === 'integer') return { text: '3', value: 3 };
  if (json.type === 'number') return { text: '0.25', value: 0.25 };
  if (json.type === 'array') {
    // A pair needs both values; a list is given one (a command may read that flag as one name).
    const items = json.prefixItems ?? [json.items || {}];
    const parts = items.map((i) => sampleValue(i));
    return { text: parts.map((p) => p.text).join(','), value: parts.map((p) => p.value) };
  }
  return { text: 'some/where', value: 'some/where' };
}

const leaves = leafCommands(buildProgram());

test('every command is declared from a schema, every field has a flag or is internal, and is described', () => {
  assert.ok(leaves.length >= 20, `expected the whole command tree, got ${leaves.length}`);
  for (const [name, command] of leaves) {
    assert.ok(declaredCommand(command), `${name}: not declared with defineCommand`);
    for (const { schema, bindings, internal } of schemaOptionsOf(command)) {
      for (const [field, fieldSchema] of Object.entries(schema.shape)) {
        const meta = optionRegistry.get(fieldSchema as never);
        assert.ok(meta?.description, `${name}: field ${field} has no description (use opt())`);
        const reachable = bindings.some((b) => b.field === field) || internal.has(field);
        assert.ok(reachable, `${name}: field ${field} has no flag and is not marked internal`);
      }
      const flags = bindings.map((b) => b.flag);
      assert.equal(new Set(flags).size, flags.length, `${name}: a flag is declared twice`);
    }
  }
});

test('every flag of every command sets its field to the value typed', async () => {
  for (const [name, command] of leaves) {
    for (const { bindings, fields } of schemaOptionsOf(command)) {
      for (const binding of bindings) {
        const json = fields[binding.field] ?? {};
        const boolean = json.type === 'boolean' || binding.fixed;
        const sample = boolean
          ? {
              text: undefined,
              value: binding.fixed ? binding.fixed.value : !binding.flag.startsWith('--no-'),
            }
          : sampleValue(json);
        const args = [
          ...invocation(name, command),
          binding.flag,
          ...(sample.text === undefined ? [] : [sample.text]),
        ];
        const { layer } = await parse(args);
        assert.deepEqual(
          layer[binding.field],
          sample.value,
          `${args.join(' ')} → ${binding.field}`,
        );
      }
    }
  }
});

test('defaults < --config file < typed flags, for every field of every command with --config', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-flags-'));
  let checked = 0;
  for (const [name, command] of leaves) {
    if (!command.options.some((o) => o.long === '--config')) continue;
    const declared = declaredCommand(command)!;
    // Typing nothing: no field comes from the command line (commander's defaults stay out).
    const bare = await parse(invocation(name, command));
    assert.deepEqual(bare.layer, {}, `${name}: untyped flags reached the configuration`);
    const own = schemaOptionsOf(command).filter((s) => s.schema === declared.options);
    for (const { bindings, fields } of own) {
      for (const binding of bindings.filter(
        (b) => !b.fixed && fields[b.field]?.type !== 'boolean',
      )) {
        const sample = sampleValue(fields[binding.field] ?? {});
        const fromFile = { [binding.field]: `from-file-${binding.field}` };
        const file = path.join(dir, `${name.replace(/ /g, '-')}-${binding.field}.json`);
        await fs.writeFile(file, JSON.stringify(fromFile));
        const fileOnly = await parse([...invocation(name, command), '--config', file]);
        const fileLayers = await declared.layers(fileOnly.command);
        const merged = Object.assign({}, ...fileLayers.filter(Boolean));
        assert.equal(
          merged[binding.field],
          fromFile[binding.field],
          `${name}: the file's ${binding.field} was overridden`,
        );
        const both = await parse([
          ...invocation(name, command),
          '--config',
          file,
          binding.flag,
          sample.text,
        ]);
        const bothLayers = await declared.layers(both.command);
        const mergedBoth = Object.assign({}, ...bothLayers.filter(Boolean));
        assert.deepEqual(
          mergedBoth[binding.field],
          sample.value,
          `${name}: ${binding.flag} did not override the file`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} fields checked`);
});

test('train resolves the seed from the defaults, then the config file, then --seed', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-seed-'));
  const file = path.join(dir, 'run.json');
  await fs.writeFile(file, JSON.stringify({ data: 'mnist', seed: 7 }));
  const resolved = async (args: string[]) => {
    const { command } = await parse(['train', ...args]);
    return (await declaredCommand(command)!.resolve(command)) as { seed: number };
  };
  assert.equal((await resolved(['--data', 'mnist'])).seed, 0);
  assert.equal((await resolved(['--config', file])).seed, 7);
  assert.equal((await resolved(['--config', file, '--seed', '3'])).seed, 3);
});

test('a bad field value names the field and its flag', async () => {
  const { command } = await parse(['train', '--data', 'mnist', '--mixup', '-1']);
  await assert.rejects(declaredCommand(command)!.resolve(command), (err: Error) => {
    assert.match(err.message, /mixup \(--mixup\)/);
    return true;
  });
});

test('every visiontune command line in the README parses, and each flag it types reaches the configuration', async () => {
  const documented = documentedCommands(await fs.readFile(README, 'utf8'));
  assert.ok(documented.length >= 20, `found only ${documented.length} commands in the README`);
  for (const { line, text, args } of documented) {
    const where = `README.md:${line}: ${text.trim()}`;
    let parsed: Awaited<ReturnType<typeof parse>>;
    try {
      parsed = await parse(args);
    } catch (err) {
      assert.fail(`${where}\n  does not parse: ${(err as Error).message}`);
    }
    assert.ok(parsed.command, `${where}: runs no command`);
    const bindings = schemaOptionsOf(parsed.command).flatMap((s) => s.bindings);
    for (const flag of args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0])) {
      if (flag === '--config' || flag === '--help') continue;
      const binding = bindings.find((b) => b.flag === flag);
      assert.ok(binding, `${where}: ${flag} is not a flag of this command`);
      assert.ok(binding.field in parsed.layer, `${where}: ${flag} did not reach ${binding.field}`);
    }
  }
});

test('every --flag the README names in prose is a flag of some visiontune command', async () => {
  const known = new Set(['--config', '--help', '--version']);
  for (const [, command] of leaves)
    for (const spec of schemaOptionsOf(command)) for (const b of spec.bindings) known.add(b.flag);
  const lines = (await fs.readFile(README, 'utf8')).split('\n');
  const unknown: string[] = [];
  lines.forEach((line, i) => {
    // Lines that run other programs (benchmarks, apt, node) have flags of their own.
    if (/bench\/|bench:|apt-get|node --|npm (ci|install|run bench)/.test(line)) return;
    for (const [flag] of line.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g))
      if (!known.has(flag)) unknown.push(`README.md:${i + 1}: ${flag}`);
  });
  assert.deepEqual(unknown, []);
});

// The run commands as the studio starts them: for each, the fields it fills from a project are
// fields of the CLI command (with their flags), default options validate, and invalid ones are a
// 400 naming the field.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { HttpError } from '../../serve/http-error.js';
import type { RunCommand } from '../api-types.js';
import {
  declaredRunCommand,
  fieldFlags,
  RUN_COMMANDS,
  STUDIO_FIELDS,
  validateRunOptions,
} from './run-commands.js';

const project = path.resolve('/projects/p');
const run = path.join(project, 'runs', 'r1');

test('each run command: filled fields are studio fields with flags; defaults validate', async () => {
  for (const name of Object.keys(RUN_COMMANDS) as RunCommand[]) {
    const filled = await RUN_COMMANDS[name].fill(project, run);
    for (const field of Object.keys(filled))
      assert.ok(STUDIO_FIELDS.has(field), `${name}: ${field}`);
    const flags = await fieldFlags(name, filled);
    const { command } = await declaredRunCommand(name);
    for (const flag of flags.filter((f) => f.startsWith('--')))
      assert.ok(
        command.options.some((o) => o.long === flag),
        `${name}: ${flag} is a flag of visiontune ${RUN_COMMANDS[name].words.join(' ')}`,
      );
    // fewshot fit has no default backbone.
    await validateRunOptions(
      name,
      name === 'fewshot-fit' ? { backbone: 'resnet_tiny' } : {},
      filled,
    );
  }
  // fit's --out is the bundle, inside the run folder.
  assert.equal(
    (await RUN_COMMANDS['fewshot-fit'].fill(project, run)).out,
    path.join(run, 'bundle'),
  );
});

test('invalid options are a 400 naming the field', async () => {
  const filled = await RUN_COMMANDS.train.fill(project, run);
  await assert.rejects(
    validateRunOptions('train', { strategy: 'magic' }, filled),
    (err) => err instanceof HttpError && err.status === 400 && /strategy/.test(err.message),
  );
  await assert.rejects(
    validateRunOptions('segment-train', { data: '/elsewhere' }, filled),
    (err) => err instanceof HttpError && /options\.data/.test(err.message),
  );
});

// `visiontune backbones`: the registry with each entry's pretrained config.
import type { Command } from 'commander';
import { z } from 'zod';
import { listBackbones } from '../../backbones/index.js';
import { defineCommand } from '../define-command.js';

export function backbonesCommand(program: Command): void {
  defineCommand(program, {
    name: 'backbones',
    description: 'list the built-in backbones with input size, normalization and feature taps',
    options: z.object({}),
    what: 'backbones',
    engine: false,
    async run(_, { out }) {
      const rows = listBackbones().map((e) => ({
        name: e.name,
        description: e.description,
        pretrained: e.hasPretrained,
        ...e.config,
      }));
      out.result(rows, () =>
        rows
          .map((r) =>
            [
              `${r.name}${r.pretrained ? ' (pretrained)' : ' (random init)'} — ${r.description}`,
              `  input ${r.inputSize}px (min ${r.minInputSize}), ${r.interpolation}, mean ${r.mean.join('/')}, std ${r.std.join('/')}`,
              `  embedding ${r.embeddingLayer} (${r.embeddingDim}-d); taps ${r.taps.map((t) => `s${t.stride}:${t.layer}(${t.channels})`).join(' ')}`,
              `  licence ${r.licence}; source ${r.source}`,
            ].join('\n'),
          )
          .join('\n'),
      );
    },
  });
}

// `visiontune backbones`: the registry with each entry's pretrained config, where its weights come
// from (installed, or downloaded on first use: URL, digest, whether the cache holds them).
import type { Command } from 'commander';
import { z } from 'zod';
import { aliasesOf, listBackbones } from '../../backbones/registry.js';
import { describeDigest } from '../../zoo/digest.js';
import { zooSettings } from '../../zoo/settings.js';
import { cachedPath } from '../../zoo/weights-file.js';
import { defineCommand } from '../define-command.js';

export function backbonesCommand(program: Command): void {
  defineCommand(program, {
    name: 'backbones',
    description:
      'list the backbones: input size, normalization, feature taps, where the weights come from',
    options: z.object({}),
    what: 'backbones',
    engine: false,
    async run(_, { out }) {
      const settings = zooSettings();
      const rows = await Promise.all(
        listBackbones({ downloads: true }).map(async (e) => ({
          name: e.name,
          aliases: aliasesOf(e),
          description: e.description,
          pretrained: e.hasPretrained,
          ...e.config,
          weights: e.weights
            ? {
                ...e.weights,
                ...(await cachedPath(e.weights, settings)),
              }
            : null,
        })),
      );
      const weightsLine = (r: (typeof rows)[number]) => {
        if (!r.weights) return r.pretrained ? '  weights installed with the dependencies' : '';
        const digest = r.weights.digest
          ? describeDigest(r.weights.digest)
          : 'no published digest (SHA-256 pinned on first download)';
        const state = r.weights.cached
          ? `cached at ${r.weights.path}`
          : 'not cached: downloads on first use';
        return `  weights ${r.weights.url}\n    ${digest}; ${state}`;
      };
      out.result(rows, () =>
        rows
          .map((r) =>
            [
              `${r.name}${r.aliases.length ? ` (also ${r.aliases.join(', ')})` : ''}${r.pretrained ? ' (pretrained)' : ' (random init)'} — ${r.description}`,
              `  input ${r.inputSize}px (min ${r.minInputSize}), ${r.interpolation}, mean ${r.mean.map((v) => +v.toFixed(4)).join('/')}, std ${r.std.map((v) => +v.toFixed(4)).join('/')}`,
              `  embedding ${r.embeddingLayer} (${r.embeddingDim}-d); taps ${r.taps.map((t) => `s${t.stride}:${t.layer}(${t.channels})`).join(' ')}`,
              `  licence ${r.licence}`,
              weightsLine(r),
            ]
              .filter(Boolean)
              .join('\n'),
          )
          .join('\n'),
      );
    },
  });
}

// `visiontune pull NAME…`: fetch registry weights ahead of use (into the cache, verified), e.g.
// before going offline or to fill a mirror; with --offline it checks what the cache holds.
import type { Command } from 'commander';
import { z } from 'zod';
import { getBackbone } from '../../backbones/index.js';
import { fileDigests } from '../../zoo/digest.js';
import { ensureWeightsFile } from '../../zoo/weights-file.js';
import { defineCommand } from '../define-command.js';

interface PullRow {
  name: string;
  /** The verified file in the cache; null where nothing downloads. */
  path: string | null;
  sha256?: string;
  url?: string;
  note?: string;
}

export function pullCommand(program: Command): void {
  defineCommand(program, {
    name: 'pull',
    description: 'download the pretrained weights of registry backbones into the cache, verified',
    args: [
      ['<names...>', 'registry names, e.g. mobilenet_v2.imagenet (see `visiontune backbones`)'],
    ],
    options: z.object({}),
    what: 'pull',
    engine: false,
    async run(_, { out, args }) {
      const entries = (args[0] as string[]).map((name) => getBackbone(name));
      const rows: PullRow[] = [];
      for (const entry of entries) {
        if (!entry.weights) {
          rows.push({
            name: entry.name,
            path: null,
            note: entry.hasPretrained ? 'installed with the dependencies' : 'no pretrained weights',
          });
          continue;
        }
        const file = await ensureWeightsFile(entry.weights, entry.name);
        const { sha256 } = await fileDigests(file, ['sha256']);
        rows.push({ name: entry.name, path: file, sha256, url: entry.weights.url });
      }
      out.result(rows, () =>
        rows
          .map((r) =>
            'sha256' in r ? `${r.name}  ${r.path}\n  sha256 ${r.sha256}` : `${r.name}: ${r.note}`,
          )
          .join('\n'),
      );
    },
  });
}

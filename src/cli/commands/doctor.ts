// `visiontune doctor`: which backends exist here, which one runs and why, how to enable the rest.
import type { Command } from 'commander';
import sharp from 'sharp';
import { collectivesStatus } from '../../distributed/process-group.js';
import { initEngine } from '../../engine/index.js';
import { version } from '../../version.js';
import { zooSettings } from '../../zoo/settings.js';
import { runtimeOptionsSchema } from '../common.js';
import { defineCommand } from '../define-command.js';

export function doctorCommand(program: Command): void {
  defineCommand(program, {
    name: 'doctor',
    description: 'show the chosen backend, why, and how to enable others',
    options: runtimeOptionsSchema.pick({ backend: true, threads: true }),
    what: 'doctor',
    engine: false,
    async run(options, { out }) {
      const engine = await initEngine(options);
      const zoo = zooSettings();
      const collectives = collectivesStatus();
      const result = {
        visiontune: version,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        backend: engine.backend,
        reason: engine.reason,
        threads: engine.threads,
        backends: engine.candidates,
        sharp: sharp.versions.sharp,
        libvips: sharp.versions.vips,
        weights: { cache: zoo.cacheDir, offline: zoo.offline, mirror: zoo.mirror ?? null },
        dataParallel: collectives.available
          ? { available: true }
          : { available: false, reason: collectives.reason, enable: collectives.enable },
      };
      out.result(result, () =>
        [
          `visiontune ${version} on Node ${process.version} (${result.platform})`,
          `backend: ${engine.backend} — ${engine.reason}`,
          `threads: ${engine.threads}`,
          'backends:',
          ...engine.candidates.map(
            (c) =>
              `  ${c.available ? '✓' : '✗'} ${c.name.padEnd(10)} ${c.detail}${c.enable ? `\n      enable: ${c.enable}` : ''}`,
          ),
          collectives.available
            ? 'data-parallel training (--nproc): c10d/Gloo ✓'
            : `data-parallel training (--nproc): ✗ ${collectives.reason}\n      enable: ${collectives.enable}`,
          `image decoding: sharp ${result.sharp} (libvips ${result.libvips})`,
          `downloaded weights: cache ${zoo.cacheDir}${zoo.offline ? ', offline' : ''}${zoo.mirror ? `, mirror ${zoo.mirror}` : ''}`,
        ].join('\n'),
      );
    },
  });
}

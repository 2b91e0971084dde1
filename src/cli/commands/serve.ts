// `visiontune serve`: an HTTP inference server over bundles (src/serve). The flags are the options
// schema of createServer; this command listens, prints where, and on SIGTERM/SIGINT stops
// accepting, lets in-flight requests finish and returns (exit 0).
import type { Command } from 'commander';
import { createServer } from '../../serve/app.js';
import { serveOptionsSchema } from '../../serve/options.js';
import { tuneProcessForServing } from '../../serve/process-tuning.js';
import { defineCommand } from '../define-command.js';
import { listenAt, reportInternalError, shutdownSignal } from '../listen.js';

export function serveCommand(program: Command): void {
  defineCommand(program, {
    name: 'serve',
    description: 'serve bundles over HTTP: predict, model info, health, metrics, a try-it page',
    options: serveOptionsSchema,
    what: 'serve',
    async run(options, { out, runtime }) {
      tuneProcessForServing();
      const app = createServer({
        ...options,
        threads: runtime.threads,
        onInternalError: reportInternalError,
      });
      const stopped = shutdownSignal();
      const url = await listenAt(app, options.host, options.port);
      const models = (
        (await app.inject('/v1/models').then((r) => r.json())) as { models: unknown[] }
      ).models;
      out.result(
        { url, models },
        () => `serving ${models.length} model(s) at ${url} (try ${url}/)`,
      );
      const signal = await stopped;
      out.info(`${signal}: finishing in-flight requests`);
      await app.close();
    },
  });
}

// `visiontune studio`: the local web app over a folder of projects (src/studio). Its flags are the
// options schema of createStudio; it listens, prints the URL (with the token when one is needed)
// and on SIGTERM/SIGINT stops: a run in progress is stopped at its last checkpoint and marked
// interrupted, to be resumed from the app after the next start.
import type { Command } from 'commander';
import { createStudio } from '../../studio/app.js';
import { studioOptionsSchema } from '../../studio/options.js';
import { defineCommand } from '../define-command.js';
import { listenAt, reportInternalError, shutdownSignal } from '../listen.js';

export function studioCommand(program: Command): void {
  defineCommand(program, {
    name: 'studio',
    description:
      'the whole transfer workflow in a local web app: data, labelling, training, evaluation, export',
    options: studioOptionsSchema,
    what: 'studio',
    engine: false,
    async run(options, { out }) {
      const app = await createStudio({ ...options, onInternalError: reportInternalError });
      const stopped = shutdownSignal();
      const url = await listenAt(app, options.host, options.port);
      const open = app.studioOptions.token
        ? `${url}/?token=${encodeURIComponent(app.studioOptions.token)}`
        : `${url}/`;
      out.result(
        { url, open, dir: app.projectsDir },
        () => `visiontune studio at ${open}\nprojects in ${app.projectsDir}`,
      );
      const signal = await stopped;
      out.info(`${signal}: stopping`);
      await app.close();
    },
  });
}

// How commands talk to the user: JSON on stdout for machines, words and progress bars for people.
import cliProgress from 'cli-progress';
import { emitRunEvent } from '../train/run-events.js';
import type { TransferProgress } from '../zoo/fetch-part.js';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

const silent: Progress = { tick() {}, stop() {} };

const megabytes = (n: number) => (n / 1e6).toFixed(1);

export class Output {
  constructor(readonly options: OutputOptions) {}

  /** Human-readable line on stderr-free stdout; suppressed by --json and --quiet. */
  info(line: string): void {
    emitRunEvent({ type: 'log', line });
    if (!this.options.json && !this.options.quiet) process.stdout.write(`${line}\n`);
  }

  /** The command's result: JSON with --json, else the given text (printed even with --quiet). */
  result(value: unknown, text: () => string): void {
    emitRunEvent({ type: 'result', value });
    if (this.options.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else process.stdout.write(`${text()}\n`);
  }

  /** A download's bar in MB on stderr (a line per file without a TTY); silent with --json/--quiet. */
  download(label: string): TransferProgress {
    if (this.options.json || this.options.quiet) return { start() {}, advance() {}, stop() {} };
    if (!process.stderr.isTTY)
      return {
        start: (total) =>
          process.stderr.write(
            `downloading ${label}${total === undefined ? '' : ` (${megabytes(total)} MB)`}\n`,
          ),
        advance() {},
        stop() {},
      };
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {got}/{size} MB | {rate} MB/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const begin = Date.now();
    let done = 0;
    let first = 0;
    return {
      start(total, already) {
        done = first = already;
        bar.start(total ?? 0, already, {
          got: megabytes(already),
          size: total ? megabytes(total) : '?',
          rate: '0.0',
        });
      },
      advance(bytes) {
        done += bytes;
        const seconds = Math.max((Date.now() - begin) / 1000, 1e-3);
        bar.update(done, { got: megabytes(done), rate: megabytes((done - first) / seconds) });
      },
      stop: () => bar.stop(),
    };
  }

  /** A progress bar with rate and ETA on stderr; silent with --json/--quiet or when not a TTY. */
  progress(label: string, total: number, unit = 'img'): Progress {
    if (this.options.json || this.options.quiet || !process.stderr.isTTY) return silent;
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const start = Date.now();
    let done = 0;
    bar.start(total, 0, { rate: '0.0' });
    return {
      tick(n = 1) {
        done += n;
        const seconds = (Date.now() - start) / 1000;
        bar.update(done, { rate: (done / Math.max(seconds, 1e-3)).toFixed(1) });
      },
      stop() {
        bar.stop();
      },
    };
  }
}

// GET …/runs/:run/events: a run's events as server-sent events. It replays events.jsonl (the
// CLI's --events file), then follows it as it grows, with a `status` event whenever the run's
// status changes and a final `done` with the run's summary once it has ended; comment lines keep
// the connection alive. Following is by polling the folder's files (studio-run.json is written
// atomically, events.jsonl appended): it works the same for any process that writes them.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FastifyReply } from 'fastify';
import type { CliRunEvent } from '../../train/run-events.js';
import type { RunEvent, RunStatus } from '../api-types.js';
import { ENDED, EVENTS_FILE, readRunRecord } from './run-files.js';
import { summaryAt } from './run-store.js';

const POLL_MS = 200;
const HEARTBEAT_MS = 15_000;

/** The open streams of an app, ended when it closes. */
export class EventStreams {
  private readonly open = new Set<() => void>();

  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  /** Streams the events of the run in folder `dir` (named `id`) on a hijacked reply. */
  follow(reply: FastifyReply, dir: string, id: string): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const file = path.join(dir, EVENTS_FILE);
    let offset = 0;
    let partial = '';
    let status: RunStatus | undefined;
    let ended = false;
    let busy = false;

    const send = (event: RunEvent) => raw.write(`data: ${JSON.stringify(event)}\n\n`);

    /** The events appended since the last read; a line still being written waits. */
    const drain = async () => {
      const handle = await fs.open(file, 'r').catch(() => undefined);
      if (!handle) return;
      try {
        const { size } = await handle.stat();
        if (size < offset) offset = 0; // replaced: read it again
        if (size === offset) return;
        const buffer = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        offset += bytesRead;
        const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          let event: CliRunEvent;
          try {
            event = JSON.parse(line);
          } catch {
            continue;
          }
          send(event); // the CLI's events are RunEvents: checked here by the compiler
        }
      } finally {
        await handle.close();
      }
    };

    const tick = async () => {
      if (busy || ended) return;
      busy = true;
      try {
        await drain();
        const record = await readRunRecord(dir).catch(() => undefined);
        // A run without the studio's record (made by the CLI) is shown as it is on disk.
        const summary = record ? undefined : await summaryAt(dir, id);
        const now = record?.status ?? summary?.status;
        if (now !== undefined && now !== status) {
          status = now;
          send({ type: 'status', status: now, ...(record?.error && { error: record.error }) });
        }
        if (now === undefined || ENDED.has(now)) {
          await drain();
          const final = await summaryAt(dir, id);
          if (final) send({ type: 'done', summary: final });
          end();
        }
      } finally {
        busy = false;
      }
    };

    const poll = setInterval(() => void tick(), POLL_MS);
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      this.open.delete(end);
      raw.end();
    };
    this.open.add(end);
    raw.on('close', end);
    void tick();
  }
}

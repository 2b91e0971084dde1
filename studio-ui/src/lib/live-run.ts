// A run's live state folded from its events (RunEvent): status, progress, log lines, epoch
// records, batch losses; and the merge of the loaded history with the live records. Pure.
import type { RunEvent, RunStatus, RunSummary } from '../../../src/studio/api-types.js';
import { type EpochRecord, epochPosition } from './curves.js';

/** Log lines kept in the page (a long run writes many). */
const MAX_LOG = 400;
const MAX_BATCH_POINTS = 2000;

export interface LiveRun {
  status?: RunStatus;
  error?: string;
  batch?: Extract<RunEvent, { type: 'batch' }>;
  log: string[];
  records: EpochRecord[];
  batchLosses: [number, number][];
  summary?: RunSummary;
  connected: boolean;
}

export const emptyLiveRun = (): LiveRun => ({
  log: [],
  records: [],
  batchLosses: [],
  connected: false,
});

export const isActive = (status?: RunStatus) => status === 'queued' || status === 'running';

export function apply(live: LiveRun, event: RunEvent): LiveRun {
  switch (event.type) {
    case 'status':
      return { ...live, status: event.status, error: event.error };
    case 'log':
      return { ...live, log: [...live.log, event.line].slice(-MAX_LOG) };
    case 'batch': {
      const losses =
        event.loss === undefined
          ? live.batchLosses
          : [
              ...live.batchLosses,
              [epochPosition(event.epoch, event.batch, event.batches), event.loss] as [
                number,
                number,
              ],
            ].slice(-MAX_BATCH_POINTS);
      return { ...live, status: 'running', batch: event, batchLosses: losses };
    }
    case 'epoch':
      return { ...live, records: [...live.records, event.record] };
    case 'error':
      return { ...live, error: event.message };
    case 'result':
      return live;
    case 'done':
      return { ...live, status: event.summary.status, summary: event.summary };
  }
}

/** The run's epoch records: those loaded with the run, then the live ones (one per epoch). */
export function mergeRecords(loaded: EpochRecord[], live: EpochRecord[]): EpochRecord[] {
  const byEpoch = new Map<string, EpochRecord>();
  const rest: EpochRecord[] = [];
  for (const r of [...loaded, ...live]) {
    if (typeof r.epoch === 'number') byEpoch.set(String(r.epoch), r);
    else rest.push(r);
  }
  return [...rest, ...[...byEpoch.values()].sort((a, b) => Number(a.epoch) - Number(b.epoch))];
}

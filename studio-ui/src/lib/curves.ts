// Training curves from a run's epoch records (metrics.jsonl rows) and live batch losses: which
// columns are losses (one chart) and which are scores (the other). Pure.
import type { Series } from './chart.js';

export type EpochRecord = Record<string, number | string | null>;

/** Columns that are bookkeeping, not curves. */
const NOT_CURVES = new Set(['epoch', 'time', 'seconds', 'elapsed', 'lr', 'learningRate', 'step']);

const isLoss = (key: string) => /loss/i.test(key);

function epochOf(record: EpochRecord, index: number): number {
  return typeof record.epoch === 'number' ? record.epoch : index + 1;
}

/** Numeric columns of the records, in first-seen order. */
export function curveKeys(history: EpochRecord[]): string[] {
  const keys: string[] = [];
  for (const record of history)
    for (const [key, value] of Object.entries(record))
      if (typeof value === 'number' && !NOT_CURVES.has(key) && !keys.includes(key)) keys.push(key);
  return keys;
}

function seriesOf(history: EpochRecord[], keys: string[]): Series[] {
  return keys.map((name) => ({
    name,
    dashed: /^val/i.test(name) || undefined,
    points: history.map((r, i): [number, number] => {
      const v = r[name];
      return [epochOf(r, i), typeof v === 'number' ? v : Number.NaN];
    }),
  }));
}

/** Loss curves per epoch, plus the live batch losses (x = fractional epoch) when given. */
export function lossSeries(history: EpochRecord[], batchLosses: [number, number][] = []): Series[] {
  const series = seriesOf(history, curveKeys(history).filter(isLoss));
  if (batchLosses.length > 0) series.push({ name: 'batch loss', points: batchLosses });
  return series;
}

/** Score curves (accuracy, mAP, mIoU, …) per epoch. */
export function scoreSeries(history: EpochRecord[]): Series[] {
  return seriesOf(
    history,
    curveKeys(history).filter((k) => !isLoss(k)),
  );
}

/** Where a batch event puts the run, as epochs done (fractional), for the progress bar and x axis. */
export function epochPosition(epoch: number, batch: number, batches?: number): number {
  const within = batches && batches > 0 ? Math.min(1, batch / batches) : 0;
  return Math.max(0, epoch - 1) + within;
}

/** Progress in [0, 1]. */
export function progressFraction(epoch: number, epochs: number, batch = 0, batches?: number) {
  if (!(epochs > 0)) return 0;
  return Math.min(1, Math.max(0, epochPosition(epoch, batch, batches) / epochs));
}

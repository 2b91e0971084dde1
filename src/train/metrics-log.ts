// metrics.jsonl: one JSON object per completed epoch, appended as training goes. On resume the
// log is cut back to the epochs the checkpoint holds (a crash can leave later lines, or half a
// line), so a resumed run's log reads exactly like an uninterrupted one's.
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../engine/file-io.js';

export interface EpochRecord {
  epoch: number;
  [metric: string]: number | string | null;
}

export class MetricsLog {
  private constructor(readonly file: string) {}

  /** Starts a fresh log (truncating any old one). */
  static async create(file: string): Promise<MetricsLog> {
    await writeFileAtomic(file, '');
    return new MetricsLog(file);
  }

  /** Reopens a log for a run resumed after `epoch` epochs: later and torn lines are dropped. */
  static async resume(file: string, epoch: number): Promise<MetricsLog> {
    const kept = (await MetricsLog.read(file)).filter((r) => r.epoch <= epoch);
    await writeFileAtomic(file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return new MetricsLog(file);
  }

  /** Every complete record in the file; a torn last line (crash mid-append) is ignored. */
  static async read(file: string): Promise<EpochRecord[]> {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const records: EpochRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const record = JSON.parse(line) as EpochRecord;
        if (typeof record.epoch === 'number') records.push(record);
      } catch {
        // Only the last line can be torn; anything unparsable is not a record.
      }
    }
    return records;
  }

  async append(record: EpochRecord): Promise<void> {
    // NaN/Infinity are not JSON: write them as null rather than corrupting the line.
    const safe = JSON.stringify(record, (_k, v) =>
      typeof v === 'number' && !Number.isFinite(v) ? null : v,
    );
    await fs.appendFile(this.file, `${safe}\n`);
  }
}

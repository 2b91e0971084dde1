// The files of a resumable run in its output folder, shared by the training loop and few-shot
// meta-training: checkpoints/ (the newest two), checkpoints/best/ (the best so far, for early
// stopping or best-by-validation) and metrics.jsonl. A fresh run clears checkpoints an earlier
// run left there; a resumed one cuts its log back to the checkpoint it continues from. Temp files
// of a killed run (report.html's, metrics.json's) are removed when the next run opens the folder.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../guard/lock.js';
import { writeFailure } from '../guard/write-failure.js';
import {
  type Checkpoint,
  loadLatestCheckpoint,
  saveCheckpoint,
  type TrainingState,
  type WeightOwner,
} from './checkpoint.js';
import { MetricsLog } from './metrics-log.js';

/** A temp file of writeFileAtomic (engine/file-io): `.<name>.<pid>.<hex>.tmp`. */
const TEMP_FILE = /^\..+\.(\d+)\.[0-9a-f]+\.tmp$/;

/**
 * Removes temp files that a killed run left in `dir` (a half-written report.html, metrics.json):
 * the folder is claimed by this run, so a temp file of another, dead process is garbage.
 */
export async function removeDeadTemps(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const pid = Number(TEMP_FILE.exec(name)?.[1]);
    if (pid && pid !== process.pid && !processAlive(pid))
      await fs.rm(path.join(dir, name), { force: true });
  }
}

export class RunFiles {
  readonly checkpoints: string;
  readonly best: string;
  readonly log: string;
  /** The newest epoch whose checkpoint is complete on disk (for a failed save's message). */
  private saved: number | undefined;

  constructor(readonly dir: string) {
    this.checkpoints = path.join(dir, 'checkpoints');
    this.best = path.join(this.checkpoints, 'best');
    this.log = path.join(dir, 'metrics.jsonl');
  }

  /** The checkpoint to resume from, when asked to and there is one. */
  async resumePoint(resume: boolean | undefined): Promise<Checkpoint | undefined> {
    return resume ? loadLatestCheckpoint(this.checkpoints) : undefined;
  }

  /** Prepares the folder and opens the log: fresh, or cut back to `resumedEpoch` when resuming. */
  async openLog(resumedEpoch: number | undefined): Promise<MetricsLog> {
    this.saved = resumedEpoch;
    // A fresh run owns its checkpoint folder: checkpoints of an earlier run there (perhaps a
    // longer one, with later epochs) would outrank this run's and be what a resume continues.
    if (resumedEpoch === undefined) await fs.rm(this.checkpoints, { recursive: true, force: true });
    await fs.mkdir(this.dir, { recursive: true });
    await removeDeadTemps(this.dir);
    return resumedEpoch === undefined
      ? MetricsLog.create(this.log)
      : MetricsLog.resume(this.log, resumedEpoch);
  }

  /** Checkpoints `state.epoch`, and keeps it as the best too when it `improved`. */
  async save(owner: WeightOwner, state: TrainingState, improved: boolean): Promise<void> {
    try {
      if (improved) await saveCheckpoint(this.best, owner, state, { keep: 1 });
      await saveCheckpoint(this.checkpoints, owner, state);
    } catch (err) {
      const kept =
        this.saved === undefined
          ? 'no checkpoint of this run was complete yet'
          : `checkpoints up to epoch ${this.saved} are intact (--resume continues from there)`;
      throw writeFailure(
        err,
        `the checkpoint of epoch ${state.epoch} in ${this.checkpoints}`,
        kept,
      );
    }
    this.saved = state.epoch;
  }

  /** The best checkpoint, if it is the one of `epoch` (it always is, unless files were lost). */
  async bestOf(epoch: number): Promise<Checkpoint | undefined> {
    const best = await loadLatestCheckpoint(this.best);
    return best?.state.epoch === epoch ? best : undefined;
  }
}

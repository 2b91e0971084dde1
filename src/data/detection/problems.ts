// Collects what is wrong with a data set while it loads: under skipBad the bad parts are left out
// and listed; otherwise the load fails once, naming every problem (file and annotation).
import { badInput } from '../../errors.js';
import type { DetectionDataset } from './types.js';

export class Problems {
  readonly list: DetectionDataset['skipped'] = [];

  add(where: string, reason: string): void {
    this.list.push({ where, reason });
  }

  /** Throws when there were problems and they may not be skipped; `what` names one bad item. */
  check(name: string, skipBad: boolean | undefined, what = 'bad annotation or image'): void {
    if (this.list.length === 0 || skipBad) return;
    const shown = this.list.slice(0, 20).map((p) => `${p.where}: ${p.reason}`);
    if (this.list.length > shown.length)
      shown.push(`… and ${this.list.length - shown.length} more`);
    const count = this.list.length === 1 ? `1 ${what}` : `${this.list.length} ${what}s`;
    throw badInput(`${name}: ${count} (--skip-bad leaves them out)`, shown);
  }
}

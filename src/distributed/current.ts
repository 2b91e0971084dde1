// The process's data-parallel group, if it is one rank of a run. Kept apart from
// process-group.ts (Node only: the native addon, v8 serialization) because code that also runs
// in the browser reads it: the loaders' sharding and BatchNorm's synchronized statistics.
import type { ProcessGroup } from './process-group.js';

let current: ProcessGroup | undefined;

/** The group this process belongs to, if it is one rank of a data-parallel run. */
export function currentGroup(): ProcessGroup | undefined {
  return current;
}

/** Sets (or clears) the current group: process-group.ts's joinGroup / leaveGroup. */
export function setCurrentGroup(group: ProcessGroup | undefined): void {
  current = group;
}

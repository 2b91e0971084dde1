// Detection-based multi-object tracking: SORT (Bewley et al. 2016), ByteTrack (Zhang et al.
// 2022), CLEAR MOT and IDF1 metrics, MOTChallenge text files. Pure TypeScript, no tfjs.

export { ByteTracker, type ByteTrackOptions } from './bytetrack.js';
export { type Assignment, type AssignOptions, assign } from './hungarian.js';
export { iou, iouMatrix } from './iou.js';
export { BoxKalman, boxToZ, zToBox } from './kalman.js';
export {
  formatMotDetections,
  formatMotTracks,
  parseMotDetections,
  parseMotTracks,
} from './mot-format.js';
export { type MotMetrics, type MotOptions, motMetrics } from './mot-metrics.js';
export { runTracker, SORT_MIN_SCORE, type TrackerName } from './run-tracker.js';
export { type SortOptions, SortTracker } from './sort.js';
export type { Box, Detection, Track } from './types.js';

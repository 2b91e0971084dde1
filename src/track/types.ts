// Shared shapes for detection-based multi-object tracking (SORT, MOTChallenge files, CLEAR MOT
// and IDF1 metrics). Boxes are top-left corner plus size in pixels, as MOTChallenge files store
// them, so nothing converts on the way in or out.

/** Axis-aligned box: top-left corner (x, y) and size (w, h), pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One detector output in one frame (no identity yet). */
export interface Detection {
  frame: number;
  box: Box;
  score: number;
  classId?: number;
}

/** One identity's box in one frame: a tracker's output or a ground-truth row. */
export interface Track {
  id: number;
  frame: number;
  box: Box;
  score?: number;
}

// A semantic segmentation data set as every format loads to it: image files paired with mask files,
// classes by index, and one label value (the ignore index) that no loss or metric counts.

export type MaskMode = 'index' | 'palette' | 'binary';

export interface SegmentationSample {
  /** The image file's path; used in every error message. */
  image: string;
  /** The mask file's path (same width and height as the image); named in errors. */
  mask: string;
  /** Sources without mask files (COCO polygons/RLE) paint the label map on demand. */
  paint?: () => LabelMap;
}

export interface SegmentationDataset {
  /** The folder or annotation file it was read from. */
  name: string;
  /** Class names; a mask value `i` means `classes[i]`. */
  classes: string[];
  /** The label value that marks pixels to leave out of loss and metrics (VOC borders): 255. */
  ignoreIndex: number;
  /** How the mask files encode classes (see read-mask.ts). */
  maskMode: MaskMode;
  samples: SegmentationSample[];
  /** Under skipBad: each pair left out, and why. */
  skipped: { where: string; reason: string }[];
}

/** One class index per pixel, row-major (index = y * width + x). */
export interface LabelMap {
  data: Uint8Array;
  width: number;
  height: number;
}

export const DEFAULT_IGNORE_INDEX = 255;

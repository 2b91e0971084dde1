// A detection data set as every format loads to it: images with their size and boxes, boxes in
// pixels as COCO writes them ([x, y, width, height] from the top-left corner), categories by index.
export type BBox = [number, number, number, number];

export interface BoxAnnotation {
  bbox: BBox;
  /** Index into the data set's `categories`. */
  category: number;
  /** A crowd region (COCO): matched detections are ignored in evaluation, never counted as misses. */
  iscrowd?: boolean;
  /** Pascal VOC's `difficult`: ignored in evaluation as VOC's devkit does. */
  difficult?: boolean;
}

export interface DetectionSample {
  /** The image file's path; used in every error message. */
  id: string;
  /** The image's id in its annotation file (COCO `images[].id`); results files refer to it. */
  sourceId?: number | string;
  width: number;
  height: number;
  /** Empty for a negative image (nothing to find). */
  boxes: BoxAnnotation[];
}

export interface DetectionDataset {
  /** The annotation file or folder it was read from. */
  name: string;
  format: 'coco' | 'yolo' | 'voc';
  categories: string[];
  /** COCO: each category's id in the file (results files use them); others: index + 1. */
  categoryIds?: number[];
  samples: DetectionSample[];
  /** Under skipBad: each annotation or image left out, and why. */
  skipped: { where: string; reason: string }[];
}

export interface DetectionLoadOptions {
  /** Leave out bad boxes and missing images (counted in `skipped`) instead of failing. */
  skipBad?: boolean;
}

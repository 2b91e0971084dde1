// A detector's raw output for one letterboxed image to boxes in that image's own pixels: decoded
// (heads/detection/decode.ts: scores, boxes, class-wise NMS), mapped back through the letterbox
// and clipped to the image. Platform-free: Node's detectSamples and the browser entry share it.
import { type Letterbox, unletterbox } from '../../data/detection/augment.js';
import type { BBox } from '../../data/detection/types.js';
import { badInput } from '../../errors.js';
import { decodeDetections } from '../../heads/detection/decode.js';
import {
  channelsPerLocation,
  type DetectorLayout,
  locationCount,
} from '../../heads/detection/layout.js';

export interface DecodeSettings {
  scoreThreshold: number;
  nmsIou: number;
  maxDetections: number;
}

export interface FoundBox {
  /** [x, y, width, height] in the image's pixels. */
  bbox: BBox;
  category: number;
  score: number;
}

function clipToImage(b: BBox, width: number, height: number): BBox {
  const x0 = Math.min(width, Math.max(0, b[0]));
  const y0 = Math.min(height, Math.max(0, b[1]));
  const x1 = Math.min(width, Math.max(0, b[0] + b[2]));
  const y1 = Math.min(height, Math.max(0, b[1] + b[3]));
  return [x0, y0, x1 - x0, y1 - y0];
}

/** Values the detector outputs per image; badInput when a batch's output has another count. */
export function outputsPerImage(layout: DetectorLayout, total: number, images: number): number {
  const perImage = channelsPerLocation(layout) * locationCount(layout);
  const stride = total / images;
  // A bundle whose model does not match its visiontune.json (edited, or another model's).
  if (stride !== perImage) {
    throw badInput(
      `the detector outputs ${stride} values per image; its metadata (${layout.numClasses} classes, strides ${layout.strides.join('/')}, ${layout.inputSize} px) needs ${perImage}`,
    );
  }
  return perImage;
}

/** Boxes of one image from its slice of the output, in the pixels of an image of `size`. */
export function boxesInImage(
  output: Float32Array,
  layout: DetectorLayout,
  settings: DecodeSettings,
  letterbox: Letterbox,
  size: { width: number; height: number },
): FoundBox[] {
  const found = decodeDetections(output, layout, {
    scoreThreshold: settings.scoreThreshold,
    iouThreshold: settings.nmsIou,
    maxDetections: settings.maxDetections,
  });
  return found.flatMap((d) => {
    const bbox = clipToImage(unletterbox(d.bbox, letterbox), size.width, size.height);
    return bbox[2] > 0 && bbox[3] > 0 ? [{ bbox, category: d.category, score: d.score }] : [];
  });
}

// A detector's input from a decoded image: letterboxed to size × size (aspect kept, gray pads)
// and normalized into a batch buffer. Platform-free: the detection loader, the server and the
// browser entry all call this one function, so a detector sees the same floats everywhere.
import { normalizeInto } from '../transforms/normalize.js';
import { type BoxedImage, type Letterbox, letterbox } from './augment.js';
import type { BoxAnnotation } from './types.js';

/** `input` letterboxed and normalized into `out` at `offset`; its boxes on the network input. */
export function letterboxInto(
  input: BoxedImage,
  size: number,
  lut: Float32Array,
  out: Float32Array,
  offset: number,
): { boxes: BoxAnnotation[]; letterbox: Letterbox } {
  const result = letterbox(input, size);
  normalizeInto(result.image, lut, out, offset);
  return { boxes: result.boxes, letterbox: result.letterbox };
}

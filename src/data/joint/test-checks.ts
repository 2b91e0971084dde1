// Checks shared by the joint-geometry tests (not a test itself): boxes against the label map that
// was moved with them.
import assert from 'node:assert/strict';
import type { BoxAnnotation } from '../detection/types.js';

/**
 * Each box lies on whole pixels, covers only pixels labelled `classOf(box)` and is tight (the ring
 * around it holds none of them); when `complete`, every pixel of an object class lies in a box of
 * that class (nothing was cut away).
 */
export function assertBoxesTight(
  mask: { data: ArrayLike<number>; width: number; height: number },
  boxes: readonly BoxAnnotation[],
  options: {
    what: string;
    classOf: (box: BoxAnnotation) => number;
    objects: number[];
    complete: boolean;
  },
) {
  const { width, height, data } = mask;
  const { what } = options;
  const covered = new Uint8Array(width * height);
  for (const box of boxes) {
    const { bbox } = box;
    const cls = options.classOf(box);
    assert.ok(bbox.every(Number.isInteger), `${what}: box ${bbox} on whole pixels`);
    const [x, y, w, h] = bbox;
    for (let r = y - 1; r <= y + h; r++)
      for (let c = x - 1; c <= x + w; c++) {
        if (r < 0 || c < 0 || r >= height || c >= width) continue;
        const inside = r >= y && r < y + h && c >= x && c < x + w;
        if (inside) {
          assert.equal(data[r * width + c], cls, `${what}: (${c}, ${r}) in box ${bbox}`);
          covered[r * width + c] = 1;
        } else assert.notEqual(data[r * width + c], cls, `${what}: box ${bbox} not tight`);
      }
  }
  if (!options.complete) return;
  for (let p = 0; p < data.length; p++)
    if (options.objects.includes(data[p]!))
      assert.equal(covered[p], 1, `${what}: object pixel ${p} outside every box`);
}

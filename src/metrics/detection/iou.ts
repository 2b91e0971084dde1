// Box overlap as COCO evaluation defines it. Boxes are [x, y, width, height] in pixels (COCO's
// bbox). Against a crowd region the overlap is intersection over the detection's own area: a
// detection inside a crowd counts as overlapping it fully, whatever the crowd's size.
export type BBox = readonly [number, number, number, number];

export function intersection(a: BBox, b: BBox): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** IoU of a detection `d` with a ground-truth box `g`; intersection / area(d) when `g` is a crowd. */
export function boxIou(d: BBox, g: BBox, crowd = false): number {
  const inter = intersection(d, g);
  const union = crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - inter;
  return union > 0 ? inter / union : 0;
}

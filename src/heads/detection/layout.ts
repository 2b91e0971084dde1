// What the detector's single output tensor means. The network emits [batch, N, C + 5]: for every
// location of every level (levels in stride order, each row-major, location (i, j) at pixel
// (⌊s/2⌋ + j·s, ⌊s/2⌋ + i·s) as fcos-targets.ts places it), C class logits, 4 raw box
// regressions and 1 centre-ness logit. A raw regression r becomes a distance of s·exp(r) pixels:
// scaling by the stride lets one shared head serve every level (FCOS's per-level scale, fixed).
export interface DetectorLayout {
  /** Square input size in pixels, a multiple of the largest stride. */
  inputSize: number;
  strides: readonly number[];
  numClasses: number;
}

export interface Location {
  x: number;
  y: number;
  stride: number;
}

/** Regressions above this are clamped before exp, so an untrained head cannot overflow. */
export const MAX_RAW_DISTANCE = 10;

/** Channels per location: classes, l/t/r/b, centre-ness. */
export function channelsPerLocation(layout: DetectorLayout): number {
  return layout.numClasses + 5;
}

export function levelSizes(
  layout: DetectorLayout,
): { stride: number; height: number; width: number }[] {
  return layout.strides.map((stride) => {
    const side = Math.ceil(layout.inputSize / stride);
    return { stride, height: side, width: side };
  });
}

/** Locations per image: N in [batch, N, C + 5]. */
export function locationCount(layout: DetectorLayout): number {
  return levelSizes(layout).reduce((n, l) => n + l.height * l.width, 0);
}

/** Every output location in output order. */
export function locations(layout: DetectorLayout): Location[] {
  const out: Location[] = [];
  for (const { stride, height, width } of levelSizes(layout)) {
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        out.push({
          x: Math.floor(stride / 2) + j * stride,
          y: Math.floor(stride / 2) + i * stride,
          stride,
        });
      }
    }
  }
  return out;
}

/** Distance in pixels from a raw regression at a location of this stride. */
export function distanceFromRaw(raw: number, stride: number): number {
  return stride * Math.exp(Math.min(raw, MAX_RAW_DISTANCE));
}

// FCOS target assignment (Tian et al. 2019, "FCOS: Fully Convolutional One-Stage Object
// Detection"), for feature maps at strides 8/16/32. Each location (x, y) = (s/2 + j·s, s/2 + i·s)
// regresses its distances (l, t, r, b) to the sides of one box: a box it lies in — with centre
// sampling (the paper's improved version), only within `radius`·s of the box centre — whose
// largest distance falls in this level's size range (the paper's m: 0, 64, 128, … per level);
// when several boxes qualify, the smallest. Its centre-ness target is
// sqrt(min(l, r)/max(l, r) · min(t, b)/max(t, b)), 1 at the box centre, 0 at its edges.
export interface TargetBox {
  /** [x, y, width, height] in input pixels. */
  bbox: readonly [number, number, number, number];
  category: number;
}

export interface LevelTargets {
  stride: number;
  height: number;
  width: number;
  /** Per location (row-major): the box's category, or -1 for background. */
  labels: Int32Array;
  /** Per location: l, t, r, b in pixels (0 for background). */
  distances: Float32Array;
  /** Per location: the centre-ness target (0 for background). */
  centerness: Float32Array;
}

export interface FcosTargetOptions {
  strides?: readonly number[];
  /** Upper size bound per level (the last is unbounded): the paper's m_i for P3–P5. */
  sizeRanges?: readonly number[];
  /** Centre sampling radius in strides (FCOS's improved setting: 1.5); 0 turns it off. */
  radius?: number;
}

export const FCOS_STRIDES = [8, 16, 32] as const;
const DEFAULT_RANGES = [64, 128, Number.POSITIVE_INFINITY];

export function fcosTargets(
  boxes: readonly TargetBox[],
  inputHeight: number,
  inputWidth: number,
  options: FcosTargetOptions = {},
): LevelTargets[] {
  const strides = options.strides ?? FCOS_STRIDES;
  const ranges = options.sizeRanges ?? DEFAULT_RANGES;
  const radius = options.radius ?? 1.5;
  return strides.map((stride, level) => {
    const lo = level === 0 ? 0 : ranges[level - 1];
    const hi = ranges[level] ?? Number.POSITIVE_INFINITY;
    const height = Math.ceil(inputHeight / stride);
    const width = Math.ceil(inputWidth / stride);
    const labels = new Int32Array(height * width).fill(-1);
    const distances = new Float32Array(height * width * 4);
    const centerness = new Float32Array(height * width);
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        const x = Math.floor(stride / 2) + j * stride;
        const y = Math.floor(stride / 2) + i * stride;
        let best = -1;
        let bestArea = Number.POSITIVE_INFINITY;
        boxes.forEach((b, k) => {
          const [x0, y0, w, h] = b.bbox;
          const [l, t, r, bo] = [x - x0, y - y0, x0 + w - x, y0 + h - y];
          if (Math.min(l, t, r, bo) <= 0) return;
          if (radius > 0) {
            const cx = x0 + w / 2;
            const cy = y0 + h / 2;
            const reach = radius * stride;
            if (Math.abs(x - cx) >= reach || Math.abs(y - cy) >= reach) return;
          }
          const m = Math.max(l, t, r, bo);
          if (m <= lo || m > hi) return;
          if (w * h < bestArea) {
            bestArea = w * h;
            best = k;
          }
        });
        if (best < 0) continue;
        const p = i * width + j;
        const [x0, y0, w, h] = boxes[best].bbox;
        const [l, t, r, bo] = [x - x0, y - y0, x0 + w - x, y0 + h - y];
        labels[p] = boxes[best].category;
        distances.set([l, t, r, bo], p * 4);
        centerness[p] = Math.sqrt(
          (Math.min(l, r) / Math.max(l, r)) * (Math.min(t, bo) / Math.max(t, bo)),
        );
      }
    }
    return { stride, height, width, labels, distances, centerness };
  });
}

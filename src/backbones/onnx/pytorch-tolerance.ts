// How close an imported model's outputs must come to PyTorch's to count as the same function:
// 1e-4 absolute, or 1e-5 relative to the output's scale (its largest |value|), since float32
// rounding grows with the values. The tests and the zoo sweep (bench/zoo-import.ts) share it.
export const PYTORCH_TOLERANCE = { absolute: 1e-4, relativeToScale: 1e-5 } as const;

/** The largest |value| of `values`. */
export function scaleOf(values: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < values.length; i++) scale = Math.max(scale, Math.abs(values[i]!));
  return scale;
}

/** The largest error allowed for outputs whose largest |value| is `scale`. */
export const allowedError = (scale: number) =>
  Math.max(PYTORCH_TOLERANCE.absolute, PYTORCH_TOLERANCE.relativeToScale * scale);

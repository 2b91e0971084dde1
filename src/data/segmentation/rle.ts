// COCO run-length masks: runs alternate 0s and 1s (starting with 0s) over the pixels in column-major
// order. `counts` is either the plain list of run lengths or COCO's compressed string, whose format
// (pycocotools' rleToString / rleFrString) is restated in decodeCounts.

export interface Rle {
  /** Run lengths, or the compressed string. */
  counts: number[] | string;
  /** [height, width]. */
  size: [number, number];
}

/**
 * COCO's compressed counts: each count is written as 5-bit groups, least significant first, one
 * character per group (value + 48); bit 0x20 means "another group follows", and bit 0x10 of the last
 * group is the sign. From the fourth count on, what is stored is the difference from the count two
 * before (runs of the same value tend to be alike).
 */
export function decodeCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    // Plain arithmetic, not bit shifts: JS shifts wrap at 32 bits and a count may need 7 groups.
    let x = 0;
    let scale = 1;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error(`compressed RLE string ends inside a count`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63)
        throw new Error(`compressed RLE string has a bad character ${JSON.stringify(s[p])}`);
      x += (c & 0x1f) * scale;
      scale *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && c & 0x10) x -= scale; // sign-extend
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}

/** The inverse of decodeCounts. */
export function encodeCounts(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** The mask (1 inside) in row-major order, `height * width` values. */
export function decodeRle(rle: Rle): Uint8Array {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? decodeCounts(rle.counts) : rle.counts;
  const n = height * width;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== n || counts.some((c) => !Number.isInteger(c) || c < 0))
    throw new Error(`RLE counts cover ${total} pixels, not ${width}×${height} = ${n}`);
  const mask = new Uint8Array(n);
  let i = 0;
  for (let k = 0; k < counts.length; k++) {
    const end = i + counts[k]!;
    if (k % 2 === 1) for (; i < end; i++) mask[(i % height) * width + Math.floor(i / height)] = 1;
    i = end;
  }
  return mask;
}

/** A row-major 0/1 mask as uncompressed RLE (what COCO writes for crowd regions). */
export function encodeRle(mask: Uint8Array, width: number, height: number): Rle {
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++)
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        value = v;
        run = 0;
      }
      run++;
    }
  counts.push(run);
  return { counts, size: [height, width] };
}

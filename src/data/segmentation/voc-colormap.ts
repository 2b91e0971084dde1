// The Pascal VOC colormap: the colour VOC's paletted masks give each class index. Generated as the
// devkit does (the index's bits dealt out to R, G, B, most significant first) rather than tabled.

/** `[r, g, b]` for palette indices 0..size-1; index 255 is (224, 224, 192), VOC's border colour. */
export function vocColormap(size = 256): [number, number, number][] {
  const colours: [number, number, number][] = [];
  for (let i = 0; i < size; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= (c & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    colours.push([r, g, b]);
  }
  return colours;
}

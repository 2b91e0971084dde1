// A README picture of the synthetic segmentation set: the first few images on the top row, their
// masks on the bottom row in the Pascal VOC colours (background black), scaled up, nearest-neighbour.
//
// Usage: node --import tsx bench/segment/example-strip.ts --set DIR --out strip.png
//        [--count 6] [--scale 2]
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { vocColormap } from '../../src/data/segmentation/voc-colormap.js';
import { runAsScript } from '../run-as-script.js';

/** Writes `images[k]` over `masks[k]` (index PNGs, coloured) side by side into one PNG. */
export async function segmentationStrip(
  images: string[],
  masks: string[],
  path: string,
  scale = 2,
): Promise<void> {
  if (images.length === 0 || images.length !== masks.length)
    throw new RangeError(`segmentationStrip: ${images.length} images, ${masks.length} masks`);
  const colours = vocColormap();
  const gap = 4;
  const tiles = await Promise.all(
    images.map(async (file, k) => {
      const meta = await sharp(file).metadata();
      const [w, h] = [meta.width! * scale, meta.height! * scale];
      const image = await sharp(file).resize(w, h, { kernel: 'nearest' }).png().toBuffer();
      const { data, info } = await sharp(masks[k]!)
        .extractChannel(0)
        .raw()
        .toBuffer({ resolveWithObject: true });
      const rgb = Buffer.alloc(info.width * info.height * 3);
      for (let p = 0; p < info.width * info.height; p++) rgb.set(colours[data[p]!]!, p * 3);
      const mask = await sharp(rgb, {
        raw: { width: info.width, height: info.height, channels: 3 },
      })
        .resize(w, h, { kernel: 'nearest' })
        .png()
        .toBuffer();
      return { image, mask, w, h };
    }),
  );
  const w = Math.max(...tiles.map((t) => t.w));
  const h = Math.max(...tiles.map((t) => t.h));
  await sharp({
    create: {
      width: tiles.length * (w + gap) - gap,
      height: 2 * h + gap,
      channels: 3,
      background: '#ffffff',
    },
  })
    .composite(
      tiles.flatMap((t, k) => [
        { input: t.image, left: k * (w + gap), top: 0 },
        { input: t.mask, left: k * (w + gap), top: h + gap },
      ]),
    )
    .png()
    .toFile(path);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const set = arg('set');
  const out = arg('out');
  if (!set || !out) throw new Error('usage: example-strip.ts --set DIR --out strip.png');
  const count = Number(arg('count') ?? 6);
  const files = (await readdir(join(set, 'images'))).sort().slice(0, count);
  await segmentationStrip(
    files.map((f) => join(set, 'images', f)),
    files.map((f) => join(set, 'masks', `${f.replace(/\.[^.]+$/, '')}.png`)),
    out,
    Number(arg('scale') ?? 2),
  );
  console.log(out);
}

await runAsScript(import.meta.url, main);

// An object-category set from Debian's Adwaita icon theme (adwaita-icon-theme): each class is an
// icon context (devices, mimetypes, places), its images are different icons of that context, and
// the test icons are others than the training ones (sorted by name, alternately dealt), so the
// probe must recognise a kind of object, not an instance. Icons are flattened onto white at
// 224 px. Small (66 icons): report its size with any accuracy.
//
// Output (visiontune's folder layout): <out>/{train,test}/<context>/<icon>.png
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';

const ICON_ROOT = '/usr/share/icons/Adwaita/512x512';
export const ICON_CONTEXTS = ['devices', 'mimetypes', 'places'] as const;
export const ICON_SIDE = 224;
export const ICON_INSTALL_HINT = 'apt-get install -y --no-install-recommends adwaita-icon-theme';

/** The icon folder, built once into `out`; throws naming the package when the theme is missing. */
export async function iconSetFolder(out: string): Promise<string> {
  if (await stat(out).catch(() => null)) return out;
  // Built aside and renamed whole, so a stopped build is never mistaken for the set.
  const part = `${out}.part`;
  await rm(part, { recursive: true, force: true });
  for (const context of ICON_CONTEXTS) {
    const files = (
      await readdir(join(ICON_ROOT, context)).catch(() => {
        throw new Error(`no ${ICON_ROOT}/${context}: ${ICON_INSTALL_HINT}`);
      })
    )
      .filter((f) => f.endsWith('.png'))
      .sort();
    for (const [i, file] of files.entries()) {
      const split = i % 2 === 0 ? 'train' : 'test';
      await mkdir(join(part, split, context), { recursive: true });
      await sharp(join(ICON_ROOT, context, file))
        .resize(ICON_SIDE, ICON_SIDE)
        .flatten({ background: '#ffffff' })
        .png()
        .toFile(join(part, split, context, basename(file)));
    }
  }
  await rename(part, out);
  return out;
}

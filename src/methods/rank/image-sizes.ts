// Which input sizes `--image-size auto` scores. Small images (28-px digits, 64-px icons) are
// upsampled to the network input anyway, and a pretrained body often reads them better at a size
// between theirs and its native one; images at least as large as the native size are scored at
// the native size only (the user may list sizes instead).
import { createModel, getBackbone, isModelLocation } from '../../backbones/index.js';
import type { PretrainedConfig } from '../../backbones/types.js';
import type { DataSource, Sample } from '../../data/types.js';

/** Sizes tried below the native one for small images. */
export const SMALL_IMAGE_SIZES: readonly number[] = [64, 96, 128, 160];

/** Images whose shorter side is read to find the data's typical size. */
const SIZE_PROBE_IMAGES = 8;

/**
 * Candidate sizes for images whose typical shorter side is `side` px: the SMALL_IMAGE_SIZES the
 * body accepts, below its native size, then the native size; only the native size for images at
 * least that large.
 */
export function autoImageSizes(
  side: number,
  config: Pick<PretrainedConfig, 'inputSize' | 'minInputSize'>,
): number[] {
  const native = config.inputSize;
  if (side >= native) return [native];
  return [...SMALL_IMAGE_SIZES.filter((s) => s >= config.minInputSize && s < native), native];
}

/**
 * The median shorter side of the first few training images (decoded at most at `cap` px, so a
 * large photo is never decoded whole); undefined when none of them can be read.
 */
export async function typicalImageSide(
  source: DataSource,
  samples: readonly Sample[],
  cap: number,
): Promise<number | undefined> {
  const sides: number[] = [];
  for (const sample of samples.slice(0, SIZE_PROBE_IMAGES)) {
    const image = await source
      .read(sample, { mode: 'shorter', size: cap, interpolation: 'bilinear', downscaleOnly: true })
      .catch(() => undefined);
    if (image) sides.push(Math.min(image.width, image.height));
  }
  sides.sort((a, b) => a - b);
  return sides.length ? sides[Math.floor(sides.length / 2)] : undefined;
}

/** The backbone's native and smallest input size (an imported model is loaded to read them). */
export async function backboneSizes(
  backbone: string,
): Promise<Pick<PretrainedConfig, 'inputSize' | 'minInputSize'>> {
  if (!isModelLocation(backbone)) return getBackbone(backbone).config;
  const created = await createModel(backbone, { featuresOnly: true });
  created.model.dispose();
  return created.config;
}

/** The sizes `--image-size auto` scores: `listed` when given, else from the data's image size. */
export async function imageSizeCandidates(
  backbone: string,
  source: DataSource,
  samples: readonly Sample[],
  listed?: readonly number[],
): Promise<number[]> {
  if (listed?.length) return [...new Set(listed)];
  const config = await backboneSizes(backbone);
  const side = await typicalImageSide(source, samples, config.inputSize);
  return autoImageSizes(side ?? config.inputSize, config);
}

// A sample's label map however its data set stores it (mask file or painted annotations), checked
// against the decoded image's size so a mask never lands on the wrong pixels.
import { badInput } from '../../errors.js';
import type { DecodedImage } from '../types.js';
import { readMask } from './read-mask.js';
import type { LabelMap, SegmentationDataset, SegmentationSample } from './types.js';

export type MaskSource = Pick<SegmentationDataset, 'classes' | 'ignoreIndex' | 'maskMode'> & {
  palette?: readonly (readonly [number, number, number])[];
};

export async function sampleMask(
  sample: SegmentationSample,
  source: MaskSource,
  image?: Pick<DecodedImage, 'width' | 'height'>,
): Promise<LabelMap> {
  const mask = sample.paint
    ? sample.paint()
    : await readMask(sample.mask, {
        mode: source.maskMode,
        numClasses: source.classes.length,
        ignoreIndex: source.ignoreIndex,
        palette: source.palette,
      });
  if (image && (mask.width !== image.width || mask.height !== image.height)) {
    throw badInput(
      `${sample.image}: image is ${image.width}×${image.height} but its mask ${sample.mask} is ${mask.width}×${mask.height}`,
    );
  }
  return mask;
}

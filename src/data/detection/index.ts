// Detection data sets from the formats labelling tools export: COCO JSON, YOLO, Pascal VOC.
export { checkBox } from './check-box.js';
export { openCoco } from './coco.js';
export type * from './types.js';
export { openVoc } from './voc.js';
export { labelPathFor, openYolo } from './yolo.js';

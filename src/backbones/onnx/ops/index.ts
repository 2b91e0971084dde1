// The converter table: ONNX operator type → converter, one family a file. The importer supports
// exactly the operators listed here.
import type { OpConverter } from '../context.js';
import { activationOps } from './activation.js';
import { convOps } from './conv.js';
import { elementwiseOps } from './elementwise.js';
import { linearOps } from './linear.js';
import { normalizationOps } from './normalization.js';
import { paddingOps } from './padding.js';
import { poolingOps } from './pooling.js';
import { reshapeOps } from './reshape.js';
import { resizeOps } from './resize.js';
import { shapeOps } from './shape.js';

export const OP_CONVERTERS: ReadonlyMap<string, OpConverter> = new Map(
  Object.entries({
    ...convOps,
    ...normalizationOps,
    ...activationOps,
    ...elementwiseOps,
    ...poolingOps,
    ...paddingOps,
    ...linearOps,
    ...shapeOps,
    ...reshapeOps,
    ...resizeOps,
  }),
);

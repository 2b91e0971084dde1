// Public surface of post-training weight quantization: quantize a bundle's weights to
// uint8 / uint16 (affine, per tensor) or float16, and compare accuracy before and after.
export { type AccuracyChange, compareAccuracy } from './accuracy.js';
export { type AffineDtype, type AffineParams, affineParams, quantizeAffine } from './affine.js';
export { encodeFloat16, fromFloat16Bits, toFloat16Bits } from './float16.js';
export {
  DEFAULT_QUANTIZE_SCOPE,
  DEFAULT_ROUNDING,
  type QuantizeOptions,
  type QuantizeReport,
  quantizeBundle,
  quantizeOptionsSchema,
  ROUNDINGS,
  type Rounding,
} from './quantize.js';
export {
  QUANTIZE_DTYPES,
  QUANTIZE_SCOPES,
  type QuantizeDtype,
  type QuantizedWeights,
  type QuantizeScope,
  quantizeWeights,
  type TensorQuantization,
} from './weights.js';

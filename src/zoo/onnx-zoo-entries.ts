// ImageNet classifiers of the ONNX Model Zoo (github.com/onnx/models, validated/vision/
// classification), by name: each file's SHA-256 and size as its git-lfs pointer states them, its
// licence and preprocessing as its README states them (images in [0, 1] normalized with ImageNet's
// mean/std, 224 px), and the channels of its feature maps at strides 4, 8, 16, 32 from the
// architecture (checked when the file is converted: onnx-zoo.ts).
import { type OnnxZooSpec, onnxZooEntry } from './onnx-zoo.js';
import type { WeightsFile } from './types.js';

const ZOO_BASE = 'https://github.com/onnx/models/raw/main/';
const CLASSIFICATION = 'validated/vision/classification/';
const IMAGENET_TERMS = 'trained on ImageNet-1k, whose terms of access apply to the weights';

/** A zoo file under validated/vision/classification/, with its git-lfs SHA-256 and size. */
const zooFile = (relative: string, sha256: string, bytes: number): WeightsFile => ({
  url: `${ZOO_BASE}${CLASSIFICATION}${relative}`,
  path: `onnx-models/${CLASSIFICATION}${relative}`,
  digest: { algorithm: 'sha256', value: sha256 },
  bytes,
});

const SPECS: readonly OnnxZooSpec[] = [
  {
    name: 'mobilenet_v2.onnxzoo',
    description:
      'MobileNetV2 1.0 @224, ImageNet-1k weights (ONNX Model Zoo mobilenetv2-12); downloads and converts on first use',
    file: zooFile(
      'mobilenet/model/mobilenetv2-12.onnx',
      'c0c3f76d93fa3fd6580652a45618618a220fced18babf65774ed169de0432ad5',
      13_964_571,
    ),
    licence: `Apache-2.0 (ONNX Model Zoo); ${IMAGENET_TERMS}`,
    channels: [24, 32, 96, 1280],
    inputSize: 224,
  },
  {
    name: 'resnet50.onnxzoo',
    description:
      'ResNet50 v1 @224, ImageNet-1k weights (ONNX Model Zoo resnet50-v1-12, from MXNet Gluon); downloads and converts on first use',
    file: zooFile(
      'resnet/model/resnet50-v1-12.onnx',
      '3f03fdef724b22947eed826f1eef1dc5c34151bb4c37d634f1db89dfa2dd1526',
      102_576_593,
    ),
    licence: `Apache-2.0 (ONNX Model Zoo); ${IMAGENET_TERMS}`,
    channels: [256, 512, 1024, 2048],
    inputSize: 224,
  },
  {
    name: 'shufflenet_v2.onnxzoo',
    description:
      'ShuffleNetV2 1.0 @224, ImageNet-1k weights (ONNX Model Zoo shufflenet-v2-12, from torchvision); downloads and converts on first use',
    file: zooFile(
      'shufflenet/model/shufflenet-v2-12.onnx',
      'ea69821b4dd374ae2f33f9710dd1229ac263d0ee5b5a46ca3521f6483e1ba035',
      9_218_556,
    ),
    licence: `BSD-3-Clause (torchvision, via the ONNX Model Zoo); ${IMAGENET_TERMS}`,
    channels: [24, 116, 232, 1024],
    inputSize: 224,
  },
];

export const ONNX_ZOO = SPECS.map(onnxZooEntry);

/** The ONNX zoo entry `name`'s spec (e.g. to build it from a local copy of its file). */
export const onnxZooSpec = (name: string) => SPECS.find((s) => s.name === name);

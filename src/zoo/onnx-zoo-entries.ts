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

const APACHE = `Apache-2.0 (ONNX Model Zoo); ${IMAGENET_TERMS}`;

/** One classifier under validated/vision/classification/, with its git-lfs SHA-256 and size. */
function zooSpec(
  name: string,
  what: string,
  relative: string,
  lfs: { sha256: string; bytes: number },
  channels: OnnxZooSpec['channels'],
  { licence = APACHE, fixedSize = false } = {},
): OnnxZooSpec {
  const file: WeightsFile = {
    url: `${ZOO_BASE}${CLASSIFICATION}${relative}`,
    path: `onnx-models/${CLASSIFICATION}${relative}`,
    digest: { algorithm: 'sha256', value: lfs.sha256 },
    bytes: lfs.bytes,
  };
  const stem = relative
    .split('/')
    .pop()!
    .replace(/\.onnx$/, '');
  return {
    name,
    description: `${what} @224${fixedSize ? ' (224 px only: the file fixes its maps’ sizes)' : ''}, ImageNet-1k weights (ONNX Model Zoo ${stem}); downloads and converts on first use`,
    file,
    licence,
    channels,
    inputSize: 224,
    fixedSize,
  };
}

const SPECS: readonly OnnxZooSpec[] = [
  zooSpec(
    'mobilenet_v2.onnxzoo',
    'MobileNetV2 1.0',
    'mobilenet/model/mobilenetv2-12.onnx',
    {
      sha256: 'c0c3f76d93fa3fd6580652a45618618a220fced18babf65774ed169de0432ad5',
      bytes: 13_964_571,
    },
    [24, 32, 96, 1280],
  ),
  zooSpec(
    'resnet50.onnxzoo',
    'ResNet50 v1 (MXNet Gluon)',
    'resnet/model/resnet50-v1-12.onnx',
    {
      sha256: '3f03fdef724b22947eed826f1eef1dc5c34151bb4c37d634f1db89dfa2dd1526',
      bytes: 102_576_593,
    },
    [256, 512, 1024, 2048],
  ),
  zooSpec(
    'shufflenet_v2.onnxzoo',
    'ShuffleNetV2 1.0 (torchvision)',
    'shufflenet/model/shufflenet-v2-12.onnx',
    {
      sha256: 'ea69821b4dd374ae2f33f9710dd1229ac263d0ee5b5a46ca3521f6483e1ba035',
      bytes: 9_218_556,
    },
    [24, 116, 232, 1024],
    // torch.onnx writes the channel shuffle's reshapes with the 224 px map sizes.
    {
      licence: `BSD-3-Clause (torchvision, via the ONNX Model Zoo); ${IMAGENET_TERMS}`,
      fixedSize: true,
    },
  ),
];

export const ONNX_ZOO = SPECS.map(onnxZooEntry);

/** The ONNX zoo entry `name`'s spec (e.g. to build it from a local copy of its file). */
export const onnxZooSpec = (name: string) => SPECS.find((s) => s.name === name);

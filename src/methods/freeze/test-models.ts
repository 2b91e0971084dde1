// Shared by the freeze tests (not a test itself): small registry models and graph checks.
import assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';
import { type CreatedModel, createModel } from '../../backbones/index.js';
import type { Block } from './blocks.js';

/** Small input sizes that keep each registry body fast on the wasm backend. */
export const SMALL_SIZE: Record<string, number> = {
  mobilenet_v2: 64,
  inception_v3: 75,
  mobilenet_v2_035: 64,
  resnet_tiny: 32,
};

export function smallModel(
  name: string,
  options: { pretrained?: boolean; dropRate?: number; seed?: number } = {},
): Promise<CreatedModel> {
  return createModel(name, {
    numClasses: 3,
    inputSize: SMALL_SIZE[name],
    pretrained: options.pretrained ?? false,
    dropRate: options.dropRate,
    seed: options.seed ?? 1,
  });
}

/** Every non-input, non-head layer is in exactly one block; blocks are in topological order. */
export function assertPartition(model: tf.LayersModel, blocks: readonly Block[]): void {
  const blockOf = new Map<string, number>();
  blocks.forEach((b, i) => {
    assert.ok(b.layers.length > 0, `block ${b.name} is empty`);
    for (const name of b.layers) {
      assert.equal(blockOf.get(name), undefined, `${name} is in two blocks`);
      blockOf.set(name, i);
    }
  });
  assert.equal(new Set(blocks.map((b) => b.name)).size, blocks.length, 'block names are unique');
  for (const layer of model.layers) {
    const i = blockOf.get(layer.name);
    const outside = layer.getClassName() === 'InputLayer' || /^(pool|head)/.test(layer.name);
    assert.equal(i === undefined, outside, `${layer.name}: in a block iff a body layer`);
    if (i === undefined) continue;
    for (const node of layer.inboundNodes) {
      for (const src of node.inboundLayers) {
        const j = blockOf.get(src.name);
        assert.ok(
          j === undefined || j <= i,
          `${layer.name} (${blocks[i].name}) reads ${src.name} (${j})`,
        );
      }
    }
  }
}

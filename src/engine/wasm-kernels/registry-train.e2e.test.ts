// Every registry backbone, with a classifier head, takes one training step on wasm (and on torch,
// where the native engine is built) with the same gradients as on the cpu backend (the reference): identical weights, identical random batch,
// training mode (BatchNorm on batch statistics). The kernel tests cover single ops on small
// shapes; this covers the real layer stacks (strided and 'valid' convs, 1x1 / 1x7 / 7x1 convs,
// depthwise at stride 1 and 2, max / average pools, concats, residual adds), and a new registry
// row is covered for free.
//
// Two things make a naive "max|Δg| / max|g| < 1e-3 for every variable" comparison fail on a
// correct backend; both are handled below, not by loosening the bound:
// - Kinks. The two backends' forward passes differ by float rounding (~1e-5 relative after 50
//   layers). Among the ~10^6 ReLU inputs of a real net a few land within that distance of a kink
//   (0, or 6 for ReLU6), on opposite sides on the two backends; the local derivative there is 1
//   on one and 0 on the other, and every gradient below that layer then differs by ~1e-2
//   (MobileNetV2 @96: one element each in expanded_conv_ and block_15_depthwise_relu; each layer
//   alone agrees to 1e-7 given the same input). So the wasm run pins those few inputs to the cpu's value (a
//   constant added in front of the activation, which the gradient passes through unchanged),
//   after checking that they are few and their difference is rounding-sized.
// - Gradients that are exactly zero. See `gradientScale`.
// The cpu runs swap tfjs-cpu's very slow Conv2DBackpropFilter for an independent, checked
// reference (`referenceFilterGradient`), which keeps this file at ~30 s instead of ~2 min.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel, listBackbones } from '../../backbones/index.js';
import {
  referenceFilterGradient,
  withReferenceFilterGradient,
} from './reference-filter-gradient.js';
import {
  type BackendName,
  backendsUnderTest,
  randomValues,
  relativeError,
  seeded,
  useBackend,
  WorstError,
} from './testing.js';

const BATCH = 2;
const CLASSES = 3;
const SEED = 7;
/**
 * Small sizes keep the cpu reference affordable. InceptionV3 runs at 107 px, not its minimum of
 * 75: there its last blocks see 1x1 maps, batch norm over 2 values amplifies float32 noise, and
 * any two backends (cpu, wasm, torch) differed by 1.5e-3 in conv2d_73..76; at 107 px (2x2 maps)
 * the worst is 1.5e-4.
 */
const SIZES: Record<string, number> = { mobilenet_v2: 96, inception_v3: 107 };
const DEFAULT_SIZE = 64;

const GRAD_TOLERANCE = 1e-3;
const LOSS_TOLERANCE = 1e-4;
/** Kink inputs are pinned only if the forward passes differ by rounding, not by a bug... */
const FORWARD_TOLERANCE = 1e-3;
/** ...and only a handful of them: a real forward bug would flip many. */
const PIN_MAX_COUNT = 16;

/** A layer whose derivative jumps at `kinks`, and whose input the test records and may pin. */
interface KinkLayer {
  layer: tf.layers.Layer;
  kinks: number[];
}

function kinkLayers(model: tf.LayersModel): KinkLayer[] {
  const out: KinkLayer[] = [];
  for (const layer of model.layers) {
    const config = layer.getConfig();
    const className = layer.getClassName();
    if (className === 'ReLU') {
      const max = config.maxValue as number | null | undefined;
      out.push({ layer, kinks: max == null ? [0] : [0, max] });
    } else if (className === 'Activation' && config.activation === 'relu') {
      out.push({ layer, kinks: [0] });
    } else if (className === 'Activation' && config.activation === 'relu6') {
      out.push({ layer, kinks: [0, 6] });
    }
    // A relu fused into a Conv2D / Dense (activation: 'relu') would have no input to pin; no
    // registry row has one. If one appears and a kink flips there, its gradients will differ.
  }
  return out;
}

type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => unknown;

/**
 * Wraps each kink layer's call: records its input and, where `offsets[i]` is set, adds it first.
 * The recording uses dataSync inside the gradient tape, which only waits for the values.
 */
function instrument(
  layers: KinkLayer[],
  recorded: { values: Float32Array; shape: number[] }[],
  offsets: (tf.Tensor | null)[],
) {
  layers.forEach(({ layer }, i) => {
    const target = layer as unknown as { call: CallFn };
    const call = target.call.bind(layer);
    target.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const offset = offsets[i];
      const pinned = offset ? tf.add(x, offset) : x;
      recorded[i] = { values: Float32Array.from(pinned.dataSync()), shape: pinned.shape };
      return call(pinned, kwargs);
    };
  });
}

test('the cpu reference filter gradient equals the stock cpu Conv2DBackpropFilter', async () => {
  await useBackend('cpu');
  type Shape4 = [number, number, number, number];
  const cases: [Shape4, Shape4, number, 'same' | 'valid'][] = [
    // x shape, filter shape, stride, padding: the kinds the registry nets use, plus odd sizes.
    [[2, 9, 9, 3], [3, 3, 3, 4], 1, 'same'],
    [[2, 9, 8, 3], [3, 3, 3, 4], 2, 'same'],
    [[2, 10, 11, 3], [3, 3, 3, 4], 2, 'valid'],
    [[1, 8, 8, 5], [1, 1, 5, 6], 1, 'valid'],
    [[2, 7, 7, 4], [1, 1, 4, 3], 2, 'same'],
    [[1, 7, 9, 2], [1, 7, 2, 3], 1, 'same'],
    [[1, 9, 7, 2], [7, 1, 2, 3], 1, 'same'],
    [[2, 7, 7, 3], [5, 5, 3, 2], 1, 'same'],
  ];
  const rand = seeded(11);
  for (const [xShape, filterShape, stride, pad] of cases) {
    const [stock, reference] = tf.tidy(() => {
      const x = tf.tensor4d(randomValues(tf.util.sizeFromShape(xShape), rand), xShape);
      const y = tf.conv2d(x, tf.zeros<tf.Rank.R4>(filterShape), stride, pad);
      const dy = tf.tensor4d(randomValues(y.size, rand), y.shape);
      const attrs = {
        strides: stride,
        pad,
        dataFormat: 'NHWC',
        filterShape,
      } as unknown as tf.Conv2DBackpropFilterAttrs;
      const viaEngine = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as never);
      return [
        Float32Array.from((viaEngine as tf.Tensor).dataSync()),
        Float32Array.from(referenceFilterGradient(x, dy, attrs).dataSync()),
      ];
    });
    const err = relativeError(reference!, stock!);
    assert.ok(err < 1e-5, `${xShape} * ${filterShape} stride ${stride} ${pad}: ${err}`);
  }
});

interface Weights {
  values: Float32Array;
  shape: number[];
}

interface Step {
  loss: number;
  /** Layer weight name -> gradient, for every trainable weight. */
  grads: Map<string, Float32Array>;
  /** Input of every kink layer, in kinkLayers order. */
  kinkInputs: Float32Array[];
}

interface Built {
  model: tf.LayersModel;
  kinks: KinkLayer[];
  recorded: { values: Float32Array; shape: number[] }[];
  offsets: (tf.Tensor | null)[];
  weights: Weights[];
}

/** Builds `name` on the active backend, with `weights` copied in (from typed arrays) if given. */
async function build(name: string, size: number, weights?: Weights[]): Promise<Built> {
  const { model } = await createModel(name, {
    numClasses: CLASSES,
    inputSize: size,
    seed: SEED,
    // The copy's own initial weights are overwritten: skip decoding the pretrained shards.
    pretrained: weights ? false : undefined,
  });
  if (weights) model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
  const kinks = kinkLayers(model);
  const recorded: Built['recorded'] = [];
  const offsets: (tf.Tensor | null)[] = kinks.map(() => null);
  instrument(kinks, recorded, offsets);
  const current = model.getWeights().map((w) => ({
    values: Float32Array.from(w.dataSync()),
    shape: w.shape,
  }));
  return { model, kinks, recorded, offsets, weights: current };
}

/** One forward + backward of the softmax cross-entropy, in training mode, on the active backend. */
function gradientStep(built: Built, size: number): Step {
  const { model } = built;
  const trainable = model.trainableWeights;
  const created: tf.Tensor[] = [];
  try {
    const x = tf.tensor4d(randomValues(BATCH * size * size * 3, seeded(SEED)), [
      BATCH,
      size,
      size,
      3,
    ]);
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: BATCH }, (_, k) => k % CLASSES),
        'int32',
      ),
      CLASSES,
    );
    created.push(x, labels);
    const variables = trainable.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      variables,
    );
    created.push(value, ...Object.values(grads));
    return {
      loss: value.dataSync()[0]!,
      // Keyed by the layer's weight name: the engine's variable names get a suffix when the
      // same model is built twice in one process.
      grads: new Map(
        trainable.map((w, k) => {
          const g = grads[variables[k]!.name]!;
          return [w.originalName, Float32Array.from(g.dataSync())] as const;
        }),
      ),
      kinkInputs: built.recorded.map((r) => r.values),
    };
  } finally {
    tf.dispose(created);
  }
}

interface Pins {
  count: number;
  /** Per kink layer: cpu - other where the two lie on different sides of a kink, else 0. */
  offsets: (Float32Array | null)[];
  /** Worst forward difference at any kink input, relative to that input's max |value|. */
  forwardError: number;
  where: string;
}

function findPins(kinks: KinkLayer[], cpu: Float32Array[], other: Float32Array[]): Pins {
  const pins: Pins = { count: 0, offsets: [], forwardError: 0, where: '' };
  kinks.forEach(({ layer, kinks: at }, i) => {
    const a = cpu[i]!;
    const b = other[i]!;
    const err = relativeError(b, a);
    if (err > pins.forwardError) {
      pins.forwardError = err;
      pins.where = layer.name;
    }
    let offset: Float32Array | null = null;
    for (let j = 0; j < a.length; j++) {
      const lo = Math.min(a[j]!, b[j]!);
      const hi = Math.max(a[j]!, b[j]!);
      if (lo === hi || !at.some((k) => lo <= k && k <= hi)) continue;
      offset ??= new Float32Array(a.length);
      offset[j] = a[j]! - b[j]!;
      pins.count++;
    }
    pins.offsets.push(offset);
  });
  return pins;
}

/**
 * The denominator of the relative error. A BatchNorm beta whose output reaches the loss only
 * through bias-free linear layers and another training-mode BatchNorm (MobileNetV2's
 * *_project_BN: project -> [add ->] expand conv -> expand_BN) has an exactly zero gradient: a
 * per-channel shift is removed again by the next layer's batch mean. Both backends return
 * cancellation noise there (1e-9..1e-6, against 1e-2..1e1 for the layer's gamma), and
 * noise / noise is meaningless. Such a beta (|g| < 1e-4 of its gamma's) is measured against its
 * layer's gamma gradient, which sums the same dy over the same positions; a wasm beta gradient
 * of any real size still fails.
 */
function gradientScale(name: string, cpu: Map<string, Float32Array>): number {
  const own = maxAbs(cpu.get(name)!);
  const gamma = name.endsWith('/beta') ? cpu.get(name.replace(/\/beta$/, '/gamma')) : undefined;
  if (gamma === undefined) return own;
  const gammaScale = maxAbs(gamma);
  return own < 1e-4 * gammaScale ? gammaScale : own;
}

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

async function onBackend<T>(backend: BackendName, f: () => Promise<T>): Promise<T> {
  await useBackend(backend);
  return f();
}

const BACKENDS = backendsUnderTest();

/** The backend's step, with kink inputs that flipped against the cpu run pinned (see top). */
async function stepWithPins(
  backend: BackendName,
  name: string,
  size: number,
  cpu: Step,
  weights: Weights[],
) {
  return onBackend(backend, async () => {
    const built = await build(name, size, weights);
    try {
      const first = gradientStep(built, size);
      let step = first;
      const pins = findPins(built.kinks, cpu.kinkInputs, first.kinkInputs);
      if (pins.count > 0 && pins.count <= PIN_MAX_COUNT) {
        pins.offsets.forEach((o, i) => {
          built.offsets[i] = o && tf.tensor(o, built.recorded[i]!.shape);
        });
        step = gradientStep(built, size);
        for (const o of built.offsets) o?.dispose();
        const left = findPins(built.kinks, cpu.kinkInputs, step.kinkInputs);
        assert.equal(left.count, 0, 'pinning kink inputs to the cpu values left some flipped');
      }
      return { step, firstLoss: first.loss, pins };
    } finally {
      built.model.dispose();
    }
  });
}

for (const entry of listBackbones()) {
  const size = SIZES[entry.name] ?? DEFAULT_SIZE;
  test(`${entry.name} @${size}px: a training step has the same gradients on ${BACKENDS.join(' and ')} as on cpu`, async (t) => {
    const t0 = performance.now();
    const { cpu, weights } = await onBackend('cpu', () =>
      withReferenceFilterGradient(async () => {
        const built = await build(entry.name, size);
        try {
          return { cpu: gradientStep(built, size), weights: built.weights };
        } finally {
          built.model.dispose();
        }
      }),
    );
    const cpuSeconds = (performance.now() - t0) / 1000;

    for (const backend of BACKENDS) {
      await t.test(backend, async () => {
        const t1 = performance.now();
        const { step, firstLoss, pins } = await stepWithPins(
          backend,
          entry.name,
          size,
          cpu,
          weights,
        );
        const seconds = (performance.now() - t1) / 1000;
        const lossError = Math.abs(firstLoss - cpu.loss) / Math.max(Math.abs(cpu.loss), 1e-6);
        const worst = new WorstError();
        const failures: string[] = [];
        assert.deepEqual([...step.grads.keys()], [...cpu.grads.keys()]);
        for (const [name, expected] of cpu.grads) {
          const actual = step.grads.get(name)!;
          let diff = 0;
          for (let i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
          }
          if (!actual.every(Number.isFinite)) diff = Number.POSITIVE_INFINITY;
          const err = worst.record(diff / Math.max(gradientScale(name, cpu.grads), 1e-6), name);
          if (!(err < GRAD_TOLERANCE)) failures.push(`${name}: ${err.toExponential(2)}`);
        }
        console.log(
          `${entry.name} @${size}px on ${backend}: ${cpu.grads.size} trainable weights, ${worst}; ` +
            `loss cpu ${cpu.loss.toFixed(6)} ${backend} ${firstLoss.toFixed(6)} (relative ${lossError.toExponential(2)}); ` +
            `kink inputs: forward error ${pins.forwardError.toExponential(2)} (${pins.where}), ${pins.count} pinned; ` +
            `cpu ${cpuSeconds.toFixed(1)} s, ${backend} ${seconds.toFixed(1)} s`,
        );
        assert.ok(
          lossError < LOSS_TOLERANCE,
          `loss differs: cpu ${cpu.loss}, ${backend} ${firstLoss}`,
        );
        assert.ok(
          pins.forwardError < FORWARD_TOLERANCE,
          `forward differs at ${pins.where}: ${pins.forwardError}`,
        );
        assert.ok(pins.count <= PIN_MAX_COUNT, `${pins.count} kink inputs flipped`);
        assert.deepEqual(failures, [], 'gradients differ (max |Δg| / max |g_cpu|)');
      });
    }
  });
}

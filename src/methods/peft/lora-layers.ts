// LoRA (Hu et al. 2021) on Conv2D and Dense kernels: the layer keeps its base kernel and bias
// (frozen, under their usual weight names `<layer>/kernel`, `<layer>/bias`) and adds a low-rank
// update ΔW = (alpha / rank) · A·B with A [fanIn, rank] (He uniform) and B [rank, out] (zeros),
// reshaped to the kernel, so a fresh layer computes exactly what the base did. The layer runs the
// base class's own call on W + ΔW: the same kernels (fused bias and activation, native engine)
// as a plain layer, and one small matmul per call. Platform-free; registered for serialization
// (bundle/custom-layers.ts lists this module), exported to ONNX as the merged plain layer
// (bundle/onnx/peft-layers.ts), and folded away by mergePeft (merge.ts).
import * as tf from '@tensorflow/tfjs';

/** Class names of the LoRA layers, by the plain class each replaces. */
export const LORA_CLASS_OF = {
  Conv2D: 'VisiontuneLoraConv2D',
  Dense: 'VisiontuneLoraDense',
} as const;

export type LoraBaseClass = keyof typeof LORA_CLASS_OF;

/** The plain class a LoRA class replaced, or undefined for any other class name. */
export function loraBaseClass(className: string): LoraBaseClass | undefined {
  return (Object.keys(LORA_CLASS_OF) as LoraBaseClass[]).find(
    (base) => LORA_CLASS_OF[base] === className,
  );
}

/** What a LoRA layer adds to its base layer's config (`rank` alone is Conv's own: its dimensions). */
export interface LoraArgs {
  loraRank: number;
  /** ΔW is scaled by loraAlpha / loraRank (Hu et al.: α = r gives scale 1). */
  loraAlpha: number;
  /** Seed of A's He-uniform initialization (reproducible runs). */
  loraSeed?: number;
}

/** The keys LoRA adds to the serialized config; a merged layer drops them again. */
export const LORA_CONFIG_KEYS = ['loraRank', 'loraAlpha', 'loraSeed'] as const;

/** W + (alpha / rank) · reshape(A·B, W.shape): the kernel a LoRA layer computes with. */
export function loraKernel(
  kernel: tf.Tensor,
  loraA: tf.Tensor,
  loraB: tf.Tensor,
  scale: number,
): tf.Tensor {
  return tf.tidy(() =>
    tf.add(
      kernel,
      tf.mul(
        tf.reshape(tf.matMul(loraA as tf.Tensor2D, loraB as tf.Tensor2D), kernel.shape),
        scale,
      ),
    ),
  );
}

type Readable = { read(): tf.Tensor };
interface KernelLayer {
  kernel: Readable | null;
}
type LayerClass<A> = new (args: A) => tf.layers.Layer;
type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type DenseArgs = Parameters<typeof tf.layers.dense>[0];

const Conv2DBase = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 }))
  .constructor as LayerClass<Conv2DArgs>;
const DenseBase = Object.getPrototypeOf(tf.layers.dense({ units: 1 }))
  .constructor as LayerClass<DenseArgs>;

/** A LoRA layer as its users see it (named, so declarations need not spell the class out). */
export interface LoraLayer extends tf.layers.Layer {
  readonly loraRank: number;
  readonly loraAlpha: number;
  readonly loraSeed: number | undefined;
  loraA?: tf.LayerVariable;
  loraB?: tf.LayerVariable;
  /** alpha / rank. */
  readonly scale: number;
}

type LoraLayerClass<A> = (new (args: A & LoraArgs) => LoraLayer) & { className: string };

/**
 * A LoRA version of `Base`: builds the base weights, then A and B; runs the base call with the
 * merged kernel swapped in for the length of the call.
 */
function loraClass<A extends object>(
  Base: LayerClass<A>,
  className: string,
  outputsOf: (kernel: number[]) => number,
): LoraLayerClass<A> {
  class LoraLayer extends Base {
    static className = className;
    readonly loraRank: number;
    readonly loraAlpha: number;
    readonly loraSeed: number | undefined;
    loraA?: tf.LayerVariable;
    loraB?: tf.LayerVariable;

    constructor(args: A & LoraArgs) {
      super(args);
      if (!Number.isInteger(args.loraRank) || args.loraRank < 1)
        throw new Error(`${className}: loraRank must be a positive integer, got ${args.loraRank}`);
      if (!(args.loraAlpha > 0))
        throw new Error(`${className}: loraAlpha must be > 0, got ${args.loraAlpha}`);
      this.loraRank = args.loraRank;
      this.loraAlpha = args.loraAlpha;
      this.loraSeed = args.loraSeed;
    }

    get scale(): number {
      return this.loraAlpha / this.loraRank;
    }

    override build(inputShape: tf.Shape | tf.Shape[]): void {
      super.build(inputShape);
      const kernel = (this as unknown as KernelLayer).kernel as unknown as tf.LayerVariable;
      const shape = kernel.shape as number[];
      const outputs = outputsOf(shape);
      const fanIn = shape.reduce((a, b) => a * b, 1) / outputs;
      this.loraA = this.addWeight(
        'lora_a',
        [fanIn, this.loraRank],
        'float32',
        tf.initializers.heUniform({ seed: this.loraSeed }),
      );
      this.loraB = this.addWeight(
        'lora_b',
        [this.loraRank, outputs],
        'float32',
        tf.initializers.zeros(),
      );
      this.freezeBase();
    }

    /** The base weights stay as pretrained: only A and B train. */
    private freezeBase(): void {
      for (const w of this.weights) if (w !== this.loraA && w !== this.loraB) w.trainable = false;
    }

    override get trainable(): boolean {
      return super.trainable;
    }

    // tfjs's setter sets every weight's flag; the base weights stay frozen whatever it set.
    override set trainable(value: boolean) {
      super.trainable = value;
      if (this.loraA) this.freezeBase();
    }

    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
      const self = this as unknown as KernelLayer;
      const base = self.kernel as Readable;
      return tf.tidy(() => {
        const merged = loraKernel(base.read(), this.loraA!.read(), this.loraB!.read(), this.scale);
        self.kernel = { read: () => merged };
        try {
          return super.call(inputs, kwargs);
        } finally {
          self.kernel = base;
        }
      });
    }

    override getConfig(): tf.serialization.ConfigDict {
      const config: tf.serialization.ConfigDict = {
        ...super.getConfig(),
        loraRank: this.loraRank,
        loraAlpha: this.loraAlpha,
      };
      if (this.loraSeed !== undefined) config.loraSeed = this.loraSeed;
      return config;
    }
  }
  tf.serialization.registerClass(
    LoraLayer as unknown as Parameters<typeof tf.serialization.registerClass>[0],
  );
  return LoraLayer as unknown as LoraLayerClass<A>;
}

/** Constructor arguments as the public declarations spell them: tfjs-layers' own argument
 * types live in files its package does not export, so a consumer's compiler cannot see them. */
type PublicLayerArgs = Record<string, unknown>;

/** Conv2D kernel [kh, kw, cin, cout]: A [kh·kw·cin, r], B [r, cout]. */
export const LoraConv2D = loraClass(
  Conv2DBase,
  LORA_CLASS_OF.Conv2D,
  (k) => k[3]!,
) as unknown as LoraLayerClass<PublicLayerArgs>;
/** Dense kernel [in, out]: A [in, r], B [r, out]. */
export const LoraDense = loraClass(
  DenseBase,
  LORA_CLASS_OF.Dense,
  (k) => k[1]!,
) as unknown as LoraLayerClass<PublicLayerArgs>;

export function isLoraLayer(layer: tf.layers.Layer): layer is LoraLayer {
  return loraBaseClass(layer.getClassName()) !== undefined;
}

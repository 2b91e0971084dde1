// The run-configuration fields detection and segmentation share, declared once: data and splits,
// backbone and strategy, optimisation, augmentation, evaluation cadence and the run fields. Each
// task builds them from its own defaults and the words its help uses.
import { z } from 'zod';
import { opt } from '../config/options.js';
import {
  bnMomentumField,
  outFields,
  resumeField,
  seedField,
  skipBadField,
} from '../config/run-fields.js';
import { type ConfigLayer, parseLayers } from '../util/merge-layers.js';
import { checkDenseConfig } from './dense-training.js';
import { peftFields } from './peft/config.js';

export interface DenseTask {
  help: {
    /** --data, --val-data, --test-data: what the task's labelled data is, in which formats. */
    data: string;
    valData: string;
    testData: string;
    /** What trains on a frozen backbone ('FPN and head', 'decoder'). */
    head: string;
    /** The validation metric of --eval-every ('AP', 'mIoU'). */
    metric: string;
    /** What --skip-bad leaves out. */
    skipBad: string;
  };
  defaults: {
    imageSize: number;
    epochs: number;
    batch: number;
    freezeBn: boolean;
    scale: [number, number];
    evalEvery: number;
    out: string;
    /** finetune: the backbone's lr as a multiple of the heads' (default 1). */
    backboneLrMult?: number;
  };
}

/** A BatchNorm flag that says what it does against the default: --train-bn or --freeze-bn. */
function freezeBnField(frozen: boolean) {
  const field = z.boolean().default(frozen);
  return frozen
    ? opt(field, 'finetune: BatchNorms train (default: frozen at pretrained statistics)', {
        flag: 'train-bn',
        sets: false,
      })
    : opt(field, 'finetune: backbone BatchNorms keep their pretrained statistics');
}

/** Where the training, validation and test data are. */
function dataFields(help: DenseTask['help']) {
  return {
    /** Training data, in the formats the task reads (its help says which). */
    data: opt(z.string().min(1), help.data, { arg: 'path' }),
    /** COCO: images folder of `data` (default: the annotation file's folder). */
    images: opt(
      z.string().optional(),
      'COCO: images folder of --data (default: next to the .json)',
      { arg: 'dir' },
    ),
    /** Validation data in any format the task reads (a YOLO data.yaml: its val split); default:
     * `val` of the training images held out. */
    valData: opt(z.string().optional(), help.valData, { arg: 'path' }),
    /** COCO: images folders of valData / testData (default: their annotation file's folder). */
    valImages: opt(z.string().optional(), 'COCO: images folder of --val-data', { arg: 'dir' }),
    /** Fraction of the training images held out for validation when there is no valData. */
    val: opt(z.number().min(0).max(0.9).default(0.1), 'held-out fraction without --val-data', {
      arg: 'fraction',
    }),
    /** Data evaluated after training (a YOLO data.yaml: its test split); default: the
     * validation images. */
    testData: opt(z.string().optional(), help.testData, { arg: 'path' }),
    testImages: opt(z.string().optional(), 'COCO: images folder of --test-data', { arg: 'dir' }),
  };
}

/** The network, its optimisation and the augmentation. */
export function trainingFields({ help, defaults }: DenseTask) {
  return {
    backbone: opt(z.string().default('mobilenet_v2'), 'registry name or TF.js layers model path', {
      arg: 'name',
    }),
    /** finetune: pretrained backbone; scratch: the same network randomly initialized. */
    strategy: opt(
      z.enum(['finetune', 'scratch']).default('finetune'),
      'finetune (pretrained) or scratch',
      { arg: 'name' },
    ),
    /** Square input size, a multiple of 32. */
    imageSize: opt(
      z.number().int().positive().default(defaults.imageSize),
      'square input, a multiple of 32',
      { arg: 'px' },
    ),
    epochs: opt(z.number().int().positive().default(defaults.epochs), 'epochs'),
    batch: opt(z.number().int().positive().default(defaults.batch), 'batch size'),
    /** AdamW base lr; the backbone trains at lr × backboneLrMult when pretrained. */
    lr: opt(z.number().positive().default(1e-3), 'AdamW learning rate'),
    /**
     * 1: dense tasks fine-tune the whole network at one lr (FCOS, detectron2); digits on photos
     * are far from the pretraining images. bench/detect, 4 epochs: AP50 0.088 at 1 vs 0.066 at 0.1.
     */
    backboneLrMult: opt(
      z
        .number()
        .positive()
        .max(1)
        .default(defaults.backboneLrMult ?? 1),
      'finetune: backbone lr multiple',
    ),
    weightDecay: opt(z.number().nonnegative().default(1e-4), 'AdamW weight decay'),
    schedule: opt(
      z.enum(['cosine', 'step', 'onecycle', 'constant']).default('cosine'),
      'lr schedule',
      { arg: 'kind' },
    ),
    /** Clip gradients to this global L2 norm; 0 turns clipping off. */
    clipNorm: opt(
      z.number().nonnegative().default(10),
      'clip gradients to this global norm, 0 = off',
    ),
    /** finetune: only the layers after the backbone train; the backbone stays as pretrained. */
    freezeBackbone: opt(z.boolean().default(false), `finetune: train only the ${help.head}`),
    /** finetune: BatchNorms keep their pretrained statistics (inference mode). */
    freezeBn: freezeBnField(defaults.freezeBn),
    bnMomentum: bnMomentumField,
    /** Width of the layers after the backbone. */
    channels: opt(z.number().int().positive().default(64), `${help.head} width`),
    /** finetune: PEFT on the backbone; the layers after it train fully. */
    ...peftFields,
    /** Random scale range of the scale-and-crop augmentation (relative to fitting the image). */
    scale: opt(
      z.tuple([z.number().positive(), z.number().positive()]).default(defaults.scale),
      'random scale range of the scale-and-crop augmentation',
    ),
    /** Color jitter strength (brightness, contrast, saturation); 0 turns it off. */
    colorJitter: opt(z.number().min(0).max(1).default(0.3), 'color jitter strength, 0 = off'),
  };
}

export function denseConfigFields(task: DenseTask) {
  const { help, defaults } = task;
  return {
    ...dataFields(help),
    ...trainingFields(task),
    /** Validation metric after every this many epochs and at the last (0: never; the final
     * evaluation on the test data, or on the validation images without it, always runs). */
    evalEvery: opt(
      z.number().int().nonnegative().default(defaults.evalEvery),
      `validation ${help.metric} every N epochs and at the last, 0 = never`,
      { arg: 'epochs' },
    ),
    ...outFields(defaults.out),
    resume: resumeField,
    seed: seedField,
    skipBad: opt(skipBadField, `leave out ${help.skipBad} (counted) instead of failing`),
  };
}

/** A dense task's configuration from its layers: the schema's checks, then the shared rules. */
export function parseDenseConfig<S extends z.ZodObject>(
  schema: S,
  what: string,
  layers: ConfigLayer[],
): z.output<S> {
  const config = parseLayers(schema, what, layers);
  checkDenseConfig(config as Parameters<typeof checkDenseConfig>[0], what);
  return config;
}

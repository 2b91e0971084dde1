// The data fields of one task of a multi-task run, and the sampling fields of the run, declared
// once as zod schemas: the multi-task configuration (file or `--task` flags) embeds them.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { TASK_KINDS, TASK_NAME } from './types.js';

export const SAMPLING_STRATEGIES = ['proportional', 'uniform', 'temperature'] as const;
export type SamplingStrategy = (typeof SAMPLING_STRATEGIES)[number];

export const taskDataSchema = z.object({
  name: z
    .string()
    .regex(TASK_NAME, 'lowercase letters, digits and _, starting with a letter, at most 32')
    .describe('the task name (layer-name prefix and report key)'),
  kind: z.enum(TASK_KINDS).describe('classification, multilabel, detection or segmentation'),
  data: z
    .string()
    .min(1)
    .describe(
      'training data: classification a folder, manifest or built-in name; multilabel a path,labels manifest or COCO .json; detection COCO/YOLO/VOC; segmentation a folder, VOC or COCO .json',
    ),
  images: z.string().optional().describe('COCO: images folder (default: next to the .json)'),
  valData: z.string().optional().describe('validation data in the same format'),
  valImages: z.string().optional().describe('COCO: images folder of valData'),
  testData: z.string().optional().describe('data evaluated after training'),
  testImages: z.string().optional().describe('COCO: images folder of testData'),
  val: z
    .number()
    .min(0)
    .max(0.9)
    .default(0.1)
    .describe('fraction held out for validation without valData or a val split'),
  classes: z
    .array(z.string().min(1))
    .optional()
    .describe('class names in index order (default: found in the data)'),
  maskMode: z
    .enum(['index', 'palette', 'binary'])
    .optional()
    .describe('segmentation folder masks: index, palette or binary'),
  ignoreIndex: z
    .number()
    .int()
    .min(0)
    .max(255)
    .optional()
    .describe('segmentation: the mask label no loss counts (default 255)'),
});
export type TaskDataConfig = z.output<typeof taskDataSchema>;
export type TaskDataInput = z.input<typeof taskDataSchema>;

/** How batches are drawn across tasks; see sampling.ts. */
export const samplingFields = {
  sampling: opt(
    z.enum(SAMPLING_STRATEGIES).default('proportional'),
    'across tasks: proportional (each image once an epoch), uniform, or temperature',
    { arg: 'kind' },
  ),
  /** p_k ∝ n_k^(1/T): 1 is proportional to the task's images, large T nears uniform. */
  temperature: opt(z.number().positive().default(2), 'temperature sampling: p_k ∝ n_k^(1/T)', {
    arg: 'T',
  }),
};

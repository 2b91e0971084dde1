// The plain data a few-shot run report is drawn from: per-method accuracy over the same seeded
// test episodes (mean and 95% CI half-width, as few-shot papers report it), the meta-training
// learning curve, and what the pools, backbone and protocol were. No tensors, no functions: the
// few-shot runner fills it, and a report can be re-rendered later from a JSON dump.

/** Accuracy of one method at one K-shot setting over the test episodes. Values in [0, 1]. */
export interface ShotAccuracy {
  shots: number;
  /** Mean per-episode accuracy. */
  mean: number;
  /** Half-width of the 95% confidence interval: 1.96 · s / √episodes. */
  ci95: number;
  episodes: number;
}

/** One logged outer step of meta-training. Accuracies in [0, 1]. */
export interface MetaTrainPoint {
  /** Outer (meta) step. */
  step: number;
  /** Training query loss, averaged over the meta-batch (or the steps since the last point). */
  loss: number;
  /** Training query accuracy, same averaging. */
  accuracy: number;
  /** Meta-validation accuracy at this step, when it was checked. */
  valAccuracy?: number;
  /** Half-width of its 95% confidence interval. */
  valCi95?: number;
  /** Wall-clock seconds since meta-training started. */
  seconds: number;
}

export interface FewShotMethodReport {
  /** 'centroid' | 'finetune-head' | 'protonet' | 'maml' | 'anil' | 'reptile' */
  method: string;
  /** Inner steps, learning rates, metric…, shown as given. */
  settings: Record<string, unknown>;
  /** After meta-training (or the method as is when it has none). */
  results: ShotAccuracy[];
  /** The same network before meta-training, same episodes (meta-learners only). */
  untrained?: ShotAccuracy[];
  /** Meta-training learning curve ([] when none). */
  history: MetaTrainPoint[];
  /** Step kept by meta-validation. */
  bestStep?: number;
  metaSeconds: number;
  evalSeconds: number;
}

export interface FewShotReport {
  title: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** Class pools; meta-train, meta-validation and meta-test classes must be disjoint. */
  pools: { role: 'train' | 'val' | 'test'; source: string; classes: string[]; images: number }[];
  backbone: {
    name: string;
    pretrained: boolean;
    inputSize: number;
    trainableBlocks: string[];
    /** The pooled layer(s) the embedding reads (how `auto` chose it is in the notes). */
    layer?: string;
  };
  /** The test protocol every method was evaluated with: the same episodes for all of them. */
  evaluation: { ways: number; shots: number[]; queries: number; episodes: number; seed: number };
  methods: FewShotMethodReport[];
  /** The merged run configuration, saved verbatim. */
  config: Record<string, unknown>;
  notes?: string[];
}

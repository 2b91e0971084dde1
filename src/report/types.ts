// The plain data a run report and a model card are drawn from. No tensors, no classes, no
// functions: the training code fills these from its metric logs, and a report can be
// re-rendered later from a JSON dump (with the thumbnails' bytes re-read).

/** One row per epoch, as the metric log records it. Missing values are simply not drawn. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  trainAccuracy?: number;
  valAccuracy?: number;
  /** Learning rate in effect at the end of the epoch (the head's group if there are several). */
  lr?: number;
}

/** Learning rate per optimizer step; drawn instead of the per-epoch `lr` when given. */
export interface LrStep {
  step: number;
  lr: number;
}

export interface DataSummary {
  name: string;
  classes: string[];
  train: number;
  val: number;
  test: number;
  /** Where the data came from (a folder, a URL, a built-in name). Shown as text, never fetched. */
  source?: string;
  licence?: string;
}

export interface BackboneSummary {
  name: string;
  /** Weight tag, e.g. `nsfwjs-mobilenetv2`, or `random` for random init. */
  weights?: string;
  /** Where the pretrained weights came from. Shown as text, never fetched. */
  source?: string;
  licence?: string;
  inputSize?: number;
}

export interface MethodSummary {
  /** e.g. `linear-probe`, `fine-tune`, `dann`. */
  name: string;
  /** One line on what was done, e.g. "unfroze the last 2 blocks at lr x0.1". */
  summary?: string;
}

/** Headline test metrics. Values in [0, 1] except where the name says otherwise (`loss`). */
export interface FinalMetrics {
  accuracy: number;
  balancedAccuracy?: number;
  macroF1?: number;
  ece?: number;
  [name: string]: number | undefined;
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of true examples of this class in the evaluated split. */
  support: number;
}

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Bin edges in [0, 1]. */
  lo: number;
  hi: number;
  /** Mean predicted confidence of the examples in the bin. */
  confidence: number;
  /** Fraction of them that were correct. */
  accuracy: number;
  count: number;
}

/** A misclassified example, worst (most confidently wrong) first. */
export interface WorstExample {
  /** Sample id, usually its path relative to the data root. */
  id: string;
  /** Encoded thumbnail (PNG; JPEG and WebP are recognised too), ideally <= 128 px. */
  png: Uint8Array;
  trueLabel: string;
  predictedLabel: string;
  /** Probability given to the predicted label. */
  confidence: number;
}

/** One epoch of a domain-adaptation run. Accuracies in [0, 1]; missing values are not drawn. */
export interface AdaptationEpoch {
  epoch: number;
  /** On the labelled source validation split. */
  sourceAccuracy?: number;
  /** On labelled target data, when the user gave some: evaluation only, never selection. */
  targetAccuracy?: number;
  /** Adversarial methods (DANN, CDAN): the domain discriminator's accuracy; 0.5 is chance. */
  discriminatorAccuracy?: number;
  /** The method's adaptation term (adversarial, MMD, CORAL or pseudo-label loss). */
  transferLoss?: number;
}

/** A feature vector projected on the first two principal axes of both domains pooled. */
export interface ScatterPoint {
  x: number;
  y: number;
  domain: 'source' | 'target';
  /** Class name, when known. */
  label?: string;
}

export interface AdaptationSummary {
  /** e.g. `dann`. */
  method: string;
  /** How the checkpoint was chosen without target labels, in one sentence. */
  selection: string;
  /** When true, target accuracy is shown but marked as not used for selection. */
  targetLabelsGiven: boolean;
  epochs: AdaptationEpoch[];
  /** Between source and target features, before and after adaptation (0 to 2). */
  proxyADistance?: { before: number; after: number };
  /** Both domains on shared PCA axes, before (backbone) and after (adapted) features. */
  scatter?: { before: ScatterPoint[]; after: ScatterPoint[] };
  /** Target accuracy of the source-only model, the baseline adaptation has to beat. */
  sourceOnlyTargetAccuracy?: number;
}

export interface RunReport {
  title: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** The merged run configuration, saved verbatim. */
  config: Record<string, unknown>;
  data: DataSummary;
  backbone: BackboneSummary;
  method: MethodSummary;
  history: EpochRecord[];
  lrSteps?: LrStep[];
  final: FinalMetrics;
  /** Which split `final`, `confusion`, `perClass` and `worst` were measured on. Default `test`. */
  evaluatedOn?: string;
  /** confusion[true][predicted], rows and columns in `data.classes` order. */
  confusion: number[][];
  perClass: ClassMetrics[];
  worst: WorstExample[];
  reliability?: ReliabilityBin[];
  /** Domain-adaptation runs only: per-epoch domain metrics and domain-gap diagnostics. */
  adaptation?: AdaptationSummary;
  notes?: string[];
}

export interface ModelCard {
  /** Model name, used as the card's title. */
  name: string;
  /** Markdown, used verbatim. */
  description?: string;
  createdAt?: string;
  data: DataSummary;
  backbone: BackboneSummary;
  method: MethodSummary;
  /** Headline metrics, e.g. `{ accuracy: 0.91, macroF1: 0.9 }`. */
  metrics: Record<string, number | undefined>;
  /** Which split the metrics were measured on. Default `test`. */
  evaluatedOn?: string;
  perClass?: ClassMetrics[];
  /** Markdown bullets, used verbatim. Defaults to sentences built from the data summary. */
  intendedUse?: string[];
  /** Markdown bullets, used verbatim; some are always added (evaluation scope, licences). */
  limits?: string[];
  /** Bundle folder name as the user would type it in the load example. Default `DIR`. */
  bundleDir?: string;
  /** Module specifier for the library example. Default `visiontune`. */
  importFrom?: string;
}

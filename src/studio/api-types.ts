// The studio's HTTP API as types: what the server (src/studio) answers and what the frontend
// (studio-ui/) sends. Platform-free and type-only, so both sides compile against this one file.
//
// Conventions
// - Every route is under /api. Request and answer bodies are JSON unless noted.
// - Errors answer `{ error: { code, message } }` with 400 (bad input, message names the field or
//   file; 422 when the library refused the content, e.g. a corrupt image), 401 (token), 403
//   (host/origin/header check), 404, 409 (conflict: an edit lost a race, or a run is already
//   queued), 413 (too large), 415 (not an image), 500 (a bug).
// - Every request that changes something (POST, PUT, PATCH, DELETE) must carry the header
//   `x-visiontune-studio: 1` (a page of another site cannot send it without a CORS preflight,
//   which the studio never grants); otherwise 403.
// - `:project` is a project's folder name under the studio's --dir; image ids are paths relative
//   to the project folder with '/' separators (e.g. `data/train/cat/img-001.jpg`). Ids are
//   URL-encoded as one path segment where they appear in a URL (encodeURIComponent).

export type Task = 'classification' | 'detection' | 'segmentation';
export type Split = 'train' | 'test';

/** The header every mutating request carries. */
export const STUDIO_HEADER = 'x-visiontune-studio';

// ---- GET /api/info ------------------------------------------------------------------------

export interface BackboneChoice {
  name: string;
  /** One line for people. */
  description: string;
  pretrained: boolean;
  /** Native input size in pixels. */
  inputSize: number;
  /** Downloads on first use (a zoo entry not yet cached). */
  downloads: boolean;
}

export interface StudioInfo {
  version: string;
  /** The projects folder (absolute). */
  dir: string;
  /** The TF.js backend the studio's runs use (torch, wasm, …). */
  backend: string;
  backbones: BackboneChoice[];
}

// ---- GET /api/schemas/:command --------------------------------------------------------------

/** The run commands the studio starts; each is a `visiontune` CLI command line. */
export type RunCommand = 'train' | 'adapt' | 'fewshot-fit' | 'detect-train' | 'segment-train';

/**
 * One option of a run command, derived from the CLI's own zod schema (the flag, the config field
 * and this form field are one entry). Fields the studio fills itself (data, out, resume, …) are
 * not listed.
 */
export interface OptionField {
  /** The config field name (camelCase), as the CLI's --config JSON takes it. */
  name: string;
  /** The CLI flag, e.g. `--image-size`. */
  flag: string;
  description: string;
  kind: 'number' | 'integer' | 'boolean' | 'enum' | 'string' | 'number-or-enum' | 'list';
  /** enum / number-or-enum: the accepted words (backbone names, strategies, 'auto', 'all'). */
  choices?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  /** Shown first; the rest go under "more options". */
  common: boolean;
}

export interface CommandSchema {
  command: RunCommand;
  /** The CLI command line it runs, e.g. `visiontune detect train`. */
  cli: string;
  fields: OptionField[];
}

// ---- projects ---------------------------------------------------------------------------------

/** GET /api/projects → ProjectSummary[] */
export interface ProjectSummary {
  name: string;
  task: Task;
  createdAt: string;
  images: number;
  runs: number;
}

/** POST /api/projects */
export interface CreateProject {
  /** Folder name: letters, digits, '.', '_', '-'; 1–64 characters, not starting with '.'. */
  name: string;
  task: Task;
  /** Initial classes (detection/segmentation: object classes; segmentation adds 'background'). */
  classes?: string[];
}

/** Counts of images per class for one split ('' counts images without a label yet). */
export type ClassCounts = Record<string, number>;

/** GET /api/projects/:project, and the answer of POST /api/projects */
export interface Project {
  name: string;
  task: Task;
  createdAt: string;
  /** Label classes in order (segmentation: index 0 is 'background'). */
  classes: string[];
  counts: Record<Split, ClassCounts>;
  /** Images added but not yet labelled (detection/segmentation), per split. */
  unlabelled: Record<Split, number>;
  /** Unlabelled target-domain images for domain adaptation (classification). */
  targetImages: number;
  /**
   * The CLI command lines that train on this project's files as they are on disk, e.g.
   * `visiontune train --data /abs/project/data`; shown in the app, tested to work.
   */
  cli: string[];
  /** Bumped by every change to the project's labels or images; sent back as `ifRevision`. */
  revision: number;
}

/** PUT /api/projects/:project/classes: add, rename (from → to) or remove (empty) classes. */
export interface EditClasses {
  add?: string[];
  rename?: { from: string; to: string }[];
  /** Only classes without images; otherwise 409 naming how many images carry it. */
  remove?: string[];
  ifRevision?: number;
}

// ---- images ---------------------------------------------------------------------------------

export interface ImageEntry {
  /** Project-relative path, the image's identity. */
  id: string;
  split: Split;
  /** classification: the class; detection/segmentation: undefined. */
  label?: string;
  /** detection/segmentation: whether labels were saved for it (else it waits in `unlabelled`). */
  labelled: boolean;
  width: number;
  height: number;
  /** Objects (boxes or polygons) saved for it (detection/segmentation). */
  objects?: number;
}

/**
 * GET /api/projects/:project/images?split=&label=&labelled=&offset=&limit=&target= (sorted by id;
 * limit 1–1000, default 100; `label` for detection/segmentation: images with a shape of that
 * class; `target=true`: the classification target-domain images instead).
 */
export interface ImageList {
  images: ImageEntry[];
  total: number;
}

/** GET /api/projects/:project/image/:id (original bytes) and /thumb/:id (JPEG, ≤ 160 px). */

/**
 * POST /api/projects/:project/images: multipart/form-data with fields `split` (default train),
 * `label` (classification: the class; created when new) and any number of `file` parts. Each file
 * is checked (an image sharp decodes, within the size and pixel limits), stored under a safe name
 * (the upload's base name, sanitized, made unique); refused files are listed, the rest kept.
 */
export interface AddImagesResult {
  added: ImageEntry[];
  rejected: { name: string; reason: string }[];
  /** The project's revision after the change. */
  revision: number;
}

/**
 * POST /api/projects/:project/images/import: copy the images of a folder on this machine.
 * `labelsFromFolders`: classification only; each sub-folder is a class (as the CLI reads).
 */
export interface ImportFolder {
  folder: string;
  split?: Split;
  label?: string;
  labelsFromFolders?: boolean;
}

/** PATCH /api/projects/:project/images: move images to another split and/or class. */
export interface MoveImages {
  ids: string[];
  split?: Split;
  label?: string;
  ifRevision?: number;
}

/** The answer of PATCH …/images: each moved image's entry (an id changes with split and class). */
export interface MovedImages {
  images: ImageEntry[];
  revision: number;
}

/** DELETE /api/projects/:project/images */
export interface DeleteImages {
  ids: string[];
  ifRevision?: number;
}

/** The answer of DELETE …/images. */
export interface DeletedImages {
  deleted: number;
  revision: number;
}

/** POST /api/projects/:project/target: multipart like /images (no label); the adaptation target. */

// ---- labels (detection, segmentation) ---------------------------------------------------------

/** A box in image pixels: top-left corner and size (COCO's bbox). */
export interface Box {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A polygon in image pixels, at least 3 points; later polygons paint over earlier ones. */
export interface Polygon {
  label: string;
  points: [number, number][];
}

/** GET/PUT /api/projects/:project/labels/:id */
export interface ImageLabels {
  id: string;
  boxes?: Box[];
  polygons?: Polygon[];
  /** PUT: the revision the editor loaded; a stale one answers 409 and changes nothing. */
  ifRevision?: number;
}

/**
 * The answer of PUT …/labels/:id: the image's entry, with its new id after its first save (it
 * moves from unlabelled/ into the labelled images; a save with no shapes labels it as empty).
 */
export interface SavedLabels {
  image: ImageEntry;
  revision: number;
}

// ---- runs -------------------------------------------------------------------------------------

export type RunStatus =
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  /** The server stopped while it ran; POST …/resume continues from its last checkpoint. */
  | 'interrupted';

export interface RunSummary {
  /** The run folder's name under PROJECT/runs/. */
  id: string;
  command: RunCommand | 'cli';
  status: RunStatus;
  /** Started from the studio, or found on disk (a `visiontune … --out PROJECT/runs/x` run). */
  origin: 'studio' | 'cli';
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Headline metrics of the finished run (accuracy, macroF1, AP, mIoU, …). */
  metrics?: Record<string, number>;
  /** What failed, in the CLI's words. */
  error?: string;
  /** Epochs done / planned (from metrics.jsonl and the config). */
  epoch?: number;
  epochs?: number;
  hasBundle: boolean;
  hasReport: boolean;
}

/**
 * GET  /api/projects/:project/runs → RunSummary[] (newest first).
 * POST /api/projects/:project/runs → RunSummary (queued)
 */
export interface StartRun {
  command: RunCommand;
  /** Config fields as GET /api/schemas/:command lists them; validated by the CLI's schema. */
  options: Record<string, unknown>;
  /** adapt: the method comes in `options.method`; the target is the project's target folder. */
}

/**
 * One line of a run's event stream (GET …/runs/:run/events, server-sent events, `data:` JSON): a
 * replay of the CLI's `--events` file (log, batch, epoch, result, error — batch numbers count from
 * 1), `status` when the run's status changes (first on connect), and `done` once it has ended.
 */
export type RunEvent =
  | { type: 'status'; status: RunStatus; error?: string }
  | { type: 'log'; line: string }
  | {
      type: 'batch';
      epoch: number;
      epochs: number;
      batch: number;
      batches?: number;
      loss?: number;
    }
  | { type: 'epoch'; record: Record<string, number | string | null> }
  /** The CLI's result (its --json output) as the process ends. */
  | { type: 'result'; value: unknown }
  /** The CLI's error as the process fails; `code` is BAD_INPUT, BAD_USAGE, RUNTIME, … */
  | { type: 'error'; message: string; code: string }
  | { type: 'done'; summary: RunSummary };

/** One held-out image as the run scored it (classification). */
export interface Prediction {
  /** Project-relative image id (absolute path when the image is outside the project). */
  id: string;
  label: string;
  predicted: string;
  confidence: number;
}

/** GET /api/projects/:project/runs/:run */
export interface RunDetail {
  summary: RunSummary;
  /** The merged configuration the run used (bundle metadata or the studio's config file). */
  config: Record<string, unknown>;
  /** The CLI command line that reproduces it. */
  cli?: string;
  /** Epoch records of metrics.jsonl. */
  history: Record<string, number | string | null>[];
  /** Classification: the held-out evaluation with every image's prediction. */
  evaluation?: {
    evaluatedOn: 'test' | 'val';
    labels: string[];
    /** confusion[true][predicted] */
    confusion: number[][];
    predictions: Prediction[];
  };
}

/**
 * POST /api/projects/:project/runs/:run/cancel, …/resume → RunSummary.
 * GET  /api/projects/:project/runs/:run/report → the run's report.html.
 * GET  /api/projects/:project/runs/:run/bundle/<file> → the bundle's files (for visiontune/web).
 * GET  /api/queue → QueueState.
 */
export interface QueueState {
  running?: { project: string; run: string };
  queued: { project: string; run: string }[];
}

// ---- export -----------------------------------------------------------------------------------

export type ExportFormat = 'bundle-zip' | 'onnx' | 'quantized-zip';

/**
 * POST /api/projects/:project/runs/:run/exports {format} → ExportState (made once, then cached
 * in the run folder; onnx and quantized run the CLI's export / compress quantize as queued jobs).
 * GET  …/exports/:format → ExportState; GET …/exports/:format/download → the file.
 */
export interface ExportState {
  format: ExportFormat;
  status: 'missing' | 'queued' | 'running' | 'ready' | 'failed';
  file?: string;
  bytes?: number;
  error?: string;
}

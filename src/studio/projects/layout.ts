// Where a studio project keeps its files: ordinary folders in the formats the CLI reads, so every
// project also trains with `visiontune train --data PROJECT/…` and runs written by the CLI into
// PROJECT/runs/ show up in the studio. One table per task; both the project store and the run
// manager (the CLI lines it starts) read it from here.
//
// classification  data/train/<class>/<image>, data/test/<class>/<image>   (an image folder with
//                 split folders); target/<image> (unlabelled target domain, for `adapt`)
// detection       images/<image>; annotations/train.json, annotations/test.json (COCO, file_name
//                 relative to images/); images not labelled yet wait in unlabelled/<split>/
// segmentation    <split>/images/<stem>.<ext>, <split>/masks/<stem>.png (index masks, 255 =
//                 ignore), <split>/classes.txt; the polygons the masks were drawn from in
//                 <split>/polygons/<stem>.json; unlabelled images wait in unlabelled/<split>/
// every task      visiontune-project.json (name, task, classes), runs/<run>/ (CLI run folders)
// beside projects backbones/<name>/ under the studio's folder: backbones imported with
//                 `visiontune import model.onnx --out DIR/backbones/<name>`, offered by the app
import path from 'node:path';
import type { Split, Task } from '../api-types.js';

export const PROJECT_FILE = 'visiontune-project.json';
export const RUNS_DIR = 'runs';
export const SPLITS: readonly Split[] = ['train', 'test'];
export const TASKS: readonly Task[] = ['classification', 'detection', 'segmentation'];

/** A project folder name: also safe as a URL segment and a file name everywhere. */
export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The studio folder's own sub-folder of imported backbones (so no project may take its name). */
export const IMPORTED_BACKBONES = 'backbones';

export const classification = {
  data: (project: string) => path.join(project, 'data'),
  split: (project: string, split: Split) => path.join(project, 'data', split),
  target: (project: string) => path.join(project, 'target'),
};

export const detection = {
  images: (project: string) => path.join(project, 'images'),
  annotations: (project: string, split: Split) =>
    path.join(project, 'annotations', `${split}.json`),
  unlabelled: (project: string, split: Split) => path.join(project, 'unlabelled', split),
};

export const segmentation = {
  split: (project: string, split: Split) => path.join(project, split),
  images: (project: string, split: Split) => path.join(project, split, 'images'),
  masks: (project: string, split: Split) => path.join(project, split, 'masks'),
  polygons: (project: string, split: Split) => path.join(project, split, 'polygons'),
  classes: (project: string, split: Split) => path.join(project, split, 'classes.txt'),
  unlabelled: (project: string, split: Split) => path.join(project, 'unlabelled', split),
  /** Mask value of pixels no polygon covers after an image's labels are saved. */
  backgroundClass: 'background',
};

export interface ProjectMeta {
  formatVersion: 1;
  name: string;
  task: Task;
  createdAt: string;
  /** Label classes in order (segmentation: index 0 is background, the mask value is the index). */
  classes: string[];
  /** Bumped by every change to the project's images or labels (absent: 0). */
  revision?: number;
  /** Detection: the COCO category id of each class (parallel to `classes`; ids never reused). */
  categoryIds?: number[];
}

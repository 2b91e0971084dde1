// What the studio shows of a project: the summary of the project list and the full view (counts
// per split and class, unlabelled images, the CLI lines that train on its files as they are now).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ClassCounts, Project, ProjectSummary, Split } from '../api-types.js';
import { projectImages, type StoredImage, targetImages } from './image-index.js';
import { classification, detection, RUNS_DIR, SPLITS, segmentation } from './layout.js';
import { polygonPath } from './mask-store.js';
import type { OpenProject, ProjectStore } from './store.js';

/** A path as a shell word: as it is when plain, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function runCount(folder: string): Promise<number> {
  const entries = await fs.readdir(path.join(folder, RUNS_DIR), { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).length;
}

export async function projectSummary(store: ProjectStore, name: string): Promise<ProjectSummary> {
  const { folder, meta } = await store.open(name);
  const images = await projectImages(folder, meta);
  const target = meta.task === 'classification' ? await targetImages(folder) : [];
  return {
    name: meta.name,
    task: meta.task,
    createdAt: meta.createdAt,
    images: images.length + target.length,
    runs: await runCount(folder).catch(() => 0),
  };
}

/** The classes of each image (detection: its boxes'; segmentation: its polygons'). */
async function imageClasses(store: ProjectStore, project: OpenProject, image: StoredImage) {
  if (image.label !== undefined) return [image.label];
  if (image.classes) return image.classes;
  if (project.meta.task !== 'segmentation' || !image.labelled) return [];
  const labels = await store.polygons.get(polygonPath(project.folder, image.split, image.ref.name));
  return (labels?.polygons ?? []).map((p) => p.label);
}

/** The `visiontune` command lines that train on the project's files; none before any labels. */
function cliLines(project: OpenProject, labelled: Record<Split, number>): string[] {
  const { folder, meta } = project;
  const q = shellWord;
  if (labelled.train === 0) return [];
  if (meta.task === 'classification')
    return [`visiontune train --data ${q(classification.data(folder))}`];
  if (meta.task === 'detection') {
    const images = q(detection.images(folder));
    const test =
      labelled.test > 0
        ? ` --test-data ${q(detection.annotations(folder, 'test'))} --test-images ${images}`
        : '';
    return [
      `visiontune detect train --data ${q(detection.annotations(folder, 'train'))} --images ${images}${test}`,
    ];
  }
  const test = labelled.test > 0 ? ` --test-data ${q(segmentation.split(folder, 'test'))}` : '';
  return [`visiontune segment train --data ${q(segmentation.split(folder, 'train'))}${test}`];
}

export async function projectView(store: ProjectStore, project: OpenProject): Promise<Project> {
  const { folder, meta } = project;
  const images = await projectImages(folder, meta);
  const dense = meta.task !== 'classification';
  const counts = {} as Record<Split, ClassCounts>;
  const unlabelled = {} as Record<Split, number>;
  const labelled = {} as Record<Split, number>;
  for (const split of SPLITS) {
    counts[split] = Object.fromEntries(meta.classes.map((c) => [c, 0]));
    if (dense) counts[split][''] = 0;
    unlabelled[split] = 0;
    labelled[split] = 0;
  }
  for (const image of images) {
    const perSplit = counts[image.split];
    if (!image.labelled) {
      unlabelled[image.split]++;
      perSplit[''] = (perSplit[''] ?? 0) + 1;
      continue;
    }
    labelled[image.split]++;
    for (const c of new Set(await imageClasses(store, project, image)))
      perSplit[c] = (perSplit[c] ?? 0) + 1;
  }
  return {
    name: meta.name,
    task: meta.task,
    createdAt: meta.createdAt,
    classes: meta.classes,
    counts,
    unlabelled,
    targetImages: meta.task === 'classification' ? (await targetImages(folder)).length : 0,
    cli: cliLines(project, labelled),
    revision: meta.revision ?? 0,
  };
}

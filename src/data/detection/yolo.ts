// YOLO (Ultralytics) layout: `data.yaml` names the classes (`names`: a list, or a map from index)
// and image folders (`train`, `val`, `test`, relative to `path` or to the yaml's folder); each
// image's labels are the same path with `images` replaced by `labels` and a `.txt` extension, one
// `class cx cy w h` line per box, normalized to [0, 1]. An image without a label file is a
// negative. Image sizes come from the file headers, boxes are returned in pixels.
// Everything is confined to the yaml's folder: `path:`, the split folders, each image and label
// file. A bad label line is quoted (shortened) only from a file inside that folder.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { badInput } from '../../errors.js';
import { confine, readDocument, refuseReason } from '../../guard/index.js';
import { IMAGE_EXTENSIONS } from '../decode.js';
import { checkBox } from './check-box.js';
import { describeIssues } from './coco-schema.js';
import { imageSize } from './image-size.js';
import { locateFile } from './locate.js';
import { Problems } from './problems.js';
import type { DetectionDataset, DetectionLoadOptions, DetectionSample } from './types.js';

const name = z.union([z.string(), z.number()]).transform(String);
const dataYamlSchema = z.object({
  path: z.string().optional(),
  names: z.union([z.array(name), z.record(z.string(), name)]).optional(),
  train: z.string().optional(),
  val: z.string().optional(),
  test: z.string().optional(),
});
type DataYaml = z.output<typeof dataYamlSchema>;

/** Longest part of a label line quoted in a problem. */
const QUOTE_CHARS = 40;

function classNames(yamlFile: string, names: DataYaml['names']): string[] {
  if (Array.isArray(names)) return names;
  if (names) {
    const entries = Object.entries(names).map(([k, v]) => [Number(k), v] as const);
    entries.sort((a, b) => a[0] - b[0]);
    if (entries.some(([k], i) => k !== i))
      throw badInput(`${yamlFile}: "names" must number classes 0, 1, 2, … without gaps`);
    return entries.map(([, v]) => v);
  }
  throw badInput(`${yamlFile}: no "names" list of classes`);
}

async function readDataYaml(yamlFile: string): Promise<DataYaml> {
  const text = await readDocument(yamlFile);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw badInput(`${yamlFile}: cannot read YOLO data.yaml (${(err as Error).message})`);
  }
  const parsed = dataYamlSchema.safeParse(raw ?? {});
  if (!parsed.success)
    throw badInput(`${yamlFile}: not a YOLO data.yaml (${describeIssues(parsed.error)})`);
  return parsed.data;
}

async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) throw badInput(`${dir}: image folder does not exist`);
  const files = await Promise.all(
    entries.map(async (e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return imagesUnder(full);
      return IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()) ? [full] : [];
    }),
  );
  return files.flat().sort();
}

/** Ultralytics' rule: the last `/images/` in the path becomes `/labels/`, the extension `.txt`. */
export function labelPathFor(image: string): string {
  const sep = `${path.sep}images${path.sep}`;
  const at = image.lastIndexOf(sep);
  const swapped =
    at < 0
      ? image
      : `${image.slice(0, at)}${path.sep}labels${path.sep}${image.slice(at + sep.length)}`;
  return `${swapped.slice(0, swapped.length - path.extname(swapped).length)}.txt`;
}

/** The split's image folder, confined to the yaml's folder. */
async function splitFolder(yamlFile: string, data: DataYaml, split: string): Promise<string> {
  const folder = data[split as 'train' | 'val' | 'test'];
  if (!folder) throw badInput(`${yamlFile}: no "${split}" image folder`);
  const yamlDir = path.dirname(yamlFile);
  const dataRoot = await confine(yamlDir, data.path ?? '.');
  if ('reason' in dataRoot) throw badInput(`${yamlFile}: "path": ${dataRoot.reason}`);
  const entry = path.isAbsolute(folder) ? folder : path.join(data.path ?? '.', folder);
  const confined = await confine(yamlDir, entry);
  if ('reason' in confined) throw badInput(`${yamlFile}: "${split}": ${confined.reason}`);
  return confined.path;
}

/** The label file's text ('' for a negative), or why it cannot be read. */
async function readLabels(yamlDir: string, labels: string): Promise<string | { reason: string }> {
  const confined = await confine(yamlDir, labels);
  if ('reason' in confined) return confined;
  if ((await refuseReason(labels, 'document')) === 'file not found') return '';
  try {
    return await readDocument(labels);
  } catch (err) {
    return { reason: (err as Error).message };
  }
}

/** A bad line as shown in a problem: quoted when the file is inside the root, else not at all. */
async function shownLine(yamlDir: string, labels: string, line: string): Promise<string> {
  const inside = await confine(yamlDir, labels, { always: true });
  if ('reason' in inside) return 'a line';
  const text = line.trim();
  return `"${text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS)}…` : text}"`;
}

export async function openYolo(
  yamlFile: string,
  options: DetectionLoadOptions & { split?: 'train' | 'val' | 'test' } = {},
): Promise<DetectionDataset> {
  const data = await readDataYaml(yamlFile);
  const categories = classNames(yamlFile, data.names);
  const yamlDir = path.dirname(yamlFile);
  const folder = await splitFolder(yamlFile, data, options.split ?? 'train');
  const problems = new Problems();
  const samples: DetectionSample[] = [];
  for (const image of await imagesUnder(folder)) {
    const found = await locateFile(yamlDir, image);
    const size = 'reason' in found ? found : await imageSize(found.path);
    if ('reason' in size) {
      problems.add(image, size.reason);
      continue;
    }
    const { width, height } = size;
    const sample: DetectionSample = { id: image, width, height, boxes: [] };
    const labels = labelPathFor(image);
    const text = await readLabels(yamlDir, labels);
    if (typeof text !== 'string') {
      problems.add(labels, text.reason);
      continue;
    }
    for (const [i, line] of text.split('\n').entries()) {
      if (!line.trim()) continue;
      const where = `${labels}:${i + 1}`;
      const fields = line.trim().split(/\s+/).map(Number);
      const [cls, cx, cy, w, h] = fields as [number, number, number, number, number];
      if (fields.length !== 5 || !fields.every(Number.isFinite)) {
        problems.add(
          where,
          `expected "class cx cy w h", got ${await shownLine(yamlDir, labels, line)}`,
        );
      } else if (!(Number.isInteger(cls) && cls >= 0 && cls < categories.length)) {
        problems.add(where, `class ${cls} is not one of the ${categories.length} in ${yamlFile}`);
      } else {
        const box = checkBox(
          [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height],
          width,
          height,
        );
        if ('reason' in box) problems.add(where, box.reason);
        else sample.boxes.push({ bbox: box.bbox, category: cls });
      }
    }
    samples.push(sample);
  }
  problems.check(yamlFile, options.skipBad);
  return { name: yamlFile, format: 'yolo', categories, samples, skipped: problems.list };
}

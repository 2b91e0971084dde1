// YOLO (Ultralytics) layout: `data.yaml` names the classes (`names`: a list, or a map from index)
// and image folders (`train`, `val`, `test`, relative to `path` or to the yaml's folder); each
// image's labels are the same path with `images` replaced by `labels` and a `.txt` extension, one
// `class cx cy w h` line per box, normalized to [0, 1]. An image without a label file is a
// negative. Image sizes come from the file headers (sharp), boxes are returned in pixels.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { parse as parseYaml } from 'yaml';
import { badInput } from '../../errors.js';
import { IMAGE_EXTENSIONS } from '../decode.js';
import { checkBox } from './check-box.js';
import { Problems } from './problems.js';
import type { DetectionDataset, DetectionLoadOptions, DetectionSample } from './types.js';

interface DataYaml {
  path?: string;
  names?: string[] | Record<string, string>;
  train?: string;
  val?: string;
  test?: string;
}

function classNames(yamlFile: string, names: DataYaml['names']): string[] {
  if (Array.isArray(names)) return names.map(String);
  if (names && typeof names === 'object') {
    const entries = Object.entries(names).map(([k, v]) => [Number(k), String(v)] as const);
    entries.sort((a, b) => a[0] - b[0]);
    if (entries.some(([k], i) => k !== i))
      throw badInput(`${yamlFile}: "names" must number classes 0, 1, 2, … without gaps`);
    return entries.map(([, v]) => v);
  }
  throw badInput(`${yamlFile}: no "names" list of classes`);
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

export async function openYolo(
  yamlFile: string,
  options: DetectionLoadOptions & { split?: 'train' | 'val' | 'test' } = {},
): Promise<DetectionDataset> {
  let data: DataYaml;
  try {
    data = parseYaml(await fs.readFile(yamlFile, 'utf8')) as DataYaml;
  } catch (err) {
    throw badInput(`${yamlFile}: cannot read YOLO data.yaml (${(err as Error).message})`);
  }
  const categories = classNames(yamlFile, data?.names);
  const root = path.resolve(path.dirname(yamlFile), data.path ?? '.');
  const split = options.split ?? 'train';
  const folder = data[split];
  if (!folder) throw badInput(`${yamlFile}: no "${split}" image folder`);
  const problems = new Problems();
  const samples: DetectionSample[] = [];
  for (const id of await imagesUnder(path.resolve(root, folder))) {
    const meta = await sharp(id)
      .metadata()
      .catch(() => undefined);
    if (!meta?.width || !meta.height) {
      problems.add(id, 'cannot read the image size (corrupt or not an image)');
      continue;
    }
    const { width, height } = meta;
    const sample: DetectionSample = { id, width, height, boxes: [] };
    const labels = labelPathFor(id);
    const text = await fs.readFile(labels, 'utf8').catch(() => '');
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const where = `${labels}:${i + 1}`;
      const fields = line.trim().split(/\s+/).map(Number);
      const [cls, cx, cy, w, h] = fields;
      if (fields.length !== 5 || !fields.every(Number.isFinite)) {
        problems.add(where, `expected "class cx cy w h", got "${line.trim()}"`);
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
    });
    samples.push(sample);
  }
  problems.check(yamlFile, options.skipBad);
  return { name: yamlFile, format: 'yolo', categories, samples, skipped: problems.list };
}

// The shape of a COCO annotation file, checked before anything is used: the file must be an object
// with `images` and `categories` arrays (else one BAD_INPUT naming the file); each image and
// annotation entry is checked on its own, so a bad entry (null, a wrong type, a missing
// `file_name`, a label object where a number belongs) becomes a problem naming the file, the entry
// and the field, and the rest still loads under --skip-bad. Bad categories fail the whole file:
// they define the class list. Detection and segmentation share it (segmentation adds masks).
import { z } from 'zod';
import { badInput } from '../../errors.js';
import { readJsonDocument } from '../../guard/index.js';

const id = z.union([z.number(), z.string()]);
const positive = z.number().positive().finite();

export const cocoImageSchema = z.object({
  id,
  file_name: z.string().min(1),
  width: positive,
  height: positive,
});
export type CocoImage = z.output<typeof cocoImageSchema>;

export const cocoCategorySchema = z.object({ id: z.number().int(), name: z.string() });

export const cocoBoxAnnotationSchema = z.object({
  id: id.optional(),
  image_id: id,
  category_id: z.number().int(),
  bbox: z.array(z.number()),
  iscrowd: z.union([z.number(), z.boolean()]).optional(),
});

/** One line per issue: the field's path and zod's reason. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'entry'}: ${issue.message}`)
    .join('; ');
}

/** How an entry is named in problems: its index, and its id when it has a usable one. */
function entryName(list: string, index: number, entry: unknown): string {
  const raw = (entry as { id?: unknown } | null)?.id;
  const known = typeof raw === 'number' || typeof raw === 'string';
  return `${list}[${index}]${known ? ` (id ${String(raw).slice(0, 40)})` : ''}`;
}

export interface CocoEntries<A> {
  images: CocoImage[];
  annotations: A[];
  categories: z.output<typeof cocoCategorySchema>[];
  /** Every image id in the file, valid entry or not: an annotation of a bad image is not orphaned. */
  imageIds: Set<unknown>;
  /** Entries that failed their schema: where (file and entry) and why (field and reason). */
  bad: { where: string; reason: string }[];
}

/**
 * Reads `file` (size- and depth-limited) and checks it against the COCO shape, with
 * `annotation` the schema of one annotation entry.
 */
export async function readCocoFile<S extends z.ZodType>(
  file: string,
  annotation: S,
): Promise<CocoEntries<z.output<S>>> {
  const json = (await readJsonDocument(file)) as Record<string, unknown> | null;
  const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
  if (!isObject || !Array.isArray(json.images) || !Array.isArray(json.categories))
    throw badInput(`${file}: not a COCO file (needs "images" and "categories" arrays)`);
  if (json.annotations !== undefined && !Array.isArray(json.annotations))
    throw badInput(`${file}: "annotations" must be an array`);
  const bad: CocoEntries<unknown>['bad'] = [];
  const entries = <T>(list: string, items: unknown[], schema: z.ZodType<T>): T[] => {
    const good: T[] = [];
    items.forEach((item, i) => {
      const parsed = schema.safeParse(item);
      if (parsed.success) good.push(parsed.data);
      else
        bad.push({
          where: `${file}: ${entryName(list, i, item)}`,
          reason: describeIssues(parsed.error),
        });
    });
    return good;
  };
  const categories = entries('categories', json.categories, cocoCategorySchema);
  if (bad.length > 0)
    throw badInput(
      `${file}: ${bad.length} bad categor${bad.length === 1 ? 'y' : 'ies'} (each needs a numeric "id" and a "name")`,
      bad.slice(0, 20).map((b) => `${b.where}: ${b.reason}`),
    );
  const ids = new Set<number>();
  for (const c of categories) {
    if (ids.has(c.id)) throw badInput(`${file}: category id ${c.id} appears twice in "categories"`);
    ids.add(c.id);
  }
  return {
    categories,
    images: entries('images', json.images, cocoImageSchema),
    annotations: entries<z.output<S>>(
      'annotations',
      (json.annotations as unknown[]) ?? [],
      annotation as z.ZodType<z.output<S>>,
    ),
    imageIds: new Set(json.images.map((im) => (im as { id?: unknown } | null)?.id)),
    bad,
  };
}

// Sending image files to a project: the multipart POST …/images (and …/target) the server reads,
// text fields first so the server knows split and label before the files stream in.
import type { AddImagesResult, Split } from '../../../../src/studio/api-types.js';
import { post, projectUrl } from '../../api.js';

export function uploadImages(
  project: string,
  files: Iterable<File | Blob>,
  split: Split,
  label?: string,
): Promise<AddImagesResult> {
  const form = new FormData();
  form.append('split', split);
  if (label) form.append('label', label);
  appendFiles(form, files);
  return post<AddImagesResult>(`${projectUrl(project)}/images`, form);
}

export function uploadTarget(project: string, files: Iterable<File>): Promise<AddImagesResult> {
  const form = new FormData();
  appendFiles(form, files);
  return post<AddImagesResult>(`${projectUrl(project)}/target`, form);
}

function appendFiles(form: FormData, files: Iterable<File | Blob>) {
  let n = 0;
  for (const file of files) {
    n += 1;
    form.append('file', file, file instanceof File ? file.name : `capture-${n}.jpg`);
  }
}

/** The image files among dropped items (folders and other files are left out). */
export function droppedImages(event: DragEvent): File[] {
  return [...(event.dataTransfer?.files ?? [])].filter(
    (f) => f.type.startsWith('image/') || /\.(jpe?g|png|webp|gif|bmp|tiff?|avif)$/i.test(f.name),
  );
}

/** Merges the answers of several uploads into one (webcam bursts send many small batches). */
export function mergeResults(a: AddImagesResult | undefined, b: AddImagesResult): AddImagesResult {
  return a
    ? {
        added: [...a.added, ...b.added],
        rejected: [...a.rejected, ...b.rejected],
        revision: Math.max(a.revision, b.revision),
      }
    : b;
}

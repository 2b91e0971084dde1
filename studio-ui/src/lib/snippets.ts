// Copy-paste code for using a run's model elsewhere, with the real URLs and paths filled in: the
// browser (visiontune/web, the bundle served by this studio), Node (the library or the CLI) and
// `visiontune serve` with a curl line. The calls are the ones src/web/index.ts, src/index.ts and
// README's serving section document. Pure, unit-tested.
import type { Task } from '../../../src/studio/api-types.js';

export interface SnippetPlace {
  task: Task;
  project: string;
  run: string;
  /** The studio's origin as the browser sees it, e.g. http://127.0.0.1:7860. */
  origin: string;
  /** The studio's projects folder (absolute, from GET /api/info). */
  dir: string;
}

/** A word for a POSIX shell: kept bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const js = (text: string) => JSON.stringify(text).replace(/"/g, "'");

export function runFolder(place: SnippetPlace): string {
  return `${place.dir.replace(/\/+$/, '')}/${place.project}/runs/${place.run}`;
}

export function bundleUrl(place: SnippetPlace): string {
  const e = encodeURIComponent;
  return `${place.origin}/api/projects/${e(place.project)}/runs/${e(place.run)}/bundle/`;
}

export function browserSnippet(place: SnippetPlace): string {
  const load = `const model = await loadBundle(${js(bundleUrl(place))});`;
  const image = `const image = document.querySelector('img'); // or a <video>, <canvas>, Blob, File`;
  switch (place.task) {
    case 'classification':
      return [
        `import { classify, loadBundle } from 'visiontune/web';`,
        '',
        load,
        image,
        'const { top } = await classify(model, image);',
        'console.log(top[0].label, top[0].probability);',
      ].join('\n');
    case 'detection':
      return [
        `import { detect, loadBundle } from 'visiontune/web';`,
        '',
        load,
        image,
        'const boxes = await detect(model, image); // bbox: [x, y, width, height] in pixels',
        'console.log(boxes);',
      ].join('\n');
    case 'segmentation':
      return [
        `import { loadBundle, segment } from 'visiontune/web';`,
        '',
        load,
        image,
        'const { mask, classShares } = await segment(model, image);',
        'console.log(classShares);',
      ].join('\n');
  }
}

export function nodeSnippet(place: SnippetPlace): string {
  const folder = runFolder(place);
  if (place.task === 'classification')
    return [
      `import { loadBundle, openFiles, predictSamples } from 'visiontune';`,
      '',
      `const bundle = await loadBundle(${js(folder)});`,
      `const photos = await openFiles(['photos/']); // your images (files or folders)`,
      'const predictions = await predictSamples(bundle, photos, photos.splits.test ?? [], { topK: 3 });',
      'for (const p of predictions) console.log(p.id, p.top[0].label, p.top[0].probability);',
    ].join('\n');
  const command = place.task === 'detection' ? 'detect predict' : 'segment predict';
  return `npx visiontune ${command} photos/ --model ${shellQuote(`${folder}/bundle`)} --out found`;
}

export function serveSnippet(place: SnippetPlace): string {
  const name = place.project;
  return [
    `npx visiontune serve --model ${shellQuote(`${name}=${runFolder(place)}/bundle`)} --port 8080`,
    `curl -s -F image=@photo.jpg http://127.0.0.1:8080/v1/models/${name}/predict`,
  ].join('\n');
}

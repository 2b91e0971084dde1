// The studio in a real browser: Debian's chromium, headless, driven by puppeteer-core against the
// real server and real CLI training processes. A classification project from upload to a trained
// classifier (held-out test split, accuracy shown, one wrong label fixed from the worst-examples
// grid, an uploaded image predicted in the page with visiontune/web and compared with Node), a
// detection project labelled with the mouse (the COCO file on disk checked), a run cancelled
// mid-epoch, and the (fake) webcam: a held burst adds photos, the model predicts live frames.
// Every page is saved as a screenshot in a folder the test prints (kept as CI artifacts);
// VISIONTUNE_STUDIO_SCREENSHOTS=<dir> also writes them there (the README's come from this test).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ElementHandle, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { loadBundle } from '../bundle/bundle.js';
import { predictSamples } from '../bundle/predict.js';
import { openFiles } from '../data/sources/files.js';
import { initEngine } from '../engine/index.js';
import { processAlive } from '../guard/lock.js';
import { launchChromium } from '../web/test-browser.js';
import { writePhotoJpeg } from '../web/test-photo.js';
import { COLOURS, colourJpeg, type RunningStudio, startStudio } from './test-studio.js';

const STEP_MS = 120_000;
let work: string;
let shots: string;
let studio: RunningStudio;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-e2e-'));
  // Kept after the test: the CI artifacts.
  shots = await fs.mkdtemp(path.join(os.tmpdir(), 'visiontune-studio-screenshots-'));
  studio = await startStudio(path.join(work, 'projects'));
  chromium = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
  ]);
  page = await chromium.browser.newPage();
  await page.setViewport({ width: 1280, height: 860 });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  // Shown when a step fails: what the page said on its console.
  page.on('response', (response) => {
    if (response.status() >= 400)
      process.stdout.write(`# page request ${response.status()}: ${response.url()}\n`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warn')
      process.stdout.write(`# page console ${message.type()}: ${message.text()}\n`);
  });
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await chromium?.close();
  await studio?.close();
  await fs.rm(work, { recursive: true, force: true });
});

const byTestId = (id: string) => `[data-testid="${id}"]`;

async function screenshot(name: string) {
  const file = path.join(shots, `${name}.png`);
  // From the top: the sticky header would otherwise be drawn where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  const extra = process.env.VISIONTUNE_STUDIO_SCREENSHOTS;
  if (extra) {
    await fs.mkdir(extra, { recursive: true });
    await fs.copyFile(file, path.join(extra, `${name}.png`));
  }
}

async function textOf(id: string): Promise<string> {
  return page.$eval(byTestId(id), (el) => (el.textContent ?? '').trim());
}

async function waitForText(id: string, want: RegExp, timeout = STEP_MS) {
  await page
    .waitForFunction(
      (selector, source) => {
        const el = document.querySelector(selector);
        return el !== null && new RegExp(source).test((el.textContent ?? '').trim());
      },
      { timeout },
      byTestId(id),
      want.source,
    )
    .catch(async (err) => {
      await screenshot(`failed-${id}`);
      const now = await textOf(id).catch(() => '(no such element)');
      throw new Error(`${id}: waited for ${want}, it says '${now}' (${(err as Error).message})`);
    });
}

async function select(id: string, value: string) {
  await page.waitForSelector(byTestId(id));
  const chosen = await page.select(byTestId(id), value);
  assert.deepEqual(chosen, [value], `${id}: no option '${value}'`);
}

async function typeInto(id: string, value: string) {
  const input = await page.waitForSelector(byTestId(id));
  await input!.click({ count: 3 });
  await page.keyboard.press('Backspace');
  await input!.type(value);
}

async function click(id: string) {
  await (await page.waitForSelector(`${byTestId(id)}:not([disabled])`))!.click();
}

async function createProject(name: string, task: string, classes: string) {
  await page.goto(`${studio.url}/#/`);
  await typeInto('new-project-name', name);
  await select('new-project-task', task);
  await typeInto('new-project-classes', classes);
  await click('create-project');
  await page.waitForFunction((p) => location.hash.startsWith(`#/p/${p}`), {}, name);
}

async function upload(files: string[], label: string | undefined, split: 'train' | 'test') {
  if (label !== undefined) await select('upload-label', label);
  await select('upload-split', split);
  const input = (await page.waitForSelector(
    byTestId('upload-input'),
  )) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(...files);
}

const project = (name: string) => path.join(studio.dir, name);

async function images(colour: string, count: number, first: number) {
  const dir = path.join(work, 'photos', colour);
  await fs.mkdir(dir, { recursive: true });
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      colourJpeg(path.join(dir, `${colour}-${first + i}.jpg`), COLOURS[colour]!, first + i),
    ),
  );
}

/** The newest run folder of a project (with `status`: the newest run that ended so). */
async function runFolder(projectName: string, status?: string): Promise<string> {
  const runs = path.join(project(projectName), 'runs');
  for (const id of (await fs.readdir(runs)).sort().reverse()) {
    if (status === undefined) return path.join(runs, id);
    const record = JSON.parse(await fs.readFile(path.join(runs, id, 'studio-run.json'), 'utf8'));
    if (record.status === status) return path.join(runs, id);
  }
  throw new Error(`${projectName} has no ${status ?? ''} run`);
}

async function train(options: Record<string, string>) {
  await click('nav-train');
  for (const [field, value] of Object.entries(options)) {
    const input = (await page.waitForSelector(byTestId(`option-${field}`)))!;
    // Options not shown first sit in the collapsed "More options".
    if (!(await input.evaluate((el) => el.checkVisibility())))
      await page.click('details.more-options > summary');
    const choices = await input.evaluate((el) =>
      el instanceof HTMLSelectElement ? [...el.options].map((o) => o.value) : undefined,
    );
    if (choices === undefined) await typeInto(`option-${field}`, value);
    else if (choices.includes(value)) await select(`option-${field}`, value);
    else {
      // A number for a field that also takes words ('auto'): its "a number…" entry, then the box.
      await select(`option-${field}`, choices.at(-1)!);
      await typeInto(`option-${field}-number`, value);
    }
  }
  await click('start-run');
  await page.waitForSelector(byTestId('run-status'));
}

test('classification: upload, held-out split, train, evaluate, relabel, try it', async () => {
  await page.goto(`${studio.url}/`);
  await page.waitForSelector(byTestId('new-project-name'));
  await screenshot('1-projects');
  await createProject('colours', 'classification', 'red, green, blue');

  for (const colour of Object.keys(COLOURS)) {
    await upload(await images(colour, 8, 0), colour, 'train');
    await waitForText(`class-count-${colour}-train`, /^8$/);
  }
  // Two of each class become the held-out test set, chosen in the grid.
  for (const colour of Object.keys(COLOURS))
    for (const i of [6, 7])
      await page.click(`${byTestId('image-tile')}[data-id$="/${colour}/${colour}-${i}.jpg"]`);
  await click('move-split-test');
  for (const colour of Object.keys(COLOURS)) {
    await waitForText(`class-count-${colour}-train`, /^6$/);
    await waitForText(`class-count-${colour}-test`, /^2$/);
  }
  // A red photo filed under green by mistake: the evaluation should point at it.
  const [mislabelled] = await images('red', 1, 100);
  await upload([mislabelled!], 'green', 'test');
  await waitForText('class-count-green-test', /^3$/);
  const onDisk = (split: string, cls: string) =>
    fs.readdir(path.join(project('colours'), 'data', split, cls));
  assert.deepEqual((await onDisk('train', 'red')).length, 6);
  assert.ok((await onDisk('test', 'green')).includes('red-100.jpg'));
  await screenshot('2-data');

  await train({ backbone: 'resnet_tiny', strategy: 'scratch', epochs: '6', imageSize: '32' });
  await screenshot('3-train-running');
  await waitForText('run-status', /^completed$/);
  const run = await runFolder('colours');
  const evaluation = JSON.parse(await fs.readFile(path.join(run, 'evaluation.json'), 'utf8')) as {
    predictions: { id: string; label: string; predicted: string }[];
  };
  const right = evaluation.predictions.filter((p) => p.label === p.predicted).length;
  const accuracy = (100 * right) / evaluation.predictions.length;
  await waitForText('metric-accuracy', /\d/);
  assert.equal(Number.parseFloat(await textOf('metric-accuracy')), Number(accuracy.toFixed(1)));
  await screenshot('4-run');

  await click('tab-evaluate');
  const worst = await page.waitForSelector(`${byTestId('worst-example')}[data-id$="red-100.jpg"]`);
  await screenshot('5-evaluate');
  await worst!.click();
  await select('relabel-select', 'red');
  await click('relabel-apply');
  await page.waitForFunction(
    (file) => fetch(file).then((r) => r.ok),
    {},
    `/api/projects/colours/thumb/${encodeURIComponent('data/test/red/red-100.jpg')}`,
  );
  assert.ok((await onDisk('test', 'red')).includes('red-100.jpg'));
  assert.ok(!(await onDisk('test', 'green')).includes('red-100.jpg'));

  await click('tab-try');
  const [probe] = await images('blue', 1, 200);
  // Enabled once the page has loaded the model.
  const input = (await page.waitForSelector(`${byTestId('tryit-upload')}:not([disabled])`, {
    timeout: STEP_MS,
  })) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(probe!);
  await waitForText('tryit-result', /\w/);
  await screenshot('6-try-it');
  // Node's prediction for the same file with the same bundle.
  await initEngine();
  const bundle = await loadBundle(path.join(run, 'bundle'));
  const photos = await openFiles([probe!]);
  const [node] = await predictSamples(bundle, photos, photos.splits.test ?? [], { topK: 1 });
  bundle.model.dispose();
  assert.equal(await textOf('tryit-result'), node!.top[0]!.label);

  await click('tab-export');
  await click('export-bundle-zip');
  await page.waitForSelector(byTestId('download-bundle-zip'), { timeout: STEP_MS });
  await screenshot('7-export');
  assert.deepEqual(pageErrors, []);
});

test('detection: two boxes drawn with the mouse land in the COCO file', async () => {
  await createProject('pets', 'detection', 'cat, dog');
  const photo = path.join(work, 'scene.jpg');
  await writePhotoJpeg(photo, 200, 200, 7);
  await upload([photo], undefined, 'train');
  await (await page.waitForSelector(`${byTestId('image-tile')}[data-id$="scene.jpg"]`))!.click();
  const canvas = await page.waitForSelector(byTestId('label-canvas'));
  await page.waitForFunction(
    (selector) => (document.querySelector(selector)?.getBoundingClientRect().width ?? 0) > 50,
    {},
    byTestId('label-canvas'),
  );
  const rect = (await canvas!.boundingBox())!;
  const scale = rect.width / 200;
  const drag = async (x0: number, y0: number, x1: number, y1: number) => {
    await page.mouse.move(rect.x + x0 * scale, rect.y + y0 * scale);
    await page.mouse.down();
    await page.mouse.move(rect.x + ((x0 + x1) / 2) * scale, rect.y + ((y0 + y1) / 2) * scale);
    await page.mouse.move(rect.x + x1 * scale, rect.y + y1 * scale);
    await page.mouse.up();
  };
  await select('label-class', 'cat');
  await drag(20, 30, 90, 120);
  // The new box stays selected (the picker would relabel it): deselect, then pick the next class.
  await page.keyboard.press('Escape');
  await select('label-class', 'dog');
  await drag(110, 40, 180, 170);
  assert.equal((await page.$$(byTestId('label-box'))).length, 2);
  await screenshot('8-label-boxes');
  await click('label-save');
  await page.waitForSelector(byTestId('label-saved'));

  const coco = JSON.parse(
    await fs.readFile(path.join(project('pets'), 'annotations', 'train.json'), 'utf8'),
  ) as {
    images: { id: number; file_name: string; width: number; height: number }[];
    annotations: { image_id: number; category_id: number; bbox: number[] }[];
    categories: { id: number; name: string }[];
  };
  assert.deepEqual(
    coco.images.map((i) => [i.file_name, i.width, i.height]),
    [['scene.jpg', 200, 200]],
  );
  const names = new Map(coco.categories.map((c) => [c.id, c.name]));
  const boxes = coco.annotations
    .map((a) => ({ label: names.get(a.category_id), bbox: a.bbox }))
    .sort((a, b) => a.bbox[0]! - b.bbox[0]!);
  assert.deepEqual(
    boxes.map((b) => b.label),
    ['cat', 'dog'],
  );
  const want = [
    [20, 30, 70, 90],
    [110, 40, 70, 130],
  ];
  for (const [i, box] of boxes.entries())
    for (const [k, v] of box.bbox.entries())
      assert.ok(Math.abs(v - want[i]![k]!) <= 2, `box ${i} bbox ${box.bbox} vs ${want[i]}`);
  assert.deepEqual(pageErrors, []);
});

test('a run cancelled mid-epoch stops its process', async () => {
  await page.goto(`${studio.url}/#/p/colours`);
  // Batches of 2: eight per epoch, so the cancel lands inside an epoch.
  const epochs = 400;
  await train({
    backbone: 'resnet_tiny',
    strategy: 'scratch',
    epochs: String(epochs),
    imageSize: '32',
    batch: '2',
  });
  await waitForText('run-status', /^running$/);
  await page.waitForFunction(
    (selector) => Number(document.querySelector(selector)?.getAttribute('data-fraction')) > 0,
    { timeout: STEP_MS },
    byTestId('run-progress'),
  );
  await click('cancel-run');
  await waitForText('run-status', /^cancelled$/);
  await screenshot('9-cancelled');
  const record = JSON.parse(
    await fs.readFile(path.join(await runFolder('colours'), 'studio-run.json'), 'utf8'),
  ) as { status: string; pid?: number };
  assert.equal(record.status, 'cancelled');
  const log = await fs.readFile(path.join(await runFolder('colours'), 'metrics.jsonl'), 'utf8');
  assert.ok(log.trim().split('\n').length < epochs, 'stopped long before the last epoch');
  if (record.pid !== undefined) assert.ok(!processAlive(record.pid), 'the training process ended');
  process.stdout.write(`# studio screenshots: ${shots}\n`);
  assert.deepEqual(pageErrors, []);
});

test('webcam: a held burst adds photos to a class; the trained model predicts live frames', async () => {
  // Chromium's fake camera (a moving test pattern) stands in for a real one.
  await createProject('camera', 'classification', 'me, nobody');
  await select('upload-label', 'me');
  await click('source-webcam');
  await click('webcam-start');
  const hold = (await page.waitForSelector(`${byTestId('webcam-hold')}:not([disabled])`))!;
  await hold.hover();
  await page.mouse.down();
  await new Promise((resolve) => setTimeout(resolve, 1200));
  await page.mouse.up();
  // The burst's last uploads land after the button is let go: wait until the page's count holds
  // still and agrees with the folder.
  const folder = path.join(project('camera'), 'data', 'train', 'me');
  let taken: string[] = [];
  for (let same = 0, tries = 0; same < 4; tries++) {
    assert.ok(tries < 240, `the webcam photos did not settle: ${taken.length} on disk`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await fs.readdir(folder).catch(() => [] as string[]);
    const shown = await textOf('class-count-me-train').catch(() => '');
    same =
      now.length > 0 && now.length === taken.length && shown === String(now.length) ? same + 1 : 0;
    taken = now;
  }
  assert.ok(taken.length >= 3, `a 1.2 s burst took ${taken.length} frames`);
  for (const name of taken) {
    const meta = await sharp(path.join(folder, name)).metadata();
    assert.equal(meta.format, 'jpeg', name);
    assert.ok((meta.width ?? 0) > 0 && (meta.height ?? 0) > 0, name);
  }
  assert.equal(Number(await textOf('class-count-me-train')), taken.length);
  await screenshot('10-webcam');
  // A bad frame deleted from the grid (after the page asks): its file leaves the project.
  await page.click(`${byTestId('image-tile')}[data-id$="/${taken[0]}"]`);
  page.once('dialog', (dialog) => void dialog.accept());
  await click('delete-selected');
  await waitForText('class-count-me-train', new RegExp(`^${taken.length - 1}$`));
  assert.ok(!(await fs.readdir(folder)).includes(taken[0]!));

  // The classifier trained above, on live frames in the page.
  const run = path.basename(await runFolder('colours', 'completed'));
  await page.goto(`${studio.url}/#/p/colours/runs/${run}/try`);
  await click('tryit-webcam');
  await waitForText('tryit-result', /^(red|green|blue)$/);
  assert.deepEqual(pageErrors, []);
});

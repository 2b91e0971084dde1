// The export tab's snippets (studio-ui/src/lib/snippets.ts) and the live-run fold
// (live-run.ts): real paths and URLs filled in, the calls the libraries export, events folded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as node from '../../../src/index.js';
import * as web from '../../../src/web/index.js';
import { formatMetric } from './format.js';
import { apply, emptyLiveRun, mergeRecords } from './live-run.js';
import {
  browserSnippet,
  nodeSnippet,
  type SnippetPlace,
  serveSnippet,
  shellQuote,
} from './snippets.js';

const place: SnippetPlace = {
  task: 'classification',
  project: 'shop',
  run: 'run-1',
  origin: 'http://127.0.0.1:7860',
  dir: '/home/me/studio',
};

/** The names a snippet imports from `module`. */
function imported(snippet: string, module: string): string[] {
  const m = new RegExp(`import \\{ ([^}]+) \\} from '${module}'`).exec(snippet);
  return m ? m[1]!.split(',').map((s) => s.trim()) : [];
}

test('the browser snippet loads the bundle this studio serves, with visiontune/web calls', () => {
  for (const task of ['classification', 'detection', 'segmentation'] as const) {
    const code = browserSnippet({ ...place, task });
    assert.ok(
      code.includes("loadBundle('http://127.0.0.1:7860/api/projects/shop/runs/run-1/bundle/')"),
    );
    const names = imported(code, 'visiontune/web');
    assert.ok(names.length >= 2);
    for (const name of names)
      assert.equal(typeof (web as Record<string, unknown>)[name], 'function', name);
  }
});

test('the Node snippet imports functions visiontune exports, with the run folder', () => {
  const code = nodeSnippet(place);
  assert.ok(code.includes("loadBundle('/home/me/studio/shop/runs/run-1')"));
  for (const name of imported(code, 'visiontune'))
    assert.equal(typeof (node as Record<string, unknown>)[name], 'function', name);
  assert.match(
    nodeSnippet({ ...place, task: 'detection' }),
    /visiontune detect predict .* --model \/home\/me\/studio\/shop\/runs\/run-1\/bundle/,
  );
});

test('serve and curl lines name the model and quote odd paths', () => {
  assert.equal(
    serveSnippet(place),
    'npx visiontune serve --model shop=/home/me/studio/shop/runs/run-1/bundle --port 8080\n' +
      'curl -s -F image=@photo.jpg http://127.0.0.1:8080/v1/models/shop/predict',
  );
  assert.match(
    serveSnippet({ ...place, dir: "/home/o'neil/my studio" }),
    /--model 'shop=\/home\/o'\\''neil\/my studio\//,
  );
  assert.equal(shellQuote('a b'), "'a b'");
});

test('run events fold into the live state; history merges by epoch', () => {
  let live = emptyLiveRun();
  live = apply(live, { type: 'status', status: 'running' });
  live = apply(live, { type: 'batch', epoch: 1, epochs: 2, batch: 5, batches: 10, loss: 0.9 });
  live = apply(live, { type: 'log', line: 'epoch 1' });
  live = apply(live, { type: 'epoch', record: { epoch: 1, loss: 0.8 } });
  assert.equal(live.status, 'running');
  assert.deepEqual(live.batchLosses, [[0.5, 0.9]]);
  assert.deepEqual(live.log, ['epoch 1']);
  const merged = mergeRecords(
    [{ epoch: 1, loss: 0.7 }],
    [...live.records, { epoch: 2, loss: 0.5 }],
  );
  assert.deepEqual(merged, [
    { epoch: 1, loss: 0.8 },
    { epoch: 2, loss: 0.5 },
  ]);
  assert.equal(formatMetric('accuracy', 0.875), '87.5%');
  assert.equal(formatMetric('loss', 0.123456), '0.1235');
});

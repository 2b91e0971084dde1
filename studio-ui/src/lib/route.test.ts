// The studio frontend's hash routes (studio-ui/src/lib/route.ts): every link it builds parses
// back to its page, image ids with '/' survive, unknown paths are `missing`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { href, parseHash } from './route.js';

test('links parse back to their pages', () => {
  assert.deepEqual(parseHash(href.projects()), { page: 'projects' });
  assert.deepEqual(parseHash(''), { page: 'projects' });
  assert.deepEqual(parseHash(href.data('shop')), { page: 'data', project: 'shop' });
  assert.deepEqual(parseHash(href.train('shop')), { page: 'train', project: 'shop' });
  assert.deepEqual(parseHash(href.runs('shop')), { page: 'runs', project: 'shop' });
  assert.deepEqual(parseHash(href.run('shop', 'r1')), {
    page: 'run',
    project: 'shop',
    run: 'r1',
    tab: 'progress',
  });
  assert.equal(href.run('shop', 'r1', 'export'), '#/p/shop/runs/r1/export');
  assert.deepEqual(parseHash('#/p/shop/runs/r1/try'), {
    page: 'run',
    project: 'shop',
    run: 'r1',
    tab: 'try',
  });
  assert.deepEqual(parseHash(href.compare('shop', 'a', 'b')), {
    page: 'compare',
    project: 'shop',
    a: 'a',
    b: 'b',
  });
});

test('an image id with slashes and spaces is one segment', () => {
  const id = 'images/my photo #1.jpg';
  const link = href.label('shop', id);
  assert.equal(link.split('/').length, 5);
  assert.deepEqual(parseHash(link), { page: 'label', project: 'shop', imageId: id });
});

test('unknown or broken paths are missing, not a crash', () => {
  for (const hash of [
    '#/x',
    '#/p/shop/nope',
    '#/p/shop/runs/r1/bogus',
    '#/p/%E0%A4%A',
    '#/p//train',
  ])
    assert.equal(parseHash(hash).page, 'missing', hash);
});

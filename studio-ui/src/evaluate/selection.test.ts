import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accuracyOf,
  cellPredictions,
  isProjectImage,
  percent,
  worstExamples,
} from './selection.js';

const predictions = [
  { id: 'data/test/cat/1.jpg', label: 'cat', predicted: 'cat', confidence: 0.9 },
  { id: 'data/test/cat/2.jpg', label: 'cat', predicted: 'dog', confidence: 0.6 },
  { id: 'data/test/dog/1.jpg', label: 'dog', predicted: 'cat', confidence: 0.95 },
  { id: 'data/test/dog/2.jpg', label: 'dog', predicted: 'cat', confidence: 0.6 },
];

test('a cell selects its true/predicted pair', () => {
  assert.deepEqual(
    cellPredictions(predictions, 'dog', 'cat').map((p) => p.id),
    ['data/test/dog/1.jpg', 'data/test/dog/2.jpg'],
  );
  assert.deepEqual(cellPredictions(predictions, 'dog', 'dog'), []);
});

test('worst examples: only wrong ones, most confident first, ties by id, limited', () => {
  assert.deepEqual(
    worstExamples(predictions).map((p) => p.id),
    ['data/test/dog/1.jpg', 'data/test/cat/2.jpg', 'data/test/dog/2.jpg'],
  );
  assert.equal(worstExamples(predictions, 1).length, 1);
});

test('absolute paths are outside the project', () => {
  assert.equal(isProjectImage('data/test/cat/1.jpg'), true);
  assert.equal(isProjectImage('/home/me/cat.jpg'), false);
  assert.equal(isProjectImage('C:\\photos\\cat.jpg'), false);
});

test('percent and accuracy', () => {
  assert.equal(percent(0.9234), '92.3%');
  assert.equal(
    accuracyOf([
      [3, 1],
      [0, 4],
    ]),
    7 / 8,
  );
  assert.equal(accuracyOf([]), undefined);
});

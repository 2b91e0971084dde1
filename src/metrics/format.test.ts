import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationMetrics } from './classification.js';
import { formatMetrics } from './format.js';

// 4 classes; class 2 is never predicted, class 3 never occurs in the labels.
const probs = new Float64Array([
  0.7, 0.1, 0.1, 0.1, 0.5, 0.3, 0.1, 0.1, 0.3, 0.6, 0.05, 0.05, 0.4, 0.35, 0.15, 0.1, 0.1, 0.8,
  0.05, 0.05, 0.45, 0.05, 0.2, 0.3, 0.1, 0.1, 0.35, 0.45,
]);
const labels = new Int32Array([0, 0, 0, 1, 1, 2, 2]);
const metrics = classificationMetrics(probs, labels, 4, { topK: [1, 2, 5] });

test('formatMetrics prints the summary, named per-class rows, flags and the confusion matrix', () => {
  const text = formatMetrics(metrics, [
    'cat',
    'dog',
    'a-very-long-label-name-that-goes-on',
    'bird',
  ]);
  const lines = text.split('\n');
  assert.match(text, /^samples\s+7$/m);
  assert.match(text, /^accuracy\s+0\.4286$/m);
  assert.match(text, /^top-2 accuracy\s+0\.8571$/m);
  assert.doesNotMatch(text, /top-5/); // k >= numClasses is trivially 1 and left out
  assert.match(text, /^balanced accuracy\s+0\.3889$/m); // 7/18
  assert.match(text, /^macro F1\s+0\.2679$/m); // 15/56
  assert.match(text, /^ECE \(15 bins\)\s+\d\.\d{4}$/m);
  assert.match(text, /^cat\s+3\s+4\s+0\.500\s+0\.667\s+0\.571$/m);
  // Undefined precision (never predicted) and recall (no samples) are starred and explained.
  assert.match(text, /^a-very-long-label-name-…\s+2\s+0\s+0\.000\*\s+0\.000\s+0\.000$/m);
  assert.match(text, /^bird\s+0\s+1\s+0\.000\s+0\.000\*\s+0\.000$/m);
  assert.ok(lines.some((l) => l.startsWith('* undefined')));
  const header = lines.findIndex((l) => l.startsWith('true \\ predicted'));
  assert.ok(header > 0);
  assert.match(lines[header + 1], /^cat\s+2\s+1\s+0\s+0$/);
  assert.match(lines[header + 3], /^a-very-long-label-name-…\s+1\s+0\s+0\s+1$/);
});

test('formatMetrics falls back to indices, hides a large confusion matrix, checks name count', () => {
  const text = formatMetrics(metrics, undefined, { confusionMaxClasses: 3 });
  assert.match(text, /^2\s+2\s+0\s+0\.000\*/m);
  assert.doesNotMatch(text, /confusion matrix/);
  assert.throws(() => formatMetrics(metrics, ['a', 'b']), /2 label names for 4 classes/);
});

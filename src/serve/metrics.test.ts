import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, Registry } from './metrics.js';

test('counters, histograms and gauges in the Prometheus text format', () => {
  const registry = new Registry();
  const counter = registry.add(new Counter('reqs_total', 'requests'));
  counter.inc({ route: '/a', status: '200' });
  counter.inc({ status: '200', route: '/a' }, 2);
  counter.inc({ route: 'say "hi"\n' });
  const histogram = registry.add(new Histogram('size', 'sizes', [1, 4, 16]));
  const values = [1, 3, 4, 5, 20, 0.5];
  for (const v of values) histogram.observe(v, { model: 'm' });
  registry.add(new Gauge('depth', 'queue', () => [{ labels: { model: 'm' }, value: 3 }]));
  const lines = registry.render().trimEnd().split('\n');
  assert.deepEqual(lines, [
    '# HELP reqs_total requests',
    '# TYPE reqs_total counter',
    'reqs_total{route="/a",status="200"} 3',
    'reqs_total{route="say \\"hi\\"\\n"} 1',
    '# HELP size sizes',
    '# TYPE size histogram',
    // Cumulative: each bucket counts the observations at or below its bound.
    ...[1, 4, 16].map(
      (b) => `size_bucket{model="m",le="${b}"} ${values.filter((v) => v <= b).length}`,
    ),
    `size_bucket{model="m",le="+Inf"} ${values.length}`,
    `size_sum{model="m"} ${values.reduce((a, b) => a + b, 0)}`,
    `size_count{model="m"} ${values.length}`,
    '# HELP depth queue',
    '# TYPE depth gauge',
    'depth{model="m"} 3',
  ]);
  assert.deepEqual(histogram.get({ model: 'm' }), { count: 6, sum: 33.5 });
});

// The PEFT benchmark's plot (issue 27, for the README): per set, test accuracy (mean ± std over
// seeds) against the bytes each method stores (log scale: a delta bundle's weight files, the
// full bundle's for the linear probe and full fine-tuning), one colour per method and one shape
// per stored precision (a PEFT delta's `-fp16` copy is the same method's colour). A vega-lite
// spec rendered to SVG by the report's renderer (src/report/render.ts), data inline.
import type { TopLevelSpec } from 'vega-lite';
import { HALF_SUFFIX } from './half.js';

export interface PlotPoint {
  set: string;
  method: string;
  storedBytes: number;
  accuracy: number;
  std: number;
}

/** `methods` and `sets` give the legend's and the panels' order. */
export function accuracyVsBytesSpec(
  points: PlotPoint[],
  methods: string[],
  sets: string[],
): TopLevelSpec {
  const baseOf = (method: string) =>
    method.endsWith(HALF_SUFFIX) ? method.slice(0, -HALF_SUFFIX.length) : method;
  const values = points.map((p) => ({
    ...p,
    base: baseOf(p.method),
    precision: p.method.endsWith(HALF_SUFFIX) ? 'float16' : 'float32',
    low: p.accuracy - p.std,
    high: p.accuracy + p.std,
  }));
  const x = {
    field: 'storedBytes',
    type: 'quantitative',
    scale: { type: 'log' },
    title: 'stored bytes (weight files; log)',
  } as const;
  const bases = [...new Set(methods.map(baseOf))];
  const color = { field: 'base', type: 'nominal', sort: bases, title: 'method' } as const;
  const shape = {
    field: 'precision',
    type: 'nominal',
    sort: ['float32', 'float16'],
    title: 'stored as',
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description:
      'PEFT benchmark: test accuracy (mean ± std over seeds) against stored bytes, per set and method',
    data: { values },
    facet: { column: { field: 'set', type: 'nominal', title: null, sort: sets } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220,
      height: 200,
      layer: [
        {
          mark: { type: 'rule' },
          encoding: {
            x,
            y: {
              field: 'low',
              type: 'quantitative',
              title: 'test accuracy',
              scale: { zero: false },
            },
            y2: { field: 'high' },
            color,
          },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            x,
            y: { field: 'accuracy', type: 'quantitative' },
            color,
            shape,
            tooltip: [
              { field: 'method' },
              { field: 'accuracy', format: '.4f' },
              { field: 'storedBytes', format: ',' },
            ],
          },
        },
      ],
    },
  };
}

// A small SVG line chart of a few series (training curves): axes with round ticks, a legend.
import { extentOf, linePath, niceTicks, type Series, scale, tickLabel } from '../lib/chart.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
const colorOf = (s: Series, i: number) => s.color ?? COLORS[i % COLORS.length];
const W = 420;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

export function LineChart(props: {
  title: string;
  series: Series[];
  xLabel?: string;
  testid?: string;
  empty?: string;
}) {
  const series = props.series.filter((s) => s.points.some(([, y]) => Number.isFinite(y)));
  const xs = extentOf(series.flatMap((s) => s.points.map(([x]) => x)));
  const ys = extentOf(series.flatMap((s) => s.points.map(([, y]) => y)));
  return (
    <figure class="chart" data-testid={props.testid}>
      <figcaption>{props.title}</figcaption>
      {!xs || !ys ? (
        <p class="muted chart-empty">{props.empty ?? 'No points yet.'}</p>
      ) : (
        <Plot series={series} xs={xs} ys={ys} xLabel={props.xLabel} />
      )}
    </figure>
  );
}

function Plot(props: {
  series: Series[];
  xs: { min: number; max: number };
  ys: { min: number; max: number };
  xLabel?: string;
}) {
  const sx = scale(props.xs, PAD.left, W - PAD.right);
  const sy = scale(props.ys, H - PAD.bottom, PAD.top);
  const xTicks = niceTicks(props.xs, 5);
  const yTicks = niceTicks(props.ys, 4);
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="chart">
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={sy(t)} y2={sy(t)} />
            <text class="tick" x={PAD.left - 6} y={sy(t) + 4} text-anchor="end">
              {tickLabel(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} class="tick" x={sx(t)} y={H - PAD.bottom + 16} text-anchor="middle">
            {tickLabel(t)}
          </text>
        ))}
        <line
          class="axis"
          x1={PAD.left}
          x2={W - PAD.right}
          y1={H - PAD.bottom}
          y2={H - PAD.bottom}
        />
        {props.series.map((s, i) => (
          <g key={s.name}>
            <path
              class="line"
              d={linePath(s.points, sx, sy)}
              stroke={colorOf(s, i)}
              stroke-dasharray={s.dashed ? '5 4' : undefined}
            />
            {s.points.length <= 40 &&
              s.points
                .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
                .map(([x, y]) => (
                  <circle key={`${x}`} cx={sx(x)} cy={sy(y)} r={2.5} fill={colorOf(s, i)} />
                ))}
          </g>
        ))}
      </svg>
      <div class="legend">
        {props.series.map((s, i) => (
          <span key={s.name}>
            <i class={s.dashed ? 'dashed' : undefined} style={{ color: colorOf(s, i) }} />
            {s.name}
          </span>
        ))}
        {props.xLabel && <span class="muted">x: {props.xLabel}</span>}
      </div>
    </>
  );
}

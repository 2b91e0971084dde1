// Two runs side by side (#/p/<project>/compare/<a>/<b>): their scores, the settings that differ
// (all settings on request) and both runs' curves.
import { useState } from 'preact/hooks';
import type { Project, RunDetail } from '../../../src/studio/api-types.js';
import { get, runUrl } from '../api.js';
import { useLoad } from '../components/hooks.js';
import { LineChart } from '../components/line-chart.js';
import { ErrorText, Loading } from '../components/messages.js';
import { StatusBadge } from '../components/run/status-badge.js';
import type { Series } from '../lib/chart.js';
import { diffConfigs } from '../lib/config-diff.js';
import { lossSeries, scoreSeries } from '../lib/curves.js';
import { formatMetric, headlineMetrics } from '../lib/format.js';
import { href } from '../lib/route.js';

export function ComparePage(props: { project: Project; a: string; b: string }) {
  const { project } = props;
  const both = useLoad(
    () => Promise.all([props.a, props.b].map((r) => get<RunDetail>(runUrl(project.name, r)))),
    [project.name, props.a, props.b],
  );
  const [all, setAll] = useState(false);
  if (!both.data)
    return both.error !== undefined ? (
      <ErrorText error={both.error} />
    ) : (
      <Loading what="the runs" />
    );
  const [a, b] = both.data as [RunDetail, RunDetail];
  const metricNames = [
    ...new Set([...headlineMetrics(a.summary.metrics), ...headlineMetrics(b.summary.metrics)]),
  ];
  const rows = diffConfigs(a.config, b.config, !all);
  // One colour per run; validation curves dashed (curves.ts marks them).
  const tag = (name: string, color: string) => (s: Series) => ({
    ...s,
    name: `${name}: ${s.name}`,
    color,
  });
  const [ca, cb] = ['#2563eb', '#ea580c'];
  return (
    <section class="page">
      <h1>
        <a href={href.runs(project.name)} class="muted">
          Runs
        </a>{' '}
        / compare
      </h1>
      <table class="compare" data-testid="compare-metrics">
        <thead>
          <tr>
            <th />
            {[a, b].map((d) => (
              <th key={d.summary.id}>
                <a href={href.run(project.name, d.summary.id)}>{d.summary.id}</a>{' '}
                <StatusBadge status={d.summary.status} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>command</td>
            <td>{a.summary.command}</td>
            <td>{b.summary.command}</td>
          </tr>
          {metricNames.map((m) => {
            const va = a.summary.metrics?.[m];
            const vb = b.summary.metrics?.[m];
            const better =
              va !== undefined && vb !== undefined && va !== vb
                ? /loss|error/i.test(m) === va < vb
                  ? 'a'
                  : 'b'
                : undefined;
            return (
              <tr key={m}>
                <td>{m}</td>
                <td class={better === 'a' ? 'better' : undefined}>
                  {va === undefined ? '—' : formatMetric(m, va)}
                </td>
                <td class={better === 'b' ? 'better' : undefined}>
                  {vb === undefined ? '—' : formatMetric(m, vb)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <div class="page-head">
        <h2>Settings</h2>
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
          Show the settings that are the same too
        </label>
      </div>
      {rows.length === 0 ? (
        <p class="muted">Both runs used the same settings.</p>
      ) : (
        <table class="compare config-diff" data-testid="config-diff">
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} class={r.differs ? 'differs' : undefined}>
                <td>{r.key}</td>
                <td>{r.a}</td>
                <td>{r.b}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Curves</h2>
      <div class="charts">
        <LineChart
          title="Loss"
          xLabel="epoch"
          series={[
            ...lossSeries(a.history).map(tag(a.summary.id, ca)),
            ...lossSeries(b.history).map(tag(b.summary.id, cb)),
          ]}
        />
        <LineChart
          title="Scores"
          xLabel="epoch"
          series={[
            ...scoreSeries(a.history).map(tag(a.summary.id, ca)),
            ...scoreSeries(b.history).map(tag(b.summary.id, cb)),
          ]}
        />
      </div>
    </section>
  );
}

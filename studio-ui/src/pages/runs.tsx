// The runs of a project (#/p/<project>/runs): status, command, key options and metrics of each;
// tick two to compare them.
import { useEffect, useState } from 'preact/hooks';
import type { Project, RunDetail, RunSummary } from '../../../src/studio/api-types.js';
import { get, projectUrl, runUrl } from '../api.js';
import { navigate, useLoad } from '../components/hooks.js';
import { ErrorText, Hint, Loading } from '../components/messages.js';
import { StatusBadge } from '../components/run/status-badge.js';
import { formatDate, formatMetric, headlineMetrics } from '../lib/format.js';
import { isActive } from '../lib/live-run.js';
import { href } from '../lib/route.js';
import { keyOptions } from '../lib/run-options.js';

const REFRESH_MS = 3000;

export function RunsPage(props: { project: Project }) {
  const { project } = props;
  const runs = useLoad(() => get<RunSummary[]>(`${projectUrl(project.name)}/runs`), [project.name]);
  const [picked, setPicked] = useState<string[]>([]);
  // While a run is queued or running, the list refreshes itself.
  const active = runs.data?.some((r) => isActive(r.status)) ?? false;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void runs.reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [active, runs.reload]);
  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  return (
    <section class="page">
      <div class="page-head">
        <h1>Runs</h1>
        <a class="button primary" href={href.train(project.name)}>
          New run
        </a>
      </div>
      {runs.error !== undefined && <ErrorText error={runs.error} />}
      {!runs.data && runs.loading && <Loading what="the runs" />}
      {runs.data?.length === 0 && (
        <p class="muted">
          No runs yet. <a href={href.train(project.name)}>Train a first model</a>.
        </p>
      )}
      {runs.data && runs.data.length > 0 && (
        <>
          <div class="actions">
            <button
              type="button"
              class="primary"
              data-testid="compare-runs"
              disabled={picked.length !== 2}
              onClick={() => navigate(href.compare(project.name, picked[0]!, picked[1]!))}
            >
              Compare the two ticked runs
            </button>
            <Hint>Tick two runs to see their scores and settings side by side.</Hint>
          </div>
          <table class="runs">
            <thead>
              <tr>
                <th />
                <th>Run</th>
                <th>Status</th>
                <th>What</th>
                <th>Key options</th>
                <th>Scores</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((run) => (
                <RunRow
                  key={run.id}
                  project={project}
                  run={run}
                  picked={picked.includes(run.id)}
                  toggle={() => toggle(run.id)}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function RunRow(props: { project: Project; run: RunSummary; picked: boolean; toggle(): void }) {
  const { run, project } = props;
  const detail = useLoad(() => get<RunDetail>(runUrl(project.name, run.id)), [run.id]);
  const metrics = headlineMetrics(run.metrics).slice(0, 3);
  return (
    <tr data-testid={`run-row-${run.id}`} class={props.picked ? 'picked' : undefined}>
      <td>
        <input
          type="checkbox"
          aria-label={`Pick ${run.id} to compare`}
          data-testid={`pick-${run.id}`}
          checked={props.picked}
          onChange={props.toggle}
        />
      </td>
      <td>
        <a href={href.run(project.name, run.id)}>{run.id}</a>
      </td>
      <td>
        <StatusBadge status={run.status} />
        {run.status === 'running' && run.epochs ? (
          <span class="muted small">
            {' '}
            {run.epoch ?? 0}/{run.epochs}
          </span>
        ) : null}
      </td>
      <td>{run.command}</td>
      <td class="small">
        {keyOptions(detail.data?.config).map(([k, v]) => (
          <span key={k} class="kv">
            {k} <b>{v}</b>
          </span>
        ))}
      </td>
      <td>
        {metrics.map((m) => (
          <span key={m} class="kv">
            {m} <b>{formatMetric(m, run.metrics![m]!)}</b>
          </span>
        ))}
      </td>
      <td class="small muted">{formatDate(run.createdAt)}</td>
    </tr>
  );
}

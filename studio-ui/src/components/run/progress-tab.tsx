// The Progress tab of a run: progress bar, live curves, headline metrics when done, cancel or
// resume, the command line that reproduces the run, its log and its configuration.
import { useEffect, useRef } from 'preact/hooks';
import type { Project, RunDetail, RunSummary } from '../../../../src/studio/api-types.js';
import { post, runUrl } from '../../api.js';
import { lossSeries, progressFraction, scoreSeries } from '../../lib/curves.js';
import { formatMetric, headlineMetrics } from '../../lib/format.js';
import { isActive, type LiveRun, mergeRecords } from '../../lib/live-run.js';
import { CodeBlock } from '../code-block.js';
import { useAction } from '../hooks.js';
import { LineChart } from '../line-chart.js';
import { ErrorText, Hint } from '../messages.js';

export function ProgressTab(props: {
  project: Project;
  detail: RunDetail;
  summary: RunSummary;
  live: LiveRun;
  changed(summary: RunSummary): void;
}) {
  const { project, detail, summary, live } = props;
  const records = mergeRecords(detail.history, live.records);
  const action = useAction();
  const control = async (verb: 'cancel' | 'resume') => {
    const answer = await action.run(() =>
      post<RunSummary>(`${runUrl(project.name, summary.id)}/${verb}`),
    );
    // The answer is the run's summary (an empty answer still means it worked: reload).
    if (answer !== undefined) props.changed(answer || summary);
  };
  const metrics = headlineMetrics(summary.metrics);
  return (
    <div class="stack">
      <Progress summary={summary} live={live} />
      {summary.status === 'failed' && (summary.error || live.error) && (
        <p class="error" data-testid="run-error">
          {live.error ?? summary.error}
        </p>
      )}
      <div class="actions">
        {isActive(summary.status) && (
          <button
            type="button"
            class="danger"
            data-testid="cancel-run"
            disabled={action.busy}
            onClick={() => control('cancel')}
          >
            Cancel
          </button>
        )}
        {(summary.status === 'interrupted' || summary.status === 'cancelled') && (
          <button
            type="button"
            class="primary"
            data-testid="resume-run"
            disabled={action.busy}
            onClick={() => control('resume')}
          >
            Resume from the last checkpoint
          </button>
        )}
        <ErrorText error={action.error} testid="control-error" />
      </div>
      {metrics.length > 0 && (
        <div class="metrics">
          {metrics.map((m) => (
            <div class="metric" key={m}>
              <span class="metric-value" data-testid={`metric-${m}`}>
                {formatMetric(m, summary.metrics![m]!)}
              </span>
              <span class="metric-name">{m}</span>
            </div>
          ))}
          {detail.evaluation && (
            <p class="hint">
              Measured on the{' '}
              {detail.evaluation.evaluatedOn === 'test' ? 'held-out test set' : 'validation images'}{' '}
              ({detail.evaluation.predictions.length} images the model never trained on).
            </p>
          )}
        </div>
      )}
      <div class="charts">
        <LineChart
          title="Loss (lower is better)"
          series={lossSeries(records, live.batchLosses)}
          xLabel="epoch"
          testid="loss-chart"
          empty="The loss appears once training starts."
        />
        <LineChart
          title="Scores per epoch"
          series={scoreSeries(records)}
          xLabel="epoch"
          testid="score-chart"
          empty="Scores appear after the first epoch."
        />
      </div>
      {summary.hasReport && (
        <p>
          <a href={`${runUrl(project.name, summary.id)}/report`} target="_blank" rel="noreferrer">
            Open the full report
          </a>{' '}
          <span class="muted">(a page with every score and chart, to keep or share)</span>
        </p>
      )}
      {detail.cli && (
        <div>
          <h3>Reproduce this run</h3>
          <CodeBlock code={detail.cli} testid="run-cli" />
        </div>
      )}
      <Log lines={live.log} />
      <details>
        <summary>Configuration</summary>
        <CodeBlock code={JSON.stringify(detail.config, null, 2)} />
      </details>
    </div>
  );
}

function Progress(props: { summary: RunSummary; live: LiveRun }) {
  const { summary, live } = props;
  const b = live.batch;
  const epochs = b?.epochs ?? summary.epochs ?? 0;
  const fraction =
    summary.status === 'completed'
      ? 1
      : b
        ? progressFraction(b.epoch, b.epochs, b.batch, b.batches)
        : progressFraction((summary.epoch ?? 0) + 1, epochs);
  const text = b
    ? `Epoch ${b.epoch} of ${b.epochs}${b.batches ? ` · batch ${b.batch} of ${b.batches}` : ''}`
    : summary.epoch !== undefined && epochs
      ? `${summary.epoch} of ${epochs} epochs done`
      : summary.status === 'queued'
        ? 'Waiting to start'
        : '';
  return (
    <div class="progress-wrap">
      <div
        class="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
        data-testid="run-progress"
        data-fraction={fraction.toFixed(3)}
      >
        <div class={`bar status-${summary.status}`} style={{ width: `${fraction * 100}%` }} />
      </div>
      <span class="muted">{text}</span>
      {isActive(summary.status) && !live.connected && (
        <Hint>Connecting to the run's live progress…</Hint>
      )}
    </div>
  );
}

function Log(props: { lines: string[] }) {
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [props.lines.length]);
  if (props.lines.length === 0) return null;
  return (
    <div>
      <h3>Log</h3>
      <pre class="log" ref={box} data-testid="run-log">
        {props.lines.join('\n')}
      </pre>
    </div>
  );
}

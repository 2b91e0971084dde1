// A run's evaluation. Classification: headline metrics, the clickable confusion matrix, the worst
// examples (wrong and confident: the likeliest label errors) and a relabel control on every shown
// image, which fixes the label on disk so the next run uses it (the data-centric loop). Every
// task: the run's full report below.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Prediction, Project, RunDetail } from '../../../src/studio/api-types.js';
import { get, runUrl } from '../api.js';
import { ConfusionTable } from '../evaluate/confusion-table.js';
import { ExampleCard } from '../evaluate/example-card.js';
import { accuracyOf, cellPredictions, percent, worstExamples } from '../evaluate/selection.js';
import '../evaluate/evaluate.css';

/** Metrics that are fractions (shown as percentages); others are shown as numbers. */
const FRACTIONS = /accuracy|f1|precision|recall|ap|iou|map/i;

const formatMetric = (name: string, value: number) =>
  FRACTIONS.test(name) && value >= 0 && value <= 1 ? percent(value) : String(+value.toFixed(4));

export function EvaluatePage(props: { project: Project; run: string }) {
  const { project, run } = props;
  const [detail, setDetail] = useState<RunDetail | undefined>();
  const [error, setError] = useState('');
  const [cell, setCell] = useState<[string, string] | undefined>();
  const [relabelled, setRelabelled] = useState<Record<string, string>>({});

  useEffect(() => {
    setDetail(undefined);
    setError('');
    setCell(undefined);
    get<RunDetail>(runUrl(project.name, run))
      .then(setDetail)
      .catch((err) => setError(err instanceof Error ? err.message : String(err)));
  }, [project.name, run]);

  const evaluation = detail?.evaluation;
  const worst = useMemo(
    () => (evaluation ? worstExamples(evaluation.predictions) : []),
    [evaluation],
  );
  const classes = useMemo(
    () => [...new Set([...project.classes, ...(evaluation?.labels ?? [])])],
    [project.classes, evaluation],
  );

  if (error)
    return (
      <p class="eval-error">
        Could not load run {run}: {error}
      </p>
    );
  if (!detail) return <p>Loading run {run}…</p>;

  const metrics = { ...(detail.summary.metrics ?? {}) };
  if (metrics.accuracy === undefined && evaluation) {
    const acc = accuracyOf(evaluation.confusion);
    if (acc !== undefined) metrics.accuracy = acc;
  }
  const onRelabelled = (id: string, label: string) => setRelabelled((r) => ({ ...r, [id]: label }));
  const card = (testId: string) => (p: Prediction) => (
    <ExampleCard
      key={p.id}
      project={project.name}
      prediction={p}
      classes={classes}
      testId={testId}
      relabelled={relabelled[p.id]}
      onRelabelled={onRelabelled}
    />
  );
  const shown = cell && evaluation ? cellPredictions(evaluation.predictions, cell[0], cell[1]) : [];
  const moved = Object.keys(relabelled).length;

  return (
    <section class="eval-page">
      <h2>
        Run <code>{run}</code>{' '}
        <span class={`eval-status ${detail.summary.status}`}>{detail.summary.status}</span>
      </h2>
      <div class="eval-metrics">
        {Object.entries(metrics).map(([name, value]) => (
          <div class="eval-metric" key={name}>
            <div class="eval-metric-value" data-testid={`metric-${name}`}>
              {formatMetric(name, value)}
            </div>
            <div class="eval-metric-name">{name}</div>
          </div>
        ))}
        {Object.keys(metrics).length === 0 && <p>No metrics yet.</p>}
      </div>
      {moved > 0 && (
        <p class="eval-note">
          {moved} image{moved === 1 ? '' : 's'} relabelled on disk. This run's numbers are as it
          scored them; start a new run to train and test with the corrected labels.
        </p>
      )}
      {evaluation && (
        <>
          <h3>
            Confusion matrix{' '}
            <small>
              ({evaluation.predictions.length}{' '}
              {evaluation.evaluatedOn === 'test' ? 'test' : 'validation'} images; click a cell to
              see them)
            </small>
          </h3>
          <ConfusionTable
            labels={evaluation.labels}
            confusion={evaluation.confusion}
            selected={cell}
            onSelect={(t, p) => setCell(cell?.[0] === t && cell[1] === p ? undefined : [t, p])}
          />
          {cell && (
            <>
              <h3>
                True <b>{cell[0]}</b>, predicted <b>{cell[1]}</b> ({shown.length}){' '}
                <button type="button" onClick={() => setCell(undefined)}>
                  Close
                </button>
              </h3>
              <div class="eval-grid">{shown.map(card('cell-example'))}</div>
            </>
          )}
          <h3>
            Worst examples{' '}
            <small>(wrong predictions, most confident first: check their labels)</small>
          </h3>
          {worst.length === 0 ? (
            <p>No wrong predictions.</p>
          ) : (
            <div class="eval-grid">{worst.map(card('worst-example'))}</div>
          )}
        </>
      )}
      {!evaluation && (
        <p class="eval-note">
          {project.task === 'classification'
            ? 'This run has no per-image evaluation; its report is below.'
            : 'The report below has this run’s evaluation.'}
        </p>
      )}
      {detail.summary.hasReport ? (
        <>
          <h3>Report</h3>
          <iframe
            class="eval-report"
            data-testid="run-report"
            title={`report of ${run}`}
            src={`${runUrl(project.name, run)}/report`}
          />
        </>
      ) : (
        <p>This run has no report (yet).</p>
      )}
    </section>
  );
}

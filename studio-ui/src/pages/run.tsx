// A run's page (#/p/<project>/runs/<run>[/tab]): status, the tabs Progress | Evaluate | Try it |
// Export; follows the run's live events while it is queued or running.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Project, RunDetail, RunSummary } from '../../../src/studio/api-types.js';
import { get, runUrl } from '../api.js';
import { useLoad } from '../components/hooks.js';
import { ErrorText, Loading } from '../components/messages.js';
import { ProgressTab } from '../components/run/progress-tab.js';
import { useRunEvents } from '../components/run/run-events.js';
import { StatusBadge, statusMeaning } from '../components/run/status-badge.js';
import { formatDate, runDuration } from '../lib/format.js';
import { isActive } from '../lib/live-run.js';
import { href, type RunTab } from '../lib/route.js';

const TABS: { tab: RunTab; title: string; testid: string; needsModel: boolean }[] = [
  { tab: 'progress', title: 'Progress', testid: 'tab-progress', needsModel: false },
  { tab: 'evaluate', title: 'Evaluate', testid: 'tab-evaluate', needsModel: true },
  { tab: 'try', title: 'Try it', testid: 'tab-try', needsModel: true },
  { tab: 'export', title: 'Export', testid: 'tab-export', needsModel: true },
];

export function RunPage(props: {
  project: Project;
  run: string;
  tab: RunTab;
  children?: ComponentChildren;
}) {
  const { project, run } = props;
  const detail = useLoad(() => get<RunDetail>(runUrl(project.name, run)), [project.name, run]);
  // The latest summary from a control action (cancel, resume) until the next load.
  const [override, setOverride] = useState<RunSummary>();
  const loaded = detail.data?.summary;
  const base = override ?? loaded;
  const live = useRunEvents(project.name, run, isActive(base?.status), () => {
    setOverride(undefined);
    void detail.reload();
  });
  if (!detail.data)
    return detail.error !== undefined ? (
      <section class="page">
        <ErrorText error={detail.error} />
      </section>
    ) : (
      <Loading what="the run" />
    );
  // The stream speaks for the run only while it is followed: once a cancel answered (or the run
  // ended), its last status is older than what the server said.
  const summary: RunSummary =
    live.summary ??
    (isActive(base!.status)
      ? { ...base!, status: live.status ?? base!.status, error: live.error ?? base!.error }
      : base!);
  const ready = summary.hasBundle;
  return (
    <section class="page">
      <div class="page-head">
        <h1>
          <a href={href.runs(project.name)} class="muted">
            Runs
          </a>{' '}
          / {run}
        </h1>
        <StatusBadge status={summary.status} testid="run-status" />
        <span class="muted">{statusMeaning(summary.status)}</span>
      </div>
      <p class="muted small">
        {summary.command} · created {formatDate(summary.createdAt)}
        {summary.startedAt && ` · ${runDuration(summary.startedAt, summary.endedAt)}`}
        {summary.origin === 'cli' && ' · started from the command line'}
      </p>
      <nav class="tabs">
        {TABS.map((t) => (
          <a
            key={t.tab}
            href={href.run(project.name, run, t.tab)}
            class={`${props.tab === t.tab ? 'on' : ''}${t.needsModel && !ready ? ' waiting' : ''}`}
            data-testid={t.testid}
            title={t.needsModel && !ready ? 'Available once the run has made a model' : undefined}
          >
            {t.title}
          </a>
        ))}
      </nav>
      {props.tab === 'progress' ? (
        <ProgressTab
          project={project}
          detail={detail.data}
          summary={summary}
          live={live}
          changed={(s) => {
            setOverride(s);
            void detail.reload().then(() => setOverride(undefined));
          }}
        />
      ) : !ready ? (
        <p class="muted">This run has no model yet: it appears here when the run completes.</p>
      ) : (
        props.children
      )}
    </section>
  );
}

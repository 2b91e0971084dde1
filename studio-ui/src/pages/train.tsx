// The train page (#/p/<project>/train): pick what to run for the task, set its options in the
// form generated from the CLI's own schema (GET /api/schemas/<command>), start it, and see the
// queue when another run holds the machine.
import { useEffect, useState } from 'preact/hooks';
import type {
  CommandSchema,
  Project,
  QueueState,
  RunCommand,
  RunSummary,
  StartRun,
  StudioInfo,
} from '../../../src/studio/api-types.js';
import { get, post, projectUrl } from '../api.js';
import { navigate, useAction, useLoad } from '../components/hooks.js';
import { ErrorText, Hint, Loading } from '../components/messages.js';
import { OptionInput } from '../components/option-field.js';
import { collectOptions, commandsFor, groupFields, initialTexts } from '../lib/option-form.js';
import { href } from '../lib/route.js';

export function TrainPage(props: { project: Project; info?: StudioInfo }) {
  const { project } = props;
  const choices = commandsFor(project);
  const [command, setCommand] = useState<RunCommand>(choices[0]!.command);
  return (
    <section class="page">
      <h1>Train a model</h1>
      <QueueNote />
      <div class="choices">
        {choices.map((c) => (
          <button
            key={c.command}
            type="button"
            aria-pressed={command === c.command}
            class={`choice${command === c.command ? ' on' : ''}`}
            data-testid={`command-${c.command}`}
            onClick={() => setCommand(c.command)}
          >
            <strong>{c.title}</strong>
            <span>{c.hint}</span>
          </button>
        ))}
      </div>
      {project.task === 'classification' && project.targetImages === 0 && (
        <Hint>
          To adapt to photos from another place or camera, add them on the Data page under "Photos
          to adapt to".
        </Hint>
      )}
      <OptionsForm key={command} project={project} command={command} info={props.info} />
    </section>
  );
}

function QueueNote() {
  const queue = useLoad(() => get<QueueState>('/api/queue'), []);
  const q = queue.data;
  if (!q || (!q.running && q.queued.length === 0)) return null;
  return (
    <div class="note" data-testid="queue">
      {q.running && (
        <p>
          Running now:{' '}
          <a href={href.run(q.running.project, q.running.run)}>
            {q.running.project} / {q.running.run}
          </a>
          . A new run waits in the queue until it ends.
        </p>
      )}
      {q.queued.length > 0 && (
        <p>
          Waiting:{' '}
          {q.queued.map((r, i) => (
            <span key={`${r.project}/${r.run}`}>
              {i > 0 && ', '}
              <a href={href.run(r.project, r.run)}>
                {r.project} / {r.run}
              </a>
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

function OptionsForm(props: { project: Project; command: RunCommand; info?: StudioInfo }) {
  const backbones = backboneHints(props.info);
  const schema = useLoad(
    () => get<CommandSchema>(`/api/schemas/${props.command}`),
    [props.command],
  );
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<string[]>([]);
  const action = useAction();
  useEffect(() => {
    if (schema.data) setTexts(initialTexts(schema.data.fields));
  }, [schema.data]);

  if (schema.error !== undefined) return <ErrorText error={schema.error} />;
  if (!schema.data) return <Loading what="the options" />;
  const { common, more } = groupFields(schema.data.fields);
  const field = (f: (typeof common)[number]) => (
    <OptionInput
      key={f.name}
      field={f}
      choiceHint={f.name === 'backbone' ? (c) => backbones[c] : undefined}
      text={texts[f.name] ?? ''}
      onText={(t) => setTexts((all) => ({ ...all, [f.name]: t }))}
    />
  );
  const start = async (e: Event) => {
    e.preventDefault();
    const collected = collectOptions(schema.data!.fields, texts);
    if ('errors' in collected) {
      setProblems(collected.errors);
      return;
    }
    setProblems([]);
    const body: StartRun = { command: props.command, options: collected.options };
    const run = await action.run(() =>
      post<RunSummary>(`${projectUrl(props.project.name)}/runs`, body),
    );
    if (run) navigate(href.run(props.project.name, run.id));
  };
  return (
    <form class="panel options" onSubmit={start}>
      <p class="muted">
        Runs <code>{schema.data.cli}</code> on this project's images. The defaults are a good start.
      </p>
      <div class="fields">{common.map(field)}</div>
      {more.length > 0 && (
        <details class="more-options">
          <summary>More options ({more.length})</summary>
          <div class="fields">{more.map(field)}</div>
        </details>
      )}
      {problems.length > 0 && (
        <ul class="error" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="submit" class="primary" data-testid="start-run" disabled={action.busy}>
          {action.busy ? 'Starting…' : 'Start training'}
        </button>
      </div>
      <ErrorText error={action.error} testid="start-error" />
    </form>
  );
}

/** One line per backbone for people: what it is, and whether it downloads on first use. */
function backboneHints(info?: StudioInfo): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const b of info?.backbones ?? [])
    hints[b.name] =
      `${b.description}${b.pretrained ? '' : ' (not pretrained: learns from your images alone)'}` +
      `${b.downloads ? ' Downloads its weights on first use.' : ''}`;
  return hints;
}

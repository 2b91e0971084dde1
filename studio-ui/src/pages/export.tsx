// The Export tab of a run: make the bundle zip, the ONNX file or the quantized zip (POST …/exports,
// then polled until ready or failed) with a download link, and the code to use the model in a web
// page, in Node and behind `visiontune serve`, with this run's real URLs and paths.
import { useEffect, useState } from 'preact/hooks';
import type {
  ExportFormat,
  ExportState,
  Project,
  StudioInfo,
} from '../../../src/studio/api-types.js';
import { get, post, runUrl } from '../api.js';
import { CodeBlock } from '../components/code-block.js';
import { useAction } from '../components/hooks.js';
import { ErrorText, Hint } from '../components/messages.js';
import { formatBytes } from '../lib/format.js';
import { browserSnippet, nodeSnippet, type SnippetPlace, serveSnippet } from '../lib/snippets.js';

const FORMATS: { format: ExportFormat; title: string; hint: string }[] = [
  {
    format: 'bundle-zip',
    title: 'Model bundle (.zip)',
    hint: 'The model as visiontune loads it: for the browser, Node and visiontune serve.',
  },
  {
    format: 'onnx',
    title: 'ONNX (.onnx)',
    hint: 'A standard format most AI runtimes read (ONNX Runtime, OpenCV, …).',
  },
  {
    format: 'quantized-zip',
    title: 'Smaller model (.zip)',
    hint: 'Weights stored in 8 bits: about 4× smaller, nearly the same answers.',
  },
];

const POLL_MS = 1000;

export function ExportPage(props: { project: Project; run: string; info?: StudioInfo }) {
  const place: SnippetPlace | undefined = props.info && {
    task: props.project.task,
    project: props.project.name,
    run: props.run,
    origin: location.origin,
    dir: props.info.dir,
  };
  return (
    <div class="stack">
      <div class="exports">
        {FORMATS.map((f) => (
          <ExportCard key={f.format} {...f} project={props.project.name} run={props.run} />
        ))}
      </div>
      {place && (
        <>
          <h2>Use the model</h2>
          <CodeBlock
            label="In a web page (npm install visiontune; the model is served by this studio)"
            code={browserSnippet(place)}
            testid="snippet-browser"
          />
          <CodeBlock
            label={place.task === 'classification' ? 'In Node' : 'From the command line'}
            code={nodeSnippet(place)}
            testid="snippet-node"
          />
          <CodeBlock
            label="As a web service (visiontune serve), then ask it from anywhere"
            code={serveSnippet(place)}
            testid="snippet-serve"
          />
        </>
      )}
    </div>
  );
}

function ExportCard(props: {
  format: ExportFormat;
  title: string;
  hint: string;
  project: string;
  run: string;
}) {
  const url = `${runUrl(props.project, props.run)}/exports/${props.format}`;
  const [state, setState] = useState<ExportState>();
  const action = useAction();
  const pending = state?.status === 'queued' || state?.status === 'running';
  useEffect(() => {
    void get<ExportState>(url)
      .then(setState)
      .catch(() => {});
  }, [url]);
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => {
      get<ExportState>(url)
        .then(setState)
        .catch((err) => {
          setState((s) => s && { ...s, status: 'failed', error: String(err.message ?? err) });
        });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [url, pending]);
  const make = async () => {
    const answer = await action.run(() =>
      post<ExportState>(`${runUrl(props.project, props.run)}/exports`, { format: props.format }),
    );
    if (answer) setState(answer);
  };
  return (
    <div class="panel export-card">
      <h3>{props.title}</h3>
      <p class="hint">{props.hint}</p>
      {state?.status === 'ready' ? (
        <a
          class="button primary"
          href={`${url}/download`}
          download
          data-testid={`download-${props.format}`}
        >
          Download{state.bytes ? ` (${formatBytes(state.bytes)})` : ''}
        </a>
      ) : (
        <button
          type="button"
          data-testid={`export-${props.format}`}
          disabled={pending || action.busy}
          onClick={make}
        >
          {pending
            ? `Making it (${state?.status})…`
            : state?.status === 'failed'
              ? 'Try again'
              : 'Make it'}
        </button>
      )}
      {state?.status === 'failed' && state.error && <p class="error">{state.error}</p>}
      {state?.status === 'ready' && state.file && <Hint>Saved as {state.file}</Hint>}
      <ErrorText error={action.error} />
    </div>
  );
}

// One held-out image as the run scored it: thumbnail, true vs predicted label, confidence, and a
// relabel control that moves the file to another class on disk (PATCH …/images). Images outside
// the project (absolute paths) are shown but cannot be relabelled from here.
import { useState } from 'preact/hooks';
import type { MoveImages, Prediction } from '../../../src/studio/api-types.js';
import { imageUrl, patch, projectUrl } from '../api.js';
import { isProjectImage, percent } from './selection.js';

export function ExampleCard(props: {
  project: string;
  prediction: Prediction;
  classes: string[];
  testId: string;
  /** The label it was moved to in this page, if it was. */
  relabelled?: string;
  onRelabelled(id: string, label: string): void;
}) {
  const { prediction: p, relabelled } = props;
  const inProject = isProjectImage(p.id);
  const [choice, setChoice] = useState(p.predicted);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function apply() {
    setBusy(true);
    setError('');
    try {
      const body: MoveImages = { ids: [p.id], label: choice };
      await patch(`${projectUrl(props.project)}/images`, body);
      props.onRelabelled(p.id, choice);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const wrong = p.label !== p.predicted;
  return (
    <figure
      class={`example ${wrong ? 'wrong' : 'right'}`}
      data-testid={props.testId}
      data-id={p.id}
    >
      {inProject ? (
        <img src={imageUrl(props.project, p.id, 'thumb')} alt={p.id} loading="lazy" />
      ) : (
        <div class="example-outside">outside the project</div>
      )}
      <figcaption>
        <div title={p.id} class="example-id">
          {p.id.split('/').pop()}
        </div>
        <div>
          true <b>{p.label}</b>
        </div>
        <div>
          predicted <b class={wrong ? 'bad' : 'good'}>{p.predicted}</b> {percent(p.confidence)}
        </div>
        {relabelled !== undefined ? (
          <div class="example-done" data-testid="relabel-done">
            Now labelled <b>{relabelled}</b> on disk; the next run trains and tests with it.
          </div>
        ) : inProject ? (
          <div class="example-relabel">
            <select
              data-testid="relabel-select"
              value={choice}
              onChange={(e) => setChoice(e.currentTarget.value)}
              aria-label="correct label"
            >
              {props.classes.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <button
              type="button"
              data-testid="relabel-apply"
              disabled={busy || choice === p.label}
              onClick={() => void apply()}
              title="The label on disk was wrong: move the image to this class"
            >
              Relabel
            </button>
          </div>
        ) : (
          <div class="example-note">
            This image is outside the project ({p.id}); relabel it where it lives.
          </div>
        )}
        {error && <div class="bad">{error}</div>}
      </figcaption>
    </figure>
  );
}

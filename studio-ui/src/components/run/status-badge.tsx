// A run's status as a coloured word, with a line for people on what it means.
import type { RunStatus } from '../../../../src/studio/api-types.js';

const MEANING: Record<RunStatus, string> = {
  queued: 'waiting for the run before it to finish',
  running: 'training now',
  completed: 'finished: the model is ready',
  failed: 'stopped with an error',
  cancelled: 'stopped by you',
  interrupted: 'stopped when the studio closed; it can be resumed',
};

export function StatusBadge(props: { status: RunStatus; testid?: string }) {
  return (
    <span
      class={`status status-${props.status}`}
      title={MEANING[props.status]}
      data-testid={props.testid}
    >
      {props.status}
    </span>
  );
}

export const statusMeaning = (status: RunStatus) => MEANING[status];

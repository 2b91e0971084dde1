// Errors and notes where the action was taken: the server's own message (ApiError.message).
import type { ComponentChildren } from 'preact';

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function ErrorText(props: { error?: unknown; testid?: string }) {
  if (props.error === undefined) return null;
  return (
    <p class="error" role="alert" data-testid={props.testid}>
      {errorText(props.error)}
    </p>
  );
}

export function Hint(props: { children: ComponentChildren }) {
  return <p class="hint">{props.children}</p>;
}

export function Loading(props: { what?: string }) {
  return <p class="muted">Loading{props.what ? ` ${props.what}` : ''}…</p>;
}

// What an upload or import did: how many images were added and every refused file with its reason.
import type { AddImagesResult } from '../../../../src/studio/api-types.js';

export function UploadResult(props: { result?: AddImagesResult }) {
  const { result } = props;
  if (!result) return null;
  return (
    <div class="upload-result" data-testid="upload-result">
      <p class={result.added.length > 0 ? 'ok' : 'muted'}>
        Added {result.added.length} image{result.added.length === 1 ? '' : 's'}.
      </p>
      {result.rejected.length > 0 && (
        <div class="error">
          <p>
            {result.rejected.length} file{result.rejected.length === 1 ? ' was' : 's were'} not
            added:
          </p>
          <ul data-testid="upload-rejected">
            {result.rejected.map((r, i) => (
              <li key={`${r.name}${i}`}>
                <strong>{r.name}</strong>: {r.reason}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

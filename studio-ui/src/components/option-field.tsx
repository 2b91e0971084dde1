// One option of a run command as a form field, by its kind: enum → select, number → number input
// with its range, boolean → checkbox, number-or-enum → select with "a number…" + number input,
// list → comma-separated text. The default is shown; the description is the help text.
import type { OptionField } from '../../../src/studio/api-types.js';
import { toText } from '../lib/option-form.js';

const NUMBER = '\u0000number';

export function OptionInput(props: {
  field: OptionField;
  text: string;
  onText(text: string): void;
  /** A line about the chosen value (e.g. the chosen backbone's description). */
  choiceHint?: (choice: string) => string | undefined;
}) {
  const { field, text, onText } = props;
  const testid = `option-${field.name}`;
  const id = `field-${field.name}`;
  const defaultText = toText(field.default);
  const changed = text.trim() !== defaultText.trim();
  let input: preact.JSX.Element;
  switch (field.kind) {
    case 'boolean':
      input = (
        <input
          id={id}
          type="checkbox"
          data-testid={testid}
          checked={text === 'true'}
          onChange={(e) => onText(e.currentTarget.checked ? 'true' : 'false')}
        />
      );
      break;
    case 'enum':
      input = (
        <select
          id={id}
          data-testid={testid}
          value={text}
          onChange={(e) => onText(e.currentTarget.value)}
        >
          {text === '' && <option value="">(automatic)</option>}
          {(field.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      );
      break;
    case 'number-or-enum': {
      const isChoice = (field.choices ?? []).includes(text);
      input = (
        <span class="number-or-enum">
          <select
            id={id}
            data-testid={testid}
            value={isChoice ? text : NUMBER}
            onChange={(e) => {
              const v = e.currentTarget.value;
              onText(v === NUMBER ? (field.minimum !== undefined ? String(field.minimum) : '') : v);
            }}
          >
            {(field.choices ?? []).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
            <option value={NUMBER}>a number…</option>
          </select>
          {!isChoice && (
            <input
              type="number"
              data-testid={`${testid}-number`}
              value={text}
              min={field.minimum}
              max={field.maximum}
              step="any"
              onInput={(e) => onText(e.currentTarget.value)}
            />
          )}
        </span>
      );
      break;
    }
    case 'number':
    case 'integer':
      input = (
        <input
          id={id}
          type="number"
          data-testid={testid}
          value={text}
          min={field.minimum}
          max={field.maximum}
          step={field.kind === 'integer' ? 1 : 'any'}
          onInput={(e) => onText(e.currentTarget.value)}
        />
      );
      break;
    default:
      input = (
        <input
          id={id}
          data-testid={testid}
          value={text}
          placeholder={field.kind === 'list' ? 'comma-separated' : undefined}
          onInput={(e) => onText(e.currentTarget.value)}
        />
      );
  }
  const range =
    field.minimum !== undefined || field.maximum !== undefined
      ? ` (${field.minimum ?? '…'} to ${field.maximum ?? '…'})`
      : '';
  return (
    <div class={`field${changed ? ' changed' : ''}`}>
      <label for={id}>
        <span class="field-name">{field.name}</span>
        <code class="flag">{field.flag}</code>
      </label>
      <div class="field-input">
        {input}
        {changed && (
          <button
            type="button"
            class="small ghost"
            title="Back to the default"
            onClick={() => onText(defaultText)}
          >
            Reset
          </button>
        )}
      </div>
      {props.choiceHint?.(text) && <p class="choice-hint">{props.choiceHint(text)}</p>}
      <p class="hint">
        {field.description}
        {range}
        {defaultText !== '' && <span class="muted"> Default: {defaultText}.</span>}
      </p>
    </div>
  );
}

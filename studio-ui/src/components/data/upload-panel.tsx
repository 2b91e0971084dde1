// Adding photos: the file picker (several at once) with the class and split they go to; the
// same choice applies to photos dropped anywhere on the page and to webcam captures.
import type { Project, Split } from '../../../../src/studio/api-types.js';

export function SplitSelect(props: {
  value: Split;
  onChange(split: Split): void;
  testid?: string;
}) {
  return (
    <select
      aria-label="Split"
      data-testid={props.testid}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value as Split)}
    >
      <option value="train">Training set</option>
      <option value="test">Test set (held out)</option>
    </select>
  );
}

export function ClassSelect(props: {
  project: Project;
  value: string;
  onChange(label: string): void;
  testid?: string;
}) {
  return (
    <select
      aria-label="Class"
      data-testid={props.testid}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    >
      {props.project.classes.length === 0 && <option value="">(add a class first)</option>}
      {props.project.classes.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  );
}

export function UploadPanel(props: {
  project: Project;
  label: string;
  split: Split;
  onLabel(label: string): void;
  onSplit(split: Split): void;
  onFiles(files: File[]): void;
  busy: boolean;
}) {
  const classification = props.project.task === 'classification';
  return (
    <div class="upload-fields">
      {classification && (
        <div class="labelled">
          Class
          <ClassSelect
            project={props.project}
            value={props.label}
            onChange={props.onLabel}
            testid="upload-label"
          />
        </div>
      )}
      <div class="labelled">
        Goes to
        <SplitSelect value={props.split} onChange={props.onSplit} testid="upload-split" />
      </div>
      <label class="file-button">
        <input
          type="file"
          multiple
          accept="image/*"
          data-testid="upload-input"
          disabled={props.busy}
          onChange={(e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = '';
            if (files.length > 0) props.onFiles(files);
          }}
        />
        <span>{props.busy ? 'Uploading…' : 'Choose photos…'}</span>
      </label>
    </div>
  );
}

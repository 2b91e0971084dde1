// Other ways in: copying a folder that is already on this machine, and (classification) the
// unlabelled photos of the place the model will work in, for domain adaptation.
import { useState } from 'preact/hooks';
import type {
  AddImagesResult,
  ImportFolder,
  Project,
  Split,
} from '../../../../src/studio/api-types.js';
import { post, projectUrl } from '../../api.js';
import { useAction } from '../hooks.js';
import { ErrorText, Hint } from '../messages.js';
import { uploadTarget } from './upload.js';
import { ClassSelect, SplitSelect } from './upload-panel.js';
import { UploadResult } from './upload-result.js';

export function ImportFolderForm(props: { project: Project; changed(): Promise<void> }) {
  const { project } = props;
  const classification = project.task === 'classification';
  const [folder, setFolder] = useState('');
  const [split, setSplit] = useState<Split>('train');
  const [label, setLabel] = useState(project.classes[0] ?? '');
  const [fromFolders, setFromFolders] = useState(classification);
  const [result, setResult] = useState<AddImagesResult>();
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: ImportFolder = { folder: folder.trim(), split };
    if (classification) {
      if (fromFolders) body.labelsFromFolders = true;
      else body.label = label;
    }
    const answer = await action.run(() =>
      post<AddImagesResult>(`${projectUrl(project.name)}/images/import`, body),
    );
    if (answer) {
      setResult(answer);
      await props.changed();
    }
  };
  return (
    <form class="stack" onSubmit={submit}>
      <label>
        Folder on this computer
        <input
          data-testid="import-folder"
          value={folder}
          placeholder="/home/me/photos/mugs"
          onInput={(e) => setFolder(e.currentTarget.value)}
          required
        />
      </label>
      <div class="upload-fields">
        <div class="labelled">
          Goes to
          <SplitSelect value={split} onChange={setSplit} />
        </div>
        {classification && (
          <label class="check">
            <input
              type="checkbox"
              checked={fromFolders}
              onChange={(e) => setFromFolders(e.currentTarget.checked)}
            />
            Each sub-folder is a class
          </label>
        )}
        {classification && !fromFolders && (
          <div class="labelled">
            Class
            <ClassSelect project={project} value={label} onChange={setLabel} />
          </div>
        )}
      </div>
      <Hint>The images are copied into the project; the folder itself is left as it is.</Hint>
      <button type="submit" data-testid="import-start" disabled={action.busy}>
        {action.busy ? 'Importing…' : 'Import'}
      </button>
      <ErrorText error={action.error} />
      <UploadResult result={result} />
    </form>
  );
}

export function TargetUpload(props: { project: Project; changed(): Promise<void> }) {
  const [result, setResult] = useState<AddImagesResult>();
  const action = useAction();
  return (
    <div class="stack">
      <Hint>
        Will the model see photos that look different from yours (another camera, light or shop)?
        Add some of those photos here, without classes: the "Adapt" training uses them to adjust.
        Now: <b data-testid="target-count">{props.project.targetImages}</b> photos.
      </Hint>
      <label class="file-button">
        <input
          type="file"
          multiple
          accept="image/*"
          data-testid="target-input"
          onChange={async (e) => {
            const files = [...(e.currentTarget.files ?? [])];
            e.currentTarget.value = '';
            const answer = await action.run(() => uploadTarget(props.project.name, files));
            if (answer) {
              setResult(answer);
              await props.changed();
            }
          }}
        />
        <span>{action.busy ? 'Uploading…' : 'Choose target photos…'}</span>
      </label>
      <ErrorText error={action.error} />
      <UploadResult result={result} />
    </div>
  );
}

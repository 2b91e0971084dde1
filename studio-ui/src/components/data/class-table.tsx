// The classes of a project with their image counts per split (train / held-out test) and the
// unlabelled ones; each row is a drop target for photos of that class; add, rename, remove.
import { useState } from 'preact/hooks';
import type { EditClasses, Project, Split } from '../../../../src/studio/api-types.js';
import { projectUrl, put } from '../../api.js';
import { useAction } from '../hooks.js';
import { ErrorText } from '../messages.js';
import { droppedImages } from './upload.js';

const SPLITS: Split[] = ['train', 'test'];

export function ClassTable(props: {
  project: Project;
  reload(): Promise<void>;
  onDropFiles(files: File[], label: string): void;
}) {
  const { project } = props;
  const action = useAction();
  const [adding, setAdding] = useState('');
  const [renaming, setRenaming] = useState<{ from: string; to: string }>();
  const [dropOn, setDropOn] = useState<string>();
  const classification = project.task === 'classification';
  const edit = async (body: EditClasses) => {
    const done = await action.run(() => put<Project>(`${projectUrl(project.name)}/classes`, body));
    if (done !== undefined) {
      setRenaming(undefined);
      setAdding('');
      await props.reload();
    }
  };
  const count = (split: Split, label: string) => project.counts[split]?.[label] ?? 0;
  const unlabelled = (split: Split) =>
    classification ? count(split, '') : (project.unlabelled[split] ?? 0);
  return (
    <div class="panel">
      <h2>Classes</h2>
      <table class="classes">
        <thead>
          <tr>
            <th>Class</th>
            <th title="Images the model learns from">Train</th>
            <th title="Held-out images, never trained on: they measure how good a model is">
              Test
            </th>
            <th />
          </tr>
        </thead>
        <tbody>
          {project.classes.map((label) => (
            <tr
              key={label}
              class={dropOn === label ? 'drop-target over' : 'drop-target'}
              data-testid={`class-row-${label}`}
              onDragOver={(e) => {
                if (!classification) return;
                e.preventDefault();
                e.stopPropagation();
                setDropOn(label);
              }}
              onDragLeave={() => setDropOn(undefined)}
              onDrop={(e) => {
                if (!classification) return;
                e.preventDefault();
                e.stopPropagation();
                setDropOn(undefined);
                props.onDropFiles(droppedImages(e), label);
              }}
            >
              <td>
                {renaming?.from === label ? (
                  <form
                    class="inline"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void edit({ rename: [{ from: label, to: renaming.to.trim() }] });
                    }}
                  >
                    <input
                      value={renaming.to}
                      aria-label={`New name for ${label}`}
                      onInput={(e) => setRenaming({ from: label, to: e.currentTarget.value })}
                    />
                    <button type="submit" class="small">
                      Save
                    </button>
                    <button
                      type="button"
                      class="small ghost"
                      onClick={() => setRenaming(undefined)}
                    >
                      Cancel
                    </button>
                  </form>
                ) : (
                  <span class="class-name">{label}</span>
                )}
              </td>
              {SPLITS.map((split) => (
                <td key={split} class="num" data-testid={`class-count-${label}-${split}`}>
                  {count(split, label)}
                </td>
              ))}
              <td class="row-actions">
                {renaming?.from !== label && (
                  <button
                    type="button"
                    class="small ghost"
                    onClick={() => setRenaming({ from: label, to: label })}
                  >
                    Rename
                  </button>
                )}
                {count('train', label) + count('test', label) === 0 && (
                  <button
                    type="button"
                    class="small ghost"
                    title="Only classes without images can be removed"
                    onClick={() => void edit({ remove: [label] })}
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
          <tr class="unlabelled">
            <td>{classification ? 'No class yet' : 'Not labelled yet'}</td>
            {SPLITS.map((split) => (
              <td key={split} class="num" data-testid={`unlabelled-${split}`}>
                {unlabelled(split)}
              </td>
            ))}
            <td />
          </tr>
        </tbody>
      </table>
      {classification && (
        <p class="hint">Tip: drop photos onto a class row to add them to that class.</p>
      )}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          const add = adding
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean);
          if (add.length > 0) void edit({ add });
        }}
      >
        <input
          data-testid="add-class-name"
          value={adding}
          placeholder="New class (or several, with commas)"
          onInput={(e) => setAdding(e.currentTarget.value)}
        />
        <button type="submit" data-testid="add-class" disabled={action.busy}>
          Add class
        </button>
      </form>
      <ErrorText error={action.error} />
    </div>
  );
}

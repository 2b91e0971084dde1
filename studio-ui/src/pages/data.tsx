// The data page of a project (#/p/<project>): classes with counts, adding photos (picker,
// drag-and-drop, webcam, a folder), the image grid, and the CLI lines that train on the same files.
import { useState } from 'preact/hooks';
import type { AddImagesResult, Project, Split } from '../../../src/studio/api-types.js';
import { CodeBlock } from '../components/code-block.js';
import { ClassTable } from '../components/data/class-table.js';
import { ImageGrid } from '../components/data/image-grid.js';
import { ImportFolderForm, TargetUpload } from '../components/data/more-sources.js';
import { droppedImages, uploadImages } from '../components/data/upload.js';
import { UploadPanel } from '../components/data/upload-panel.js';
import { UploadResult } from '../components/data/upload-result.js';
import { useAction } from '../components/hooks.js';
import { ErrorText, Hint } from '../components/messages.js';
import { WebcamPanel } from './webcam.js';

type Source = 'files' | 'webcam' | 'folder' | 'target';

export function DataPage(props: { project: Project; reload(): Promise<void> }) {
  const { project } = props;
  const classification = project.task === 'classification';
  const [chosen, setLabel] = useState(project.classes[0] ?? '');
  // A class renamed or removed meanwhile falls back to the first one.
  const label = project.classes.includes(chosen) ? chosen : (project.classes[0] ?? '');
  const [split, setSplit] = useState<Split>('train');
  const [source, setSource] = useState<Source>('files');
  const [result, setResult] = useState<AddImagesResult>();
  const [version, setVersion] = useState(0);
  const [dragging, setDragging] = useState(false);
  const upload = useAction();

  const changed = async () => {
    setVersion((v) => v + 1);
    await props.reload();
  };
  const send = async (files: File[], to = label) => {
    if (files.length === 0) return;
    setResult(undefined);
    const answer = await upload.run(() =>
      uploadImages(project.name, files, split, classification ? to : undefined),
    );
    if (answer) setResult(answer);
    await changed();
  };
  const sources: [Source, string][] = [
    ['files', 'From files'],
    ['webcam', 'Webcam'],
    ['folder', 'From a folder'],
    ...(classification ? [['target', 'Photos to adapt to'] as [Source, string]] : []),
  ];

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the whole page takes dropped photos
    <section
      class={`page${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        // Leaving for a child is not leaving the page; leaving the window or the page is.
        const to = e.relatedTarget as Node | null;
        if (!to || !e.currentTarget.contains(to)) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void send(droppedImages(e));
      }}
    >
      <div class="page-head">
        <h1>{project.name}</h1>
        <span class={`tag task-${project.task}`}>{project.task}</span>
      </div>
      <div class="two-col">
        <ClassTable
          project={project}
          reload={props.reload}
          onDropFiles={(files, to) => {
            setLabel(to);
            void send(files, to);
          }}
        />
        <div class="panel">
          <h2>Add photos</h2>
          <div class="segmented" role="tablist">
            {sources.map(([id, title]) => (
              <button
                key={id}
                type="button"
                role="tab"
                aria-selected={source === id}
                class={source === id ? 'on' : ''}
                data-testid={`source-${id}`}
                onClick={() => setSource(id)}
              >
                {title}
              </button>
            ))}
          </div>
          {source === 'files' && (
            <>
              <UploadPanel
                project={project}
                label={label}
                split={split}
                onLabel={setLabel}
                onSplit={setSplit}
                onFiles={(files) => void send(files)}
                busy={upload.busy}
              />
              <Hint>
                Or drag photos onto this page
                {classification ? ' (or onto a class row to put them in that class)' : ''}.
              </Hint>
              <ErrorText error={upload.error} testid="upload-error" />
              <UploadResult result={result} />
            </>
          )}
          {source === 'webcam' && (
            <WebcamPanel
              project={project}
              label={label}
              split={split}
              onLabel={setLabel}
              onSplit={setSplit}
              onUploaded={() => void changed()}
            />
          )}
          {source === 'folder' && <ImportFolderForm project={project} changed={changed} />}
          {source === 'target' && <TargetUpload project={project} changed={changed} />}
        </div>
      </div>
      {!classification && (
        <Hint>
          Click a photo to draw its {project.task === 'detection' ? 'boxes' : 'outlines'}.
        </Hint>
      )}
      <ImageGrid project={project} version={version} changed={changed} />
      <details class="panel cli">
        <summary>Use these files from the command line</summary>
        <Hint>The project is an ordinary folder: these commands train on it as it is now.</Hint>
        <CodeBlock code={project.cli.join('\n')} testid="project-cli" />
      </details>
      {dragging && <div class="drop-overlay">Drop the photos to add them</div>}
    </section>
  );
}

// The project's images as thumbnails, a page at a time, filtered by split and class; select
// several to move them to another class or split, or delete them. Detection/segmentation: a
// click opens the labeller (the checkbox selects), unlabelled images are marked.
import { useEffect, useState } from 'preact/hooks';
import type {
  DeleteImages,
  ImageList,
  MoveImages,
  Project,
  Split,
} from '../../../../src/studio/api-types.js';
import { del, get, imageUrl, patch, projectUrl } from '../../api.js';
import { href } from '../../lib/route.js';
import { navigate, useAction, useLoad } from '../hooks.js';
import { ErrorText, Loading } from '../messages.js';
import { ClassSelect } from './upload-panel.js';

const PAGE = 48;

export function ImageGrid(props: { project: Project; version: number; changed(): Promise<void> }) {
  const { project } = props;
  const classification = project.task === 'classification';
  const [split, setSplit] = useState<'' | Split>('');
  const [label, setLabel] = useState<string | undefined>(undefined);
  const [labelled, setLabelled] = useState<'' | 'true' | 'false'>('');
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [moveTo, setMoveTo] = useState(project.classes[0] ?? '');
  const [done, setDone] = useState('');
  const action = useAction();

  const query = new URLSearchParams({ offset: String(offset), limit: String(PAGE) });
  if (split) query.set('split', split);
  if (label !== undefined) query.set('label', label);
  if (labelled) query.set('labelled', labelled);
  const list = useLoad(
    () => get<ImageList>(`${projectUrl(project.name)}/images?${query}`),
    [project.name, query.toString(), props.version],
  );

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const change = async (what: string, work: () => Promise<unknown>) => {
    const ok = await action.run(work);
    if (ok !== undefined) {
      setDone(what);
      setSelected(new Set());
    }
    await props.changed();
  };
  const ids = [...selected];
  const move = (body: Omit<MoveImages, 'ids' | 'ifRevision'>, what: string) =>
    change(what, () =>
      patch(`${projectUrl(project.name)}/images`, {
        ids,
        ifRevision: project.revision,
        ...body,
      } satisfies MoveImages).then((r) => r ?? true),
    );
  const images = `${ids.length} image${ids.length === 1 ? '' : 's'}`;
  // The files leave the project folder for good: ask first.
  const remove = () =>
    window.confirm(`Delete ${images} from the project folder? This cannot be undone.`) &&
    change(`Deleted ${images}.`, () =>
      del(`${projectUrl(project.name)}/images`, {
        ids,
        ifRevision: project.revision,
      } satisfies DeleteImages).then((r) => r ?? true),
    );
  const filter = (f: () => void) => {
    f();
    setOffset(0);
  };
  const total = list.data?.total ?? 0;
  const none = selected.size === 0;
  // Deleting or moving the last images of the last page leaves it empty: step back.
  useEffect(() => {
    if (list.data && offset > 0 && offset >= total)
      setOffset(Math.max(0, Math.floor((total - 1) / PAGE) * PAGE));
  }, [list.data, offset, total]);

  return (
    <div class="panel">
      <div class="grid-head">
        <h2>Images</h2>
        <div class="filters">
          <select
            aria-label="Split"
            data-testid="filter-split"
            value={split}
            onChange={(e) => filter(() => setSplit(e.currentTarget.value as '' | Split))}
          >
            <option value="">Train and test</option>
            <option value="train">Training set</option>
            <option value="test">Test set</option>
          </select>
          {classification ? (
            <select
              aria-label="Class"
              data-testid="filter-label"
              value={label ?? '\u0000all'}
              onChange={(e) => {
                const v = e.currentTarget.value;
                filter(() => setLabel(v === '\u0000all' ? undefined : v));
              }}
            >
              <option value={'\u0000all'}>All classes</option>
              {project.classes.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
              <option value="">No class yet</option>
            </select>
          ) : (
            <select
              aria-label="Labelled"
              data-testid="filter-labelled"
              value={labelled}
              onChange={(e) =>
                filter(() => setLabelled(e.currentTarget.value as '' | 'true' | 'false'))
              }
            >
              <option value="">Labelled or not</option>
              <option value="false">Not labelled yet</option>
              <option value="true">Labelled</option>
            </select>
          )}
        </div>
      </div>

      <div class="selection-bar">
        <span class="muted">
          {none ? 'Select images to change them.' : `${selected.size} selected`}
        </span>
        <button
          type="button"
          class="small ghost"
          onClick={() => setSelected(new Set(list.data?.images.map((i) => i.id)))}
        >
          Select page
        </button>
        <button
          type="button"
          class="small ghost"
          disabled={none}
          onClick={() => setSelected(new Set())}
        >
          Clear
        </button>
        {classification && (
          <span class="group">
            <ClassSelect
              project={project}
              value={moveTo}
              onChange={setMoveTo}
              testid="move-label"
            />
            <button
              type="button"
              class="small"
              data-testid="move-apply"
              disabled={none || action.busy || !moveTo}
              onClick={() => move({ label: moveTo }, `Moved ${ids.length} to ${moveTo}.`)}
            >
              Move to class
            </button>
          </span>
        )}
        <span class="group">
          <button
            type="button"
            class="small"
            data-testid="move-split-test"
            disabled={none || action.busy}
            title="The held-out test set is kept fixed across runs, so scores stay comparable"
            onClick={() => move({ split: 'test' }, `Moved ${ids.length} to the test set.`)}
          >
            To test set
          </button>
          <button
            type="button"
            class="small"
            data-testid="move-split-train"
            disabled={none || action.busy}
            onClick={() => move({ split: 'train' }, `Moved ${ids.length} to the training set.`)}
          >
            To training set
          </button>
        </span>
        <button
          type="button"
          class="small danger"
          data-testid="delete-selected"
          disabled={none || action.busy}
          onClick={remove}
        >
          Delete
        </button>
      </div>
      <p class="hint">
        The <b>test set</b> is held out: models never train on it, and it stays the same across runs
        so that their scores can be compared.
      </p>
      <ErrorText error={action.error} testid="grid-error" />
      {done && !action.error && (
        <p class="ok" data-testid="grid-done">
          {done}
        </p>
      )}

      {list.error !== undefined && <ErrorText error={list.error} />}
      {!list.data && list.loading && <Loading what="images" />}
      {list.data && list.data.images.length === 0 && (
        <p class="muted empty">No images here yet: add some above.</p>
      )}
      <ul class="image-grid">
        {list.data?.images.map((image) => {
          const isSelected = selected.has(image.id);
          return (
            <li key={image.id}>
              {/* biome-ignore lint/a11y/useSemanticElements: a tile holds an image and badges */}
              <div
                role="button"
                tabIndex={0}
                class={`tile${isSelected ? ' selected' : ''}${!classification && !image.labelled ? ' unlabelled' : ''}`}
                data-testid="image-tile"
                data-id={image.id}
                title={image.id}
                onClick={() =>
                  classification ? toggle(image.id) : navigate(href.label(project.name, image.id))
                }
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    if (classification) toggle(image.id);
                    else navigate(href.label(project.name, image.id));
                  }
                }}
              >
                <img src={imageUrl(project.name, image.id, 'thumb')} alt="" loading="lazy" />
                {!classification && (
                  <input
                    type="checkbox"
                    class="tile-check"
                    aria-label="Select"
                    checked={isSelected}
                    onClick={(e) => {
                      e.stopPropagation();
                      toggle(image.id);
                    }}
                  />
                )}
                <span class="tile-caption">
                  {image.split === 'test' && <span class="badge test">test</span>}
                  {classification ? (
                    <span>{image.label || 'no class'}</span>
                  ) : image.labelled ? (
                    <span>
                      {image.objects ?? 0} object{image.objects === 1 ? '' : 's'}
                    </span>
                  ) : (
                    <span class="badge todo">to label</span>
                  )}
                </span>
              </div>
            </li>
          );
        })}
      </ul>
      {total > PAGE && (
        <div class="pager">
          <button
            type="button"
            class="small"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE))}
          >
            ‹ Previous
          </button>
          <span>
            {offset + 1}–{Math.min(total, offset + PAGE)} of {total}
          </span>
          <button
            type="button"
            class="small"
            disabled={offset + PAGE >= total}
            onClick={() => setOffset(offset + PAGE)}
          >
            Next ›
          </button>
        </div>
      )}
    </div>
  );
}

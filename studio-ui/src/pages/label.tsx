// Labelling one image: boxes (detection) or polygons (segmentation). Loads the image's labels,
// edits them on the LabelCanvas (image pixels), saves with the project's revision (a 409 means
// someone changed the project meanwhile: reload), steps through the project's images, and warns
// before unsaved changes are lost. Keyboard: label/keys.ts.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type {
  Box,
  ImageLabels,
  ImageList,
  Polygon,
  Project,
} from '../../../src/studio/api-types.js';
import { ApiError, get, imageUrl, projectUrl, put } from '../api.js';
import { LabelCanvas } from '../label/canvas.js';
import type { Point } from '../label/geometry.js';
import { keyAction, neighbour } from '../label/keys.js';
import '../label/label.css';

const labelsUrl = (project: string, id: string) =>
  `${projectUrl(project)}/labels/${encodeURIComponent(id)}`;

/** Classes a shape can take (segmentation's 'background' is what no polygon covers). */
const shapeClasses = (project: Project) =>
  project.task === 'segmentation'
    ? project.classes.filter((c) => c !== 'background')
    : project.classes;

const ZOOMS: ('fit' | number)[] = ['fit', 0.5, 1, 2, 4];

/** Changes Ctrl+Z can take back. */
const UNDO_STEPS = 100;

/** Images fetched per request while listing the project (next/previous walk this list). */
const PAGE = 500;

async function allImageIds(project: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const list = await get<ImageList>(
      `${projectUrl(project)}/images?offset=${ids.length}&limit=${PAGE}`,
    );
    ids.push(...list.images.map((i) => i.id));
    if (list.images.length === 0 || ids.length >= list.total) return ids;
  }
}

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved' }
  | { kind: 'conflict' }
  | { kind: 'error'; message: string };

export function LabelPage(props: { project: Project; imageId: string; onDone(): void }) {
  const { project } = props;
  const tool = project.task === 'segmentation' ? 'polygon' : 'box';
  const classes = useMemo(() => shapeClasses(project), [project]);
  const [id, setId] = useState(props.imageId);
  const [revision, setRevision] = useState(project.revision);
  const [ids, setIds] = useState<string[]>([]);
  const [boxes, setBoxes] = useState<Box[]>([]);
  const [polygons, setPolygons] = useState<Polygon[]>([]);
  const [saved, setSaved] = useState('');
  const [selected, setSelected] = useState<number | undefined>();
  const [drawing, setDrawing] = useState<Point[]>([]);
  const [label, setLabel] = useState(classes[0] ?? '');
  const [loadError, setLoadError] = useState('');
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [reloads, setReloads] = useState(0);
  const [zoom, setZoom] = useState<'fit' | number>('fit');
  /** Snapshots (JSON of boxes and polygons) before each change, for Ctrl+Z. */
  const undo = useRef<string[]>([]);

  const current = JSON.stringify({ boxes, polygons });
  const remember = () => {
    undo.current = [...undo.current.slice(-(UNDO_STEPS - 1)), current];
  };
  function undoLast() {
    // Snapshots equal to now (a press that changed nothing) are skipped.
    let snapshot: string | undefined;
    do snapshot = undo.current.pop();
    while (snapshot === current);
    if (snapshot === undefined) return;
    const restored = JSON.parse(snapshot) as { boxes: Box[]; polygons: Polygon[] };
    setBoxes(restored.boxes);
    setPolygons(restored.polygons);
    setSelected(undefined);
  }
  const dirty = saved !== '' && current !== saved;

  useEffect(() => setId(props.imageId), [props.imageId]);
  useEffect(() => setRevision(project.revision), [project.revision]);

  useEffect(() => {
    let live = true;
    allImageIds(project.name)
      .then((all) => live && setIds(all))
      .catch(() => live && setIds([]));
    return () => {
      live = false;
    };
  }, [project.name]);

  useEffect(() => {
    let live = true;
    setSaved('');
    setBoxes([]);
    setPolygons([]);
    undo.current = [];
    setSelected(undefined);
    setDrawing([]);
    setLoadError('');
    setSave({ kind: 'idle' });
    get<ImageLabels>(labelsUrl(project.name, id))
      .catch((err) => {
        // An image nobody labelled yet may have no labels file: start empty.
        if (err instanceof ApiError && err.status === 404) return { id } as ImageLabels;
        throw err;
      })
      .then((labels) => {
        if (!live) return;
        const b = labels.boxes ?? [];
        const p = labels.polygons ?? [];
        setBoxes(b);
        setPolygons(p);
        setSaved(JSON.stringify({ boxes: b, polygons: p }));
      })
      .catch((err) => live && setLoadError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [project.name, id, reloads]);

  // The browser's own prompt when the tab closes or reloads with unsaved changes.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const leaveOk = () => !dirty || window.confirm('This image has unsaved changes. Leave anyway?');

  async function doSave() {
    // Nothing loaded (yet, or it failed): saving would overwrite the labels on disk with nothing.
    if (saved === '') return;
    setSave({ kind: 'saving' });
    const body: ImageLabels =
      tool === 'box' ? { id, boxes, ifRevision: revision } : { id, polygons, ifRevision: revision };
    try {
      await put(labelsUrl(project.name, id), body);
      setSaved(current);
      setSave({ kind: 'saved' });
      // The save bumped the project's revision: the next save must carry the new one.
      const fresh = await get<Project>(projectUrl(project.name)).catch(() => undefined);
      if (fresh) setRevision(fresh.revision);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setSave({ kind: 'conflict' });
      else setSave({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  }

  async function reload() {
    const fresh = await get<Project>(projectUrl(project.name)).catch(() => undefined);
    if (fresh) setRevision(fresh.revision);
    setReloads((n) => n + 1);
  }

  function go(step: 1 | -1) {
    const next = neighbour(ids, id, step);
    if (next && leaveOk()) setId(next);
  }

  function pickClass(index: number) {
    const name = classes[index];
    if (name === undefined) return;
    setLabel(name);
    if (selected === undefined) return;
    remember();
    if (tool === 'box') setBoxes(boxes.map((b, i) => (i === selected ? { ...b, label: name } : b)));
    else setPolygons(polygons.map((p, i) => (i === selected ? { ...p, label: name } : p)));
  }

  function closePolygon() {
    if (drawing.length < 3) return;
    remember();
    const next = [...polygons, { label, points: drawing }];
    setPolygons(next);
    setDrawing([]);
    setSelected(next.length - 1);
  }

  function removeSelected() {
    if (selected === undefined) return;
    remember();
    if (tool === 'box') setBoxes(boxes.filter((_, i) => i !== selected));
    else setPolygons(polygons.filter((_, i) => i !== selected));
    setSelected(undefined);
  }

  // Keys go through a ref so the one window listener always sees this render's state.
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
    const action = keyAction(e);
    if (!action) return;
    e.preventDefault();
    if (action.type === 'save') void doSave();
    else if (action.type === 'next') go(1);
    else if (action.type === 'previous') go(-1);
    else if (action.type === 'deselect') {
      setSelected(undefined);
      setDrawing([]);
    } else if (action.type === 'delete') {
      if (drawing.length > 0) setDrawing(drawing.slice(0, -1));
      else removeSelected();
    } else if (action.type === 'close') closePolygon();
    else if (action.type === 'undo') undoLast();
    else pickClass(action.index);
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey.current(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  if (project.task === 'classification')
    return (
      <section class="label-page">
        <p>
          Classification images are labelled by their class folder: choose the class on the Data
          page. Boxes and polygons are for detection and segmentation projects.
        </p>
        <button type="button" onClick={props.onDone}>
          Back
        </button>
      </section>
    );

  const count = tool === 'box' ? boxes.length : polygons.length;
  const at = ids.indexOf(id);
  return (
    <section class="label-page">
      <div class="label-toolbar">
        <button type="button" onClick={() => leaveOk() && props.onDone()}>
          ← Back
        </button>
        <button type="button" onClick={() => go(-1)} disabled={at <= 0} title="P or ←">
          Previous
        </button>
        <span class="label-position">
          {at >= 0 ? `${at + 1} / ${ids.length}` : ''} <code>{id}</code>
        </span>
        <button
          type="button"
          onClick={() => go(1)}
          disabled={at < 0 || at >= ids.length - 1}
          title="N or →"
        >
          Next
        </button>
        <label>
          Class{' '}
          <select
            data-testid="label-class"
            value={label}
            onChange={(e) => {
              pickClass(classes.indexOf(e.currentTarget.value));
              e.currentTarget.blur();
            }}
          >
            {classes.map((c, i) => (
              <option key={c} value={c}>
                {i < 9 ? `${i + 1}: ` : ''}
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Zoom{' '}
          <select
            data-testid="label-zoom"
            value={String(zoom)}
            onChange={(e) => {
              const v = e.currentTarget.value;
              setZoom(v === 'fit' ? 'fit' : Number(v));
              e.currentTarget.blur();
            }}
          >
            {ZOOMS.map((z) => (
              <option key={z} value={String(z)}>
                {z === 'fit' ? 'fit' : `${z * 100}%`}
              </option>
            ))}
          </select>
        </label>
        <span class="label-count" data-testid="label-count">
          {count}{' '}
          {tool === 'box' ? (count === 1 ? 'box' : 'boxes') : count === 1 ? 'polygon' : 'polygons'}
        </span>
        <button
          type="button"
          data-testid="label-save"
          onClick={() => void doSave()}
          disabled={save.kind === 'saving' || saved === ''}
          title="S or Ctrl+S"
        >
          Save
        </button>
        <SaveStatus state={save} dirty={dirty} onReload={() => void reload()} />
      </div>
      {classes.length === 0 && <p class="label-warning">Add a class to the project first.</p>}
      {loadError && <p class="label-error">Could not load the labels: {loadError}</p>}
      <LabelCanvas
        src={imageUrl(project.name, id)}
        tool={tool}
        classes={classes}
        label={label}
        boxes={boxes}
        polygons={polygons}
        selected={selected}
        drawing={drawing}
        onBoxes={setBoxes}
        onPolygons={setPolygons}
        onSelect={setSelected}
        onDrawing={setDrawing}
        onClose={closePolygon}
        onGesture={remember}
        zoom={zoom}
      />
      <p class="label-help">
        {tool === 'box'
          ? 'Drag on the image to draw a box; drag inside a box to move it, its handles to resize.'
          : 'Click to add points; click the first point or press Enter to close. Selected: drag a point to move it, an edge’s middle to add one, inside to move it all; double-click a point to remove it.'}{' '}
        1–9 pick the class · Delete removes the selection · Ctrl+Z undoes · Esc deselects · S saves
        · N/P next and previous image.
      </p>
    </section>
  );
}

function SaveStatus(props: { state: SaveState; dirty: boolean; onReload(): void }) {
  const { state } = props;
  if (state.kind === 'conflict')
    return (
      <span class="label-error">
        Changed elsewhere since you opened it: reload to see the current labels.{' '}
        <button type="button" onClick={props.onReload}>
          Reload
        </button>
      </span>
    );
  if (state.kind === 'error') return <span class="label-error">Not saved: {state.message}</span>;
  if (state.kind === 'saving') return <span>Saving…</span>;
  if (props.dirty) return <span class="label-unsaved">Unsaved changes</span>;
  if (state.kind === 'saved')
    return (
      <span class="label-saved" data-testid="label-saved">
        Saved
      </span>
    );
  return null;
}

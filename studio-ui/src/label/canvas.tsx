// The labelling surface: the image with an SVG overlay in image pixels (viewBox = the image's
// size, so shapes stay put at any zoom), and the pointer handling for both tools: boxes (drag to
// draw, drag inside to move, handles to resize) and polygons (click to add points, click the first
// point to close, drag a point to move it). Geometry lives in geometry.ts; this file only wires
// pointer events to it. Shapes are owned by the page; this component reports edits.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Box, Polygon } from '../../../src/studio/api-types.js';
import { cssColor } from '../try-it/overlay.js';
import {
  closesPolygon,
  edgeMidpoints,
  HANDLES,
  type Handle,
  handlePoint,
  hitBoxes,
  hitPolygons,
  imagePerScreen,
  insertPoint,
  movePoints,
  moveRect,
  type Point,
  resizeRect,
  roundRect,
  spanRect,
  toImage,
  type View,
} from './geometry.js';

/** Pointer tolerance and handle size, in screen pixels. */
const GRAB_PX = 7;
/** Share of the window's height a fitted image may take. */
const FIT_HEIGHT = 0.72;
/** A drag shorter than this (image px) is a click, not a box. */
const MIN_BOX_PX = 3;

export type Tool = 'box' | 'polygon';

export interface CanvasProps {
  src: string;
  tool: Tool;
  classes: string[];
  /** The class new shapes get. */
  label: string;
  boxes: Box[];
  polygons: Polygon[];
  selected: number | undefined;
  /** Points of the polygon being drawn (not yet closed). */
  drawing: Point[];
  onBoxes(boxes: Box[]): void;
  onPolygons(polygons: Polygon[]): void;
  onSelect(index: number | undefined): void;
  onDrawing(points: Point[]): void;
  /** A press that is about to change the shapes (the page keeps its undo snapshot). */
  onGesture(): void;
  /** 'fit': as large as the page allows; a number: that many screen px per image px. */
  zoom: 'fit' | number;
  /** Close the polygon being drawn (a click on its first point). */
  onClose(): void;
}

type Drag =
  | { kind: 'draw'; from: Point; to: Point }
  | { kind: 'move'; index: number; from: Point; start: Box }
  | { kind: 'resize'; index: number; handle: Handle; start: Box }
  | { kind: 'vertex'; index: number; point: number }
  | { kind: 'polygon'; index: number; from: Point; start: Point[] };

const round = (p: Point): Point => [Math.round(p[0] * 10) / 10, Math.round(p[1] * 10) / 10];

export function LabelCanvas(props: CanvasProps) {
  const frame = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<[number, number] | undefined>();
  const [drag, setDrag] = useState<Drag | undefined>();
  const scroller = useRef<HTMLDivElement>(null);
  const [fitScale, setFitScale] = useState(1);
  const latest = useRef(props);
  latest.current = props;

  // 'fit': the largest size that fits the page's width and most of the window's height.
  useEffect(() => {
    if (!size) return;
    const measure = () => {
      const width = scroller.current?.parentElement?.clientWidth ?? size[0];
      setFitScale(Math.min(width / size[0], (window.innerHeight * FIT_HEIGHT) / size[1]));
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [size]);

  const view = (): View | undefined => {
    const rect = frame.current?.getBoundingClientRect();
    if (!rect || !size) return undefined;
    const { left, top, width, height } = rect;
    return { left, top, width, height, imageWidth: size[0], imageHeight: size[1] };
  };

  function begin(e: PointerEvent) {
    const v = view();
    if (!v || e.button !== 0) return;
    e.preventDefault();
    const p = toImage(v, e.clientX, e.clientY);
    const tol = GRAB_PX * imagePerScreen(v);
    const { tool, boxes, polygons, selected, drawing } = latest.current;
    let next: Drag | undefined;
    if (tool === 'box') {
      const hit = hitBoxes(boxes, p, tol, selected);
      props.onSelect(hit?.index);
      if (!hit) next = { kind: 'draw', from: p, to: p };
      else if (hit.handle === 'move')
        next = { kind: 'move', index: hit.index, from: p, start: boxes[hit.index]! };
      else
        next = { kind: 'resize', index: hit.index, handle: hit.handle, start: boxes[hit.index]! };
    } else if (drawing.length > 0) {
      props.onGesture();
      if (closesPolygon(drawing, p, tol)) props.onClose();
      else props.onDrawing([...drawing, round(p)]);
    } else {
      // A vertex, else a midpoint of the selected polygon's edges (adds a point there), else
      // inside a polygon (moves it), else a new polygon starts.
      const hit = hitPolygons(polygons, p, tol);
      const chosen = selected === undefined ? undefined : polygons[selected];
      const edge = chosen
        ? edgeMidpoints(chosen.points).findIndex((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) <= tol)
        : -1;
      if (hit?.point !== undefined) {
        props.onSelect(hit.index);
        next = { kind: 'vertex', index: hit.index, point: hit.point };
      } else if (chosen && edge >= 0) {
        props.onGesture();
        const points = insertPoint(chosen.points, edge, round(p));
        props.onPolygons(polygons.map((poly, i) => (i === selected ? { ...poly, points } : poly)));
        next = { kind: 'vertex', index: selected!, point: edge + 1 };
      } else if (hit) {
        props.onSelect(hit.index);
        next = { kind: 'polygon', index: hit.index, from: p, start: polygons[hit.index]!.points };
      } else {
        props.onSelect(undefined);
        props.onDrawing([round(p)]);
      }
    }
    if (!next) return;
    if (next.kind !== 'draw') props.onGesture();
    setDrag(next);
    const move = (ev: PointerEvent) => update(next!, ev);
    const up = (ev: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      finish(next!, ev);
      setDrag(undefined);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  function update(d: Drag, e: PointerEvent) {
    const v = view();
    if (!v) return;
    const p = toImage(v, e.clientX, e.clientY);
    const { boxes, polygons } = latest.current;
    if (d.kind === 'draw') {
      d.to = p;
      setDrag({ ...d });
    } else if (d.kind === 'move') {
      const dx = p[0] - d.from[0];
      const dy = p[1] - d.from[1];
      const moved = roundRect(moveRect(d.start, dx, dy, v.imageWidth, v.imageHeight));
      props.onBoxes(boxes.map((b, i) => (i === d.index ? moved : b)));
    } else if (d.kind === 'resize') {
      const resized = roundRect(resizeRect(d.start, d.handle, p));
      props.onBoxes(boxes.map((b, i) => (i === d.index ? resized : b)));
    } else if (d.kind === 'polygon') {
      const dx = p[0] - d.from[0];
      const dy = p[1] - d.from[1];
      const points = movePoints(d.start, dx, dy, v.imageWidth, v.imageHeight).map(round);
      props.onPolygons(polygons.map((poly, i) => (i === d.index ? { ...poly, points } : poly)));
    } else {
      props.onPolygons(
        polygons.map((poly, i) =>
          i === d.index
            ? { ...poly, points: poly.points.map((q, j) => (j === d.point ? round(p) : q)) }
            : poly,
        ),
      );
    }
  }

  function finish(d: Drag, e: PointerEvent) {
    update(d, e);
    if (d.kind !== 'draw') return;
    const rect = roundRect({ label: latest.current.label, ...spanRect(d.from, d.to) });
    if (rect.width < MIN_BOX_PX || rect.height < MIN_BOX_PX) return;
    props.onGesture();
    const boxes = [...latest.current.boxes, rect];
    props.onBoxes(boxes);
    props.onSelect(boxes.length - 1);
  }

  /** A double click on a vertex of the selected polygon removes it (3 points stay at least). */
  function removeVertex(e: MouseEvent) {
    const v = view();
    const { tool, polygons, selected } = latest.current;
    const poly = selected === undefined ? undefined : polygons[selected];
    if (!v || tool !== 'polygon' || !poly || poly.points.length <= 3) return;
    const p = toImage(v, e.clientX, e.clientY);
    const tol = GRAB_PX * imagePerScreen(v);
    const at = poly.points.findIndex((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) <= tol);
    if (at < 0) return;
    props.onGesture();
    const points = poly.points.filter((_, j) => j !== at);
    props.onPolygons(polygons.map((q, i) => (i === selected ? { ...q, points } : q)));
  }

  const v = view();
  const handleSize = (v ? imagePerScreen(v) : 1) * GRAB_PX;
  const stroke = (v ? imagePerScreen(v) : 1) * 2;
  const colorOf = (label: string, alpha?: number) =>
    cssColor(Math.max(0, props.classes.indexOf(label)), alpha);
  const draft = drag?.kind === 'draw' ? spanRect(drag.from, drag.to) : undefined;
  const sel = props.selected;

  return (
    <div class="label-scroll" ref={scroller}>
      <div
        class={`label-frame tool-${props.tool}`}
        ref={frame}
        data-testid="label-canvas"
        onPointerDown={begin}
        onDblClick={removeVertex}
        role="application"
        aria-label="labelling canvas: the keyboard shortcuts work anywhere on the page"
      >
        <img
          src={props.src}
          alt=""
          draggable={false}
          style={size && { width: `${size[0] * (props.zoom === 'fit' ? fitScale : props.zoom)}px` }}
          onLoad={(e) => setSize([e.currentTarget.naturalWidth, e.currentTarget.naturalHeight])}
        />
        {size && (
          <svg
            viewBox={`0 0 ${size[0]} ${size[1]}`}
            preserveAspectRatio="none"
            role="img"
            aria-label="labels"
          >
            {props.boxes.map((b, i) => (
              <g key={i}>
                <rect
                  data-testid="label-box"
                  data-label={b.label}
                  x={b.x}
                  y={b.y}
                  width={b.width}
                  height={b.height}
                  fill={colorOf(b.label, i === sel ? 0.25 : 0.1)}
                  stroke={colorOf(b.label)}
                  stroke-width={i === sel ? stroke * 1.5 : stroke}
                />
                <text
                  x={b.x + stroke}
                  y={b.y + handleSize * 1.6}
                  font-size={handleSize * 1.6}
                  fill="#fff"
                  class="label-tag"
                >
                  {b.label}
                </text>
              </g>
            ))}
            {sel !== undefined &&
              props.tool === 'box' &&
              props.boxes[sel] &&
              HANDLES.map((h) => {
                const [x, y] = handlePoint(props.boxes[sel]!, h);
                return (
                  <rect
                    key={h}
                    class={`label-handle handle-${h}`}
                    x={x - handleSize / 2}
                    y={y - handleSize / 2}
                    width={handleSize}
                    height={handleSize}
                  />
                );
              })}
            {props.polygons.map((poly, i) => (
              <g key={i}>
                <polygon
                  data-testid="label-polygon"
                  data-label={poly.label}
                  points={poly.points.map((q) => q.join(',')).join(' ')}
                  fill={colorOf(poly.label, i === sel ? 0.4 : 0.25)}
                  stroke={colorOf(poly.label)}
                  stroke-width={i === sel ? stroke * 1.5 : stroke}
                />
                {i === sel &&
                  edgeMidpoints(poly.points).map((q, j) => (
                    <circle
                      key={`m${j}`}
                      class="label-midpoint"
                      cx={q[0]}
                      cy={q[1]}
                      r={handleSize / 3}
                    />
                  ))}
                {i === sel &&
                  poly.points.map((q, j) => (
                    <circle key={j} class="label-vertex" cx={q[0]} cy={q[1]} r={handleSize / 2} />
                  ))}
              </g>
            ))}
            {props.drawing.length > 0 && (
              <g>
                <polyline
                  points={props.drawing.map((q) => q.join(',')).join(' ')}
                  fill="none"
                  stroke={colorOf(props.label)}
                  stroke-width={stroke}
                />
                {props.drawing.map((q, j) => (
                  <circle
                    key={j}
                    class={j === 0 ? 'label-vertex first' : 'label-vertex'}
                    cx={q[0]}
                    cy={q[1]}
                    r={(j === 0 ? 0.8 : 0.5) * handleSize}
                  />
                ))}
              </g>
            )}
            {draft && (
              <rect
                class="label-draft"
                x={draft.x}
                y={draft.y}
                width={draft.width}
                height={draft.height}
                stroke={colorOf(props.label)}
                stroke-width={stroke}
              />
            )}
          </svg>
        )}
      </div>
    </div>
  );
}

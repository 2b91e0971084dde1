// MOTChallenge text files (Milan et al. 2016, "MOT16: A Benchmark for Multi-Object Tracking"):
// one box per line, `frame,id,x,y,w,h,conf,x3d,y3d,z3d` (results; the 3-D fields are -1), with
// 1-based frames and top-left boxes in pixels. Ground-truth files reuse the first six fields
// and put flags in the rest; detection files carry id -1. Text in, text out: reading the file
// itself is left to the Node edge so this stays platform-free.

import { badInput } from '../errors.js';
import type { Detection, Track } from './types.js';

/** Parses tracker results or ground truth. Blank lines are skipped; `file` names errors. */
export function parseMotTracks(text: string, file: string): Track[] {
  return parseRows(text, file, true).map(({ frame, id, box, conf }) =>
    conf === undefined ? { id, frame, box } : { id, frame, box, score: conf },
  );
}

/** Parses a detection file (`det.txt`): the id column is ignored, conf becomes the score. */
export function parseMotDetections(text: string, file: string): Detection[] {
  return parseRows(text, file, false).map(({ frame, box, conf }) => ({
    frame,
    box,
    score: conf ?? 1,
  }));
}

/** Writes results lines, sorted by frame then id; a missing score is written as -1. */
export function formatMotTracks(tracks: readonly Track[]): string {
  const sorted = [...tracks].sort((a, b) => a.frame - b.frame || a.id - b.id);
  return sorted
    .map((t) => {
      const { x, y, w, h } = t.box;
      return `${[t.frame, t.id, x, y, w, h, t.score ?? -1].map(num).join(',')},-1,-1,-1\n`;
    })
    .join('');
}

/** Writes a detection file (`det.txt`): id -1, the score as conf, sorted by frame. */
export function formatMotDetections(detections: readonly Detection[]): string {
  return [...detections]
    .sort((a, b) => a.frame - b.frame)
    .map((d) => {
      const { x, y, w, h } = d.box;
      // Scores keep 4 decimals: tracker thresholds read them back.
      const score = String(Math.round(d.score * 1e4) / 1e4);
      return `${[d.frame, -1, x, y, w, h].map(num).join(',')},${score},-1,-1,-1\n`;
    })
    .join('');
}

/** Two decimals is what MOTChallenge result files use; trailing zeros are dropped. */
function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

interface Row {
  frame: number;
  id: number;
  box: { x: number; y: number; w: number; h: number };
  conf?: number;
}

function parseRows(text: string, file: string, needId: boolean): Row[] {
  const rows: Row[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, k) => {
    if (line.trim() === '') return;
    const where = `${file}:${k + 1}`;
    const fields = line.split(',').map((s) => s.trim());
    if (fields.length < 6 || fields.length > 10) {
      problems.push(`${where}: expected 6 to 10 comma-separated fields, got ${fields.length}`);
      return;
    }
    const v = fields.map((s) => (s === '' ? Number.NaN : Number(s)));
    const bad = v.findIndex((x, i) => i < 7 && !Number.isFinite(x));
    if (bad >= 0) {
      problems.push(`${where}: field ${bad + 1} is not a number: '${fields[bad]}'`);
      return;
    }
    const [frame, id, x, y, w, h] = v as [number, number, number, number, number, number];
    if (!Number.isInteger(frame) || frame < 1) {
      problems.push(
        `${where}: frame must be an integer >= 1 (MOTChallenge is 1-based), got ${frame}`,
      );
      return;
    }
    if (!Number.isInteger(id) || (needId && id < 0)) {
      problems.push(`${where}: id must be a non-negative integer, got ${id}`);
      return;
    }
    if (w < 0 || h < 0) {
      problems.push(`${where}: width and height must be >= 0, got ${w}x${h}`);
      return;
    }
    rows.push({ frame, id, box: { x, y, w, h }, ...(v.length > 6 ? { conf: v[6]! } : {}) });
  });
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more bad lines)` : '';
    throw badInput(`${problems[0]}${more}`, problems);
  }
  return rows;
}

// The labelling editor's keyboard shortcuts as a pure mapping (tested; the page only dispatches).

export type KeyAction =
  | { type: 'save' }
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'deselect' }
  | { type: 'delete' }
  | { type: 'close' }
  | { type: 'undo' }
  | { type: 'class'; index: number };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** What a key press does in the editor, or null (typing in a form field is filtered earlier). */
export function keyAction(e: KeyLike): KeyAction | null {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) return null;
  if ((e.ctrlKey || e.metaKey) && key === 'z') return { type: 'undo' };
  if ((e.ctrlKey || e.metaKey) && key !== 's') return null;
  if (key === 's') return { type: 'save' };
  if (key === 'n' || key === 'ArrowRight') return { type: 'next' };
  if (key === 'p' || key === 'ArrowLeft') return { type: 'previous' };
  if (key === 'Escape') return { type: 'deselect' };
  if (key === 'Delete' || key === 'Backspace') return { type: 'delete' };
  if (key === 'Enter') return { type: 'close' };
  if (/^[1-9]$/.test(key)) return { type: 'class', index: Number(key) - 1 };
  return null;
}

/** The image id `step` places from `id` in `ids`, or undefined at either end (or not found). */
export function neighbour(ids: readonly string[], id: string, step: 1 | -1): string | undefined {
  const at = ids.indexOf(id);
  return at < 0 ? undefined : ids[at + step];
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyAction, neighbour } from './keys.js';

test('shortcuts: save, undo, next/previous, deselect, delete, close, classes 1–9', () => {
  assert.deepEqual(keyAction({ key: 's' }), { type: 'save' });
  assert.deepEqual(keyAction({ key: 'S' }), { type: 'save' });
  assert.deepEqual(keyAction({ key: 's', ctrlKey: true }), { type: 'save' });
  assert.deepEqual(keyAction({ key: 'ArrowRight' }), { type: 'next' });
  assert.deepEqual(keyAction({ key: 'n' }), { type: 'next' });
  assert.deepEqual(keyAction({ key: 'ArrowLeft' }), { type: 'previous' });
  assert.deepEqual(keyAction({ key: 'Escape' }), { type: 'deselect' });
  assert.deepEqual(keyAction({ key: 'Backspace' }), { type: 'delete' });
  assert.deepEqual(keyAction({ key: 'Enter' }), { type: 'close' });
  assert.deepEqual(keyAction({ key: '3' }), { type: 'class', index: 2 });
  assert.equal(keyAction({ key: '0' }), null);
  assert.deepEqual(keyAction({ key: 'z', ctrlKey: true }), { type: 'undo' });
  assert.deepEqual(keyAction({ key: 'z', metaKey: true }), { type: 'undo' });
  assert.equal(keyAction({ key: 'z' }), null);
  assert.equal(keyAction({ key: 'c', ctrlKey: true }), null);
  assert.equal(keyAction({ key: 'n', altKey: true }), null);
});

test('neighbour steps through the list and stops at the ends', () => {
  const ids = ['a', 'b', 'c'];
  assert.equal(neighbour(ids, 'b', 1), 'c');
  assert.equal(neighbour(ids, 'b', -1), 'a');
  assert.equal(neighbour(ids, 'c', 1), undefined);
  assert.equal(neighbour(ids, 'zzz', 1), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { formatMotTracks, parseMotDetections, parseMotTracks } from './mot-format.js';
import type { Track } from './types.js';

test('results round trip through the MOTChallenge text format', () => {
  const tracks: Track[] = [
    { id: 2, frame: 1, box: { x: 794.27, y: 247.59, w: 71.245, h: 174.88 }, score: 0.9 },
    { id: 1, frame: 1, box: { x: 1648.1, y: 119.61, w: 66.504, h: 163.24 } },
    { id: 1, frame: 2, box: { x: 0, y: 0, w: 10, h: 20 }, score: 1 },
  ];
  const text = formatMotTracks(tracks);
  assert.equal(
    text,
    '1,1,1648.1,119.61,66.5,163.24,-1,-1,-1,-1\n' +
      '1,2,794.27,247.59,71.25,174.88,0.9,-1,-1,-1\n' +
      '2,1,0,0,10,20,1,-1,-1,-1\n',
  );
  const back = parseMotTracks(text, 'res.txt');
  assert.deepEqual(back, [
    { id: 1, frame: 1, box: { x: 1648.1, y: 119.61, w: 66.5, h: 163.24 }, score: -1 },
    { id: 2, frame: 1, box: { x: 794.27, y: 247.59, w: 71.25, h: 174.88 }, score: 0.9 },
    { id: 1, frame: 2, box: { x: 0, y: 0, w: 10, h: 20 }, score: 1 },
  ]);
});

test('reads ground-truth (9 fields, CRLF, blank lines) and detection files', () => {
  const gt = parseMotTracks(
    '1,1,912,484,97,109,0,7,1\r\n\r\n2,1,912,484,97,109,1,1,0.5\r\n',
    'gt.txt',
  );
  assert.equal(gt.length, 2);
  assert.deepEqual(gt[1], { id: 1, frame: 2, box: { x: 912, y: 484, w: 97, h: 109 }, score: 1 });
  const det = parseMotDetections('1,-1,1359.1,413.27,120.26,362.77,2.3092,-1,-1,-1\n', 'det.txt');
  assert.deepEqual(det, [
    { frame: 1, box: { x: 1359.1, y: 413.27, w: 120.26, h: 362.77 }, score: 2.3092 },
  ]);
});

test('bad lines are a BAD_INPUT error naming the file and line', () => {
  const cases: [string, RegExp][] = [
    ['1,1,0,0,10,10,1,-1,-1,-1\n1,1,0,0,10\n', /^seq\.txt:2: expected 6 to 10/],
    ['1,1,0,zero,10,10\n', /^seq\.txt:1: field 4 is not a number: 'zero'/],
    ['\n\n0,1,0,0,10,10\n', /^seq\.txt:3: frame must be an integer >= 1/],
    ['1,1.5,0,0,10,10\n', /^seq\.txt:1: id must be/],
    ['1,1,0,0,-10,10\n', /^seq\.txt:1: width and height/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseMotTracks(text, 'seq.txt'),
      (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_INPUT' && re.test(e.message),
      text,
    );
  }
});

test('every bad line is listed in the details', () => {
  try {
    parseMotTracks('x\n1,1,0,0,10,10\ny\n', 'seq.txt');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof VisiontuneError);
    assert.match(e.message, /and 1 more bad lines/);
    assert.equal(e.details.length, 2);
    assert.match(e.details[1]!, /^seq\.txt:3:/);
  }
});

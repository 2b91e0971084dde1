// The page the Chromium test loads (a test helper, not shipped): visiontune/web, TF.js and ONNX
// Runtime Web on globalThis so the test's page.evaluate calls can reach them.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import * as vt from './index.js';

Object.assign(globalThis, { vt, tf, ort });

/** What the page puts on globalThis, for the test's typed page.evaluate callbacks. */
export interface TestPage {
  vt: typeof vt;
  tf: typeof tf;
  ort: typeof ort;
}

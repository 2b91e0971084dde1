// Shared by the backbones tests (not a test itself): the wasm engine (inference ~30x the cpu
// backend, which pretrained InceptionV3 needs to stay fast) and temp folders for file:// saves.
import { promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../engine/index.js';

export async function setupBackend(): Promise<void> {
  await initEngine({ backend: 'wasm' });
}

const made: string[] = [];
// Saved pretrained bodies are large (InceptionV3: ~90 MB); never leave them in /tmp.
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test process exits. */
export async function tempDir(prefix = 'vt-backbones-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

// Test support (not a test): a real studio on 127.0.0.1 over a temp projects folder, with the
// frontend built fresh from studio-ui/ (so a test sees the sources, not a stale dist/), and
// small colour images a tiny network learns in a few epochs.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
// @ts-expect-error: a plain ES module script without declarations
import { buildStudioUi } from '../../scripts/build-studio-ui.js';
import { Rng } from '../util/rng.js';
import { createStudio, type VisiontuneStudio } from './app.js';

export interface RunningStudio {
  app: VisiontuneStudio;
  url: string;
  dir: string;
  close(): Promise<void>;
}

let built: Promise<string> | undefined;

/** The frontend built once per test process into a temp folder. */
export function builtUi(): Promise<string> {
  built ??= (async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-studio-ui-'));
    await buildStudioUi(dir);
    return dir;
  })();
  return built;
}

export async function startStudio(dir: string): Promise<RunningStudio> {
  // Its own run lock: test files running side by side do not wait for each other's runs.
  const app = await createStudio({
    dir,
    port: 0,
    uiDir: await builtUi(),
    runLock: path.join(path.dirname(dir), 'run.lock'),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, dir, close: () => app.close() };
}

export const COLOURS: Record<string, [number, number, number]> = {
  red: [210, 40, 40],
  green: [40, 180, 60],
  blue: [40, 60, 210],
};

/** A `size`-px JPEG of `colour` with seeded noise (each seed a different image). */
export async function colourJpeg(
  file: string,
  colour: [number, number, number],
  seed: number,
  size = 32,
) {
  const rng = new Rng(seed);
  const pixels = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++)
    for (let k = 0; k < 3; k++)
      pixels[i * 3 + k] = Math.max(0, Math.min(255, Math.round(colour[k]! + rng.normal() * 25)));
  await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .jpeg()
    .toFile(file);
  return file;
}

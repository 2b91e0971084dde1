// ONNX external data (models over 2 GB keep their weights in files beside the .onnx, as
// torch.onnx.export writes them): a reader for parse.ts that opens only regular files inside the
// model's own folder (a location that is absolute or leaves it is refused), reads the byte range
// a tensor names when its converter needs it, and says which data file is missing. The model
// file's own large weights are re-read the same way (modelFileReader).
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { badInput, VisiontuneError } from '../../errors.js';
import { fsReason } from '../../guard/read-input.js';
import type { ExternalDataReader, ModelFileReader } from './parse.js';

export function externalDataReader(modelFile: string): ExternalDataReader {
  const folder = path.resolve(path.dirname(modelFile));
  return (location, offset, length, tensor) => {
    const where = `${modelFile}: tensor ${tensor}: external data ${location}`;
    const file = path.resolve(folder, location);
    if (path.isAbsolute(location) || !file.startsWith(`${folder}${path.sep}`))
      throw badInput(`${where}: the data file must be inside the model's folder`);
    let fd: number;
    try {
      // A link inside the folder that leads out of it is refused as the path would be.
      if (!realpathSync(file).startsWith(`${realpathSync(folder)}${path.sep}`))
        throw badInput(`${where}: the data file must be inside the model's folder`);
      fd = openSync(file, 'r');
    } catch (err) {
      if (err instanceof VisiontuneError) throw err;
      throw badInput(
        `${where}: ${fsReason(err)} (the data files must stay beside ${path.basename(modelFile)})`,
      );
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw badInput(`${where}: not a regular file`);
      const size = length ?? st.size - offset;
      if (offset < 0 || size < 0 || offset + size > st.size)
        throw badInput(`${where}: bytes ${offset}…${offset + size} are past its end (${st.size})`);
      return readRange(fd, offset, size);
    } finally {
      closeSync(fd);
    }
  };
}

/** `size` bytes at `offset` of an open file, in a buffer of their own (fewer if it ends first). */
function readRange(fd: number, offset: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const n = readSync(fd, bytes, filled, size - filled, offset + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled === size ? bytes : bytes.slice(0, filled);
}

/**
 * Reads byte ranges of the model file itself again (parse.ts's `reread`), so its large weights
 * need not stay in memory after parsing. `size` is the size it had when parsed: a file that has
 * changed since is refused rather than read as weights.
 */
export function modelFileReader(modelFile: string, size: number): ModelFileReader {
  return (offset, length, tensor) => {
    const where = `${modelFile}: tensor ${tensor}`;
    let fd: number;
    try {
      fd = openSync(modelFile, 'r');
    } catch (err) {
      throw badInput(`${where}: cannot read it again: ${fsReason(err)}`);
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size !== size)
        throw badInput(`${where}: the file changed while it was being imported`);
      const bytes = readRange(fd, offset, length);
      if (bytes.length !== length)
        throw badInput(`${where}: the file changed while it was being imported`);
      return bytes;
    } finally {
      closeSync(fd);
    }
  };
}

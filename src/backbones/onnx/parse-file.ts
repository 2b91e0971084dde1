// An ONNX file on disk parsed as the importer reads it: its bytes released once parsed, large
// weights re-read from the file when needed, external data from beside it. (Kept out of
// import.ts, whose declarations are public, so onnx-proto's types stay internal.)
import { readInputFile } from '../../guard/read-input.js';
import { externalDataReader, modelFileReader } from './external-data.js';
import { parseOnnx } from './parse.js';

/** The file's graph; its bytes are referenced by nothing once this returns. */
export async function parseOnnxFile(file: string) {
  const bytes = await readInputFile(file, 'model');
  return parseOnnx(bytes, file, {
    externalData: externalDataReader(file),
    reread: modelFileReader(file, bytes.byteLength),
  });
}

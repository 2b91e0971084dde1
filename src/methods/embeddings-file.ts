// The embeddings file written by `visiontune embed`: JSON Lines, streamed so any dataset size
// fits in bounded memory. Line 1 is a header; each following line is one sample.
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import readline from 'node:readline';
import { finished } from 'node:stream/promises';
import { badInput } from '../errors.js';
import { writeStep } from '../guard/fault.js';
import { writeFailure } from '../guard/write-failure.js';
import type { EmbeddedBatch, EmbeddingSet } from './embed.js';

export const EMBEDDINGS_FORMAT = 'visiontune-embeddings';

export interface EmbeddingsHeader {
  format: typeof EMBEDDINGS_FORMAT;
  version: 1;
  backbone: string;
  layer: string;
  /** How `--layer auto` chose the layer, or why it fell back (methods/rank/auto-layer.ts). */
  layerChoice?: string;
  inputSize: number;
  dim: number;
  classes: string[];
  data: string;
}

/** Streams batches to `file` through a temp file renamed at the end; returns the row count. */
export async function writeEmbeddings(
  file: string,
  header: Omit<EmbeddingsHeader, 'format' | 'version'>,
  batches: AsyncIterable<EmbeddedBatch>,
  onBatch?: (n: number) => void,
): Promise<number> {
  const tmp = `${file}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp);
  // A write error (disk full) surfaces here, not as an unhandled 'error' event that would end
  // the process before the temp file is removed.
  let failed: Error | undefined;
  const failure = new Promise<never>((_, reject) =>
    stream.once('error', (err) => {
      failed = err;
      reject(err);
    }),
  );
  failure.catch(() => {});
  let rows = 0;
  const write = async (line: string) => {
    if (failed) throw failed;
    if (!stream.write(`${line}\n`))
      await Promise.race([new Promise<void>((r) => stream.once('drain', () => r())), failure]);
  };
  try {
    await write(JSON.stringify({ format: EMBEDDINGS_FORMAT, version: 1, ...header }));
    for await (const b of batches) {
      for (let i = 0; i < b.samples.length; i++) {
        const label = b.labels[i];
        const row = Array.from(b.embeddings.subarray(i * b.dim, (i + 1) * b.dim));
        await write(
          JSON.stringify({
            id: b.samples[i].id,
            label,
            class: header.classes[label] ?? null,
            embedding: row,
          }),
        );
      }
      rows += b.samples.length;
      writeStep(`${tmp}: ${rows} rows written`);
      onBatch?.(b.samples.length);
    }
    stream.end();
    await Promise.race([finished(stream), failure]);
    await fs.rename(tmp, file);
    return rows;
  } catch (err) {
    stream.destroy();
    // The file's open may still be pending: wait until it is closed, or rm could run first.
    await finished(stream).catch(() => {});
    await fs.rm(tmp, { force: true });
    throw writeFailure(err, file, `nothing was written to ${file} (its temp file is removed)`);
  }
}

/** Reads an embeddings file back into memory, checking every row's dimension. */
export async function readEmbeddings(
  file: string,
): Promise<{ header: EmbeddingsHeader; set: EmbeddingSet }> {
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header: EmbeddingsHeader | undefined;
  const ids: string[] = [];
  const labels: number[] = [];
  const values: number[] = [];
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (!line.trim()) continue;
      const parsed = JSON.parse(line);
      if (!header) {
        if (parsed.format !== EMBEDDINGS_FORMAT)
          throw badInput(`${file}: not a visiontune embeddings file`);
        header = parsed as EmbeddingsHeader;
        continue;
      }
      if (!Array.isArray(parsed.embedding) || parsed.embedding.length !== header.dim) {
        throw badInput(
          `${file}:${lineNo}: embedding has ${parsed.embedding?.length} values, header says ${header.dim}`,
        );
      }
      ids.push(parsed.id);
      labels.push(parsed.label);
      values.push(...parsed.embedding);
    }
  } catch (err) {
    if (err instanceof SyntaxError)
      throw badInput(`${file}:${lineNo}: invalid JSON (${err.message})`);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw badInput(`${file}: no such file`);
    throw err;
  }
  if (!header) throw badInput(`${file}: empty embeddings file`);
  return {
    header,
    set: {
      ids,
      labels: Int32Array.from(labels),
      embeddings: Float32Array.from(values),
      dim: header.dim,
    },
  };
}

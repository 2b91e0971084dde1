// Test support (not a test): a folder served over HTTP on 127.0.0.1, as a zoo mirror is, with
// the requests it answered recorded.
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ServedFolder {
  /** http://127.0.0.1:<port>/ */
  base: string;
  /** Each request's URL path, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFolder(root: string): Promise<ServedFolder> {
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    requests.push(req.url!);
    const file = path.join(root, ...decodeURIComponent(req.url!).split('/').filter(Boolean));
    const stat = file.startsWith(root) ? await fs.stat(file).catch(() => null) : null;
    if (!stat?.isFile()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': stat.size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

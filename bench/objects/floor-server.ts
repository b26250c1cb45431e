// The HTTP floor of the object store benchmark: a bare Node.js server that reads and discards
// every PUT body and returns the same 4 KiB body for every GET, storing nothing. Given FILE,
// it serves that file for every GET instead, read in 1 MiB chunks as the store reads
// objects. The SDK client of the benchmark talks to it as to an S3 endpoint, so its figures
// are the cost of the client, its signatures and HTTP on this machine.
// Usage: node dist/bench/objects/floor-server.js PORT [FILE]
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream';

import { listenUntilSignal, portArgument } from '../floors/server-lifecycle.js';

const GET_BODY = Buffer.alloc(4096, 0x61);
const ETAG = '"00000000000000000000000000000000"';
const FILE_READ_BYTES = 1024 * 1024;
const largeFile = process.argv[3];
const largeFileBytes = largeFile === undefined ? 0 : statSync(largeFile).size;

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.once('end', () => {
    if (req.method === 'GET' && largeFile !== undefined) {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': largeFileBytes,
        ETag: ETAG,
      });
      pipeline(
        createReadStream(largeFile, { highWaterMark: FILE_READ_BYTES }),
        res,
        () => undefined,
      );
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': GET_BODY.length,
        ETag: ETAG,
      });
      res.end(GET_BODY);
      return;
    }
    res.writeHead(200, { 'Content-Length': 0, ETag: ETAG });
    res.end();
  });
});

await listenUntilSignal(server, portArgument());

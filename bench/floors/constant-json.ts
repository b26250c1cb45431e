// Floor A of the benchmark: a bare Node.js HTTP server that returns the same JSON as the
// no-op functions to every request. It does no per-invocation work at all, so its figures
// are the cost of HTTP alone, on this machine with this client.
// Usage: node dist/bench/floors/constant-json.js PORT
import http from 'node:http';

import { listenUntilSignal, portArgument } from './server-lifecycle.js';

const RESULT = Buffer.from('{"ok":true}');

const server = http.createServer({ noDelay: true, keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': RESULT.length });
    res.end(RESULT);
  });
});

await listenUntilSignal(server, portArgument());

import type http from 'node:http';

/** Reads the TCP port from the first command-line argument. */
export function portArgument(): number {
  const text = process.argv[2] ?? '';
  const port = Number(text);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write(`floor server: port '${text}' is invalid; pass a port from 1 to 65535\n`);
    process.exit(2);
  }
  return port;
}

/**
 * Listens on 127.0.0.1:port, then on SIGTERM or SIGINT runs `beforeExit` (which stops any
 * child process), closes the server and exits.
 */
export async function listenUntilSignal(
  server: http.Server,
  port: number,
  beforeExit: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`listening on 127.0.0.1:${port}\n`);

  const stop = () => {
    server.closeAllConnections();
    server.close();
    beforeExit().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`floor server: stopping failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

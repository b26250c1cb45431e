import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts a server listening and resolves with its address, or rejects with the listen error. */
export async function listenOn(
  server: http.Server,
  port: number,
  host: string,
): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Stops a server: idle keep-alive connections close now, busy ones after their response. */
export async function stopServer(server: http.Server): Promise<void> {
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

import type { ApiRequest } from '../api/routes.js';

/** `GET /metrics`: the invocation metrics for a Prometheus scrape. */
export async function handleMetrics({ req, res, context }: ApiRequest): Promise<void> {
  req.resume();
  const { metrics } = context.invoker;
  const body = await metrics.render();
  res.writeHead(200, {
    'Content-Type': metrics.contentType,
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

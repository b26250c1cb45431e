import { lambdaError } from '../../api/lambda/errors.js';
import type { ApiRequest } from '../../api/routes.js';

/** `POST /_lambdacraft/schedules/<name>/trigger`, a LambdaCraft operation, not an AWS one. */
export const SCHEDULE_TRIGGER_PATH = /^\/_lambdacraft\/schedules\/(.+)\/trigger$/;

/** Fires a schedule now and responds 202 with `{"RequestId": ...}` of the queued event. */
export async function handleScheduleTrigger({
  req,
  res,
  params,
  context,
}: ApiRequest): Promise<void> {
  req.resume();
  const { schedules } = context;
  if (schedules === undefined) {
    throw lambdaError('ServiceException', 503, 'this endpoint runs no schedules');
  }
  const name = decodeURIComponent(params[0] ?? '');
  const requestId = await schedules.trigger(name);
  const body = JSON.stringify({ RequestId: requestId });
  res.writeHead(202, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

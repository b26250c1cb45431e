import type { S3Request } from '../context.js';
import type { S3EventName } from '../events.js';

/** Emits the event of a committed change to an object. */
export function emitObjectEvent(
  request: S3Request,
  eventName: S3EventName,
  target: { bucket: string; key: string; sequencer: string },
  object?: { size: number; eTag: string },
): void {
  request.context.emit({
    eventName,
    eventTimeMs: request.context.nowMs(),
    bucket: target.bucket,
    key: target.key,
    size: object?.size,
    eTag: object?.eTag.replace(/^"|"$/g, ''),
    sequencer: target.sequencer,
    versionId: undefined,
    requestId: request.requestId,
    hostId: request.hostId,
    sourceIpAddress: request.req.socket.remoteAddress ?? '127.0.0.1',
    accessKeyId: request.signed?.accessKeyId,
  });
}

import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import type { LogsBatch } from './types';

/**
 * The inverse of `decodeSubscriptionEvent`: packs a batch the way CloudWatch Logs delivers it to Lambda
 * (`{awslogs:{data: base64(gzip(json))}}`). For the local run, tests and benchmarks; the Lambda never calls it.
 */
export function encodeSubscriptionEvent(batch: LogsBatch): CloudWatchLogsEvent {
  return { awslogs: { data: gzipSync(JSON.stringify(batch)).toString('base64') } };
}

/** Decoding CloudWatch Logs subscription payloads: pure, no AWS calls, no I/O. */
export { decodeBase64Strict } from './base64';
export type { DecodeOptions } from './decode';
export { DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_EVENTS, decodeSubscriptionEvent } from './decode';
export { encodeSubscriptionEvent } from './encode';
export type { MalformedReason } from './errors';
export { MalformedPayloadError } from './errors';
export type { DecodedBatch, LogEvent, LogsBatch } from './types';

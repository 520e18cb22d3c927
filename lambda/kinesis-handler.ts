/**
 * The central mode's detector entry point (docs/design.md section 9): the event source mapping of the organisation's
 * Kinesis stream invokes it with batches of CloudWatch Logs payloads; it answers with `batchItemFailures`.
 */
import { createRuntime } from './runtime';

const runtime = createRuntime(process.env);

export const handler = runtime.detectKinesis;

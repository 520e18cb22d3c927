/**
 * The sweep's Lambda entry point, run on a schedule (EventBridge, every 5 minutes): ends due incident
 * windows with their updates, sends digests that are due, and publishes messages a failed invocation left.
 */
import { createRuntime } from './runtime';

const runtime = createRuntime(process.env);

export const handler = runtime.sweep;

/**
 * The detector's Lambda entry point (docs/design.md section 5): configuration and clients are built once per
 * container (runtime.ts); every invocation runs the pipeline on one CloudWatch Logs subscription event.
 */
import { createRuntime } from './runtime';

const runtime = createRuntime(process.env);

export const handler = runtime.detect;

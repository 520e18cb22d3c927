/**
 * The canary function's entry point, run on a schedule (EventBridge, every `canaryInterval`): writes one proven
 * canary line into each watched log group and tells the operator which groups' canaries stopped coming back.
 */
import { createCanaryRuntime } from './canary-runtime';

export const handler = createCanaryRuntime(process.env).canary;

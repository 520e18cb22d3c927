/**
 * The canary function's entry point, run on a schedule (EventBridge, every `canaryInterval`): writes one proven
 * canary line into each watched log group and tells the operator which groups' canaries stopped coming back.
 */
import { createCanaryRuntime } from './canary-runtime';

// The stack compiles the group list into the bundle (it can exceed Lambda's 4 KB of environment), replacing this
// very expression; elsewhere (tests, local runs) it is read from the environment.
export const handler = createCanaryRuntime({ ...process.env, CANARY_LOG_GROUPS: process.env.CANARY_LOG_GROUPS }).canary;

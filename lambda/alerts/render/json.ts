/**
 * The SNS `default` key (also what SQS, Lambda and HTTP JSON consumers receive): the Alert itself. Values stay
 * raw, as data: JSON.stringify escapes control characters and lone surrogates, and consumers that display
 * them must sanitise for their medium, as the renderers here do.
 */
import type { Alert } from '../alert';

export function renderAlertJson(alert: Alert): string {
  return JSON.stringify(alert);
}

/**
 * `scan --log-group ... --alerts` in text: each alert as the email the deployed function would send (subject
 * and body from the alerts module's renderer), one after the other, then a summary line.
 */
import { type Alert, renderEmail } from '../../lambda/alerts';
import { terminalSafe } from './scan-text';

const RULE = '='.repeat(78);

export function renderAlertsText(alerts: readonly Alert[]): string {
  const out: string[] = [];
  alerts.forEach((alert, index) => {
    const email = renderEmail(alert);
    out.push(RULE, `Alert ${index + 1} of ${alerts.length}`, `Subject: ${terminalSafe(email.subject, 200)}`, '');
    // The email renderer already cleans log text; this keeps the terminal safe whatever it lets through.
    out.push(...email.body.replace(/\n$/, '').split('\n').map((line) => terminalSafe(line, 2000)));
    out.push('');
  });
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/**
 * A genuine alert, built by the same code the detector runs (detector -> groupFindings -> buildSnsMessage), and
 * the SNS event the forwarder receives for it (Lambda subscribers get the `default` JSON).
 */
import type { SNSEvent } from 'aws-lambda';
import { type Alert, buildSnsMessage, groupFindings } from '../../../lambda/alerts';
import { detectLine } from '../../../lambda/detector';

export const REFUSAL_LINE =
  'May 29 18:49:42 valhalla proftpd[16661]: valhalla.example.net (85.103.107.214[85.103.107.214]) - '
  + 'Refused PORT 192,168,1,33,4,83 (address mismatch)';

export function sampleAlert(line: string = REFUSAL_LINE): Alert {
  const finding = detectLine(line);
  if (finding === null) throw new Error(`fixture line does not match: ${line}`);
  const [alert] = groupFindings(
    [{ finding, logGroup: '/var/log/proftpd', logStream: 'i-0abc', eventId: '3713', timestamp: Date.UTC(2025, 4, 29, 18, 49, 42) }],
    { region: 'eu-west-1' },
  );
  if (!alert) throw new Error('no alert from the fixture finding');
  return alert;
}

/** The `default` member of the SNS message the detector publishes for this alert. */
export function snsDefaultMessage(alert: Alert): string {
  const structured = JSON.parse(buildSnsMessage(alert).message) as { default: string };
  return structured.default;
}

export function snsEvent(message: string): SNSEvent {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSource: 'aws:sns',
        EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:alerts:0b4f0c7e-7d1e-4b7a-9a57-3c0f1d8e2a11',
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
          Subject: 'FTP bounce attempt',
          Message: message,
          Timestamp: '2025-05-29T18:50:00.000Z',
          SignatureVersion: '2',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** A webhook URL as Slack issues them; its path is the credential that must never be logged. */
export const WEBHOOK_URL = 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/s3cr3tT0kenXyZ0123456789';
export const WEBHOOK_SECRET_PART = 's3cr3tT0kenXyZ0123456789';

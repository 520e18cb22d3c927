import { AlertMessageError, parseAlertMessage } from '../../../lambda/slack/alert-message';
import { sampleAlert, snsDefaultMessage } from './fixtures';

function reasonFor(message: string): string {
  try {
    parseAlertMessage(message);
  } catch (error) {
    if (error instanceof AlertMessageError) return error.reason;
    throw error;
  }
  throw new Error('expected an AlertMessageError');
}

/** The fixture alert as a mutable JSON object, to break one field at a time. */
function alertJson(): Record<string, unknown> {
  return JSON.parse(snsDefaultMessage(sampleAlert())) as Record<string, unknown>;
}

describe('parseAlertMessage', () => {
  it('reads back the alert the detector publishes', () => {
    const alert = sampleAlert();
    expect(parseAlertMessage(snsDefaultMessage(alert))).toEqual(JSON.parse(JSON.stringify(alert)));
  });

  it.each([
    ['not JSON', 'hello from the console', 'not JSON'],
    ['a JSON array', '[]', 'not a JSON object'],
    ['a JSON string', '"x"', 'not a JSON object'],
  ])('rejects %s', (_name, message, reason) => {
    expect(reasonFor(message)).toBe(reason);
  });

  const broken: Array<[string, (a: Record<string, unknown>) => void, string]> = [
    ['another rule', (a) => (a.ruleId = '11210'), 'field ruleId is not "11209"'],
    ['no title', (a) => delete a.title, 'field title is not a string'],
    ['unknown severity', (a) => (a.severity = 'urgent'), 'field severity is not a known severity'],
    ['unknown classification', (a) => (a.classification = 'nat'), 'field classification is not a known classification'],
    ['srcIp a number', (a) => (a.srcIp = 1), 'field srcIp is not a string or null'],
    ['count negative', (a) => (a.count = -1), 'field count is not a non-negative integer'],
    ['targets not strings', (a) => (a.targets = [1]), 'field targets is not an array of strings'],
    ['bad timestamp', (a) => (a.firstSeen = 'yesterday'), 'field firstSeen is not an ISO-8601 timestamp'],
    ['no links', (a) => delete a.links, 'field links is not an object'],
    [
      'a javascript: link',
      (a) => ((a.links as Record<string, unknown>).insights = 'javascript:alert(1)'),
      'field links.insights is not an https URL',
    ],
    ['samples not an array', (a) => (a.samples = {}), 'field samples is not an array'],
    [
      'a sample without its line',
      (a) => delete ((a.samples as Array<Record<string, unknown>>)[0]?.finding as Record<string, unknown>).line,
      'field samples[0].finding.line is not a string',
    ],
  ];
  it.each(broken)('rejects %s, naming the field', (_name, breakIt, reason) => {
    const alert = alertJson();
    breakIt(alert);
    expect(reasonFor(JSON.stringify(alert))).toBe(reason);
  });

  it('never quotes the message in its error', () => {
    const secretish = 'Refused PORT <!channel> s3cr3t';
    let caught: unknown;
    try {
      parseAlertMessage(secretish);
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toBe('SNS message is not an FtpBounceWatch alert: not JSON');
  });
});

/** The `suppressions` context key: validated like the other keys, handed to the detector alone as SUPPRESSIONS. */
import { Stack } from 'aws-cdk-lib';
import { ContextError, parseContext } from '../../infra/context';
import { FtpBounceWatch, FtpBounceWatchPropsError } from '../../infra/ftp-bounce-watch';
import { readConfig } from '../../lambda/config';
import { detectorId, EXAMPLE_CONTEXT, newTestApp, synth } from './helpers';

jest.setTimeout(120_000);

const base = { logGroups: '/a', alertEmails: 'ops@example.com' };
const ACME = { client: '198.51.100.23', reason: 'Acme FXP partner, OPS-1234', expires: '2027-01-31' };

function problemsOf(value: unknown): string[] {
  try {
    parseContext({ ...base, suppressions: value });
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    return error.message.split('\n');
  }
  return [];
}

describe('suppressions context key', () => {
  it.each<[string, unknown]>([
    ['a cdk.json list', [ACME]],
    ['its JSON text (-c suppressions=...)', JSON.stringify([ACME])],
  ])('accepts %s', (_name, value) => {
    expect(parseContext({ ...base, suppressions: value }).suppressions).toEqual([
      expect.objectContaining({ id: 'cdk-1', client: '198.51.100.23/32', severity: 'medium', expiresAt: Date.UTC(2027, 0, 31) }),
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['text that is not JSON', '198.51.100.23', /^suppressions: expected a JSON list of \{client, target\?, severity\?, reason, expires\}/],
    ['an entry without a reason', [{ client: '198.51.100.23', expires: '2027-01-31' }], /^suppressions: entry 1: a reason is required/],
    ['an entry with a bad target', [{ ...ACME, target: 'partner.example.com' }], /^suppressions: entry 1: target "partner\.example\.com" is not an IP address or CIDR/],
    ['21 entries', Array.from({ length: 21 }, (_, i) => ({ ...ACME, client: `192.0.2.${i}` })), /^suppressions: has 21 entries; at most 20/],
  ])('rejects %s in one line naming the key', (_name, value, message) => {
    const problems = problemsOf(value);

    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it('refuses a bad prop with the other prop problems', () => {
    const bad = { id: 'x', client: '1.2.3.4/32', target: null, severity: 'medium' as const, reason: '', author: 'me', createdAt: 0, expiresAt: 0 };

    expect(() => new FtpBounceWatch(new Stack(newTestApp(), 'Bad'), 'Watch', { logGroups: ['/a'], suppressions: [bad] }))
      .toThrow(/suppressions: entry 1: a reason is required/);
    expect(() => new FtpBounceWatch(new Stack(newTestApp(), 'Bad2'), 'Watch', { logGroups: ['/a'], suppressions: [bad] }))
      .toThrow(FtpBounceWatchPropsError);
  });

  it('reaches the detector function alone as SUPPRESSIONS, which the detector reads back to the same entries', () => {
    const context = { ...EXAMPLE_CONTEXT, suppressions: [ACME, { ...ACME, client: '2001:db8::/48', severity: 'high' }] };
    const { template } = synth(context);
    type Fn = { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } };
    const resources = template.toJSON().Resources as Record<string, Fn>;
    const withVariable = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.SUPPRESSIONS !== undefined)
      .map(([id]) => id);
    const text = resources[detectorId(template)]?.Properties.Environment?.Variables?.SUPPRESSIONS as string;

    const read = readConfig({ ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t', AWS_REGION: 'eu-west-1', SUPPRESSIONS: text });

    expect(withVariable).toEqual([detectorId(template)]);
    expect(read.suppressions).toEqual(parseContext(context).suppressions);
  });

  it('is absent by default', () => {
    const { template } = synth(EXAMPLE_CONTEXT);
    type Fn = { Properties: { Environment?: { Variables?: Record<string, unknown> } } };
    const resources = template.toJSON().Resources as Record<string, Fn>;

    expect(resources[detectorId(template)]?.Properties.Environment?.Variables?.SUPPRESSIONS).toBeUndefined();
  });
});

/** The `internalNetworks` context key and prop: validated like the other keys, handed to the detector as INTERNAL_NETWORKS. */
import { Stack } from 'aws-cdk-lib';
import { ContextError, parseContext } from '../../infra/context';
import { FtpBounceWatch, FtpBounceWatchPropsError } from '../../infra/ftp-bounce-watch';
import { detectorId, EXAMPLE_CONTEXT, newTestApp, synth } from './helpers';

jest.setTimeout(120_000);

describe('internalNetworks context key', () => {
  const base = { logGroups: '/a', alertEmails: 'ops@example.com' };

  it.each<[string, unknown, string[]]>([
    ['absent', undefined, []],
    ['one IPv4 range', '10.0.0.0/16', ['10.0.0.0/16']],
    ['IPv4 and IPv6, comma-separated with spaces', '10.0.0.0/16, 2001:DB8:1::/48', ['10.0.0.0/16', '2001:db8:1::/48']],
    ['a cdk.json array', ['172.31.0.0/16'], ['172.31.0.0/16']],
  ])('accepts %s', (_name, value, expected) => {
    const context = value === undefined ? base : { ...base, internalNetworks: value };
    expect(parseContext(context).internalNetworks ?? []).toEqual(expected);
  });

  it.each<[string, unknown, RegExp]>([
    ['a prefix too long', '10.0.0.0/33', /^internalNetworks: invalid network "10.0.0.0\/33": the prefix length/],
    ['host bits set', '10.0.0.5/16', /^internalNetworks: .*host bits are set/],
    ['a VPC id', 'vpc-0abc', /^internalNetworks: .*not an IPv4 or IPv6 address/],
    ['an empty list', ' , ', /^internalNetworks: expected at least one value/],
    ['a number', 10, /^internalNetworks: expected a comma-separated string/],
  ])('rejects %s in one line naming the key', (_name, value, message) => {
    let problems: string[] = [];
    try {
      parseContext({ ...base, internalNetworks: value });
    } catch (error) {
      if (!(error instanceof ContextError)) throw error;
      problems = error.message.split('\n');
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('refuses a bad prop with the other prop problems', () => {
    expect(() => new FtpBounceWatch(new Stack(newTestApp(), 'Bad'), 'Watch', { logGroups: ['/a'], internalNetworks: ['10.0.0.0/99'] }))
      .toThrow(FtpBounceWatchPropsError);
  });

  it('reaches the detector function as INTERNAL_NETWORKS, and is absent by default', () => {
    const tuned = synth({ ...EXAMPLE_CONTEXT, internalNetworks: '10.0.0.0/16,fd00:1::/64' }).template;
    const env = (template: typeof tuned): Record<string, unknown> => {
      type Fn = { Properties: { Environment: { Variables: Record<string, unknown> } } };
      const resources = template.toJSON().Resources as Record<string, Fn>;
      return resources[detectorId(template)]?.Properties.Environment.Variables ?? {};
    };
    expect(env(tuned).INTERNAL_NETWORKS).toBe('10.0.0.0/16,fd00:1::/64');
    expect(env(synth(EXAMPLE_CONTEXT).template).INTERNAL_NETWORKS).toBeUndefined();
  });
});

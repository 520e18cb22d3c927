/**
 * Suppressions: what one covers (client, networks, targets, IPv6, expiry, severity cap), how the context key and
 * the CLI's values are checked, and the detector's read of the table (once a minute, cut at its timeout, fail open).
 */
import {
  checkedText,
  parseDuration,
  parseSuppressionSpecs,
  type Suppression,
  SuppressionCache,
  suppressionCovers,
  SuppressionsTimeoutError,
} from '../../../lambda/incidents/suppressions';

const NOW = Date.UTC(2026, 11, 5, 8, 0, 0);
const DAY = 86_400_000;

function suppression(fields: Partial<Suppression>): Suppression {
  return {
    id: 's-00000001',
    client: '198.51.100.23/32',
    target: null,
    severity: 'medium',
    reason: 'Acme FXP partner',
    author: 'arn:aws:iam::123456789012:user/oncall',
    createdAt: NOW - DAY,
    expiresAt: NOW + DAY,
    ...fields,
  };
}

describe('suppressionCovers', () => {
  it.each<[string, Partial<Suppression>, { srcIp: string | null; targetHosts?: string[]; severity?: Suppression['severity'] | 'low'; now?: number }, boolean]>([
    ['the client itself', {}, { srcIp: '198.51.100.23' }, true],
    ['another client', {}, { srcIp: '198.51.100.24' }, false],
    ['a client inside the CIDR', { client: '198.51.100.0/24' }, { srcIp: '198.51.100.200' }, true],
    ['a client outside the CIDR', { client: '198.51.100.0/24' }, { srcIp: '198.51.101.1' }, false],
    ['an unknown client', { client: '0.0.0.0/0' }, { srcIp: null }, false],
    ['an IPv6 client inside its /48', { client: '2001:db8:1::/48' }, { srcIp: '2001:db8:1:ff::7' }, true],
    ['an IPv6 client outside its /48', { client: '2001:db8:1::/48' }, { srcIp: '2001:db8:2::7' }, false],
    ['an IPv4-mapped client under an IPv4 CIDR', { client: '198.51.100.0/24' }, { srcIp: '::ffff:198.51.100.9' }, true],
    ['every target inside the target CIDR', { target: '10.0.0.0/8' }, { srcIp: '198.51.100.23', targetHosts: ['10.1.2.3', '10.9.9.9'] }, true],
    ['one target outside the target CIDR', { target: '10.0.0.0/8' }, { srcIp: '198.51.100.23', targetHosts: ['10.1.2.3', '192.0.2.1'] }, false],
    ['no decodable target under a target CIDR', { target: '10.0.0.0/8' }, { srcIp: '198.51.100.23', targetHosts: [] }, false],
    ['an IPv6 target inside the target CIDR', { target: '2001:db8::/32' }, { srcIp: '198.51.100.23', targetHosts: ['2001:db8::21'] }, true],
    ['low under the default medium cap', {}, { srcIp: '198.51.100.23', severity: 'low' }, true],
    ['high under the default medium cap', {}, { srcIp: '198.51.100.23', severity: 'high' }, false],
    ['critical under the default medium cap', {}, { srcIp: '198.51.100.23', severity: 'critical' }, false],
    ['high under a high cap', { severity: 'high' }, { srcIp: '198.51.100.23', severity: 'high' }, true],
    ['critical under a high cap', { severity: 'high' }, { srcIp: '198.51.100.23', severity: 'critical' }, false],
    ['critical under a critical cap', { severity: 'critical' }, { srcIp: '198.51.100.23', severity: 'critical' }, true],
    ['the moment it expires', {}, { srcIp: '198.51.100.23', now: NOW + DAY }, false],
    ['a minute before it expires', {}, { srcIp: '198.51.100.23', now: NOW + DAY - 60_000 }, true],
  ])('%s', (_name, fields, query, covered) => {
    const result = suppressionCovers(suppression(fields), {
      srcIp: query.srcIp,
      targetHosts: query.targetHosts ?? ['192.0.2.7'],
      severity: query.severity ?? 'medium',
      now: query.now ?? NOW,
    });

    expect(result).toBe(covered);
  });
});

describe('parseSuppressionSpecs (the suppressions context key)', () => {
  it('reads entries in canonical form, with context ids and the default severity', () => {
    const { suppressions, problems } = parseSuppressionSpecs([
      { client: '198.51.100.23', reason: 'Acme FXP', expires: '2027-01-31' },
      { client: '2001:DB8::/32', target: '10.0.0.0/8', severity: 'high', reason: 'lab', expires: '2027-02-01T12:00:00Z' },
    ]);

    expect(problems).toEqual([]);
    expect(suppressions).toEqual([
      expect.objectContaining({ id: 'cdk-1', client: '198.51.100.23/32', target: null, severity: 'medium', expiresAt: Date.UTC(2027, 0, 31), author: 'cdk.json' }),
      expect.objectContaining({ id: 'cdk-2', client: '2001:db8::/32', target: '10.0.0.0/8', severity: 'high', expiresAt: Date.UTC(2027, 1, 1, 12) }),
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['not a list', { client: '1.2.3.4' }, /^must be a list of/],
    ['a bad client', [{ client: 'nas.example.com', reason: 'x', expires: '2027-01-01' }], /^entry 1: client "nas\.example\.com" is not an IP address or CIDR/],
    ['host bits after the prefix', [{ client: '198.51.100.1/24', reason: 'x', expires: '2027-01-01' }], /^entry 1: client "198\.51\.100\.1\/24" .*host bits are set/],
    ['a bad target', [{ client: '1.2.3.4', target: '10.0.0.0/33', reason: 'x', expires: '2027-01-01' }], /^entry 1: target "10\.0\.0\.0\/33" .*prefix length/],
    ['a bad severity', [{ client: '1.2.3.4', severity: 'low', reason: 'x', expires: '2027-01-01' }], /^entry 1: severity must be one of medium, high, critical, not "low"/],
    ['no reason', [{ client: '1.2.3.4', expires: '2027-01-01' }], /^entry 1: a reason is required/],
    ['a reason over 300 characters', [{ client: '1.2.3.4', reason: 'x'.repeat(301), expires: '2027-01-01' }], /^entry 1: the reason is 301 characters; at most 300/],
    ['no expiry', [{ client: '1.2.3.4', reason: 'x' }], /^entry 1: expires "" must be an ISO-8601 date/],
    ['an unknown field', [{ client: '1.2.3.4', reason: 'x', expires: '2027-01-01', until: 'x' }], /^entry 1 has unknown field "until"/],
    ['more than 20 entries', Array.from({ length: 21 }, (_, i) => ({ client: `192.0.2.${i}`, reason: 'x', expires: '2027-01-01' })), /^has 21 entries; at most 20/],
    ['more than the environment holds', Array.from({ length: 8 }, (_, i) => ({ client: `192.0.2.${i}`, reason: 'r'.repeat(290), expires: '2027-01-01' })), /characters as the detector's environment; at most 2048/],
  ])('refuses %s with one line', (_name, value, pattern) => {
    const { problems } = parseSuppressionSpecs(value);

    expect(problems.some((p) => pattern.test(p))).toBe(true);
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it('accepts an expired entry: time passing never breaks a synth', () => {
    expect(parseSuppressionSpecs([{ client: '1.2.3.4', reason: 'x', expires: '2020-01-01' }]).problems).toEqual([]);
  });
});

describe('the CLI values', () => {
  it.each([
    [undefined, 7 * DAY],
    ['30d', 30 * DAY],
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['90d', 90 * DAY],
  ])('--for %s', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each([
    ['91d', 'duration "91d" is too long: it must be from 1m to 90d'],
    ['2200h', 'duration "2200h" is too long: it must be from 1m to 90d'],
    ['0d', 'duration "0d" is zero: it must be from 1m to 90d'],
    ['0m', 'duration "0m" is zero: it must be from 1m to 90d'],
    ['3x', 'duration "3x" must be a number with m, h or d (e.g. 12h, 30d), at most 90d'],
    ['1w', 'duration "1w" must be a number with m, h or d (e.g. 12h, 30d), at most 90d'],
    ['-1d', 'duration "-1d" must be a number with m, h or d (e.g. 12h, 30d), at most 90d'],
    ['30', 'duration "30" must be a number with m, h or d (e.g. 12h, 30d), at most 90d'],
  ])('refuses --for %s, naming what is wrong', (value, message) => {
    expect(() => parseDuration(value)).toThrow(message);
  });

  it('keeps a reason on one line and refuses an empty one', () => {
    expect(checkedText('  partner\nFXP  ', 'reason')).toBe('partner FXP');
    expect(() => checkedText(' \t', 'note')).toThrow(/a note is required/);
  });
});

describe('SuppressionCache (the detector side)', () => {
  const fixed = [suppression({ id: 'cdk-1' })];
  const table = [suppression({ id: 's-0000000a', client: '203.0.113.0/24' })];

  it('reads the table at most once per refresh interval, beside the context entries', async () => {
    let clock = NOW;
    let reads = 0;
    const cache = new SuppressionCache({
      fixed,
      clock: () => clock,
      read: async () => {
        reads++;
        return table;
      },
    });

    const first = await cache.current();
    clock += 59_000;
    await cache.current();
    clock += 1_000;
    await cache.current();

    expect(first.map((s) => s.id)).toEqual(['cdk-1', 's-0000000a']);
    expect(reads).toBe(2);
  });

  it('fails open on a failed read: the context entries only, one report, no read again until the interval ends', async () => {
    const failures: unknown[] = [];
    let reads = 0;
    const cache = new SuppressionCache({
      fixed,
      clock: () => NOW,
      read: async () => {
        reads++;
        throw new Error('ProvisionedThroughputExceededException');
      },
      unavailable: (error) => failures.push(error),
    });

    const first = await cache.current();
    const second = await cache.current();

    expect(first.map((s) => s.id)).toEqual(['cdk-1']);
    expect(second.map((s) => s.id)).toEqual(['cdk-1']);
    expect(reads).toBe(1);
    expect(failures).toHaveLength(1);
  });

  it('cuts a read that does not answer at its timeout, aborting it, and fails open', async () => {
    const failures: unknown[] = [];
    let aborted = false;
    const cache = new SuppressionCache({
      fixed,
      timeoutMs: 20,
      read: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
      unavailable: (error) => failures.push(error),
    });

    const current = await cache.current();

    expect(current.map((s) => s.id)).toEqual(['cdk-1']);
    expect(failures[0]).toBeInstanceOf(SuppressionsTimeoutError);
    expect(aborted).toBe(true);
  });
});

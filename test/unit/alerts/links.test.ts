import {
  clientEventsUrl,
  clientFilterPattern,
  InvalidRegionError,
  insightsQuery,
  insightsUrl,
  logGroupUrl,
  logStreamUrl,
} from '../../../lambda/alerts/links';
import { T0 } from './builders';

/** Undoes the console's fragment encoding: `$25` is `%`, then one percent-decoding. */
function fragmentOf(url: string): string {
  const hash = url.indexOf('#');
  return decodeURIComponent(url.slice(hash + 1).replace(/\$/g, '%'));
}

/** Reads a `'`-prefixed JSURL string value for `key` out of a decoded queryDetail. */
function detailString(detail: string, key: string): string {
  const match = new RegExp(`[~(]${key}~'([^~)]*)`).exec(detail);
  if (match?.[1] === undefined) throw new Error(`no ${key} in ${detail}`);
  return decodeURIComponent(match[1].replace(/\*/g, '%'));
}

describe('region validation', () => {
  // The rule is lambda/aws-names.ts, shared with the CDK context validation: what synth accepts works here.
  it.each(['us-east-1', 'eu-west-3', 'ap-southeast-2', 'us-gov-west-1', 'cn-north-1', 'il-central-1', 'eusc-de-east-1'])(
    'accepts %s',
    (region) => {
      expect(() => logGroupUrl(region, '/g')).not.toThrow();
    },
  );

  it.each([
    '',
    'US-EAST-1',
    'us-east',
    'us-east-1/evil',
    'us-east-1#x',
    'evil.com/?',
    'us-east-1 ',
    'javascript:alert(1)',
    'us-east-123',
    'europe-west-1',
  ])('rejects %j with InvalidRegionError', (region) => {
    expect(() => logGroupUrl(region, '/g')).toThrow(InvalidRegionError);
    try {
      logGroupUrl(region, '/g');
    } catch (error) {
      expect((error as Error).name).toBe('InvalidRegionError');
    }
  });
});

describe('console links', () => {
  it('uses the console double encoding for the log group', () => {
    expect(logGroupUrl('us-east-1', '/var/log/proftpd')).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fvar$252Flog$252Fproftpd',
    );
  });

  it('uses the partition console for China and GovCloud', () => {
    expect(logGroupUrl('cn-north-1', 'g')).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\//);
    expect(logGroupUrl('us-gov-west-1', 'g')).toMatch(/^https:\/\/console\.amazonaws-us-gov\.com\//);
  });

  it.each([
    ['slashes and hash', '/aws/ec2/ftp#1', 'ftp/i-0abc$[x]'],
    ['characters encodeURIComponent leaves alone', 'g!\'()*~', 's!\'()*~'],
    ['spaces and unicode', 'grp ü', 'strm 東京'],
    ['lone surrogate (would make encodeURIComponent throw)', 'g\uD800', 's\uDC00'],
  ])('round-trips %s', (_name, group, stream) => {
    const url = logStreamUrl('eu-west-1', group, stream);
    // Only unreserved characters and the `$25` escapes remain in the fragment.
    expect(url.slice(url.indexOf('#') + 1)).toMatch(/^logsV2:log-groups\/log-group\/[A-Za-z0-9$._-]+\/log-events\/[A-Za-z0-9$._-]+$/);
    const fragment = fragmentOf(url);
    const [, encodedGroup, encodedStream] = /^logsV2:log-groups\/log-group\/(.*)\/log-events\/(.*)$/.exec(fragment) ?? [];
    expect(decodeURIComponent(encodedGroup ?? '')).toBe(group.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
    expect(decodeURIComponent(encodedStream ?? '')).toBe(stream.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  });
});

describe('Logs Insights link', () => {
  const url = insightsUrl('eu-west-1', '/ftp/proftpd', '198.51.100.4', T0, T0 + 60_000);

  it('has the console queryDetail shape', () => {
    expect(url).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#logsV2:logs-insights\$3FqueryDetail\$3D\$257E\$2528end\$257E\$2527/,
    );
    // Nothing in the fragment needs further URL encoding.
    expect(url.slice(url.indexOf('#') + 1)).toMatch(/^[A-Za-z0-9$*.:_-]+$/);
  });

  it('queries this client in this log group around the alert', () => {
    // queryDetail is escaped once more before the fragment encoding; the console undoes both.
    const detail = decodeURIComponent(fragmentOf(url));
    expect(detail.startsWith('logsV2:logs-insights?queryDetail=~(')).toBe(true);
    expect(detailString(detail, 'editorString')).toBe(insightsQuery('198.51.100.4'));
    // The client in proftpd's brackets: a whole token, so 198.51.100.40-49 and 198.51.100.4x do not match.
    expect(detailString(detail, 'editorString')).toContain('filter @message like "[198.51.100.4]"');
    expect(detail).toContain(`~source~(~'*2Fftp*2Fproftpd)`);
    expect(detailString(detail, 'start')).toBe(new Date(T0 - 86_400_000).toISOString());
    expect(detailString(detail, 'end')).toBe(new Date(T0 + 60_000 + 3_600_000).toISOString());
    expect(detailString(detail, 'timeType')).toBe('ABSOLUTE');
  });

  it.each([
    ['no client address', null],
    ['a quote', '1.2.3.4" or @message like "'],
    ['a regex', '/.*/'],
  ])('falls back to the refusals themselves for %s', (_name, srcIp) => {
    const query = insightsQuery(srcIp);
    expect(query).toContain('filter @message like /(?i)refused (port|eprt) /');
    expect(query).not.toContain('like "');
  });

  it('accepts IPv6 and IPv4-mapped addresses', () => {
    expect(insightsQuery('::ffff:198.51.100.4')).toContain('like "[::ffff:198.51.100.4]"');
    expect(insightsQuery('2001:db8::1')).toContain('like "[2001:db8::1]"');
  });
});

describe('the client\'s log events (the short link)', () => {
  it.each([
    ['an IPv4 client: its address in brackets, one exact term', '198.51.100.4', '"[198.51.100.4]"'],
    ['an IPv6 client', '2001:db8::1', '"[2001:db8::1]"'],
    ['no client address: the refusals, as proftpd writes them', null, '?"Refused PORT" ?"Refused EPRT"'],
    ['a quote in the address: the refusals', '1.2.3.4" "x', '?"Refused PORT" ?"Refused EPRT"'],
  ])('%s', (_name, srcIp, pattern) => {
    const url = clientEventsUrl('eu-west-1', '/ftp/proftpd', srcIp, T0, T0 + 60_000);

    expect(clientFilterPattern(srcIp)).toBe(pattern);
    expect(fragmentOf(url)).toBe(
      'logsV2:log-groups/log-group/%2Fftp%2Fproftpd/log-events?filterPattern='
      + `${encodeURIComponent(pattern).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`
      + `&start=${T0 - 86_400_000}&end=${T0 + 60_000 + 3_600_000}`,
    );
  });
});

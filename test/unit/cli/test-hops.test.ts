import { renderHops } from '../../../cli/log-groups/test-command';

const WRITTEN = Date.UTC(2026, 11, 5, 9, 0, 0);
const LONG_GROUP = `/aws/ec2/production/${'ftp-cluster-a/'.repeat(8)}proftpd`;

describe('renderHops (what ftp-bounce-watch test prints per log group)', () => {
  it.each([
    ['every hop seen', '/ftp/proftpd', WRITTEN + 1_900, WRITTEN + 2_100, false, [
      '/ftp/proftpd: log group -> detector -> SNS',
      '  written    2026-12-05T09:00:00.000Z into stream ftp-bounce-watch-canary',
      '  detector   +1.9 s',
      '  SNS        +2.1 s (the canary topic, no person)',
    ]],
    ['--deliver, SNS not seen', '/ftp/proftpd', WRITTEN + 1_900, null, true, [
      '/ftp/proftpd: log group -> detector -> SNS',
      '  written    2026-12-05T09:00:00.000Z into stream ftp-bounce-watch-canary',
      '  detector   +1.9 s',
      '  SNS        NOT SEEN',
    ]],
    ['a long log group name, wrapped', LONG_GROUP, null, null, false, [
      `/aws/ec2/production/${'ftp-cluster-a/'.repeat(5)}ftp-cluste`,
      '    r-a/ftp-cluster-a/ftp-cluster-a/proftpd: log group -> detector -> SNS',
      '  written    2026-12-05T09:00:00.000Z into stream ftp-bounce-watch-canary',
      '  detector   NOT SEEN',
      '  SNS        NOT SEEN',
    ]],
  ])('%s', (_label, logGroup, seenAt, publishedAt, deliver, expected) => {
    const text = renderHops({ logGroup, writtenAt: WRITTEN, seenAt, publishedAt }, deliver);

    expect(text).toBe(`${expected.join('\n')}\n`);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

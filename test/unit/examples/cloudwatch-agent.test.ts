import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * examples/cloudwatch-agent.json must be a configuration the CloudWatch agent accepts: only the sections and the
 * collect_list keys its documentation names ("Manually create or edit the CloudWatch agent configuration file",
 * logs section), with values of the documented kinds.
 */
const CONFIG = JSON.parse(readFileSync(join(__dirname, '../../../examples/cloudwatch-agent.json'), 'utf8')) as unknown;
const COLLECT_LIST_KEYS = ['file_path', 'log_group_name', 'log_stream_name', 'timestamp_format', 'timezone', 'retention_in_days'];
/** The values CloudWatch Logs accepts for a retention period. */
const RETENTION_DAYS = [
  -1, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** strftime directives the agent documents for timestamp_format. */
const TIMESTAMP_DIRECTIVES = ['%y', '%Y', '%b', '%B', '%-m', '%m', '%A', '%a', '%-d', '%d', '%H', '%I', '%-H', '%-I', '%p', '%M', '%-M', '%S', '%-S', '%f', '%Z', '%z'];

type Entry = Record<string, unknown>;

function collectList(config: unknown): Entry[] {
  expect(Object.keys(config as object)).toEqual(['logs']);
  const { logs } = config as { logs: object };
  expect(Object.keys(logs)).toEqual(['logs_collected']);
  const { logs_collected: collected } = logs as { logs_collected: object };
  expect(Object.keys(collected)).toEqual(['files']);
  const { files } = collected as { files: object };
  expect(Object.keys(files)).toEqual(['collect_list']);
  const { collect_list: list } = files as { collect_list: unknown };
  expect(Array.isArray(list)).toBe(true);
  return list as Entry[];
}

describe('examples/cloudwatch-agent.json', () => {
  const entries = collectList(CONFIG);

  it('ships proftpd\'s SystemLog and syslog (Debian/Ubuntu and Amazon Linux) to log groups', () => {
    expect(entries.map((entry) => [entry.file_path, entry.log_group_name])).toEqual([
      ['/var/log/proftpd/proftpd.log', '/ftp/proftpd'],
      ['/var/log/syslog', '/ftp/syslog'],
      ['/var/log/messages', '/ftp/syslog'],
    ]);
  });

  it.each(entries.map((entry) => [entry.file_path, entry] as const))('%s uses only documented keys and values', (_path, entry) => {
    expect(COLLECT_LIST_KEYS).toEqual(expect.arrayContaining(Object.keys(entry)));
    expect(typeof entry.file_path).toBe('string');
    expect(entry.log_group_name).toMatch(/^[\w\-/.#]{1,512}$/);
    expect(entry.log_stream_name).toMatch(/^(?:[^:*]|\{instance_id\}|\{hostname\}|\{ip_address\}|\{local_hostname\})+$/);
    expect(['Local', 'UTC']).toContain(entry.timezone);
    expect(RETENTION_DAYS).toContain(entry.retention_in_days);
    const directives = String(entry.timestamp_format).match(/%-?[a-zA-Z]/g) ?? [];
    expect(directives.length).toBeGreaterThan(0);
    expect(TIMESTAMP_DIRECTIVES).toEqual(expect.arrayContaining(directives));
  });
});

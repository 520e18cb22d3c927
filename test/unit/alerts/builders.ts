/** Test builders: findings from real log lines via the detector, with overrides for hostile field values. */
import { detectLine, type Finding } from '../../../lambda/detector';
import type { Alert } from '../../../lambda/alerts/alert';
import { groupFindings, type LocatedFinding } from '../../../lambda/alerts/group';

export const REGION = 'eu-west-1';
export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

export interface LineParts {
  readonly client?: string;
  readonly name?: string;
  readonly server?: string;
  readonly command?: 'PORT' | 'EPRT';
  readonly argument?: string;
  readonly reason?: string;
}

/** A syslog proftpd refusal line. Defaults: client 198.51.100.4 asks for 203.0.113.7:1025 (third party). */
export function refusalLine(parts: LineParts = {}): string {
  const {
    client = '198.51.100.4',
    name = 'host.isp.example',
    server = 'ftp.example.com',
    command = 'PORT',
    argument = '203,0,113,7,4,1',
    reason = 'address mismatch',
  } = parts;
  return `May  1 10:00:00 ftp1 proftpd[4242]: ${server} (${name}[${client}]) - Refused ${command} ${argument} (${reason})`;
}

/** PORT argument for ip:port, e.g. portArgument('203.0.113.7', 25) -> "203,0,113,7,0,25". */
export function portArgument(ip: string, port: number): string {
  return `${ip.split('.').join(',')},${Math.floor(port / 256)},${port % 256}`;
}

export function findingFromLine(line: string): Finding {
  const finding = detectLine(line);
  if (finding === null) throw new Error(`test line does not match rule 11209: ${line}`);
  return finding;
}

export function finding(parts: LineParts = {}, overrides: Partial<Finding> = {}): Finding {
  return { ...findingFromLine(refusalLine(parts)), ...overrides };
}

let eventCounter = 0;

export function located(
  f: Finding = finding(),
  at: Partial<Omit<LocatedFinding, 'finding'>> = {},
): LocatedFinding {
  eventCounter++;
  return {
    finding: f,
    logGroup: at.logGroup ?? '/ftp/proftpd',
    logStream: at.logStream ?? 'ftp1',
    eventId: at.eventId ?? `ev-${String(eventCounter).padStart(6, '0')}`,
    timestamp: at.timestamp ?? T0,
  };
}

/** The single alert for these findings (fails the test if grouping gives anything else). */
export function alertOf(findings: readonly LocatedFinding[]): Alert {
  const alerts = groupFindings(findings, { region: REGION });
  const [only, ...rest] = alerts;
  if (only === undefined || rest.length > 0) throw new Error(`expected one alert, got ${alerts.length}`);
  return only;
}

/**
 * The finding with the host it was logged on. The Finding's `host` comes with the detector's round 2
 * (docs/design.md section 4); set here so alerts can be tested with it whether or not the detector fills it yet.
 */
export function onHost(f: Finding, host: string | null): Finding {
  return { ...f, host } as Finding;
}

/** A typical alert: three refusals from one client to two third-party targets, one stream, one host. */
export function typicalAlert(): Alert {
  return alertOf([
    located(onHost(finding(), 'ftp1'), { timestamp: T0, eventId: 'e1' }),
    located(onHost(finding({ argument: portArgument('203.0.113.8', 2000) }), 'ftp1'), { timestamp: T0 + 60_000, eventId: 'e2' }),
    located(onHost(finding(), 'ftp1'), { timestamp: T0 + 120_000, eventId: 'e3' }),
  ]);
}

/** Attacker-chosen text, each a way to abuse a chat message, a mail body or a terminal. */
export const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['Slack broadcast', '<!channel> <!here> <!everyone> wake up'],
  ['bare mentions', '@here @channel @everyone @admin look'],
  ['user mention', '<@U123ABC> and <#C0123|general>'],
  ['Slack link', '<https://evil.example/x|click here>'],
  ['bare URL', 'see https://evil.example/p?a=1 or www.evil.example'],
  ['backticks', '```\n*bold* _it_ ~strike~ `code` ```'],
  ['bidi override', 'abc\u202Egnp.exe\u202C \u2066isolated\u2069'],
  ['zero width', 'ad\u200Bmin\u200D\uFEFF\u2060'],
  ['control chars', 'bell\u0007 esc\u001B[31mred\u001B[0m nul\u0000 del\u007F c1\u009B'],
  ['newlines', 'line1\nSubject: injected\r\nBcc: x@example.com'],
  ['lone surrogates', 'hi\uD800there\uDC00end\uDBFF'],
  ['tag characters', 'plain\u{E0049}\u{E0047}\u{E004E}text'],
  ['entities', '&lt;!channel&gt; &amp; & < >'],
];

/**
 * Characters that must never reach a human-facing rendering: C0 except tab and LF, DEL, C1, zero-width and
 * bidi controls, BOM. Built from code points (a literal would trip no-control-regex, and that is the point).
 */
export const UNSAFE_CHARS = new RegExp(
  `[${(
    [
      [0x00, 0x08],
      [0x0b, 0x1f],
      [0x7f, 0x9f],
      [0x200b, 0x200f],
      [0x202a, 0x202e],
      [0x2060, 0x206f],
      [0xfeff, 0xfeff],
    ] as const
  )
    .map(([from, to]) => `\\u{${from.toString(16)}}-\\u{${to.toString(16)}}`)
    .join('')}]`,
  'u',
);

export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Slack-inert: no control tokens, no broadcast or user mentions, no links. */
export function expectSlackInert(text: string): void {
  expect(text).not.toMatch(/<[!@#]/);
  expect(text).not.toMatch(/<https?:/i);
  expect(text).not.toMatch(/(^|[^[A-Za-z0-9])@(here|channel|everyone|admin)\b/);
  expect(text).not.toContain('://');
  expect(text).not.toMatch(/\bwww\.[a-z]/i);
  expect(text).not.toMatch(UNSAFE_CHARS);
  expect(text).not.toMatch(/[\u{E0000}-\u{E007F}]/u);
  expect(text).not.toMatch(LONE_SURROGATE);
}

/** Every string anywhere inside a JSON-like value, except under the given keys (e.g. trusted `url`s). */
export function stringsIn(value: unknown, skipKeys: readonly string[] = []): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((v) => stringsIn(v, skipKeys));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .filter(([key]) => !skipKeys.includes(key))
      .flatMap(([, v]) => stringsIn(v, skipKeys));
  }
  return [];
}

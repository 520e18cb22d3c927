import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLineDetector, detectLine, type Finding } from '../../../lambda/detector';

/**
 * Real output of Debian's proftpd 1.3.8 through every log path (scripts/capture-proftpd/run.sh; sources in
 * test/fixtures/real/PROVENANCE.md). The oracle is the FTP transcript, not the detector: proftpd answered
 * `500 Illegal PORT|EPRT command` exactly when it logged a refusal, so each file must yield that many refusals
 * (counting rsyslog's repeated messages N times), each with the target proftpd used for the argument sent, and
 * nothing for the refusal-shaped user names around them.
 */
const REAL = join(__dirname, '../../fixtures/real');
// latin1: the captured lines hold the raw bytes proftpd wrote (a client's control bytes among them).
const read = (file: string): string => readFileSync(join(REAL, file), file.endsWith('.log') ? 'latin1' : 'utf8');
const lines = (file: string): string[] => read(file).split('\n').filter((line) => line !== '');

/** The refusals proftpd logged per session of the transcript, by its `## label: client ADDRESS` headings. */
function refusedPerRun(): Map<string, number> {
  const counts = new Map<string, number>();
  let run = '';
  for (const line of read('transcript.txt').split('\n')) {
    if (line.startsWith('## ')) run = line.slice(3, line.lastIndexOf(': client'));
    else if (/→ 500 Illegal (PORT|EPRT) command$/.test(line)) counts.set(run, (counts.get(run) ?? 0) + 1);
  }
  return counts;
}

/** Which runs of the transcript wrote each file. */
const RUNS_OF_FILE: Readonly<Record<string, readonly string[]>> = {
  'systemlog.log': ['SystemLog default'],
  'systemlog-Timestamp.log': ['SystemLog -Timestamp'],
  'systemlog-Hostname.log': ['SystemLog -Hostname'],
  'systemlog-VirtualHost.log': ['SystemLog -VirtualHost'],
  'systemlog-RoleBasedProcessLabels.log': ['SystemLog +RoleBasedProcessLabels'],
  'stderr.log': ['stderr'],
  'docker-json-file.log': ['stderr'],
  'cri-containerd.log': ['stderr'],
  'rsyslog-traditional.log': ['rsyslog'],
  'rsyslog-fileformat.log': ['rsyslog'],
  'rsyslog-rfc5424.log': ['rsyslog'],
  'rsyslog-facility-label.log': ['rsyslog'],
  'syslog-ng.log': ['syslog-ng'],
  'syslog-ng-rfc5424.log': ['syslog-ng'],
  ...Object.fromEntries(
    ['short', 'short-all', 'short-iso', 'short-iso-precise', 'short-full', 'short-precise', 'short-unix', 'short-monotonic', 'with-unit', 'cat', 'json']
      .map((format) => [`journalctl-${format}.log`, ['journald syslog transport', 'journald stdout transport']]),
  ),
};

/**
 * journald keeps a message holding control bytes as a blob: the short exports print `[83B blob data]`, JSON a
 * byte array. The refusal is not in the text (nor can a filter pattern select it); only `--all` and `cat` show it.
 */
const isJournalBlob = (line: string): boolean => / \[\d+B blob data\]$/.test(line) || line.includes('"MESSAGE":[');

/** The target proftpd used for each argument drive.ts sent (its control byte and rsyslog's `#001` aside). */
const TARGETS: Readonly<Record<string, string>> = {
  '203,0,113,5,19,139': '203.0.113.5:5003',
  '10,0,0,5,19,139': '10.0.0.5:5003',
  '192,168,1,34,206,55': '192.168.1.34:52791',
  '172,16,4,4,4,1': '172.16.4.4:1025',
  '100,64,0,9,19,139': '100.64.0.9:5003',
  '169,254,1,1,19,139': '169.254.1.1:5003',
  '203,0,113,5,0,25': '203.0.113.5:25',
  '203,0,113,5,0,21': '203.0.113.5:21',
  '198,51,100,7,3,255': '198.51.100.7:1023',
  '+203,+0,+113,+5,+19,+139': '203.0.113.5:5003',
  '0203,000,0113,05,019,0139': '203.0.113.5:5003',
  '203,0,113,5,19,139,7,7': '203.0.113.5:5003',
  '203,0,113,5,19,139xyz': '203.0.113.5:5003',
  '4294967299,0,113,5,19,139': '3.0.113.5:5003',
  '-4294967295,0,113,5,19,139': '1.0.113.5:5003',
  '10,9,0,1,0,25': '10.9.0.1:25',
  '10,9,0,1,1,0': '10.9.0.1:256',
  '198,51,100,9,19,139': '198.51.100.9:5003',
  '|1|203.0.113.5|5003|': '203.0.113.5:5003',
  '|1|10.0.0.5|5003|': '10.0.0.5:5003',
  '!1!198.51.100.7!40000!': '198.51.100.7:40000',
  '#1#203.0.113.5#25#': '203.0.113.5:25',
  '|2|2001:db8::5|5003|': '2001:db8::5:5003',
  '|2|fe80::1|5003|': 'fe80::1:5003',
  '|1|203.0.113.5|65557|': '203.0.113.5:21',
  '|1|203.0.113.5|05003|': '203.0.113.5:5003',
  '|1|203.0.113.5|5003|x': '203.0.113.5:5003',
  '|1|10.9.0.1|65557|': '10.9.0.1:21',
  '|2|::1|21|': '::1:21',
};
const REASONS = /^(address mismatch|IPv4\/IPv6 address mismatch|port \d+ below 1024, possible bounce attack)$/;

const files = readdirSync(REAL).filter((name) => name.endsWith('.log')).sort();
const refused = refusedPerRun();

describe('real proftpd 1.3.8 output (test/fixtures/real)', () => {
  it('has a provenance for every file and a run for every source', () => {
    expect(files).toEqual(Object.keys(RUNS_OF_FILE).sort());
    const provenance = read('PROVENANCE.md');
    for (const file of files) expect(provenance).toContain(`\`${file}\``);
    for (const runs of Object.values(RUNS_OF_FILE)) for (const run of runs) expect(refused.get(run)).toBeGreaterThan(40);
  });

  describe.each(files)('%s', (file) => {
    const text = lines(file);
    const findings = text.map((line) => detectLine(line)).filter((finding): finding is Finding => finding !== null);

    it('yields every refusal proftpd logged, and nothing else', () => {
      const expected = (RUNS_OF_FILE[file] ?? []).reduce((sum, run) => sum + (refused.get(run) ?? 0), 0);
      const blobs = text.filter(isJournalBlob).length;
      expect(findings.reduce((sum, finding) => sum + finding.occurrences, 0)).toBe(expected - blobs);
      expect(findings.filter((finding) => /USER |chdir\(/.test(finding.line))).toEqual([]);
    });

    it('gives each refusal the target, reason and client proftpd used', () => {
      for (const finding of findings) {
        const argument = finding.rawArgument.replace(/#001$/, '').replace(String.fromCharCode(1), '');
        expect([argument, finding.target && `${finding.target.ip}:${finding.target.port}`]).toEqual([argument, TARGETS[argument]]);
        expect(finding.reason).toMatch(REASONS);
        expect(['10.9.0.1', '::1']).toContain(finding.srcIp);
        expect(finding.clientName).toBe(finding.srcIp);
        if (finding.srcIp === '::1' && finding.command === 'PORT') expect(finding.reason).toBe('IPv4/IPv6 address mismatch');
      }
    });

    it('says where each was seen: the one host of the file, or null where the format has none', () => {
      const hosts = [...new Set(findings.map((finding) => finding.host))];
      if (file === 'systemlog-Hostname.log') expect(hosts).toEqual([null]);
      else if (file === 'journalctl-cat.log') {
        // `cat` drops the syslog header: only the stdout transport's whole SystemLog lines still name a host.
        expect(hosts).toContain(null);
        expect(hosts.filter((host) => host !== null)).toHaveLength(1);
      } else {
        expect(hosts).toHaveLength(1);
        expect(hosts).not.toContain(null);
      }
    });

    it('gives the same findings through the streaming detector', () => {
      const detect = createLineDetector();
      expect(text.map((line) => detect(line))).toEqual(text.map((line) => detectLine(line)));
    });
  });
});

/**
 * `tsx provenance.ts OUT_DIR WORK_DIR`: writes OUT_DIR/PROVENANCE.md for scripts/capture-proftpd/run.sh: for
 * each captured file, the proftpd configuration, the log path and the program (with its Debian version) that
 * wrote every line of it, and the configurations themselves.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [out, work] = process.argv.slice(2);
if (!out || !work) {
  console.error('usage: tsx provenance.ts OUT_DIR WORK_DIR');
  process.exit(2);
}

const version = (pkg: string): string =>
  execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).trim();
const PROFTPD = `proftpd-core ${version('proftpd-core')} (${execFileSync('proftpd', ['-v'], { encoding: 'utf8' }).trim()})`;
const RSYSLOG = `rsyslog ${version('rsyslog')}`;
const JOURNALD = `systemd-journald, journalctl (systemd ${version('systemd')})`;
/** Unpacked by run.sh from Debian's package (it conflicts with rsyslog's), so dpkg does not know it. */
const SYSLOG_NG = `syslog-ng (syslog-ng-core ${readdirSync(work).find((name) => name.startsWith('syslog-ng-core_'))?.split('_')[1] ?? '?'})`;

interface Source {
  readonly config: string;
  readonly path: string;
  readonly writer: string;
}

const SYSTEMLOG = (options: string): Source => ({
  config: `systemlog.conf${options}`,
  path: 'proftpd `SystemLog` file',
  writer: PROFTPD,
});
const RSYSLOG_FILE = (template: string): Source => ({
  config: 'syslog.conf (no SystemLog: syslog to /dev/log)',
  path: `rsyslog imuxsock → omfile, template \`${template}\`, \`$RepeatedMsgReduction on\``,
  writer: `${PROFTPD} → ${RSYSLOG}`,
});
const JOURNAL = (format: string): Source => ({
  config: 'syslog.conf (syslog transport), then stderr.conf run as `systemd-cat -t proftpd proftpd -n` (stdout transport)',
  path: `journald → \`journalctl -o ${format} SYSLOG_IDENTIFIER=proftpd\``,
  writer: `${PROFTPD} → ${JOURNALD}`,
});
const STDERR = (wrapping: string): Source => ({
  config: 'stderr.conf, `proftpd -n` (no SystemLog, no syslog: everything to stderr)',
  path: `stderr, ${wrapping}`,
  writer: `${PROFTPD}; wrapped by scripts/capture-proftpd/wrap-stderr.ts in the runtime's documented format`,
});

const SOURCES: Readonly<Record<string, Source>> = {
  'systemlog.log': SYSTEMLOG(''),
  'systemlog-Timestamp.log': SYSTEMLOG(' + `LogOptions -Timestamp`'),
  'systemlog-Hostname.log': SYSTEMLOG(' + `LogOptions -Hostname`'),
  'systemlog-VirtualHost.log': SYSTEMLOG(' + `LogOptions -VirtualHost`'),
  'systemlog-RoleBasedProcessLabels.log': SYSTEMLOG(' + `LogOptions +RoleBasedProcessLabels`'),
  'syslog-ng.log': {
    config: 'syslog.conf (no SystemLog: syslog to /dev/log)',
    path: 'syslog-ng unix-dgram → file, default template',
    writer: `${PROFTPD} → ${SYSLOG_NG}`,
  },
  'syslog-ng-rfc5424.log': {
    config: 'syslog.conf (no SystemLog: syslog to /dev/log)',
    path: 'syslog-ng unix-dgram → file `flags(syslog-protocol)`',
    writer: `${PROFTPD} → ${SYSLOG_NG}`,
  },
  'stderr.log': STDERR('raw'),
  'docker-json-file.log': STDERR('Docker json-file driver'),
  'cri-containerd.log': STDERR('CRI (containerd) log file'),
  'rsyslog-traditional.log': RSYSLOG_FILE('RSYSLOG_TraditionalFileFormat'),
  'rsyslog-fileformat.log': RSYSLOG_FILE('RSYSLOG_FileFormat'),
  'rsyslog-rfc5424.log': RSYSLOG_FILE('RSYSLOG_SyslogProtocol23Format'),
  'rsyslog-facility-label.log': RSYSLOG_FILE('FacilityLabel: `%TIMESTAMP% %HOSTNAME% %syslogtag% [%syslogfacility-text%.%syslogseverity-text%]:%msg%`'),
  ...Object.fromEntries(
    ['short', 'short-iso', 'short-iso-precise', 'short-full', 'short-precise', 'short-unix', 'short-monotonic', 'with-unit', 'cat', 'json']
      .map((format) => [`journalctl-${format}.log`, JOURNAL(format)]),
  ),
  'journalctl-short-all.log': JOURNAL('short --all'),
};

const files = readdirSync(out).filter((name) => name.endsWith('.log')).sort();
const unknown = files.filter((name) => !(name in SOURCES));
if (unknown.length > 0) throw new Error(`no provenance for ${unknown.join(', ')}`);
const count = (name: string, pattern: RegExp): number =>
  readFileSync(join(out, name), 'latin1').split('\n').filter((line) => pattern.test(line)).length;

const configs = ['systemlog', 'syslog', 'stderr'].map(
  (name) => `### ${name}.conf\n\n\`\`\`\n${readFileSync(join(work, `${name}.conf`), 'utf8').replaceAll(work, '$WORK').replace(/^LogOptions .*\n/m, '')}\`\`\`\n`,
);

writeFileSync(
  join(out, 'PROVENANCE.md'),
  `# Real proftpd output: provenance

Written by \`scripts/capture-proftpd/run.sh\` on ${new Date().toISOString().slice(0, 10)} (Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}).
proftpd ran in a network namespace with only \`lo\` (addresses 127.0.0.1, ::1 and 10.9.0.1), with
\`AllowForeignAddress off\`, driven by \`scripts/capture-proftpd/drive.ts\` from 10.9.0.1 and from ::1: a failed
login with a refusal-shaped name, a login of a virtual user named \`Refused PORT 10,0,0,5,19,139 (address
mismatch)\` whose home does not exist, then every PORT/EPRT of drive.ts. \`transcript.txt\` has each command
and proftpd's reply: \`500 Illegal PORT command\` after a refusal was logged, \`501\` for what proftpd
rejected without logging. Every line of a file comes from the one source in its row.

| file | lines | \`Refused PORT\`/\`EPRT\` lines | configuration | log path | written by |
|---|---|---|---|---|---|
${files
  .map((name) => {
    const source = SOURCES[name] as Source;
    return `| \`${name}\` | ${count(name, /./)} | ${count(name, /Refused (PORT|EPRT)/)} | ${source.config} | ${source.path} | ${source.writer} |`;
  })
  .join('\n')}

## Configurations (\`$WORK\` is the run's temporary directory)

${configs.join('\n')}`,
);

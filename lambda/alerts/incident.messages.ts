/**
 * What incident messages say (docs/design.md section 8), kept apart from the logic in lambda/incidents: the scan
 * classification's explanation and runbook, and the wording of each message kind.
 */
import type { ClassificationText } from '../detector/rule-11209.messages';
import type { AlertKind } from './alert';

export const BOUNCE_SCAN_TEXT: ClassificationText = {
  severity: 'critical',
  label: 'FTP bounce scan',
  summary:
    'Within one window this client aimed the server\'s data channel at many service ports of one host, or at one '
    + 'service port of many hosts: the pattern of `nmap -b` and other FTP bounce scans, whatever each single refusal '
    + 'looked like. Real clients (behind NAT or a load balancer) name ephemeral ports; a scan walks services.',
  runbook: [
    'Block the client address now (security group, network ACL, AWS WAF or firewall): it is using your server to map other networks.',
    'List the ports and hosts it aimed at (the links in this alert: the client\'s log events, Logs Insights); if any are yours, check those services and VPC Flow Logs for connections from the FTP server.',
    'Confirm proftpd refused every attempt: AllowForeignAddress must be off for every <VirtualHost>.',
    'Review the client\'s logins and transfers in the same log group: a scan is often followed by other probing.',
  ],
};

/** How each kind of message introduces itself, before the classification label. */
export const KIND_TEXT: Readonly<Record<AlertKind, { readonly tag: string; readonly lead: string }>> = {
  new: { tag: 'NEW', lead: 'New incident' },
  escalation: { tag: 'ESCALATED', lead: 'Escalated: the same client, now more severe' },
  update: { tag: 'UPDATE', lead: 'Update: the incident went on during its window' },
  digest: { tag: 'DIGEST', lead: 'Digest' },
};

export const DIGEST_TEXT = {
  'low-severity': {
    label: 'Low-severity FTP refusals',
    summary:
      'Clients behind NAT using active mode, and address-family mismatches: harmless, but their users\' transfers '
      + 'fail. They are listed here once per digest interval instead of one message each (context lowSeverity).',
    runbook: [
      'Tell the users listed to switch their FTP clients to passive mode (PASV/EPSV).',
      'If many clients appear, check that the server advertises passive mode correctly (MasqueradeAddress, PassivePorts, security-group ports).',
    ],
  },
  'flood-guard': {
    label: 'New FTP refusal incidents beyond the hourly cap',
    summary:
      'More new incidents opened in this hour than the flood guard sends one by one (context '
      + 'maxNewIncidentsPerHour). They are all listed here; none was dropped, and each is still counted.',
    runbook: [
      'Many new clients at once is itself unusual: look for a common source network or a botnet, and block it.',
      'Handle the most severe entries first; their later refusals are listed in the next hours\' digests.',
    ],
  },
  'suppressed': {
    label: 'Suppressed FTP refusal incidents',
    summary:
      'Clients a suppression covers (ftp-bounce-watch suppress list, or the suppressions context key): still '
      + 'counted and listed here, each with the suppression and its reason. A finding above a suppression\'s '
      + 'severity is never covered by it and alerts as usual.',
    runbook: [
      'Check each suppression still holds (the partner, NAT or test it names); remove it with ftp-bounce-watch suppress remove ID.',
      'A count far above the usual for a suppressed client deserves a look: a known source can still be misused.',
    ],
  },
  'acknowledged': {
    label: 'Updates of acknowledged FTP refusal incidents',
    summary:
      'Incidents someone acknowledged (ftp-bounce-watch incidents ack): their updates are listed here instead of '
      + 'sent one by one. An escalation to a more severe classification is still sent at once.',
    runbook: [
      'Check with whoever acknowledged each incident (named with their note) that it is being handled.',
      'ftp-bounce-watch incidents show ID gives an incident\'s counts and targets.',
    ],
  },
} as const;

/**
 * How bad, for the first lines of every message: every finding is a refusal (rule 11209 fires only on proftpd's
 * `Refused PORT`/`Refused EPRT`), so the server opened no data connection for any of them.
 */
export const OUTCOME_TEXT = {
  one: 'proftpd refused the command: no data connection was made.',
  many: 'proftpd refused every one of these commands: no data connection was made.',
} as const;

/** How an escalation, and the later messages of an escalated incident, name the incident escalated. */
export const ESCALATION_TEXT = {
  escalation: 'Escalates incident',
  later: 'Escalated from incident',
} as const;

/** Why memory is off or unavailable, in one sentence (the alert says so when it was not suppressed). */
export const MEMORY_TEXT = {
  off: 'Alert memory is off (no state table configured): every batch is reported on its own.',
  unavailable:
    'Alert memory was unavailable (the state table could not be reached): this alert was sent without suppression, so repeats may follow.',
} as const;

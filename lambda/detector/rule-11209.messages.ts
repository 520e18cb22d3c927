/**
 * What rule 11209 says to people: title, explanation and runbooks, kept apart from the matching logic
 * (rule-11209.ts) so wording can change without touching detection, and detection without touching wording.
 */
import type { Classification, Severity } from './finding';
import type { RejectionCode } from './line-format';
import type { WellKnownTargetKind } from './networks';

export interface ClassificationText {
  /** Severity assigned to findings of this classification. */
  readonly severity: Severity;
  /** A few words for subjects and table cells, e.g. "FTP bounce attempt". */
  readonly label: string;
  /** One or two sentences: what this particular refusal most likely means. */
  readonly summary: string;
  /** What the operator should do, in order. */
  readonly runbook: readonly string[];
}

export interface RuleText {
  readonly ruleId: '11209';
  readonly level: 14;
  /** The OSSEC/Wazuh alert title, kept verbatim for people who search for it. */
  readonly title: string;
  /** What proftpd refused and why: active mode, NAT clients and bounce attacks. */
  readonly description: string;
  /** The description in two sentences, for the end of short messages. */
  readonly brief: string;
  /** What the alert is sure of (the refusal) and what is a judgement (the classification). */
  readonly falsePositives: string;
  /** Why the rule should stay enabled even when most hits are harmless NAT clients. */
  readonly keepEnabled: string;
  readonly references: readonly string[];
  readonly classifications: Readonly<Record<Classification, ClassificationText>>;
}

export const RULE_11209_TEXT: RuleText = {
  ruleId: '11209',
  level: 14,
  title: 'Attempt to bypass firewall that can\'t adequately keep state of FTP traffic',
  description:
    'In active-mode FTP the client sends PORT (IPv4) or EPRT (IPv4/IPv6) to tell the server which address and '
    + 'port to open the data connection to. proftpd refused such a command because the address it named is not '
    + 'the address the client\'s control connection comes from (or names a privileged port). Usually the client '
    + 'sits behind NAT, or behind a firewall that does not rewrite FTP commands, and announced its internal '
    + 'address: the transfer fails, and the server is fine. The same command is also how an FTP bounce attack '
    + 'works: the attacker asks the server to send data to a third host and port, so the server scans or attacks '
    + 'on the attacker\'s behalf from its own trusted address. proftpd blocked this attempt; the alert tells you who '
    + 'tried and where they aimed.',
  brief:
    'proftpd refused an active-mode PORT/EPRT command because the data address it named is not the client\'s own '
    + '(or is a privileged port). NAT clients do this by mistake; an FTP bounce attack does it on purpose, to make '
    + 'your server connect somewhere for the attacker.',
  falsePositives:
    'The refusal is a fact proftpd logged, and the address is decoded from that line; the classification is a '
    + 'judgement from the addresses and ports, so read it as the likely cause, not a verdict.',
  keepEnabled:
    'Do not disable the rule because most hits are NAT clients: the same line with a public third-party address '
    + 'or a privileged port is the only trace a bounce attempt leaves. Route by severity instead (the low '
    + 'classifications can go to a quieter channel).',
  references: [
    'https://wiki.atomicorp.com/wiki/index.php/HIDS_11209',
    'http://www.proftpd.org/docs/howto/NAT.html',
    'https://www.rfc-editor.org/rfc/rfc2577 (FTP security considerations: bounce attacks)',
    'https://www.rfc-editor.org/rfc/rfc2428 (EPRT)',
  ],
  classifications: {
    'bounce-attempt': {
      severity: 'critical',
      label: 'FTP bounce attempt',
      summary:
        'The client asked the server to connect to a privileged port, or proftpd itself called it a bounce '
        + 'attack. NAT clients use high ports; this is an attempt to make your server talk to another service.',
      runbook: [
        'Treat the client address as hostile: block it at the security group, network ACL or AWS WAF / firewall.',
        'Look up everything else this client did in the same log group (the links in this alert: the client\'s log events, Logs Insights) and in VPC Flow Logs.',
        'Confirm proftpd keeps refusing: AllowForeignAddress must be off (the default) for every <VirtualHost>.',
        'If the target address is yours, check that service for connection attempts from the FTP server.',
      ],
    },
    'foreign-public-target': {
      severity: 'high',
      label: 'FTP data channel aimed at a third party',
      summary:
        'The client asked for data to be sent to a public address that is not its own. That is the shape of an FTP bounce attack (or FXP site-to-site transfer, which proftpd refuses by default).',
      runbook: [
        'Check whether the target address belongs to a known partner doing FXP transfers; if not, treat it as a bounce attempt.',
        'Block the client address if it repeats or aims at several targets; review its other activity in the same log group.',
        'Keep AllowForeignAddress off; if FXP is needed, allow it only for named partners.',
      ],
    },
    'internal-target': {
      severity: 'high',
      label: 'FTP data channel aimed at your own network',
      summary:
        'The client asked the server to connect into one of your own networks (internalNetworks). A NAT client '
        + 'does not announce your address space: this is your server being used to reach hosts behind the firewall.',
      runbook: [
        'Treat the client as hostile: block its address at the security group, network ACL or firewall.',
        'Check the target host for connection attempts from the FTP server (VPC Flow Logs) around the alert time.',
        'Confirm AllowForeignAddress is off for every <VirtualHost>, and that the FTP server\'s security group limits outbound traffic.',
        'If the client is a known user whose home network overlaps internalNetworks, narrow internalNetworks instead.',
      ],
    },
    'proxy-address-mismatch': {
      severity: 'medium',
      label: 'FTP behind a proxy or load balancer sees the wrong client address',
      summary:
        'proftpd saw a private client address (a load balancer, proxy or tunnel) while the client announced a public '
        + 'one. Not an attack: every active-mode client behind that balancer is refused the same way.',
      runbook: [
        'Preserve the client address: on an NLB turn on client IP preservation (off by default for IP targets: Fargate, ECS awsvpc, EKS IP mode), or enable PROXY protocol v2 and load proftpd\'s mod_proxy_protocol.',
        'Do not switch AllowForeignAddress on to silence this: it lets every client aim data anywhere. With real client addresses, proftpd refuses only real foreign targets again.',
        'Or serve passive mode only (PassivePorts and MasqueradeAddress behind the balancer) and tell users to use passive mode.',
      ],
    },
    'malformed-argument': {
      severity: 'medium',
      label: 'Malformed FTP data-channel address',
      summary:
        'The refused PORT/EPRT argument does not decode to a valid address and port. Real clients do not send '
        + 'this; scanners and fuzzers do.',
      runbook: [
        'Look at the client\'s other commands in the same log group: scanning or fuzzing usually shows several oddities.',
        'Block the client if it is not a known user; make sure proftpd is patched (malformed input is how parsers are probed).',
      ],
    },
    'nat-misconfiguration': {
      severity: 'low',
      label: 'FTP client behind NAT using active mode',
      summary:
        'The client announced a private or internal address: it is behind NAT and using active mode, so its '
        + 'transfers fail. Harmless, but the user probably cannot download anything.',
      runbook: [
        'Tell the user (or client owner) to switch the FTP client to passive mode (PASV/EPSV).',
        'If many clients do this, check that the server advertises passive mode correctly: MasqueradeAddress and PassivePorts behind a load balancer or NAT gateway, and the matching security-group ports.',
        'No blocking needed unless the same client also triggers high or critical findings.',
      ],
    },
    'address-family-mismatch': {
      severity: 'low',
      label: 'FTP EPRT address family mismatch',
      summary:
        'The client asked for an IPv6 data connection over an IPv4 control connection (or the reverse). Usually a '
        + 'dual-stack client or a proxy mixing address families.',
      runbook: [
        'Ask the user to use passive mode (EPSV) or to connect over the address family it wants data on.',
        'If it repeats from one client with varied targets, review that client like a foreign-target finding.',
      ],
    },
  },
};

/** What an alert says about a well-known target address, whatever the classification of the refusal. */
export const WELL_KNOWN_TARGET_TEXT: Readonly<Record<WellKnownTargetKind, { readonly label: string; readonly note: string }>> = {
  'instance-metadata': {
    label: 'instance metadata service',
    note: 'a connection there is an attempt to steal the instance role\'s credentials: require IMDSv2 and treat the client as hostile',
  },
  'loopback': {
    label: 'server\'s own loopback address',
    note: 'the client aims at services that listen only on the FTP server itself',
  },
  'vpc-dns': {
    label: 'VPC DNS resolver',
    note: 'the client aims at the Amazon-provided DNS resolver of the VPC',
  },
};

/**
 * Why a line is not a refusal, in words, for `ftp-bounce-watch explain` (the codes are set by the scanners in
 * line-format.ts and rule-11209.ts where they give up; docs/design.md section 3 says why each is refused).
 */
export const REJECTION_TEXT: Readonly<Record<RejectionCode, string>> = {
  'no-keyword': 'the line holds no "Refused PORT " or "Refused EPRT " (any case, one space each) and no JSON \\u00 escape that could spell one: nothing to examine',
  'not-json': 'the line starts with "{" but is not JSON; no proftpd line starts with "{"',
  'json-not-object': 'the JSON is not an object with a message field',
  'json-other-program': 'journald\'s trusted _COMM or _EXE names another program than proftpd',
  'json-identifier': 'SYSLOG_IDENTIFIER names another program than proftpd',
  'json-no-refusal': 'no MESSAGE, message, log or msg field holds a proftpd refusal',
  'empty-header': 'nothing follows the timestamp: no program label or serverinfo',
  'rfc5424-header': 'an RFC 5424 header whose fields (host, app name, procid, msgid, structured data) are incomplete',
  'not-proftpd': 'the program label is not proftpd\'s (proftpd, proftpd.service, or its session/daemon role labels): another program\'s line, or a name that only starts with proftpd',
  'unknown-header': 'no format recognised: no program label (proftpd[pid]:) after a known timestamp, and no bare proftpd serverinfo "vhost (name[ip]) - "',
  'serverinfo': 'after the proftpd label, the serverinfo "vhost (remoteName[remoteIp])" and its separator " - " or ": " are not where proftpd writes them',
  'role-without-client': 'a session/daemon role label needs the "(name[ip])" client group to vouch for the line',
  'message-not-refusal': 'proftpd\'s message itself does not start with "Refused PORT " or "Refused EPRT ": the words are elsewhere in the line (planted text, a user name, a path) or spaced otherwise',
  'no-argument': 'the refusal has no argument',
  'reason': 'the text in parentheses after the argument is not a reason as proftpd writes it (unclosed, or nested)',
  'trailing-text': 'the message goes on after the refusal (and its reason): proftpd\'s refusal ends the message, so this is other text',
};

/** The classification rules of docs/design.md section 4, first match wins: their number and condition. */
export const CLASSIFICATION_RULES: Readonly<Record<Classification, { readonly rule: number; readonly when: string }>> = {
  'bounce-attempt': { rule: 1, when: 'the target port is below 1024, or proftpd\'s reason says "bounce attack"' },
  'internal-target': { rule: 2, when: 'the target is inside internalNetworks (your own ranges)' },
  'address-family-mismatch': { rule: 3, when: 'proftpd\'s reason is "IPv4/IPv6 address mismatch"' },
  'malformed-argument': { rule: 4, when: 'the argument does not decode to an address and port' },
  'nat-misconfiguration': { rule: 5, when: 'the target is in private, loopback, link-local, unique-local or 100.64.0.0/10 space' },
  'proxy-address-mismatch': { rule: 6, when: 'the client is private while the target is public: proftpd sees a balancer or proxy' },
  'foreign-public-target': { rule: 7, when: 'any other target: a public address that is not the client\'s' },
};

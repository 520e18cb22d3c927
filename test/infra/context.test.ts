import { type AppConfig, ContextError, type DeployTarget, parseContext, suggestKey } from '../../infra/context';
import { DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { editDistance, parseLogGroup, severitiesAtOrAbove } from '../../infra/validation';

const ARN = 'arn:aws:logs:eu-west-1:123456789012:log-group:/var/log/proftpd';

function problemsOf(context: Record<string, unknown>, target?: DeployTarget): string[] {
  try {
    parseContext(context, target);
  } catch (error) {
    if (error instanceof ContextError) return error.problems.map((p) => `${p.key}: ${p.message}`);
    throw error;
  }
  throw new Error('expected a ContextError');
}

/** `count` distinct log group names of `length` characters each. */
function names(count: number, length: number): string[] {
  return Array.from({ length: count }, (_, i) => `/g/${String(i).padStart(length - 3, '0')}`);
}

/** Every accepted context needs someone to tell (see the refusals below); the cases add it when they have none. */
const WITH_EMAIL = { alertEmails: 'ops@example.com' };

describe('parseContext: accepted context', () => {
  const cases: Array<[string, Record<string, unknown>, Partial<AppConfig>]> = [
    [
      'two log groups by name, comma-separated, defaults elsewhere',
      { logGroups: '/var/log/proftpd,/aws/ec2/ftp' },
      {
        logGroups: ['/var/log/proftpd', '/aws/ec2/ftp'],
        accountWide: false,
        filterPattern: DEFAULT_FILTER_PATTERN,
        alertEmails: ['ops@example.com'],
      },
    ],
    ['spaces and a trailing comma', { logGroups: ' /a , /b, ' }, { logGroups: ['/a', '/b'] }],
    ['a JSON array from cdk.json', { logGroups: ['/a', '/b'] }, { logGroups: ['/a', '/b'] }],
    ['a log group ARN, with or without :*', { logGroups: `${ARN},${ARN}x:*` }, { logGroups: [ARN, `${ARN}x:*`] }],
    ['account-wide (string true)', { accountWide: 'true' }, { accountWide: true, logGroups: [] }],
    ['account-wide (boolean, any case)', { accountWide: true }, { accountWide: true }],
    ['accountWide=false with log groups', { accountWide: 'FALSE', logGroups: '/a' }, { accountWide: false }],
    ['emails', { logGroups: '/a', alertEmails: 'ops@example.com,sec+ftp@example.org' }, {
      alertEmails: ['ops@example.com', 'sec+ftp@example.org'],
    }],
    ['minimum email severity, any case', { logGroups: '/a', alertEmails: 'a@example.com', emailMinSeverity: 'High' }, {
      emailMinSeverity: 'high',
    }],
    ['operator emails', { logGroups: '/a', operatorEmails: 'oncall@example.com' }, {
      operatorEmails: ['oncall@example.com'],
    }],
    ['chatbot', { logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }, {
      chatbot: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' },
    }],
    ['webhook secret name', { logGroups: '/a', slackWebhookSecretName: 'ftp-bounce-watch/slack' }, {
      slackWebhookSecretName: 'ftp-bounce-watch/slack',
    }],
    ['webhook only, operators by email', {
      logGroups: '/a', slackWebhookSecretName: 'x/slack', operatorEmails: 'oncall@example.com', alertEmails: undefined,
    }, { alertEmails: [], operatorEmails: ['oncall@example.com'] }],
    ['Chatbot alone (it receives the alarms too)', {
      logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD', alertEmails: undefined,
    }, { alertEmails: [] }],
    ['custom filter pattern keeps its spacing', { logGroups: '/a', filterPattern: '"Refused  PORT"' }, {
      filterPattern: '"Refused  PORT"',
    }],
    ['member exclusions, names only', { mode: 'member', memberExcludedLogGroups: '/aws/lambda/x, /var/log/noisy', alertEmails: undefined }, {
      mode: 'member', memberExcludedLogGroups: ['/aws/lambda/x', '/var/log/noisy'],
    }],
    ['source silence: one duration', { logGroups: '/a', sourceSilence: '12h' }, {
      sourceSilence: { default: 720, perLogGroup: new Map() },
    }],
    ['source silence: off', { logGroups: '/a', sourceSilence: 'OFF' }, { sourceSilence: { default: 'off', perLogGroup: new Map() } }],
    ['source silence: per group, by name or ARN, the default where not given', { logGroups: `/a,${ARN}`, sourceSilence: `/a=24h, ${ARN}=off` }, {
      sourceSilence: { default: 360, perLogGroup: new Map<string, number | 'off'>([['/a', 1440], ['/var/log/proftpd', 'off']]) },
    }],
    ['source silence: JSON text', { logGroups: '/a,/b', sourceSilence: '{"default":"off","/b":"7d"}' }, {
      sourceSilence: { default: 'off', perLogGroup: new Map([['/b', 10080]]) },
    }],
    ['source silence: JSON object from cdk.json, minutes as numbers', { logGroups: '/a', sourceSilence: { 'default': 60, '/a': '1d' } }, {
      sourceSilence: { default: 60, perLogGroup: new Map([['/a', 1440]]) },
    }],
    ['CDK\'s keys and other tools\' (with a colon or @) are ignored', { 'logGroups': '/a', '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:x': 1, 'team:name': 'x' }, {
      logGroups: ['/a'],
    }],
  ];
  it.each(cases)('%s', (_name, context, expected) => {
    const withDestination = Object.fromEntries(
      Object.entries({ ...WITH_EMAIL, ...context }).filter(([, value]) => value !== undefined),
    );
    expect(parseContext(withDestination)).toMatchObject(expected);
  });

  it('leaves optional keys out of the config when absent', () => {
    const config = parseContext({ logGroups: '/a', ...WITH_EMAIL });
    expect(Object.keys(config).sort()).toEqual(['accountWide', 'alertEmails', 'filterPattern', 'incidents', 'logGroups']);
  });

  it('accepts ARNs in the deployment account and Region', () => {
    expect(parseContext({ logGroups: ARN, ...WITH_EMAIL }, { account: '123456789012', region: 'eu-west-1' }).logGroups).toEqual([ARN]);
  });
});

describe('parseContext: rejected context names the key and what is expected', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp, DeployTarget?]> = [
    ['nothing to watch', {}, /^logGroups: expected log group names or ARNs.*accountWide=true/],
    ['empty log group list', { logGroups: ' , ' }, /^logGroups: expected at least one value/],
    ['bad log group name', { logGroups: '/var/log/pro ftpd' }, /^logGroups: expected a log group name.*"\/var\/log\/pro"|^logGroups: expected a log group name/],
    ['log group name with a bad character', { logGroups: '/var/log/proftpd$' }, /^logGroups: expected a log group name \(1-512 .*got "\/var\/log\/proftpd\$"/],
    ['malformed ARN', { logGroups: 'arn:aws:logs:eu-west-1:12345:log-group:/a' }, /^logGroups: expected a log group ARN like arn:aws:logs:/],
    ['ARN of the wrong partition for its Region', { logGroups: 'arn:aws:logs:cn-north-1:123456789012:log-group:/a' }, /^logGroups: .* has partition "aws", but Region cn-north-1 is in "aws-cn"/],
    ['ARN of another Region than the stack', { logGroups: ARN }, /^logGroups: .* is in eu-west-1 but the stack deploys to us-east-1/, { region: 'us-east-1' }],
    ['ARN of another account than the stack', { logGroups: ARN }, /^logGroups: .* is in account 123456789012 but the stack deploys to 999999999999/, { account: '999999999999' }],
    ['ARNs of two Regions', { logGroups: `${ARN},arn:aws:logs:us-east-1:123456789012:log-group:/b` }, /^logGroups: .* is in us-east-1 but the first ARN is in eu-west-1; deploy one stack per Region/],
    ['duplicate log group (name and ARN)', { logGroups: `/var/log/proftpd,${ARN}` }, /^logGroups: log group "\/var\/log\/proftpd" is listed twice/],
    ['logGroups with accountWide', { logGroups: '/a', accountWide: 'true' }, /^logGroups: remove it when accountWide=true/],
    ['accountWide not a boolean', { accountWide: 'yes' }, /^accountWide: expected true or false, got "yes"/],
    ['bad email', { logGroups: '/a', alertEmails: 'ops@example' }, /^alertEmails: expected an email address like ops@example.com, got "ops@example"/],
    ['email list with a space inside an address splits into a bad one', { logGroups: '/a', alertEmails: 'ops at example.com' }, /^alertEmails: expected an email address/],
    ['duplicate email', { logGroups: '/a', alertEmails: 'a@example.com,A@example.com' }, /^alertEmails: "A@example.com" is listed twice/],
    ['bad operator email', { logGroups: '/a', operatorEmails: 'nobody' }, /^operatorEmails: expected an email address/],
    ['unknown severity', { logGroups: '/a', alertEmails: 'a@example.com', emailMinSeverity: 'urgent' }, /^emailMinSeverity: expected one of low, medium, high, critical, got "urgent"/],
    ['severity without emails', { logGroups: '/a', emailMinSeverity: 'high' }, /^emailMinSeverity: has no effect without alertEmails/],
    ['workspace without channel', { logGroups: '/a', slackWorkspaceId: 'T0123ABCD' }, /^slackChannelId: expected a Slack channel ID like C0123ABCD too: slackWorkspaceId is set/],
    ['channel without workspace', { logGroups: '/a', slackChannelId: 'C0123ABCD' }, /^slackWorkspaceId: expected a Slack workspace ID like T0123ABCD too: slackChannelId is set/],
    ['channel name instead of id', { logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: '#ftp-alerts' }, /^slackChannelId: expected a Slack channel ID like C0123ABCD, got "#ftp-alerts" \(that is a channel name/],
    ['lower-case workspace id', { logGroups: '/a', slackWorkspaceId: 't0123abcd', slackChannelId: 'C0123ABCD' }, /^slackWorkspaceId: expected the Slack workspace ID/],
    ['secret ARN instead of name', { logGroups: '/a', slackWebhookSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf' }, /^slackWebhookSecretName: expected the secret's name, not its ARN/],
    ['secret name with a space', { logGroups: '/a', slackWebhookSecretName: 'my secret' }, /^slackWebhookSecretName: expected a Secrets Manager secret name/],
    ['empty string value', { logGroups: '/a', slackWebhookSecretName: '  ' }, /^slackWebhookSecretName: expected a value, got an empty string/],
    ['empty filter pattern', { logGroups: '/a', filterPattern: '' }, /^filterPattern: expected a value, got an empty string/],
    ['blank filter pattern', { logGroups: '/a', filterPattern: '   ' }, /^filterPattern: expected a value/],
    ['filter pattern not a string', { logGroups: '/a', filterPattern: 42 }, /^filterPattern: expected a string, got "42"/],
    ['list of non-strings', { logGroups: [1, 2] }, /^logGroups: expected a comma-separated string or an array of strings/],
    ['misspelt key: singular', { logGroup: '/a' }, /^logGroup: unknown context key; did you mean logGroups\?/],
    ['misspelt key: case', { logGroups: '/a', alertemails: 'a@example.com' }, /^alertemails: unknown context key; did you mean alertEmails\?/],
    ['misspelt key: transposition', { logGroups: '/a', slackChanenlId: 'C0123ABCD', slackWorkspaceId: 'T0123ABCD' }, /^slackChanenlId: unknown context key; did you mean slackChannelId\?/],
    ['misspelt key: accountwide', { accountwide: 'true' }, /^accountwide: unknown context key; did you mean accountWide\?/],
    ['a setting that does not exist, with the keys that do', { logGroups: '/a', failureRetention: '7' }, /^failureRetention: unknown context key \(the keys: logGroups, accountWide, .*, internalNetworks, canary, canaryInterval, sourceSilence, suppressions, eventBus, securityHub, mode, organizationId, centralStreamShards, centralAccount, memberExcludedLogGroups\)$/m],
    ['an unrelated key', { logGroups: '/a', myTeam: 'x' }, /^myTeam: unknown context key \(the keys: logGroups, /],
    ['no destination at all', { logGroups: '/a' }, /^alertEmails: no alert destination: set alertEmails, slackWorkspaceId with slackChannelId \(AWS Chatbot\), or slackWebhookSecretName/],
    ['operator emails but no alert destination', { logGroups: '/a', operatorEmails: 'oncall@example.com' }, /^alertEmails: no alert destination/],
    ['webhook only: alarms would reach nobody', { logGroups: '/a', slackWebhookSecretName: 'x/slack' }, /^operatorEmails: no operator destination: .*set operatorEmails/],
    ['member exclusion given as an ARN', { mode: 'member', memberExcludedLogGroups: ARN }, /^memberExcludedLogGroups: expected log group names \(1-512 characters .*no ARN\), got "arn:aws:logs:/],
    ['member exclusion with a bad character', { mode: 'member', memberExcludedLogGroups: '/a,/b c' }, /^memberExcludedLogGroups: expected log group names .*got "\/b c"/],
    ['member exclusion listed twice', { mode: 'member', memberExcludedLogGroups: '/a,/a' }, /^memberExcludedLogGroups: log group "\/a" is listed twice/],
    ['member exclusions outside member mode', { logGroups: '/a', memberExcludedLogGroups: '/b' }, /^memberExcludedLogGroups: is only used with mode=member/],
    ['member exclusions beyond what SelectionCriteria holds', { mode: 'member', memberExcludedLogGroups: names(400, 40).join(',') }, /^memberExcludedLogGroups: 400 log groups make a SelectionCriteria of 17620 bytes, over the 14759 this stack can use \(CloudWatch Logs accepts 25000\); exclude fewer/],
    ['source silence under an hour', { logGroups: '/a', sourceSilence: '30m' }, /^sourceSilence: the default: expected off or a duration from 1h to 7d: .*got "30m"$/],
    ['source silence over 7 days, per group', { logGroups: '/a', sourceSilence: '/a=8d' }, /^sourceSilence: "\/a": expected off or a duration from 1h to 7d: .*got "8d"$/],
    ['source silence not a duration', { logGroups: '/a', sourceSilence: 'sometimes' }, /^sourceSilence: the default: expected off or a duration/],
    ['source silence for a group not watched', { logGroups: '/a', sourceSilence: '6h,/b=1d' }, /^sourceSilence: "\/b" is not one of the watched log groups \(logGroups\)$/],
    ['source silence: a group twice', { logGroups: '/a', sourceSilence: '/a=1d,/a=off' }, /^sourceSilence: log group "\/a" is listed twice$/],
    ['source silence: two defaults', { logGroups: '/a', sourceSilence: '6h,12h' }, /^sourceSilence: two defaults \(the second: "12h"\); give one default, and NAME=DURATION per group$/],
    ['source silence: JSON that does not parse', { logGroups: '/a', sourceSilence: '{"default":6h}' }, /^sourceSilence: expected a duration .* got JSON that does not parse/],
    ['source silence: a list', { logGroups: '/a', sourceSilence: ['6h'] }, /^sourceSilence: expected a duration from 1h to 7d or off, .*JSON object .*got "\[/],
    ['source silence: empty entries', { logGroups: '/a', sourceSilence: ' , ' }, /^sourceSilence: expected a value, got an empty list/],
    ['source silence account-wide', { accountWide: 'true', sourceSilence: '6h' }, /^sourceSilence: remove it with accountWide=true: only listed log groups \(logGroups\) get silence alarms/],
    ['source silence in central mode', { mode: 'central', organizationId: 'o-a1b2c3d4e5', sourceSilence: 'off' }, /^sourceSilence: remove it with mode=central: /],
    ['source silence in member mode', { mode: 'member', sourceSilence: '6h' }, /^sourceSilence: remove it with mode=member: /],
    ['Chatbot in GovCloud', { logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }, /^slackWorkspaceId: AWS Chatbot does not exist in us-gov-west-1 \(partition aws-us-gov\)/, { region: 'us-gov-west-1' }],
    ['Chatbot in China', { logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }, /^slackWorkspaceId: AWS Chatbot does not exist in cn-north-1/, { region: 'cn-north-1' }],
  ];
  // Rows padded to four values: jest would take an unfilled fourth parameter for a `done` callback.
  const rows = cases.map(([name, context, pattern, target]) => [name, context, pattern, target] as const);
  it.each(rows)('%s', (_name, context, pattern, target) => {
    const problems = problemsOf(context, target);
    expect(problems.some((p) => pattern.test(p))).toBe(true);
    // Each problem is one line.
    for (const p of problems) expect(p).not.toContain('\n');
  });

  it('reports every problem at once, one line each', () => {
    const error = (() => {
      try {
        parseContext({ logGroups: 'bad name', alertEmails: 'x', slackWorkspaceId: 'T0123ABCD' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ContextError);
    const message = (error as ContextError).message;
    expect(message.split('\n').map((line) => line.split(':')[0])).toEqual(['logGroups', 'alertEmails', 'slackChannelId']);
  });
});

describe('suggestKey', () => {
  it.each([
    ['logGroup', 'logGroups'],
    ['loggroups', 'logGroups'],
    ['alertEmail', 'alertEmails'],
    ['operatorEmail', 'operatorEmails'],
    ['filterPatern', 'filterPattern'],
    ['slackWebhookSecret', undefined],
    ['slackWebHookSecretName', 'slackWebhookSecretName'],
    ['emailMinSeverty', 'emailMinSeverity'],
    ['region', undefined],
    ['logs', undefined],
    ['logGroups', undefined],
    ['@aws-cdk/aws-lambda:recognizeLayerVersion', undefined],
  ])('%s -> %s', (key, expected) => {
    expect(suggestKey(key)).toBe(expected);
  });
});

describe('validation helpers', () => {
  it('measures edits case-insensitively, transpositions as one', () => {
    expect(editDistance('logGroups', 'LOGGROUPS')).toBe(0);
    expect(editDistance('abcd', 'abdc')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('parses a log group ARN into its parts', () => {
    expect(parseLogGroup(`${ARN}:*`)).toEqual({
      ref: { name: '/var/log/proftpd', arn: { text: `${ARN}:*`, partition: 'aws', region: 'eu-west-1', account: '123456789012' } },
    });
    expect(parseLogGroup('arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:x')).toHaveProperty('ref');
  });

  it('lists the severities an email subscriber gets', () => {
    expect(severitiesAtOrAbove('low')).toEqual(['low', 'medium', 'high', 'critical']);
    expect(severitiesAtOrAbove('high')).toEqual(['high', 'critical']);
  });
});

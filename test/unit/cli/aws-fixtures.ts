/** Shared arrangements for the CLI's AWS command tests: real SDK clients with aws-sdk-client-mock, fake time. */
import { CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { CommandDeps } from '../../../cli/io';

export const REGION = 'eu-west-1';
export const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const CREDENTIALS = { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit-test-secret' };

export const NAT =
  'May 29 18:49:42 h proftpd[1]: srv (c.example[198.51.100.4]) - Refused PORT 192,168,1,34,206,55 (address mismatch)';
export const BOUNCE =
  'proftpd[2]: srv (evil[203.0.113.9]) - Refused PORT 198,51,100,7,0,25 (port 25 below 1024, possible bounce attack)';
/** Matches the filter pattern but is no proftpd refusal: the detector must drop it. */
export const FORGED = 'sshd[9]: Invalid user Refused PORT 1,2,3,4,5,6 from 203.0.113.50';

export function logsClient(region: string | (() => Promise<string>) = REGION): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ region, credentials: CREDENTIALS, maxAttempts: 1 });
}

export function snsClient(region = REGION): SNSClient {
  return new SNSClient({ region, credentials: CREDENTIALS, maxAttempts: 1 });
}

let seq = 0;
/** An event `minutesAgo` before NOW. */
export function event(message: string, minutesAgo: number, logStreamName = 'i-0abc/proftpd.log'): FilteredLogEvent {
  seq++;
  const timestamp = NOW - minutesAgo * 60_000;
  return { eventId: `ev-${seq}`, logStreamName, timestamp, ingestionTime: timestamp + 500, message };
}

export interface FakeTime {
  readonly deps: CommandDeps;
  /** Every backoff the code asked for, in order. */
  readonly sleeps: number[];
}

/** A fixed clock and instant sleeps; random() = 0.5, so each backoff is 3/4 of its ceiling. */
export function fakeTime(clients: Pick<CommandDeps, 'logsClient' | 'snsClient'>): FakeTime {
  const sleeps: number[] = [];
  return {
    sleeps,
    deps: {
      ...clients,
      now: () => NOW,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  };
}

/** An error as the SDK raises it for a non-modelled AWS error code. */
export function awsError(name: string, message: string, status = 400, fault: 'client' | 'server' = 'client'): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

export const jsonl = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

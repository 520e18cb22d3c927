/** `--log-group NAME|ARN`, checked with the same rules the CDK app applies to its `logGroups` context. */
import { parseLogGroup } from '../../infra/validation';
import { UsageError } from '../io';

export interface LogGroupTarget {
  /** As the user gave it. */
  readonly given: string;
  /** The log group's name (from the ARN when an ARN was given). */
  readonly name: string;
  /** For APIs that take `logGroupIdentifier`: the ARN without a trailing `:*`, else the name. */
  readonly identifier: string;
  /** The ARN's Region, when an ARN was given. */
  readonly arnRegion?: string;
}

/** Parses names and ARNs (`source` names where they came from, for the message), dropping repeats. */
export function parseLogGroupTargets(texts: readonly string[], source: string): LogGroupTarget[] {
  const targets = new Map<string, LogGroupTarget>();
  for (const text of texts) {
    const parsed = parseLogGroup(text);
    if ('problem' in parsed) throw new UsageError(`${source}: ${parsed.problem}`);
    const { name, arn } = parsed.ref;
    if (targets.has(name)) continue;
    targets.set(
      name,
      arn === undefined
        ? { given: text, name, identifier: name }
        : { given: text, name, identifier: arn.text.replace(/:\*$/, ''), arnRegion: arn.region },
    );
  }
  return [...targets.values()];
}

/** Every call goes to the client's Region: an ARN elsewhere names a log group these calls cannot reach. */
export function assertTargetsInRegion(targets: readonly LogGroupTarget[], region: string): void {
  for (const target of targets) {
    if (target.arnRegion !== undefined && target.arnRegion !== region) {
      throw new UsageError(
        `${JSON.stringify(target.given)} is in ${target.arnRegion}, but AWS calls go to ${region}; `
        + `set AWS_REGION=${target.arnRegion}`,
      );
    }
  }
}

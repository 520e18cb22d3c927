/**
 * The Security Hub part of the exports' runtime, required by exports-runtime.ts only when `securityHub` is on, so
 * that the Security Hub and STS clients cost a cold start nothing otherwise.
 */
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { type FindingDestinations, MemberAccountDestinations, OwnAccountDestinations } from './adapters/finding-destinations';
import type { AlertExporter } from './adapters/ports';
import { SecurityHubExporter } from './adapters/securityhub-exporter';
import { type InvocationBudget, SECURITY_HUB_TIMEOUTS, STS_TIMEOUTS, sdkClientOptions } from './adapters/timeouts';
import { parseProductArn } from './export/asff-finding';

export function createSecurityHubExporter(
  productArn: string,
  memberRole: string | null,
  region: string,
  budget: InvocationBudget,
): AlertExporter {
  return new SecurityHubExporter(findingDestinations(productArn, memberRole, region, budget), { budget });
}

/** This account's product; in central mode (a member role configured) each member's, through that role. */
function findingDestinations(
  productArn: string,
  memberRole: string | null,
  region: string,
  budget: InvocationBudget,
): FindingDestinations {
  const parts = parseProductArn(productArn);
  const hubRegion = parts?.region ?? region;
  const ownClient = new SecurityHubClient({ region: hubRegion, ...sdkClientOptions(SECURITY_HUB_TIMEOUTS) });
  if (memberRole === null || parts === null) return new OwnAccountDestinations(productArn, ownClient);
  return new MemberAccountDestinations({
    ownAccount: parts.account,
    ownProductArn: productArn,
    ownClient,
    sts: new STSClient({ region: hubRegion, ...sdkClientOptions(STS_TIMEOUTS) }),
    roleName: memberRole,
    partition: parts.partition,
    region: hubRegion,
    clientWith: (credentials) =>
      new SecurityHubClient({ region: hubRegion, credentials, ...sdkClientOptions(SECURITY_HUB_TIMEOUTS) }),
    budget,
  });
}

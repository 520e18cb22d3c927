/** Shared helpers for the infra tests: synthesise the app as `cdk synth` would, and look into the template. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuiltApp, buildApp } from '../../infra/app';
import type { DeployTarget } from '../../infra/context';

export interface Synthesised extends BuiltApp {
  readonly template: Template;
}

/**
 * One cloud assembly directory per test file (jest loads this module once per file). CDK caches a bundled asset
 * per output directory, so every app a file synthesises reuses the first esbuild run instead of bundling again.
 */
const OUTDIR = mkdtempSync(path.join(tmpdir(), 'ftp-bounce-watch-test-'));
afterAll(() => rmSync(OUTDIR, { recursive: true, force: true }));

/** An App writing to this file's shared assembly directory, for tests that build stacks by hand. */
export function newTestApp(): App {
  return new App({ outdir: OUTDIR });
}

/** Builds the app from context (as `-c key=value` would give it) and synthesises it, cdk-nag included. */
export function synth(context: Record<string, unknown>, target?: DeployTarget): Synthesised {
  const built = buildApp({ context, outdir: OUTDIR, ...(target && { target }) });
  return { ...built, template: Template.fromStack(built.stack) };
}

/** The properties of every resource of a type, in template order. */
export function propertiesOf(template: Template, type: string): Array<Record<string, unknown>> {
  return Object.values(template.findResources(type)).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
}

/** The single resource of a type (fails the test when there is not exactly one). */
export function onlyResource(template: Template, type: string): { id: string; resource: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, Record<string, unknown>];
  return { id, resource };
}

/** The logical id of the one Lambda function whose environment has the given variable. */
export function functionIdWithEnv(template: Template, variable: string): string {
  type Fn = { Properties: { Environment?: { Variables?: object } } };
  const ids = Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([, r]) => variable in ((r as Fn).Properties.Environment?.Variables ?? {}))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one function with ${variable}, found ${ids.length}`);
  return ids[0] as string;
}

/** The logical id of the detector function (the sweep shares its environment, not its description). */
export function detectorId(template: Template): string {
  return functionIdByDescription(template, /^FtpBounceWatch: finds proftpd/);
}

/** The logical id of the one Lambda function whose description matches. */
export function functionIdByDescription(template: Template, description: RegExp): string {
  type Fn = { Properties: { Description?: string } };
  const ids = Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([, r]) => description.test((r as Fn).Properties.Description ?? ''))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one function described ${String(description)}, found ${ids.length}`);
  return ids[0] as string;
}

/**
 * Flattens an Fn::Join of literals and references into one string, references shown as ${Ref} / ${Id.Attr}, so
 * that tokenised strings (ARNs, JSON documents) can be checked as text.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(sep);
  }
  if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
  if (Array.isArray(v['Fn::GetAtt'])) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(value);
}

export const EXAMPLE_CONTEXT = {
  logGroups: '/var/log/proftpd,/aws/ec2/ftp',
  alertEmails: 'ops@example.com',
  slackWorkspaceId: 'T0123ABCD',
  slackChannelId: 'C0123ABCD',
  slackWebhookSecretName: 'ftp-bounce-watch/slack',
} as const;

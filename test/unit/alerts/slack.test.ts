import { renderSlackMessage, SLACK_LIMITS } from '../../../lambda/alerts/render/slack';
import {
  alertOf,
  expectSlackInert,
  finding,
  HOSTILE,
  located,
  portArgument,
  stringsIn,
  T0,
  typicalAlert,
} from './builders';

interface TextObject {
  type: string;
  text: string;
}
interface Block {
  type: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: Array<{ type: string; text?: TextObject | string; url?: string }>;
}

function blocksOf(message: { blocks: unknown[] }): Block[] {
  return message.blocks as Block[];
}

function expectWithinLimits(message: { text: string; blocks: unknown[] }): void {
  const blocks = blocksOf(message);
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  for (const block of blocks) {
    if (block.type === 'header') expect(block.text?.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (block.type === 'section') {
      if (block.text !== undefined) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect((block.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
      for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    if (block.type === 'actions') {
      for (const e of block.elements ?? []) {
        expect(e.url?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.buttonUrl);
        expect((e.text as TextObject).text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
      }
    }
  }
}

describe('Slack message', () => {
  const alert = typicalAlert();
  const message = renderSlackMessage(alert);
  const blocks = blocksOf(message);

  it('has header, summary, fields, runbook, link buttons, samples and context', () => {
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions', 'section', 'context']);
    expect(blocks[0]?.text).toEqual({
      type: 'plain_text',
      text: ':warning: [HIGH] FTP data channel aimed at a third party',
      emoji: true,
    });
    expect(message.text).toBe('[HIGH] FTP data channel aimed at a third party: `198.51.100.4` on `ftp.example.com` (x3)');
    expectWithinLimits(message);
  });

  it('puts the facts in fields, untrusted values as code', () => {
    const fields = blocks[2]?.fields?.map((f) => f.text) ?? [];
    expect(fields).toContain('*Client*\n`198.51.100.4`');
    expect(fields).toContain('*Target*\n`203.0.113.7:1025`, `203.0.113.8:2000`');
    expect(fields).toContain('*Server*\n`ftp.example.com`');
    expect(fields).toContain('*Log stream*\n`ftp1`');
    expect(fields).toContain('*How many*\n3 refused commands between 2024-05-01T10:00:00.000Z and 2024-05-01T10:02:00.000Z');
  });

  it('escapes the trusted runbook text too (a runbook mentions <VirtualHost>)', () => {
    const bounce = renderSlackMessage(alertOf([located(finding({ argument: portArgument('203.0.113.7', 25) }))]));
    const runbook = blocksOf(bounce)[3]?.text?.text ?? '';
    expect(runbook).toContain('&lt;VirtualHost&gt;');
    expect(runbook).not.toContain('<VirtualHost>');
    expect(runbook).toMatch(/^\*Then\*\n1\. /);
  });

  it('links to the console with buttons', () => {
    const urls = blocks[4]?.elements?.map((e) => e.url);
    expect(urls).toEqual([alert.links.insights, alert.links.logGroup, alert.links.logStream]);
  });

  it('shows samples in a code block', () => {
    const samples = blocks[5]?.text?.text ?? '';
    expect(samples).toMatch(/^\*Sample lines\* \(3 of 3, earliest first\)\n```\n2024-05-01T10:00:00\.000Z ftp1\n/);
    expect(samples.endsWith('\n```')).toBe(true);
  });

  it.each(HOSTILE)('keeps hostile %s inert everywhere', (_name, text) => {
    const hostile = alertOf([
      located(
        finding({}, { line: `${text} Refused PORT ${text}`, server: text, clientName: text, srcIp: text }),
        { logStream: text, eventId: text, logGroup: `/g/${text}` },
      ),
    ]);
    const rendered = renderSlackMessage(hostile);
    expectWithinLimits(rendered);
    for (const s of [rendered.text, ...stringsIn(rendered.blocks, ['url'])]) expectSlackInert(s);
    // A code block's content can hold no backtick, so it cannot be closed early.
    const samples = blocksOf(rendered).find((b) => b.text?.text.startsWith('*Sample lines*'));
    expect(samples?.text?.text.split('```')).toHaveLength(3);
  });

  it('stays within limits with huge names, many targets and streams, and a megabyte line', () => {
    const big = 'n'.repeat(100_000);
    const findings = Array.from({ length: 40 }, (_, i) =>
      located(
        finding({ argument: portArgument(`203.0.113.${i}`, 2000) }, { server: big, clientName: big, line: 'L'.repeat(1_048_576) }),
        { logStream: `${big}${i}`, logGroup: 'g'.repeat(512), timestamp: T0 + i },
      ),
    );
    expectWithinLimits(renderSlackMessage(alertOf(findings)));
  });

  it('leaves out a link button whose URL is over the limit rather than cutting it', () => {
    const long = { ...alert, links: { ...alert.links, insights: `https://x/${'a'.repeat(4000)}` } };
    const urls = blocksOf(renderSlackMessage(long))[4]?.elements?.map((e) => e.url);
    expect(urls).toEqual([alert.links.logGroup, alert.links.logStream]);
  });

  it('mentions dropped samples in the context', () => {
    const reduced = renderSlackMessage({ ...alert, samples: [], samplesDropped: 3 });
    const types = blocksOf(reduced).map((b) => b.type);
    expect(types).not.toContain('rich_text');
    expect(JSON.stringify(blocksOf(reduced).at(-1))).toContain('3 sample lines were left out');
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The README is a user guide that fits in one sitting, and no document links outside the repository. */
const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`), 'examples/README.md'];

describe('README', () => {
  it('is at most 350 lines', () => {
    expect(README.split('\n').length - 1).toBeLessThanOrEqual(350);
  });

  it('keeps the user guide\'s order: quick start, deploy, what arrives, the CLI, configuration, cost', () => {
    const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);

    expect(headings.slice(0, 6)).toEqual([
      'Quick start',
      'Deploy in five minutes',
      'What arrives, and what to do',
      'The CLI: `ftp-bounce-watch`',
      'Configuration',
      'What it costs',
    ]);
  });

  it('has a quick start of exactly two commands: install and run, and the tests', () => {
    const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';

    expect(block.trim().split('\n').map((line) => line.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm start', 'npm test']);
  });
});

describe.each(DOCS)('%s', (doc) => {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);

  it('links only to files of the repository (or the web), and they exist', () => {
    for (const link of links.filter((l) => !/^(https?:|mailto:|#)/.test(l))) {
      const file = link.split('#')[0] as string;
      expect({ link, exists: existsSync(join(ROOT, dirname(doc), file)) }).toEqual({ link, exists: true });
      expect(join(dirname(doc), file).startsWith('..')).toBe(false);
    }
  });

  it('does not point at the design notes outside the repository', () => {
    expect(text).not.toMatch(/\.\.\/shared|shared\/DESIGN\.md/);
  });
});

describe('the permissions ftp-bounce-watch test needs', () => {
  const operations = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
  const section = operations.slice(operations.indexOf('## `ftp-bounce-watch test`'), operations.indexOf('## Email subscriptions'));
  // Required here rather than imported at the top: the CLI's modules load the AWS SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above.
  const { TEST_PERMISSIONS } = require('../../cli/log-groups/test-command') as typeof import('../../cli/log-groups/test-command');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above.
  const { TEST_USAGE } = require('../../cli/commands/test') as typeof import('../../cli/commands/test');

  it.each([...TEST_PERMISSIONS, 'kms:Decrypt'])('lists %s in operations.md and in the command\'s help', (action) => {
    expect(section).toContain(`\`${action}\``);
    expect(TEST_USAGE).toContain(action);
  });

  it('lists in its table no action the command does not call, beside kms:Decrypt on the table\'s key', () => {
    const actionCells = section.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.split('|')[1] ?? '');
    const listed = new Set(actionCells.flatMap((cell) => [...cell.matchAll(/`([a-z]+:[A-Za-z]+)`/g)].map((m) => m[1])));
    expect([...listed].sort()).toEqual([...TEST_PERMISSIONS, 'kms:Decrypt'].sort());
  });
});

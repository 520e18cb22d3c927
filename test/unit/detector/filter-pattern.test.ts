import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_FILTER_PATTERN } from '../../../infra/filter-pattern';
import { detectLine } from '../../../lambda/detector';

/**
 * CloudWatch Logs' filter-pattern semantics for unstructured log events, as documented ("Filter pattern syntax
 * for metric filters, subscription filters, and filter log events": matching terms in unstructured log
 * events): terms separated by spaces, a quoted term is one term with its spaces, terms are case-sensitive
 * substrings of the whole event, every plain term must occur, `-term` must not, and of the `?term`s (OR) at
 * least one must occur when there are any.
 */
function parsePattern(pattern: string): { all: string[]; any: string[]; none: string[] } {
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  for (const match of pattern.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string);
    (match[1] === '?' ? any : match[1] === '-' ? none : all).push(term);
  }
  return { all, any, none };
}

function matchesFilterPattern(pattern: string, event: string): boolean {
  const { all, any, none } = parsePattern(pattern);
  return (
    all.every((term) => event.includes(term))
    && none.every((term) => !event.includes(term))
    && (any.length === 0 || any.some((term) => event.includes(term)))
  );
}

const FIXTURES = join(__dirname, '../../fixtures');

function logFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return logFiles(path);
    return name.endsWith('.log') ? [path] : [];
  });
}

describe('the filter-pattern matcher the test uses', () => {
  it.each<[string, string, boolean]>([
    ['?"Refused PORT" ?"Refused EPRT"', 'x Refused EPRT |1|...', true],
    ['?"Refused PORT" ?"Refused EPRT"', 'x refused port 1,2,3,4,5,6', false],
    ['?"Refused PORT" ?"Refused EPRT"', 'Refused  PORT', false],
    ['ERROR ARGUMENTS', 'ERROR: bad ARGUMENTS', true],
    ['ERROR ARGUMENTS', 'ERROR only', false],
    ['ERROR -ARGUMENTS', 'ERROR only', true],
    ['ERROR -ARGUMENTS', 'ERROR ARGUMENTS', false],
    ['"with \\"quotes\\""', 'a term with "quotes" in it', true],
  ])('%s on %j → %s', (pattern, event, expected) => {
    expect(matchesFilterPattern(pattern, event)).toBe(expected);
  });
});

describe('the subscription filter pattern selects every line the detector accepts', () => {
  const accepted = logFiles(FIXTURES).flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .map((line, index) => [relative(FIXTURES, path), index + 1, line] as const)
      .filter(([, , line]) => detectLine(line) !== null));

  it('has the fixtures: positives of every family and of the real capture', () => {
    expect(accepted.length).toBeGreaterThan(50);
  });

  it.each(accepted)('%s line %i', (_file, _lineNumber, line) => {
    expect(matchesFilterPattern(DEFAULT_FILTER_PATTERN, line)).toBe(true);
  });
});

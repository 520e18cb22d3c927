import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectLine } from '../../../lambda/detector';

// Real proftpd lines and their sources: test/fixtures/real-proftpd.README.md.
const lines = readFileSync(join(__dirname, '../../fixtures/real-proftpd.log'), 'utf8')
  .split('\n')
  .slice(0, 11);

describe('real proftpd lines (test/fixtures/real-proftpd.log)', () => {
  it.each([
    [1, '1.2.3.4', '192.168.1.34', 52791, null],
    [2, '85.103.107.214', '192.168.1.33', 1107, 'valhalla'],
    [3, '85.102.240.252', '10.0.65.23', 5003, 'valhalla'],
    [4, '::ffff:1.2.3.4', '192.168.1.2', 49524, 'www.example.com'],
  ])('line %i is a PORT refusal from %s to %s:%i', (lineNumber, srcIp, ip, port, host) => {
    const line = lines[lineNumber - 1] as string;

    const finding = detectLine(line);

    expect(finding).toEqual({
      ruleId: '11209',
      level: 14,
      command: 'PORT',
      srcIp,
      clientName: srcIp,
      server: expect.any(String),
      host,
      target: { ip, port },
      rawArgument: expect.any(String),
      reason: 'address mismatch',
      classification: 'nat-misconfiguration',
      severity: 'low',
      occurrences: 1,
      line,
    });
  });

  it.each([5, 6, 7, 8, 9, 10, 11])('line %i is an ordinary proftpd line and yields nothing', (lineNumber) => {
    expect(detectLine(lines[lineNumber - 1] as string)).toBeNull();
  });

  it('has the eleven lines the fixture README describes', () => {
    expect(lines.every((line) => line.length > 0)).toBe(true);
  });
});

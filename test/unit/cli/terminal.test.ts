import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../../../package.json';
import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';

const NAT = 'May 29 18:49:42 h proftpd[1]: srv (c[198.51.100.4]) - Refused PORT 192,168,1,34,206,55 (address mismatch)';

describe('ftp-bounce-watch at a terminal', () => {
  it.each([['--version'], ['-V']])('%s prints the version', async (flag) => {
    const io = captureIo();
    expect(await main([flag], io)).toBe(0);
    expect(io.out()).toBe(`ftp-bounce-watch ${version}\n`);
  });

  it.each([
    ['scan', /^Usage: ftp-bounce-watch scan /],
    ['status', /^Usage: ftp-bounce-watch status /],
  ])('help %s prints that command\'s help', async (command, usage) => {
    const io = captureIo();
    expect(await main(['help', command], io)).toBe(0);
    expect(io.out()).toMatch(usage);
  });

  it('help alone prints the overview; help for an unknown command is a one-line error', async () => {
    const overview = captureIo();
    const unknown = captureIo();

    expect(await main(['help'], overview)).toBe(0);
    expect(await main(['help', 'scna'], unknown)).toBe(2);

    expect(overview.out()).toMatch(/^Usage: ftp-bounce-watch <command>/);
    expect(unknown.err()).toBe('ftp-bounce-watch: no help for \'scna\': the commands are scan, status, test, explain, incidents, suppress\n');
  });

  it('says on stderr that it reads standard input when that is a terminal', async () => {
    const io = captureIo({ stdin: [`${NAT}\n`], stdinTty: true });

    expect(await main(['scan', '--format', 'jsonl'], io)).toBe(0);

    expect(io.err()).toBe('ftp-bounce-watch: reading log lines from standard input (end with Ctrl-D; --help for usage)\n');
    expect(io.out().trim().split('\n')).toHaveLength(1);
  });

  it('gives no hint when standard input is a pipe', async () => {
    const io = captureIo({ stdin: [`${NAT}\n`] });
    await main(['scan', '--format', 'jsonl'], io);
    expect(io.err()).toBe('');
  });

  describe('colour', () => {
    const BOUNCE = 'proftpd[2]: srv (evil[203.0.113.9]) - Refused PORT 198,51,100,7,0,25 (port 25 below 1024, possible bounce attack)';
    const scanText = async (options: { tty: boolean; env?: Record<string, string> }, flags: string[] = []) => {
      const io = captureIo({ stdin: [`${NAT}\n${BOUNCE}\n`], ...options });
      await main(['scan', '--format', 'text', ...flags], io);
      return io.out();
    };

    it('colours the severity tags on a terminal, and nothing else', async () => {
      const out = await scanText({ tty: true });

      expect(out).toContain('\u001b[1;31m[CRITICAL]\u001b[0m FTP bounce attempt');
      expect(out).toContain('\u001b[36m[LOW]\u001b[0m FTP client behind NAT');
      const codes = out.split('\u001b').slice(1).map((rest) => rest.slice(0, rest.indexOf('m') + 1));
      expect(new Set(codes)).toEqual(new Set(['[1;31m', '[36m', '[0m']));
    });

    it.each<[string, { tty: boolean; env?: Record<string, string> }, string[]]>([
      ['stdout is not a terminal', { tty: false }, []],
      ['NO_COLOR is set', { tty: true, env: { NO_COLOR: '1' } }, []],
      ['--no-color is given', { tty: true }, ['--no-color']],
      ['TERM is dumb', { tty: true, env: { TERM: 'dumb' } }, []],
    ])('no colour when %s', async (_name, options, flags) => {
      const out = await scanText(options, flags);

      expect(out).toContain('[CRITICAL] FTP bounce attempt');
      expect(out).not.toContain('\u001b');
    });

    it('an empty NO_COLOR does not turn colour off (no-color.org)', async () => {
      expect(await scanText({ tty: true, env: { NO_COLOR: '' } })).toContain('\u001b[1;31m');
    });
  });

  it('after Ctrl-C in the first of two files: says where it stopped and that the results are partial, counts one file', async () => {
    // An over-long line makes the scan say (on stderr) that it has read the first chunk: then the user presses Ctrl-C.
    const long = `${'x'.repeat(1024 * 1024)} ${NAT}`;
    async function* typed(): AsyncGenerator<string> {
      yield `${NAT}\n${long}\n`;
      while (!io.err().includes('longer than 1 MiB')) await new Promise((resolve) => setTimeout(resolve, 5));
      io.abort();
      yield `${NAT}\n`;
    }
    const io = captureIo({ stdin: typed(), tty: true, env: { NO_COLOR: '1' } });
    const dir = mkdtempSync(join(tmpdir(), 'fbw-ctrl-c-'));
    const second = join(dir, 'second.log');
    writeFileSync(second, `${NAT}\n`);

    const code = await main(['scan', '-', second], io);

    expect(code).toBe(130);
    expect(io.err().split('\n').slice(1)).toEqual([
      'ftp-bounce-watch: interrupted in standard input after line 2 (1 of 2 files read): the results below are partial',
      '',
    ]);
    expect(io.out()).toMatch(/\n1 finding \(1 low\) from 1 client in 2 lines of 1 file\.\n$/);
  });

  it('exits 130 after Ctrl-C, still printing its summary', async () => {
    const io = captureIo({ stdin: [`${NAT}\n`] });
    io.abort();

    const code = await main(['scan', '--format', 'text'], io);

    expect(code).toBe(130);
    expect(io.out()).toBe('No PORT/EPRT refusals (rule 11209) in 0 lines of 1 file.\n');
  });
});

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
    expect(unknown.err()).toBe('ftp-bounce-watch: no help for \'scna\': the commands are scan, status\n');
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

  it('exits 130 after Ctrl-C, still printing its summary', async () => {
    const io = captureIo({ stdin: [`${NAT}\n`] });
    io.abort();

    const code = await main(['scan', '--format', 'text'], io);

    expect(code).toBe(130);
    expect(io.out()).toBe('No PORT/EPRT refusals (rule 11209) in 0 lines of 1 file.\n');
  });
});

import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';

/** What a person reads on an 100-column terminal: the CLI's text output fits it (docs/design.md). */
const COLUMNS = 100;

describe('every help text fits 100 columns', () => {
  it.each([
    [['--help']],
    [['scan', '--help']],
    [['status', '--help']],
    [['test', '--help']],
    [['explain', '--help']],
    [['incidents', '--help']],
    [['suppress', '--help']],
  ])('%j', async (argv) => {
    const io = captureIo();

    const code = await main(argv, io);

    expect(code).toBe(0);
    expect(io.out().split('\n').filter((line) => [...line].length > COLUMNS)).toEqual([]);
  });
});

import { forTerminal } from '../../scripts/chat-text';

describe('forTerminal (what npm start prints)', () => {
  it.each([
    ['a short line stays', 'Who: 1.2.3.4', 20, ['Who: 1.2.3.4']],
    ['a labelled value wraps under its value', 'Do:     block the client address now', 24, ['Do:     block the client', '        address now']],
    ['a numbered step wraps under its text', '1. look up everything else', 16, ['1. look up', '   everything', '   else']],
    ['prose wraps with a hanging indent', 'the quick brown fox jumps', 12, ['the quick', '    brown', '    fox', '    jumps']],
    ['a word longer than a line is cut', 'x'.repeat(25), 10, ['x'.repeat(10), `    ${'x'.repeat(6)}`, `    ${'x'.repeat(6)}`, `    ${'x'.repeat(3)}`]],
    ['a console link is shown by name', 'Log group: https://eu-west-1.console.aws.amazon.com/x', 100, ['Log group: (console link, in the alert JSON)']],
  ])('%s', (_label, text, width, expected) => {
    const out = forTerminal(text, width).split('\n');

    expect(out).toEqual(expected);
    for (const line of out) expect([...line].length).toBeLessThanOrEqual(width);
  });
});

/**
 * Text for a terminal of a fixed width: every line at most `width` columns, long lines wrapped at spaces with a
 * hanging indent (a word longer than a line is cut). Shared by the CLI's text output and the local run. Pure.
 */

/** Where the CLI's text and the local run's output end: every line they print fits in this many columns. */
export const TERMINAL_COLUMNS = 100;

/** Where a wrapped line's continuation starts: under a `Label:` value, or a little in from the line's own indent. */
export function hangingIndent(line: string): number {
  const label = /^[A-Za-z][A-Za-z ()]{0,24}: +(?=\S)/.exec(line);
  if (label !== null) return label[0].length;
  const list = /^ *(?:\d+\.|•|-) +/.exec(line);
  if (list !== null) return list[0].length;
  return (/^ */.exec(line)?.[0].length ?? 0) + 4;
}

/** One line as lines of at most `width` columns, continuations indented by `indent` (default: hangingIndent). */
export function wrapLine(raw: string, width: number = TERMINAL_COLUMNS, indent: number = hangingIndent(raw)): string[] {
  if ([...raw].length <= width) return [raw];
  // Under a table's last column, even one well to the right, as long as 40 columns are left for the text.
  const hang = Math.min(indent, Math.max(Math.floor(width / 2), width - 40));
  const out: string[] = [];
  let rest = [...raw];
  let first = true;
  while (rest.length > 0) {
    const room = first ? width : width - hang;
    let piece: string[];
    if (rest.length <= room) {
      piece = rest;
      rest = [];
    } else {
      const cut = rest.lastIndexOf(' ', room);
      const at = cut > (first ? hang : 0) ? cut : room;
      piece = rest.slice(0, at);
      rest = rest.slice(rest[at] === ' ' ? at + 1 : at);
    }
    out.push(`${first ? '' : ' '.repeat(hang)}${piece.join('').trimEnd()}`);
    first = false;
  }
  return out;
}

/** Every line of `text` wrapped to `width` columns with its hanging indent. */
export function wrapText(text: string, width: number = TERMINAL_COLUMNS): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n');
}

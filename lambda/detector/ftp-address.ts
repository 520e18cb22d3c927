/**
 * Decoding of FTP data-channel arguments (RFC 959 PORT, RFC 2428 EPRT) and the address ranges the
 * classification needs. Hand-written scanners: no regular expressions, so no backtracking on hostile input.
 */
import type { DataTarget } from './finding';

/** A decoded argument, and whether its address is in NAT-style space (computed from the parsed numbers). */
export interface DecodedTarget {
  readonly target: DataTarget;
  readonly internal: boolean;
}

/** Scratch for the numbers of one argument: one per module, so decoding a line allocates no array. */
const scratch = new Uint8Array(6);

/**
 * Reads separator-delimited decimal numbers from `start` into `scratch`, in one pass (this runs on every
 * refusal line), up to the first character that is neither a digit nor the separator, or up to `end`.
 * Returns the index it stopped at when it read exactly `count` numbers of 1-3 digits, each ≤ 255; otherwise
 * `-1 - ` that index, so that a caller still learns where the list ended.
 */
function readByteList(text: string, separator: number, count: number, start: number, end: number): number {
  let found = 0;
  let value = 0;
  let digits = 0;
  let valid = true;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      value = value * 10 + (c - 48);
    } else if (c === separator) {
      if (digits === 0 || digits > 3 || value > 255 || found === count) valid = false;
      else scratch[found++] = value;
      value = 0;
      digits = 0;
    } else {
      break;
    }
  }
  if (digits === 0 || digits > 3 || value > 255 || found === count) valid = false;
  else scratch[found++] = value;
  return valid && found === count ? i : -1 - i;
}

/** True when all of `text` is a valid list of `count` numbers (see readByteList), left in `scratch`. */
function isByteList(text: string, separator: number, count: number): boolean {
  return readByteList(text, separator, count, 0, text.length) === text.length;
}

/**
 * The last IPv4 target formatted, by its four octets packed in one number. A bounce scan names one target
 * host thousands of times: the cache gives every finding the same string instead of formatting it again.
 */
export class Ipv4TextCache {
  private key = -1;
  private text = '';

  format(a: number, b: number, c: number, d: number): string {
    const key = ((a * 256 + b) * 256 + c) * 256 + d;
    if (key !== this.key) {
      this.key = key;
      this.text = `${a}.${b}.${c}.${d}`;
    }
    return this.text;
  }
}

/** ULONG_MAX on the 64-bit Linux proftpd runs on, as strtoul's digits: a longer magnitude saturates to it. */
const ULONG_MAX_DIGITS = '18446744073709551615';
const TWO_POW_32 = 4_294_967_296;

/** True when the decimal digits of `text` from `start` to `stop` (no leading zeros) exceed `limit`'s. */
function exceedsDigits(text: string, start: number, stop: number, limit: string): boolean {
  const length = stop - start;
  if (length !== limit.length) return length > limit.length;
  return text.slice(start, stop) > limit;
}

/** The value of a run of decimal digits modulo 2^32 (exact: each step stays below 2^36). */
function decimalModulo2To32(text: string, start: number, stop: number): number {
  let value = 0;
  for (let i = start; i < stop; i++) value = (value * 10 + (text.charCodeAt(i) - 48)) % TWO_POW_32;
  return value;
}

/**
 * Reads a PORT argument in place in a log line as proftpd 1.3.8 does, with `sscanf("%u,%u,%u,%u,%u,%u")`
 * and then a range check: each number may have a `+` or `-` sign and leading zeros, is converted by strtoul
 * (saturating at ULONG_MAX) and stored in an unsigned int (so it wraps modulo 2^32: `4294967299` is 3), and
 * must then be at most 255; anything after the sixth number is ignored. Reads from `start` up to the first
 * character that cannot continue the numbers, or `end`. Returns that index when the six numbers decode,
 * otherwise `-1 - ` that index; the caller learns where the argument's numbers end and whether they decode in
 * the same pass. When they decode, `portTargetJustRead` gives the target.
 */
export function readPortArgument(text: string, start: number, end: number): number {
  const usual = readUsualPortArgument(text, start, end);
  return usual >= 0 ? usual : readPortArgumentAsSscanf(text, start, end);
}

/**
 * The usual argument, six numbers of one to three digits with no sign, read in one tight pass: the index after
 * it, or -1 for anything else (a sign, a longer number, a value over 255, too few numbers), which the full
 * reading then decides. Every refusal line passes here; a flood of them makes this count.
 */
function readUsualPortArgument(text: string, start: number, end: number): number {
  let i = start;
  for (let found = 0; found < 6; found++) {
    if (found > 0) {
      if (i >= end || text.charCodeAt(i) !== 44) return -1; // ','
      i++;
    }
    let value = 0;
    const first = i;
    for (; i < end && i - first < 4; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    // A fourth digit means a longer number: the full reading decides.
    if (i === first || i - first > 3 || value > 255) return -1;
    scratch[found] = value;
  }
  return i;
}

/** readPortArgument for any argument: sscanf's `%u` with its signs, leading zeros, wrapping and saturation. */
function readPortArgumentAsSscanf(text: string, start: number, end: number): number {
  let i = start;
  for (let found = 0; found < 6; found++) {
    if (found > 0) {
      if (i >= end || text.charCodeAt(i) !== 44) return -1 - i; // ','
      i++;
    }
    let sign = text.charCodeAt(i);
    if (sign === 43 || sign === 45) i++; // '+' '-'
    else sign = 0;
    const digitsStart = i;
    let significant = -1;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (significant < 0 && c !== 48) significant = i;
    }
    if (i === digitsStart) return -1 - i;
    let value = 0;
    if (significant >= 0 && exceedsDigits(text, significant, i, ULONG_MAX_DIGITS)) {
      value = TWO_POW_32 - 1; // strtoul saturates beyond ULONG_MAX, whatever the sign
    } else if (significant >= 0) {
      value = decimalModulo2To32(text, significant, i);
      if (sign === 45 && value !== 0) value = TWO_POW_32 - value;
    }
    if (value > 255) {
      // proftpd answers 501 and logs nothing; as a logged argument it does not decode. Read on to its end.
      while (i < end && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++;
      return -1 - i;
    }
    scratch[found] = value;
  }
  return i;
}

/**
 * The target of the PORT argument readPortArgument has just read validly: its numbers wait in this module's
 * scratch, so the calls go together with no other decoding in between (detection is synchronous).
 * h1.h2.h3.h4 : p1*256+p2. Whether it is internal: portTargetJustReadIsInternal (no pair object per finding).
 */
export function portTargetJustRead(ipCache: Ipv4TextCache | null): DataTarget {
  return { ip: scratchIpv4(ipCache), port: (scratch[4] as number) * 256 + (scratch[5] as number) };
}

/** The IPv4 address whose four octets are in `scratch`, as text. */
function scratchIpv4(ipCache: Ipv4TextCache | null): string {
  // Indexed reads: destructuring a typed array would go through its iterator.
  const a = scratch[0] as number;
  const b = scratch[1] as number;
  const c = scratch[2] as number;
  const d = scratch[3] as number;
  return ipCache === null ? `${a}.${b}.${c}.${d}` : ipCache.format(a, b, c, d);
}

/** Whether the PORT target readPortArgument has just read is in NAT-style space (see isInternalIpv4). */
export function portTargetJustReadIsInternal(): boolean {
  return isInternalIpv4(scratch[0] as number, scratch[1] as number);
}

/** The target whose four octets readByteList just left in `scratch`. */
function ipv4TargetFromScratch(port: number, ipCache: Ipv4TextCache | null): DecodedTarget {
  return { target: { ip: scratchIpv4(ipCache), port }, internal: isInternalIpv4(scratch[0] as number, scratch[1] as number) };
}

/** LONG_MAX's digits: proftpd reads the EPRT port with strtol, which saturates there. */
const LONG_MAX_DIGITS = '9223372036854775807';

/**
 * The EPRT port as proftpd 1.3.8 uses it: decimal digits only (no sign), converted by strtol (saturating at
 * LONG_MAX) and cast to an unsigned short, so it wraps modulo 65536 (`65557` is 21). NaN when not digits.
 */
function eprtPort(text: string): number {
  if (text.length === 0) return Number.NaN;
  let value = 0;
  let significant = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return Number.NaN;
    if (significant < 0 && c !== 48) significant = i;
    value = ((value * 10 + (c - 48)) & 0xffff) >>> 0; // modulo 65536 of a non-negative int32
  }
  if (significant >= 0 && text.length - significant > 15 && exceedsDigits(text, significant, text.length, LONG_MAX_DIGITS)) {
    return 65_535;
  }
  return value;
}

/**
 * `<d>af<d>addr<d>port<d>` with any delimiter in ASCII 33..126 (RFC 2428 section 2), read as proftpd does:
 * anything after the fourth delimiter is ignored, and the port wraps (see eprtPort). af 1 needs an IPv4
 * address, af 2 an IPv6 one; anything else is not decodable.
 */
export function decodeEprtArgument(argument: string, ipCache: Ipv4TextCache | null = null): DecodedTarget | null {
  if (argument.length < 7) return null;
  const delimiter = argument.charCodeAt(0);
  if (delimiter < 33 || delimiter > 126) return null;
  // <d>af<d>addr<d>port<d>: three more delimiters.
  const afterFamily = argument.indexOf(argument.charAt(0), 1);
  const afterAddress = afterFamily < 0 ? -1 : argument.indexOf(argument.charAt(0), afterFamily + 1);
  const afterPort = afterAddress < 0 ? -1 : argument.indexOf(argument.charAt(0), afterAddress + 1);
  if (afterPort < 0) return null;
  const family = afterFamily === 2 ? argument.charCodeAt(1) : 0;
  const address = argument.slice(afterFamily + 1, afterAddress);
  const port = eprtPort(argument.slice(afterAddress + 1, afterPort));
  if (Number.isNaN(port)) return null;
  if (family === 49) {
    // af 1: IPv4
    return isByteList(address, 46, 4) ? ipv4TargetFromScratch(port, ipCache) : null;
  }
  if (family === 50) {
    // af 2: IPv6
    const groups = parseIpv6(address);
    return groups ? { target: { ip: address.toLowerCase(), port }, internal: isInternalIpv6(groups) } : null;
  }
  return null;
}

/** Strict dotted quad (1-3 digits per octet, each ≤ 255); null otherwise. */
export function parseIpv4(text: string): [number, number, number, number] | null {
  if (!isByteList(text, 46, 4)) return null;
  return [scratch[0] as number, scratch[1] as number, scratch[2] as number, scratch[3] as number];
}

/** A strict dotted quad as one number (its order is the addresses' order), or -1 for anything else. */
export function ipv4Value(text: string): number {
  if (!isByteList(text, 46, 4)) return -1;
  return (((scratch[0] as number) * 256 + (scratch[1] as number)) * 256 + (scratch[2] as number)) * 256 + (scratch[3] as number);
}

function parseHexGroup(text: string): number {
  if (text.length === 0 || text.length > 4) return Number.NaN;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else return Number.NaN;
    value = value * 16 + digit;
  }
  return value;
}

/** RFC 4291 text form (with `::` and an optional dotted-quad tail) → eight 16-bit groups; null otherwise. */
export function parseIpv6(text: string): number[] | null {
  if (text.length < 2 || text.length > 45) return null;
  const doubleColon = text.indexOf('::');
  if (doubleColon !== -1 && text.indexOf('::', doubleColon + 1) !== -1) return null;
  const parseSide = (side: string, allowIpv4Tail: boolean): number[] | null => {
    if (side === '') return [];
    const groups: number[] = [];
    const pieces = side.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (allowIpv4Tail && i === pieces.length - 1 && piece.includes('.')) {
        const octets = parseIpv4(piece);
        if (!octets) return null;
        groups.push(octets[0] * 256 + octets[1], octets[2] * 256 + octets[3]);
      } else {
        const group = parseHexGroup(piece);
        if (Number.isNaN(group)) return null;
        groups.push(group);
      }
    }
    return groups;
  };
  if (doubleColon === -1) {
    const groups = parseSide(text, true);
    return groups && groups.length === 8 ? groups : null;
  }
  const head = parseSide(text.slice(0, doubleColon), false);
  const tail = parseSide(text.slice(doubleColon + 2), true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** True for IPv4 space a NAT'd client would announce, by its first two octets. */
function isInternalIpv4(a: number, b: number): boolean {
  return (
    a === 10 // RFC 1918
    || (a === 172 && b >= 16 && b <= 31) // RFC 1918
    || (a === 192 && b === 168) // RFC 1918
    || a === 127 // loopback
    || (a === 169 && b === 254) // link-local
    || (a === 100 && b >= 64 && b <= 127) // RFC 6598 carrier-grade NAT (100.64.0.0/10)
  );
}

/**
 * True for IPv6 addresses a NAT'd client would announce: loopback, link-local (fe80::/10), unique-local
 * (fc00::/7), and IPv4-mapped forms of the IPv4 ranges.
 */
function isInternalIpv6(groups: readonly number[]): boolean {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0 && g7 === 1) return true; // ::1
  if (upperZero && g5 === 0xffff) return isInternalIpv4(g6 >> 8, g6 & 0xff); // IPv4-mapped
  return (g0 & 0xffc0) === 0xfe80 || (g0 & 0xfe00) === 0xfc00;
}

/**
 * True for an address as logged (IPv4, IPv6, IPv4-mapped IPv6) in the same NAT-style space as a target
 * (RFC 1918, loopback, link-local, unique-local, CGNAT); false for public space and for text that is no address.
 */
export function isInternalAddress(text: string): boolean {
  if (text.includes(':')) {
    const groups = parseIpv6(text);
    return groups !== null && isInternalIpv6(groups);
  }
  const octets = parseIpv4(text);
  return octets !== null && isInternalIpv4(octets[0], octets[1]);
}

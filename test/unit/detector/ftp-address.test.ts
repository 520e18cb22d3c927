import { detectLine } from '../../../lambda/detector';

const target = (command: 'PORT' | 'EPRT', argument: string) =>
  detectLine(`proftpd[1]: s (c[198.51.100.4]) - Refused ${command} ${argument} (address mismatch)`)?.target;

/**
 * Arguments are decoded as proftpd 1.3.8 reads them (checked against Debian's build by
 * scripts/capture-proftpd: the lines it refused are in test/fixtures/real/, its 501 answers in the provenance).
 */
describe('PORT argument decoding: h1,h2,h3,h4,p1,p2 → h1.h2.h3.h4 : p1*256+p2', () => {
  it.each([
    ['192,168,1,34,206,55', { ip: '192.168.1.34', port: 52791 }],
    ['0,0,0,0,0,0', { ip: '0.0.0.0', port: 0 }],
    ['255,255,255,255,255,255', { ip: '255.255.255.255', port: 65535 }],
    ['010,001,002,003,004,005', { ip: '10.1.2.3', port: 1029 }],
    ['192,168,1,34,206', null],
    // sscanf("%u,%u,%u,%u,%u,%u"): anything after the sixth number is ignored
    ['192,168,1,34,206,55,1', { ip: '192.168.1.34', port: 52791 }],
    ['192,168,1,34,206,55x', { ip: '192.168.1.34', port: 52791 }],
    ['192,168,1,34,206,55,', { ip: '192.168.1.34', port: 52791 }],
    ['192,168,1,34,206,0x1', { ip: '192.168.1.34', port: 52736 }],
    ['0001,1,1,1,1,1', { ip: '1.1.1.1', port: 257 }],
    // signs, and unsigned int wrapping before proftpd's check that each number is at most 255
    ['+192,+168,+1,+34,+206,+55', { ip: '192.168.1.34', port: 52791 }],
    ['4294967299,0,113,5,19,139', { ip: '3.0.113.5', port: 5003 }],
    ['-4294967295,0,113,5,19,139', { ip: '1.0.113.5', port: 5003 }],
    ['00000000004294967299,0,113,5,19,139', { ip: '3.0.113.5', port: 5003 }],
    ['459,0,113,5,19,139', null],
    ['-1,0,113,5,19,139', null],
    ['99999999999999999999999,0,113,5,19,139', null],
    ['18446744073709551615,0,113,5,19,139', null],
    ['18446744069414584575,0,113,5,19,139', { ip: '255.0.113.5', port: 5003 }],
    ['+-1,0,113,5,19,139', null],
    ['192,168,1,34,206,256', null],
    ['192,168,1,34,206,-1', null],
    ['192,168,1,34,,55', null],
    ['1000,1,1,1,1,1', null],
    ['192.168.1.34.206.55', null],
    ['x192,168,1,34,206,55', null],
  ])('%s → %j', (argument, expected) => {
    expect(target('PORT', argument)).toEqual(expected);
  });

  // The argument is the token as logged; its target comes from the six numbers it starts with.
  it.each([
    ['Refused PORT 1,2,3,4,5,6x9 (address mismatch)', '1,2,3,4,5,6x9', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 1,2,3,4,5,6,7,8 (address mismatch)', '1,2,3,4,5,6,7,8', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT  1,2,3,4,5,6 (address mismatch)', '1,2,3,4,5,6', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 1,2,3,4,5,6   (address mismatch)', '1,2,3,4,5,6', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 1,2,3,4,5,6#001 (address mismatch)', '1,2,3,4,5,6#001', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 1,2,3,4,5,6\u0001 (address mismatch)', '1,2,3,4,5,6\u0001', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 300,2,3,4,5,6 (address mismatch)', '300,2,3,4,5,6', null],
    ['Refused PORT 1,2,3,4,5,6\t(address mismatch)', '1,2,3,4,5,6', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 1,2,3,4,5,6', '1,2,3,4,5,6', { ip: '1.2.3.4', port: 1286 }],
    ['Refused PORT 1,2,3,4,5,6\r\n', '1,2,3,4,5,6', { ip: '1.2.3.4', port: 1286 }],
  ])('%j: argument %j → %j', (message, rawArgument, expected) => {
    expect(detectLine(`proftpd[1]: s (c[198.51.100.4]) - ${message}`)).toMatchObject({ rawArgument, target: expected });
  });
});

describe('EPRT argument decoding (RFC 2428): <d>af<d>addr<d>port<d>, any delimiter', () => {
  it.each([
    ['|1|132.235.1.2|6275|', { ip: '132.235.1.2', port: 6275 }],
    ['|2|1080::8:800:200C:417A|5282|', { ip: '1080::8:800:200c:417a', port: 5282 }],
    ['!2!::1!65535!', { ip: '::1', port: 65535 }],
    ['~1~10.0.0.1~0~', { ip: '10.0.0.1', port: 0 }],
    ['|2|::ffff:10.0.0.1|2000|', { ip: '::ffff:10.0.0.1', port: 2000 }],
    ['|2|1:2:3:4:5:6:7:8|2000|', { ip: '1:2:3:4:5:6:7:8', port: 2000 }],
    // proftpd's port: digits only, strtol, then an unsigned short (wraps modulo 65536, saturates at LONG_MAX)
    ['|1|132.235.1.2|65536|', { ip: '132.235.1.2', port: 0 }],
    ['|1|203.0.113.5|65557|', { ip: '203.0.113.5', port: 21 }],
    ['|1|203.0.113.5|4294967317|', { ip: '203.0.113.5', port: 21 }],
    ['|1|203.0.113.5|99999999999999999999|', { ip: '203.0.113.5', port: 65535 }],
    ['|1|203.0.113.5|05003|', { ip: '203.0.113.5', port: 5003 }],
    ['|1|203.0.113.5|+5003|', null],
    ['|1|203.0.113.5|-1|', null],
    ['|1|203.0.113.5||', null],
    // anything after the fourth delimiter is ignored
    ['|1|132.235.1.2|6275|x', { ip: '132.235.1.2', port: 6275 }],
    ['|1|132.235.1.2|62a|', null],
    ['|1|2001:db8::1|6275|', null],
    ['|2|132.235.1.2|6275|', null],
    ['|3|132.235.1.2|6275|', null],
    ['|1|132.235.1.2|6275', null],
    ['|1|132.235.1.256|6275|', null],
    ['|2|1:2:3:4:5:6:7:8:9|1|', null],
    ['|2|1::2::3|1|', null],
    ['|2|12345::1|1|', null],
    ['|2|fe80::1%eth0|1|', null],
  ])('%s → %j', (argument, expected) => {
    expect(target('EPRT', argument)).toEqual(expected);
  });
});

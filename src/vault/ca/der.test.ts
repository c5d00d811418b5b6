import { describe, expect, it } from 'vitest';
import { children, decodeOid, readElement } from './der-read.js';
import * as der from './der.js';
import { ipAddressBytes } from './extensions.js';

const hex = (b: Buffer) => b.toString('hex');

describe('DER encoder', () => {
  it('encodes lengths in short and long form', () => {
    expect(hex(der.encodeLength(0))).toBe('00');
    expect(hex(der.encodeLength(127))).toBe('7f');
    expect(hex(der.encodeLength(128))).toBe('8180');
    expect(hex(der.encodeLength(256))).toBe('820100');
    expect(hex(der.encodeLength(70_000))).toBe('83011170');
  });

  it('encodes non-negative integers minimally, with a zero byte before a high bit', () => {
    expect(hex(der.integer(0))).toBe('020100');
    expect(hex(der.integer(2))).toBe('020102');
    expect(hex(der.integer(127))).toBe('02017f');
    expect(hex(der.integer(128))).toBe('02020080');
    expect(hex(der.integer(256n))).toBe('02020100');
    expect(hex(der.integer(Buffer.from('0000ff', 'hex')))).toBe('020200ff');
    expect(() => der.integer(-1)).toThrow(RangeError);
  });

  it('encodes object identifiers, including multi-byte arcs', () => {
    expect(hex(der.oid('2.5.4.3'))).toBe('0603550403');
    expect(hex(der.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(der.oid('1.3.6.1.5.5.7.3.1'))).toBe('06082b06010505070301');
    expect(decodeOid(der.oid('1.2.840.10045.4.3.2').subarray(2))).toBe('1.2.840.10045.4.3.2');
    expect(() => der.oid('3.1')).toThrow(RangeError);
  });

  it('encodes named bit strings with trailing zero bits removed', () => {
    // keyCertSign (5) + cRLSign (6): 0b0000_0110, one unused bit
    expect(hex(der.namedBits([5, 6]))).toBe('03020106');
    // digitalSignature (0): 0b1000_0000, seven unused bits
    expect(hex(der.namedBits([0]))).toBe('03020780');
    expect(hex(der.namedBits([8]))).toBe('0303070080'); // bit 8 is the top bit of the second byte
  });

  it('picks UTCTime up to 2049 and GeneralizedTime from 2050, at second precision', () => {
    expect(der.time(new Date('2049-12-31T23:59:59.999Z')).toString('latin1').slice(2)).toBe('491231235959Z');
    expect(der.time(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2)).toBe('20500101000000Z');
    expect(der.time(new Date('1950-01-01T00:00:00Z'))[0]).toBe(der.TAG.utcTime);
    expect(der.time(new Date('1949-12-31T23:59:59Z'))[0]).toBe(der.TAG.generalizedTime);
  });

  it('sorts SET OF elements and omits nothing else', () => {
    const set = der.set(der.integer(5), der.integer(1));
    expect(hex(set)).toBe('3106020101020105');
  });

  it('round-trips through the reader, including long lengths', () => {
    const big = der.octetString(Buffer.alloc(300, 7));
    const seq = der.sequence(der.integer(1), big, der.explicit(3, der.boolean(true)));
    const [a, b, c] = children(readElement(seq));
    expect(a?.tag).toBe(der.TAG.integer);
    expect(b?.content.length).toBe(300);
    expect(c?.tag).toBe(0xa3);
    expect(() => readElement(seq.subarray(0, seq.length - 1))).toThrow(RangeError);
  });
});

describe('ipAddressBytes', () => {
  it('converts v4, compressed v6 and v6 with an embedded v4 address', () => {
    expect(hex(ipAddressBytes('10.1.2.3'))).toBe('0a010203');
    expect(hex(ipAddressBytes('::1'))).toBe('00000000000000000000000000000001');
    expect(hex(ipAddressBytes('2001:db8::8a2e:370:7334'))).toBe('20010db80000000000008a2e03707334');
    expect(hex(ipAddressBytes('::ffff:1.2.3.4'))).toBe('00000000000000000000ffff01020304');
    expect(hex(ipAddressBytes('1:2:3:4:5:6:1.2.3.4'))).toBe('00010002000300040005000601020304');
    expect(hex(ipAddressBytes('fe80::'))).toBe('fe800000000000000000000000000000');
    expect(() => ipAddressBytes('example.com')).toThrow(RangeError);
    expect(() => ipAddressBytes('fe80::1%eth0')).toThrow(RangeError);
  });
});

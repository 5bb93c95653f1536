import { isIP } from 'node:net';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { Address, MAX_INPUT_LENGTH, assertAddress, formatAddress, parseAddressText, precheckText } from './address';
import { CidrError, InvalidAddressError } from './errors';

const RUNS = { numRuns: 400 };

/** IPv6 words biased towards zero runs and 0xffff, where the formatting rules bite. */
const arbWords = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), {
  minLength: 8,
  maxLength: 8,
});
const wordsToValue = (words: number[]): bigint => words.reduce((v, w) => (v << 16n) | BigInt(w), 0n);
const arbIPv6Value = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  arbWords.map(wordsToValue),
  fc.bigInt({ min: 0n, max: 0xffffffffn }).map((v) => 0xffff00000000n | v),
);

/** Other legal RFC 4291 spellings of the same words: padded, upper case, any zero run as "::", dotted tail. */
function spellings(words: number[], pick: number): string[] {
  const plain = words.map((w) => w.toString(16));
  const dotted = [words[6] >> 8, words[6] & 0xff, words[7] >> 8, words[7] & 0xff].join('.');
  const out = [
    words
      .map((w) => w.toString(16).padStart(4, '0'))
      .join(':')
      .toUpperCase(),
    plain.join(':'),
  ];
  for (const mixed of [false, true]) {
    const groups = mixed ? [...plain.slice(0, 6), dotted] : plain;
    const hexCount = mixed ? 6 : 8;
    if (mixed) out.push(groups.join(':'));
    const runs: [number, number][] = [];
    for (let i = 0; i < hexCount; i++) for (let j = i + 1; j <= hexCount && words[j - 1] === 0; j++) runs.push([i, j]);
    if (runs.length === 0) continue;
    const [i, j] = runs[pick % runs.length];
    out.push(`${groups.slice(0, i).join(':')}::${groups.slice(j).join(':')}`);
  }
  return out;
}

const arbIPv4Text = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((b) => b.join('.'));
const arbIPv6Text = fc.tuple(arbWords, fc.nat()).chain(([words, pick]) => fc.constantFrom(...spellings(words, pick)));
const ALPHABET = '0123456789abcdefABCDEFgx:./-+'.split('');

/** A valid address, then maybe one edit: deletion, insertion, replacement or a doubled slice. */
const arbNearMiss = fc
  .tuple(fc.oneof(arbIPv4Text, arbIPv6Text), fc.nat(), fc.nat(), fc.constantFrom(...ALPHABET), fc.integer({ min: 0, max: 4 }))
  .map(([text, a, b, ch, edit]) => {
    const i = a % (text.length + 1);
    const j = i + (b % (text.length - i + 1));
    switch (edit) {
      case 1:
        return text.slice(0, i) + text.slice(i + 1);
      case 2:
        return text.slice(0, i) + ch + text.slice(i);
      case 3:
        return text.slice(0, i) + ch + text.slice(i + 1);
      case 4:
        return text.slice(0, j) + text.slice(i, j) + text.slice(j);
      default:
        return text;
    }
  });

describe(Address.name, () => {
  describe('parse', () => {
    it.each([
      ['0.0.0.0', 'IPv4', '0.0.0.0', 0n],
      ['255.255.255.255', 'IPv4', '255.255.255.255', 0xffffffffn],
      ['10.0.0.1', 'IPv4', '10.0.0.1', 0x0a000001n],
      ['192.168.100.200', 'IPv4', '192.168.100.200', 0xc0a864c8n],
      ['::', 'IPv6', '::', 0n],
      ['::1', 'IPv6', '::1', 1n],
      ['1::', 'IPv6', '1::', 1n << 112n],
      ['0:0:0:0:0:0:0:0', 'IPv6', '::', 0n],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'IPv6', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', (1n << 128n) - 1n],
      ['::ffff:1.2.3.4', 'IPv6', '::ffff:1.2.3.4', 0xffff01020304n],
      ['::ffff:0102:0304', 'IPv6', '::ffff:1.2.3.4', 0xffff01020304n],
      ['0:0:0:0:0:ffff:10.1.2.3', 'IPv6', '::ffff:10.1.2.3', 0xffff0a010203n],
      ['::ffff:0:0', 'IPv6', '::ffff:0.0.0.0', 0xffff00000000n],
      ['::1.2.3.4', 'IPv6', '::102:304', 0x01020304n],
      ['1:2:3:4:5:6:1.2.3.4', 'IPv6', '1:2:3:4:5:6:102:304', 0x0001000200030004000500060102_0304n],
    ] as const)('%s is %s %s', (text, family, canonical, value) => {
      const a = Address.parse(text);
      expect(a.family).toBe(family);
      expect(a.toString()).toBe(canonical);
      expect(a.value).toBe(value);
    });

    it.each([
      // RFC 5952 §4.1 leading zeros, §4.2.1 longest run, §4.2.2 no "::" for one group, §4.2.3 leftmost on tie, §4.3 lower case
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['FE80::ABCD', 'fe80::abcd'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
    ])('%s prints as %s (RFC 5952)', (text, canonical) => expect(Address.parse(text).toString()).toBe(canonical));

    it.each([
      ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8::0001', '2001:db8:0::0:1'],
      ['::ffff:10.0.0.1', '::FFFF:a00:1', '0:0:0:0:0:ffff:10.0.0.1', '::ffff:0a00:0001'],
      ['::', '0::0', '0:0:0:0:0:0:0:0', '::0.0.0.0'],
    ])('different spellings are equal: %s', (...texts) => {
      const [first, ...rest] = texts.map((t) => Address.parse(t));
      for (const other of rest) expect(first.equals(other)).toBe(true);
    });

    it('keeps IPv4 and IPv4-mapped IPv6 apart', () => {
      expect(Address.parse('1.2.3.4').equals(Address.parse('::ffff:1.2.3.4'))).toBe(false);
    });

    it.each([
      [' 10.0.0.1', 'leading whitespace'],
      ['10.0.0.1\n', 'trailing whitespace'],
      ['10.0. 0.1', 'inner whitespace'],
      ['', 'it is empty'],
      ['1'.repeat(MAX_INPUT_LENGTH + 1), 'characters long'],
      ['010.1.1.1', 'leading zero, which some parsers read as octal; write "10"'],
      ['10.0.0.00', 'write "0"'],
      ['0x7f.0.0.1', 'hexadecimal'],
      ['127.1', 'exactly four dot-separated parts; this has 2'],
      ['2130706433', 'a bare integer is not an IP address'],
      ['localhost', 'neither a dotted-quad IPv4 address nor an IPv6 address'],
      ['1.2.3.256', 'part 256 is out of range (0-255)'],
      ['1.2.3.-1', 'part "-1" is not a decimal number'],
      ['1..2.3', 'the second part is empty'],
      ['١.٢.٣.٤', 'non-ASCII digit'],
      ['１.2.3.4', 'non-ASCII digit'],
      ['1.2.3.4\u200b', 'non-ASCII character'],
      ['1.2.3.4\u0000', 'control character U+0000'],
      ['fe80::1%eth0', 'zone IDs'],
      ['[::1]', 'brackets'],
      ['10.0.0.0/8', 'it is a CIDR'],
      ['1::2::3', '"::" may appear only once'],
      [':::', '":::"'],
      [':1:2:3:4:5:6:7', 'starts with a single ":"'],
      [':1::', 'starts with a single ":"'],
      ['1:2:3:4:5:6:7:', 'ends with a single ":"'],
      ['1::7:', 'ends with a single ":"'],
      ['12345::', 'more than four hex digits'],
      ['g::1', 'is not hexadecimal'],
      ['1:2:3:4:5:6:7', 'it has 7 groups; an IPv6 address without "::" needs exactly 8'],
      ['1:2:3:4:5:6:7:8:9', 'it has 9 groups'],
      ['1:2:3:4:5:6:7:8::', 'at most 7 are allowed'],
      ['1:2:3:4:5:6:7::1.2.3.4', 'at most 7 are allowed'],
      ['1.2.3.4::', 'only appear in the last 32 bits'],
      ['::1.2.3', 'the embedded IPv4 part "1.2.3" is invalid'],
      ['::ffff:01.2.3.4', 'leading zero'],
    ])('rejects %j: %s', (text, reason) => {
      expect(() => Address.parse(text)).toThrow(InvalidAddressError);
      expect(() => Address.parse(text)).toThrow(reason);
    });

    it.each<unknown>([null, undefined, 167772161, 10n, true, {}, [], ['10.0.0.1'], Symbol('x'), new String('10.0.0.1')])(
      'rejects non-string %p with InvalidAddressError',
      (input) => {
        expect(() => Address.parse(input)).toThrow(InvalidAddressError);
        expect(() => Address.parse(input)).toThrow('invalid IP address: expected a string, got');
        try {
          Address.parse(input);
        } catch (e) {
          expect((e as InvalidAddressError).input).toBe(input);
        }
      },
    );

    it('echoes the input and code', () => {
      const error = (() => {
        try {
          Address.parse('10.0.0.256');
        } catch (e) {
          return e as InvalidAddressError;
        }
      })();
      expect(error).toMatchObject({
        code: 'invalid-address',
        input: '10.0.0.256',
        message: 'invalid IP address "10.0.0.256": part 256 is out of range (0-255)',
      });
    });
  });

  describe('tryParse', () => {
    it.each([
      ['10.0.0.1', '10.0.0.1'],
      ['nope', null],
      [42, null],
    ])('%p -> %p', (text, expected) => expect(Address.tryParse(text)?.toString() ?? null).toBe(expected));
  });

  describe('fromBigInt', () => {
    it.each([
      ['IPv4', 0n, '0.0.0.0'],
      ['IPv4', 0xffffffffn, '255.255.255.255'],
      ['IPv6', 0n, '::'],
      ['IPv6', (1n << 128n) - 1n, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ] as const)('%s %s -> %s', (family, value, text) => expect(Address.fromBigInt(family, value).toString()).toBe(text));

    it.each<[unknown, unknown, string]>([
      ['IPv4', 1n << 32n, 'between 0 and 2^32-1'],
      ['IPv4', -1n, 'between 0 and 2^32-1'],
      ['IPv6', 1n << 128n, 'between 0 and 2^128-1'],
      ['IPv4', 5, 'expected a bigint, got number 5'],
    ])('%s %p is rejected', (family, value, message) => {
      expect(() => Address.fromBigInt(family as 'IPv4', value as bigint)).toThrow(InvalidAddressError);
      expect(() => Address.fromBigInt(family as 'IPv4', value as bigint)).toThrow(message);
    });

    it('rejects an unknown family', () => {
      expect(() => Address.fromBigInt('IPv5' as 'IPv4', 1n)).toThrow(expect.objectContaining({ code: 'invalid-family' }));
    });
  });

  it.each([
    ['10.0.0.1', 32],
    ['::1', 128],
  ] as const)('%s has %i bits', (text, bits) => expect(Address.parse(text).bits).toBe(bits));

  it('is frozen and serialises as its canonical text', () => {
    const a = Address.parse('2001:DB8::1');
    expect(Object.isFrozen(a)).toBe(true);
    expect(JSON.stringify({ a })).toBe('{"a":"2001:db8::1"}');
  });

  it.each([
    ['10.0.0.1', '10.0.0.2', -1],
    ['10.0.0.2', '10.0.0.1', 1],
    ['10.0.0.1', '10.0.0.1', 0],
    ['255.255.255.255', '::', -1],
    ['::', '0.0.0.0', 1],
  ])('compare(%s, %s) = %i', (a, b, expected) => expect(Address.parse(a).compare(Address.parse(b))).toBe(expected));

  it('equals is false for non-addresses', () => {
    expect(Address.parse('::').equals({ family: 'IPv6', value: 0n } as unknown as Address)).toBe(false);
  });

  describe('properties', () => {
    it('IPv4 round-trips through its canonical text', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), (value) => {
          const a = Address.fromBigInt('IPv4', value);
          expect(Address.parse(a.toString()).equals(a)).toBe(true);
          expect(isIP(a.toString())).toBe(4);
        }),
        RUNS,
      );
    });

    it('IPv6 round-trips, and prints like ipaddr.js toRFC5952String outside the mapped range', () => {
      fc.assert(
        fc.property(arbIPv6Value, (value) => {
          const a = Address.fromBigInt('IPv6', value);
          const text = a.toString();
          expect(Address.parse(text).equals(a)).toBe(true);
          expect(isIP(text)).toBe(6);
          if (value >> 32n !== 0xffffn) {
            const bytes = Array.from({ length: 16 }, (_, i) => Number((value >> BigInt(120 - 8 * i)) & 0xffn));
            expect(text).toBe((ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String());
          }
        }),
        RUNS,
      );
    });

    it('every RFC 4291 spelling of an address parses to the same Address', () => {
      fc.assert(
        fc.property(arbWords, fc.nat(), (words, pick) => {
          const expected = Address.fromBigInt('IPv6', wordsToValue(words));
          for (const text of spellings(words, pick)) expect(Address.parse(text).equals(expected)).toBe(true);
        }),
        RUNS,
      );
    });

    it('accepts exactly what node:net accepts (minus zone IDs), with the value ipaddr.js reads', () => {
      let accepted = 0;
      fc.assert(
        fc.property(arbNearMiss, (text) => {
          const parsed = Address.tryParse(text);
          expect(parsed !== null).toBe(isIP(text) !== 0);
          if (parsed) accepted++;
          // ipaddr.js misreads "::a.b.c.d" as IPv4-mapped, so embedded forms are checked by the spelling property instead.
          if (parsed && !(text.includes(':') && text.includes('.'))) {
            expect(parsed.value).toBe(BigInt(`0x${Buffer.from(ipaddr.parse(text).toByteArray()).toString('hex')}`));
          }
        }),
        { numRuns: 3000 },
      );
      // Both outcomes must be well represented for the comparison to mean anything.
      expect(accepted).toBeGreaterThan(600);
      expect(accepted).toBeLessThan(2400);
    });
  });
});

describe(parseAddressText.name, () => {
  it('reports instead of throwing', () => {
    expect(parseAddressText('1.2.3')).toEqual({ ok: false, reason: 'an IPv4 address has exactly four dot-separated parts; this has 3' });
    expect(parseAddressText('1.2.3.4')).toEqual({ ok: true, family: 'IPv4', value: 0x01020304n });
  });
});

describe(precheckText.name, () => {
  it.each([
    ['10.0.0.1', null],
    ['\u00a010.0.0.1', 'it contains leading whitespace; remove it'],
    ['10.0.0.1\ufeff', 'it contains trailing whitespace; remove it'],
    ['10.0.0.1\u007f', 'it contains the control character U+007F'],
  ])('%j -> %p', (text, expected) => expect(precheckText(text)).toBe(expected));
});

describe(formatAddress.name, () => {
  it.each([
    ['IPv4', 0x7f000001n, '127.0.0.1'],
    ['IPv6', 0xffff7f000001n, '::ffff:127.0.0.1'],
    ['IPv6', 0x20010db8000000000000000000000000n, '2001:db8::'],
  ] as const)('%s %s -> %s', (family, value, text) => expect(formatAddress(family, value)).toBe(text));
});

describe(assertAddress.name, () => {
  it('throws a CidrError for non-addresses', () => {
    expect(() => assertAddress('10.0.0.1', 'x')).toThrow(CidrError);
    expect(() => assertAddress(Address.parse('10.0.0.1'), 'x')).not.toThrow();
  });
});

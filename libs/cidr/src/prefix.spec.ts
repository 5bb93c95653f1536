import fc from 'fast-check';
import { RUNS, SPACES, and, arbPrefixIn, count, within } from '../test/brute-force';
import { Address } from './address';
import { CidrError, InvalidCidrError } from './errors';
import { Prefix, assertPrefix } from './prefix';

const P = (text: string) => Prefix.parse(text);
const A = (text: string) => Address.parse(text);

/** The thrown error, for asserting on several fields at once. */
function thrown(fn: () => unknown): CidrError {
  try {
    fn();
  } catch (e) {
    return e as CidrError;
  }
  throw new Error('expected a throw');
}

describe(Prefix.name, () => {
  describe('parse', () => {
    it.each([
      ['0.0.0.0/0', 'IPv4', 0n, 0, '0.0.0.0/0'],
      ['10.244.0.0/16', 'IPv4', 0x0af40000n, 16, '10.244.0.0/16'],
      ['10.0.0.0/31', 'IPv4', 0x0a000000n, 31, '10.0.0.0/31'],
      ['255.255.255.255/32', 'IPv4', 0xffffffffn, 32, '255.255.255.255/32'],
      ['::/0', 'IPv6', 0n, 0, '::/0'],
      ['::/128', 'IPv6', 0n, 128, '::/128'],
      ['2001:DB8::/32', 'IPv6', 0x20010db8n << 96n, 32, '2001:db8::/32'],
      ['fd00::/127', 'IPv6', 0xfdn << 120n, 127, 'fd00::/127'],
      ['::ffff:0:0/96', 'IPv6', 0xffffn << 32n, 96, '::ffff:0.0.0.0/96'],
      ['::ffff:10.0.0.0/104', 'IPv6', 0xffff0a000000n, 104, '::ffff:10.0.0.0/104'],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 'IPv6', (1n << 128n) - 1n, 128, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'],
    ] as const)('%s', (text, family, network, length, canonical) => {
      const p = P(text);
      expect([p.family, p.network, p.length, p.toString()]).toEqual([family, network, length, canonical]);
    });

    it('reports host bits with the network the caller meant', () => {
      const error = thrown(() => P('10.244.1.0/16'));
      expect(error).toBeInstanceOf(InvalidCidrError);
      expect(error).toMatchObject({ code: 'host-bits-set', suggestion: '10.244.0.0/16', input: '10.244.1.0/16' });
      expect(error.message).toBe('10.244.1.0/16 has host bits set; did you mean 10.244.0.0/16?');
    });

    it.each([
      ['10.244.1.7/16', '10.244.0.0/16'],
      ['2001:db8::1/64', '2001:db8::/64'],
      ['255.255.255.255/0', '0.0.0.0/0'],
      ['10.0.0.1/32', '10.0.0.1/32'],
    ])('masks %s to %s with allowHostBits', (text, expected) => {
      expect(Prefix.parse(text, { allowHostBits: true }).toString()).toBe(expected);
      if (text !== expected) expect(() => P(text)).toThrow('did you mean');
    });

    it.each([
      ['10.0.0.0', 'it has no prefix length'],
      ['10.0.0.0/8/8', 'more than one "/"'],
      ['10.0.0.0/', 'the prefix length after "/" is empty'],
      ['/8', 'the address part is invalid: it is empty'],
      ['10.0.0.0/33', 'prefix length 33 is out of range for IPv4 (0-32)'],
      ['::/129', 'prefix length 129 is out of range for IPv6 (0-128)'],
      ['10.0.0.0/99999999', 'prefix length 99999999 is out of range'],
      ['10.0.0.0/-1', 'must be an unsigned decimal number (0-32)'],
      ['10.0.0.0/+8', 'must be an unsigned decimal number'],
      ['10.0.0.0/08', 'has a leading zero; write "8"'],
      ['10.0.0.0/0x8', 'is not a decimal number'],
      ['10.0.0.0/255.0.0.0', 'is not a decimal number'],
      ['10.0.0.0 /8', 'inner whitespace'],
      ['010.0.0.0/8', 'leading zero'],
      ['fe80::%eth0/64', 'zone IDs'],
      ['[::]/0', 'brackets'],
    ])('rejects %j: %s', (text, reason) => {
      const error = thrown(() => P(text));
      expect(error).toBeInstanceOf(InvalidCidrError);
      expect(error.code).toBe('invalid-cidr');
      expect(error.message).toContain(reason);
      expect(error.message).toContain(`invalid CIDR ${JSON.stringify(text)}`);
    });

    it.each<unknown>([null, undefined, 8, {}, ['10.0.0.0/8']])('rejects non-string %p', (input) => {
      expect(thrown(() => P(input as string))).toMatchObject({ code: 'invalid-cidr', input });
    });
  });

  describe('tryParse', () => {
    it.each([
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['10.0.0.1/8', null],
      [null, null],
    ])('%p -> %p', (text, expected) => expect(Prefix.tryParse(text)?.toString() ?? null).toBe(expected));
  });

  describe('parseAddressOrCidr', () => {
    it.each([
      ['10.0.0.1', '10.0.0.1/32'],
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['::1', '::1/128'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4/128'],
      ['2001:db8::/32', '2001:db8::/32'],
    ])('%s -> %s', (text, expected) => expect(Prefix.parseAddressOrCidr(text).toString()).toBe(expected));

    it.each<[unknown, string]>([
      ['10.0.0.256', 'invalid address or CIDR "10.0.0.256": part 256 is out of range'],
      ['10.0.0.1/8', 'has host bits set'],
      [42, 'expected a string, got number 42'],
    ])('rejects %p', (text, message) => {
      const error = thrown(() => Prefix.parseAddressOrCidr(text));
      expect(error).toBeInstanceOf(InvalidCidrError);
      expect(error.message).toContain(message);
    });
  });

  describe('of', () => {
    it.each([
      ['IPv4', 0n, 0, '0.0.0.0/0'],
      ['IPv4', 0xffffffffn, 32, '255.255.255.255/32'],
      ['IPv6', 0n, 128, '::/128'],
      ['IPv6', 0x20010db8n << 96n, 32, '2001:db8::/32'],
    ] as const)('%s %s/%i', (family, network, length, text) => expect(Prefix.of(family, network, length).toString()).toBe(text));

    it.each<[unknown, unknown, unknown, string, string]>([
      ['IPv4', 0x0a000001n, 8, 'host-bits-set', '10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?'],
      ['IPv4', 0n, 33, 'invalid-cidr', 'prefix length 33 is out of range for IPv4 (0-32)'],
      ['IPv4', 0n, -1, 'invalid-cidr', 'prefix length -1 is out of range'],
      ['IPv4', 0n, 1.5, 'invalid-cidr', 'prefix length 1.5 is not an integer'],
      ['IPv4', 0n, '8', 'invalid-cidr', 'prefix length must be a number, got string "8"'],
      ['IPv4', 1n << 32n, 32, 'invalid-cidr', 'network value 4294967296 is not between 0 and 2^32-1'],
      ['IPv6', -1n, 0, 'invalid-cidr', 'network value -1 is not between'],
      ['IPv6', 0, 0, 'invalid-cidr', 'network value number 0 is not between'],
      ['IPv7', 0n, 0, 'invalid-family', 'invalid IP family string "IPv7"'],
    ])('%s %p/%p is rejected with %s', (family, network, length, code, message) => {
      const error = thrown(() => Prefix.of(family as 'IPv4', network as bigint, length as number));
      expect(error).toBeInstanceOf(CidrError);
      expect(error.code).toBe(code);
      expect(error.message).toContain(message);
    });

    it('suggests the aligned network', () => {
      expect(thrown(() => Prefix.of('IPv6', 1n, 64))).toMatchObject({ suggestion: '::/64' });
    });
  });

  describe('containing', () => {
    it.each([
      ['10.244.3.7', 16, '10.244.0.0/16'],
      ['10.244.3.7', 0, '0.0.0.0/0'],
      ['10.244.3.7', 32, '10.244.3.7/32'],
      ['2001:db8::dead:beef', 64, '2001:db8::/64'],
      ['2001:db8::dead:beef', 128, '2001:db8::dead:beef/128'],
    ])('%s in a /%i is %s', (address, length, expected) => expect(Prefix.containing(A(address), length).toString()).toBe(expected));

    it('validates its arguments', () => {
      expect(thrown(() => Prefix.containing(A('10.0.0.1'), 33)).code).toBe('invalid-cidr');
      expect(thrown(() => Prefix.containing('10.0.0.1' as unknown as Address, 8)).code).toBe('invalid-address');
    });
  });

  describe('size, first and last', () => {
    it.each([
      ['0.0.0.0/0', 1n << 32n, '0.0.0.0', '255.255.255.255'],
      ['10.0.0.0/31', 2n, '10.0.0.0', '10.0.0.1'],
      ['255.255.255.255/32', 1n, '255.255.255.255', '255.255.255.255'],
      ['::/0', 1n << 128n, '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
      ['2001:db8::/64', 1n << 64n, '2001:db8::', '2001:db8::ffff:ffff:ffff:ffff'],
      ['fd00::/127', 2n, 'fd00::', 'fd00::1'],
      ['::/128', 1n, '::', '::'],
      ['::ffff:0:0/96', 1n << 32n, '::ffff:0.0.0.0', '::ffff:255.255.255.255'],
    ])('%s', (text, size, first, last) => {
      const p = P(text);
      expect(p.size).toBe(size);
      expect(p.first.toString()).toBe(first);
      expect(p.last.toString()).toBe(last);
      expect(p.lastValue - p.firstValue + 1n).toBe(size);
      expect(p.bits).toBe(p.family === 'IPv4' ? 32 : 128);
    });
  });

  describe('equals, contains, overlaps, relation', () => {
    it.each([
      ['10.0.0.0/8', '10.1.0.0/16', 'contains'],
      ['10.1.0.0/16', '10.0.0.0/8', 'within'],
      ['10.0.0.0/8', '10.0.0.0/8', 'identical'],
      ['10.0.0.0/8', '11.0.0.0/8', 'disjoint'],
      ['0.0.0.0/0', '255.255.255.255/32', 'contains'],
      ['::/0', '0.0.0.0/0', 'disjoint'],
      ['::ffff:0:0/96', '10.0.0.0/8', 'disjoint'],
      ['::ffff:0:0/96', '::ffff:10.0.0.0/104', 'contains'],
      ['2001:db8::/127', '2001:db8::1/128', 'contains'],
      ['2001:db8::/64', '2001:db8:0:1::/64', 'disjoint'],
    ] as const)('%s vs %s: %s', (a, b, relation) => {
      const [p, q] = [P(a), P(b)];
      expect(p.relation(q)).toBe(relation);
      expect(p.overlaps(q)).toBe(relation !== 'disjoint');
      expect(p.contains(q)).toBe(relation === 'contains' || relation === 'identical');
      expect(p.equals(q)).toBe(relation === 'identical');
    });

    it.each([
      ['10.0.0.0/8', '10.255.255.255', true],
      ['10.0.0.0/8', '11.0.0.0', false],
      ['10.0.0.0/8', '::ffff:10.0.0.1', false],
      ['::/0', '10.0.0.1', false],
      ['255.255.255.255/32', '255.255.255.255', true],
    ])('%s contains address %s: %p', (prefix, address, expected) => expect(P(prefix).contains(A(address))).toBe(expected));

    it('is false for things that are not prefixes', () => {
      const fake = { family: 'IPv4', network: 0n, length: 0 } as unknown as Prefix;
      expect(P('0.0.0.0/0').contains(fake)).toBe(false);
      expect(P('0.0.0.0/0').overlaps(fake)).toBe(false);
      expect(P('0.0.0.0/0').equals(fake)).toBe(false);
    });
  });

  describe('parent, sibling, halves', () => {
    it.each([
      ['10.0.0.0/8', '10.0.0.0/7', '11.0.0.0/8', ['10.0.0.0/9', '10.128.0.0/9']],
      ['10.0.0.1/32', '10.0.0.0/31', '10.0.0.0/32', null],
      ['255.255.255.255/32', '255.255.255.254/31', '255.255.255.254/32', null],
      ['0.0.0.0/1', '0.0.0.0/0', '128.0.0.0/1', ['0.0.0.0/2', '64.0.0.0/2']],
      ['0.0.0.0/0', null, null, ['0.0.0.0/1', '128.0.0.0/1']],
      ['::/0', null, null, ['::/1', '8000::/1']],
      ['fd00::/127', 'fd00::/126', 'fd00::2/127', ['fd00::/128', 'fd00::1/128']],
      ['::/128', '::/127', '::1/128', null],
    ])('%s: parent %s, sibling %s, halves %j', (text, parent, sibling, halves) => {
      const p = P(text);
      expect(p.parent()?.toString() ?? null).toBe(parent);
      expect(p.sibling()?.toString() ?? null).toBe(sibling);
      if (halves) expect(p.halves().map(String)).toEqual(halves);
      else expect(thrown(() => p.halves())).toMatchObject({ code: 'out-of-range', message: `cannot split ${p}: it is a single address` });
    });
  });

  describe('subnet and subnetCount', () => {
    it.each([
      ['10.0.0.0/16', 24, 0n, '10.0.0.0/24', 256n],
      ['10.0.0.0/16', 24, 255n, '10.0.255.0/24', 256n],
      ['10.0.0.0/16', 24, 7, '10.0.7.0/24', 256n],
      ['10.0.0.0/16', 16, 0n, '10.0.0.0/16', 1n],
      ['0.0.0.0/0', 32, (1n << 32n) - 1n, '255.255.255.255/32', 1n << 32n],
      ['2001:db8::/32', 64, 0xffffffffn, '2001:db8:ffff:ffff::/64', 1n << 32n],
      ['::/0', 128, (1n << 128n) - 1n, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 1n << 128n],
    ])('%s /%i #%s is %s (of %s)', (text, length, index, expected, total) => {
      const p = P(text);
      expect(p.subnet(length, index).toString()).toBe(expected);
      expect(p.subnetCount(length)).toBe(total);
    });

    it.each<[string, unknown, unknown, string]>([
      ['10.0.0.0/16', 24, 256n, 'subnet index 256 is out of range: 10.0.0.0/16 holds 256 subnets of length /24 (indices 0 to 255)'],
      ['10.0.0.0/16', 24, -1n, 'subnet index -1 is out of range'],
      ['10.0.0.0/16', 24, 1.5, 'subnet index number 1.5 is out of range'],
      ['10.0.0.0/16', 8, 0n, 'a /8 is larger than 10.0.0.0/16, so it cannot be a subnet of it; use a length between 16 and 32'],
      ['10.0.0.0/16', 33, 0n, 'prefix length 33 is out of range for IPv4'],
      ['::/0', 129, 0n, 'prefix length 129 is out of range for IPv6'],
    ])('%s /%p #%p is rejected', (text, length, index, message) => {
      expect(thrown(() => P(text).subnet(length as number, index as bigint))).toMatchObject({
        code: 'out-of-range',
        message: expect.stringContaining(message),
      });
    });

    it('subnetCount validates the length', () => {
      expect(thrown(() => P('10.0.0.0/16').subnetCount(15)).code).toBe('out-of-range');
    });
  });

  describe('compare', () => {
    it('sorts IPv4 first, then by network, then shorter first', () => {
      const texts = ['::/0', '10.0.0.0/16', '10.0.0.0/8', '9.0.0.0/8', '::ffff:0:0/96', '0.0.0.0/0', '::/128'];
      expect(
        texts
          .map(P)
          .sort((a, b) => a.compare(b))
          .map(String),
      ).toEqual(['0.0.0.0/0', '9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16', '::/0', '::/128', '::ffff:0.0.0.0/96']);
      expect(P('::/0').compare(P('0.0.0.0/0'))).toBe(1);
      expect(P('10.0.0.0/8').compare(P('10.0.0.0/8'))).toBe(0);
    });
  });

  it('is frozen and serialises as its canonical text', () => {
    const p = P('2001:DB8::/32');
    expect(Object.isFrozen(p)).toBe(true);
    expect(JSON.stringify([p])).toBe('["2001:db8::/32"]');
  });

  describe('properties', () => {
    const arbInSpace = fc.constantFrom(...SPACES).chain((space) => fc.tuple(fc.constant(space), arbPrefixIn(space), arbPrefixIn(space)));

    it('relation, contains and overlaps agree with the address sets', () => {
      fc.assert(
        fc.property(arbInSpace, ([space, p, q]) => {
          const [sp, sq] = [within(space, p), within(space, q)];
          const common = count(and(sp, sq));
          const expected =
            common === 0
              ? 'disjoint'
              : common === count(sp) && common === count(sq)
                ? 'identical'
                : common === count(sq)
                  ? 'contains'
                  : 'within';
          expect(p.relation(q)).toBe(expected);
          expect(p.contains(q)).toBe(common === count(sq));
          expect(p.overlaps(q)).toBe(common > 0);
        }),
        RUNS,
      );
    });

    it('canonical text round-trips and names the same prefix', () => {
      const arbAny = fc.oneof(
        fc.tuple(fc.constant('IPv4' as const), fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 0, max: 32 })),
        fc.tuple(fc.constant('IPv6' as const), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })),
      );
      fc.assert(
        fc.property(arbAny, ([family, value, length]) => {
          const p = Prefix.containing(Address.fromBigInt(family, value), length);
          const back = P(p.toString());
          expect(back.equals(p)).toBe(true);
          expect(back.toString()).toBe(p.toString());
          expect(Prefix.parse(`${Address.fromBigInt(family, value)}/${length}`, { allowHostBits: true }).equals(p)).toBe(true);
        }),
        RUNS,
      );
    });

    it('halves partition the prefix and each has it as parent and the other as sibling', () => {
      fc.assert(
        fc.property(arbInSpace, ([, p]) => {
          fc.pre(p.length < p.bits);
          const [lo, hi] = p.halves();
          expect(lo.parent()?.equals(p)).toBe(true);
          expect(lo.sibling()?.equals(hi)).toBe(true);
          expect(hi.sibling()?.equals(lo)).toBe(true);
          expect(lo.lastValue + 1n).toBe(hi.firstValue);
          expect([lo.firstValue, hi.lastValue]).toEqual([p.firstValue, p.lastValue]);
        }),
        RUNS,
      );
    });
  });
});

describe(assertPrefix.name, () => {
  it('throws a CidrError for non-prefixes', () => {
    expect(() => assertPrefix('10.0.0.0/8', 'x')).toThrow(
      expect.objectContaining({ code: 'invalid-cidr', message: 'x must be a Prefix, got string "10.0.0.0/8"' }),
    );
    expect(() => assertPrefix(P('10.0.0.0/8'), 'x')).not.toThrow();
  });
});

import fc from 'fast-check';
import { Address } from './address';
import { CidrError } from './errors';
import {
  MAX_SERVICE_CIDR_BITS,
  dynamicBandStart,
  isUsableClusterIp,
  parseKubernetesVersion,
  serviceIpRange,
  staticBandSize,
  validateNodeMask,
  validateServiceCidr,
} from './kubernetes';
import { Prefix } from './prefix';

const P = (text: string) => Prefix.parse(text);
const A = (text: string) => Address.parse(text);
const v4 = (text: string) => A(text).value;

function thrown(fn: () => unknown): CidrError {
  try {
    fn();
  } catch (e) {
    return e as CidrError;
  }
  throw new Error('expected a throw');
}

describe(serviceIpRange.name, () => {
  it.each([
    ['10.96.0.0/12', v4('10.96.0.1'), v4('10.111.255.254'), (1n << 20n) - 2n],
    ['10.0.0.0/30', v4('10.0.0.1'), v4('10.0.0.2'), 2n],
    ['10.0.0.0/31', v4('10.0.0.1'), v4('10.0.0.0'), 0n],
    ['10.0.0.0/32', v4('10.0.0.1'), v4('10.0.0.0'), 0n],
    ['255.255.255.255/32', 1n << 32n, (1n << 32n) - 1n, 0n],
    ['0.0.0.0/0', 1n, (1n << 32n) - 2n, (1n << 32n) - 2n],
    ['fd00::/64', A('fd00::1').value, A('fd00::ffff:ffff:ffff:ffff').value, (1n << 64n) - 1n],
    ['fd00::/127', A('fd00::1').value, A('fd00::1').value, 1n],
    ['fd00::/128', A('fd00::1').value, A('fd00::').value, 0n],
    ['::/0', 1n, (1n << 128n) - 1n, (1n << 128n) - 1n],
  ])('%s', (cidr, first, last, count) => {
    expect(serviceIpRange(P(cidr))).toEqual({ first, last, count });
  });
});

describe(isUsableClusterIp.name, () => {
  it.each([
    ['10.96.0.0/12', '10.96.0.0', false],
    ['10.96.0.0/12', '10.96.0.1', true],
    ['10.96.0.0/12', '10.111.255.254', true],
    ['10.96.0.0/12', '10.111.255.255', false],
    ['10.96.0.0/12', '10.112.0.1', false],
    ['10.0.0.0/31', '10.0.0.1', false],
    ['fd00::/64', 'fd00::', false],
    ['fd00::/64', 'fd00::1', true],
    ['fd00::/64', 'fd00::ffff:ffff:ffff:ffff', true],
    ['fd00::/128', 'fd00::', false],
    ['::ffff:0:0/96', '10.0.0.1', false],
  ])('%s: %s -> %p', (cidr, ip, expected) => expect(isUsableClusterIp(P(cidr), A(ip))).toBe(expected));

  it('is false for a non-address', () => {
    expect(isUsableClusterIp(P('10.0.0.0/24'), '10.0.0.1' as unknown as Address)).toBe(false);
  });
});

describe(staticBandSize.name, () => {
  // Expected values match kubernetes' TestCalculateRangeOffset (pkg/registry/core/service/ipallocator).
  it.each([
    ['192.168.1.0/32', 0n],
    ['192.168.1.0/28', 0n],
    ['192.168.1.0/27', 16n],
    ['192.168.1.0/25', 16n],
    ['192.168.1.0/24', 16n],
    ['192.168.0.0/23', 32n],
    ['192.168.0.0/21', 128n],
    ['192.168.0.0/20', 256n],
    ['10.96.0.0/12', 256n],
    ['0.0.0.0/0', 256n],
    ['fd00::/128', 0n],
    ['fd00::/124', 0n],
    ['fd00::/123', 16n],
    ['fd00::/120', 16n],
    ['fd00::/116', 256n],
    ['fd00::/64', 256n],
  ])('%s -> %s', (cidr, size) => expect(staticBandSize(P(cidr))).toBe(size));

  it('never exceeds the usable count', () => {
    const arb = fc.oneof(
      fc.integer({ min: 0, max: 32 }).map((l) => Prefix.of('IPv4', 0n, l)),
      fc.integer({ min: 0, max: 128 }).map((l) => Prefix.of('IPv6', 0n, l)),
    );
    fc.assert(
      fc.property(arb, (cidr) => expect(staticBandSize(cidr) <= serviceIpRange(cidr).count).toBe(true)),
      { numRuns: 200 },
    );
  });
});

describe(dynamicBandStart.name, () => {
  it.each([
    ['10.96.0.0/12', '10.96.1.1'],
    ['192.168.1.0/24', '192.168.1.17'],
    ['192.168.1.0/28', '192.168.1.1'],
    ['fd00::/64', 'fd00::101'],
  ])('%s -> %s', (cidr, start) => expect(dynamicBandStart(P(cidr))).toBe(A(start).value));
});

describe(validateServiceCidr.name, () => {
  it.each([
    ['10.96.0.0/12', undefined],
    ['10.96.0.0/12', null],
    ['10.96.0.0/12', '1.29'],
    ['10.0.0.0/8', '1.34'],
    ['10.0.0.0/8', 'v1.35.1'],
    ['0.0.0.0/0', '2.0'],
    ['10.0.0.0/29', undefined],
    ['fd00::/108', undefined],
    ['fd00::/64', '1.34'],
    ['fd00::/125', '1.34'],
  ])('accepts %s on %p', (cidr, version) => expect(() => validateServiceCidr(P(cidr), version)).not.toThrow());

  it.each([
    [
      '10.0.0.0/8',
      undefined,
      'service CIDR 10.0.0.0/8 holds 2^24 addresses; Kubernetes below 1.34 allows at most 2^20 (a /12 or longer for IPv4, /108 or longer for IPv6)',
    ],
    ['10.0.0.0/11', '1.33', 'service CIDR 10.0.0.0/11 holds 2^21 addresses'],
    ['10.0.0.0/8', 'v1.33.9', 'Kubernetes below 1.34'],
    ['fd00::/107', null, 'service CIDR fd00::/107 holds 2^21 addresses'],
    ['fd00::/48', '0.99', 'holds 2^80 addresses'],
    [
      'fd00::/63',
      '1.34',
      'service CIDR fd00::/63 is shorter than /64; the Kubernetes ServiceCIDR allocator rejects IPv6 ranges larger than a /64',
    ],
    ['::/0', '1.40', 'shorter than /64'],
  ])('refuses %s on %p as too large', (cidr, version, message) => {
    expect(thrown(() => validateServiceCidr(P(cidr), version))).toMatchObject({
      code: 'service-cidr-too-large',
      message: expect.stringContaining(message),
    });
  });

  it.each([
    [
      '10.0.0.0/30',
      'service CIDR 10.0.0.0/30 holds only 4 addresses; kube-apiserver requires at least 8 (a /29 or shorter for IPv4, /125 or shorter for IPv6)',
    ],
    ['10.0.0.0/31', 'holds only 2 addresses'],
    ['10.0.0.0/32', 'holds only 1 address;'],
    ['255.255.255.255/32', 'holds only 1 address;'],
    ['fd00::/126', 'holds only 4 addresses'],
    ['fd00::/127', 'holds only 2 addresses'],
    ['fd00::/128', 'holds only 1 address;'],
  ])('refuses %s as too small', (cidr, message) => {
    expect(thrown(() => validateServiceCidr(P(cidr), '1.34'))).toMatchObject({
      code: 'service-cidr-too-small',
      message: expect.stringContaining(message),
    });
  });

  it('checks the version even when the CIDR is fine', () => {
    expect(thrown(() => validateServiceCidr(P('10.96.0.0/12'), 'latest')).code).toBe('invalid-kubernetes-version');
  });

  it('rejects a non-prefix', () => {
    expect(thrown(() => validateServiceCidr('10.96.0.0/12' as unknown as Prefix)).code).toBe('invalid-cidr');
  });

  it('uses the documented cap', () => expect(MAX_SERVICE_CIDR_BITS).toBe(20));
});

describe(validateNodeMask.name, () => {
  it.each([
    ['10.244.0.0/16', 24],
    ['10.244.0.0/16', 16],
    ['10.244.0.0/16', 32],
    ['10.244.0.0/24', 32],
    ['0.0.0.0/0', 16],
    ['fd00::/48', 64],
    ['fd00::/112', 128],
  ])('accepts %s with /%i', (cidr, mask) => expect(() => validateNodeMask(P(cidr), mask)).not.toThrow());

  it.each<[string, unknown, string, string]>([
    [
      '10.244.0.0/16',
      15,
      'node-mask-too-small',
      'node mask /15 is shorter than pod CIDR 10.244.0.0/16, so a node block would not fit inside it; use /16 to /32',
    ],
    ['fd00::/64', 48, 'node-mask-too-small', 'use /64 to /80'],
    [
      '10.0.0.0/8',
      25,
      'node-mask-too-large',
      'node mask /25 is 17 bits longer than pod CIDR 10.0.0.0/8; Kubernetes allows at most 16 (2^16 node blocks): use /24 or shorter, or a larger pod CIDR',
    ],
    ['fd00::/48', 65, 'node-mask-too-large', 'use /64 or shorter'],
    ['10.244.0.0/16', 33, 'node-mask-out-of-range', 'node mask 33 is not a valid IPv4 prefix length; use an integer from 0 to 32'],
    ['fd00::/120', 129, 'node-mask-out-of-range', 'use an integer from 0 to 128'],
    ['10.244.0.0/16', 24.5, 'node-mask-out-of-range', 'node mask 24.5 is not'],
    ['10.244.0.0/16', -1, 'node-mask-out-of-range', 'node mask -1 is not'],
    ['10.244.0.0/16', NaN, 'node-mask-out-of-range', 'node mask NaN is not'],
    ['10.244.0.0/16', '24', 'node-mask-out-of-range', 'node mask string "24" is not'],
  ])('refuses %s with %p', (cidr, mask, code, message) => {
    expect(thrown(() => validateNodeMask(P(cidr), mask as number))).toMatchObject({
      code,
      message: expect.stringContaining(message),
      input: mask,
    });
  });
});

describe(parseKubernetesVersion.name, () => {
  it.each([
    ['1.31', 1, 31],
    ['v1.31', 1, 31],
    ['v1.31.2', 1, 31],
    ['1.34.0', 1, 34],
    ['v1.31.2-eks-1234', 1, 31],
    ['v1.30.4+k3s1', 1, 30],
    ['v1.33.1-gke.1000+abc', 1, 33],
    ['2.0', 2, 0],
  ])('%s -> %i.%i', (text, major, minor) => expect(parseKubernetesVersion(text)).toEqual({ major, minor }));

  it.each<unknown>([
    '',
    '1',
    'v',
    'v1',
    '1.',
    '1.31.',
    '1.31.2.3',
    'V1.31',
    ' 1.31',
    '1.31 ',
    '01.31',
    '1.031',
    '1.x',
    'latest',
    '1.31-rc.1',
    '1.31.2-',
    'vv1.31',
    '١.٣١',
    '1.31.2-' + 'a'.repeat(80),
    1.31,
    null,
    undefined,
    {},
  ])('rejects %p', (text) => {
    const error = thrown(() => parseKubernetesVersion(text as string));
    expect(error).toMatchObject({ code: 'invalid-kubernetes-version', input: text });
    expect(error.message).toMatch(
      /^invalid Kubernetes version .*; expected major\.minor with an optional patch, like "1\.31" or "v1\.31\.2"$/,
    );
  });
});

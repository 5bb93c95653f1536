import { Prefix } from '@kipam/cidr';
import {
  checkFamiliesForProfile,
  checkNodeLocalCidrs,
  checkNodeMaskForProfile,
  checkNotLinkLocal,
  checkPodCidrForProfile,
  checkServiceCidrForProfile,
  clusterProfileProblems,
  eniQuery,
  formatGlobalId,
  globalIdOf,
  maxPodsPerNode,
  positiveIntegerProblem,
  profileDefaults,
  randomGlobalId,
  ulaPrefix,
  ulaServiceCidr,
} from './cluster-profile';

const p = (s: string) => Prefix.parse(s);

describe('profileDefaults', () => {
  it('fills in the EKS IPv6 defaults: /80 nodes, the node-local egress range, a generated ULA /108', () => {
    expect(profileDefaults('eks-ipv6')).toEqual({
      nodeMaskSizeIPv6: 80,
      nodeLocalCidrs: ['169.254.172.0/22'],
      serviceCidrs: [{ generate: 'ula', prefixLength: 108 }],
    });
  });
  it('leaves a generic cluster without node-local ranges', () => {
    expect(profileDefaults(null)).toEqual({ nodeLocalCidrs: [] });
  });
});

describe('checkFamiliesForProfile', () => {
  it.each([
    [['IPv6'], undefined],
    [['IPv4'], 'podCidrs'],
    [['IPv4', 'IPv6'], 'podCidrs'],
    [['IPv6', 'IPv4'], 'podCidrs'],
  ] as const)('eks-ipv6 with %j', (families, field) => {
    expect(checkFamiliesForProfile('eks-ipv6', 'podCidrs', families)?.field).toBe(field);
  });
  it('lets a generic cluster be dual-stack', () => {
    expect(checkFamiliesForProfile(null, 'serviceCidrs', ['IPv4', 'IPv6'])).toBeUndefined();
  });
});

describe('checkPodCidrForProfile', () => {
  it.each([
    ['2600:1f14:abc:100::/64', undefined],
    ['2001:db8:0:1::/64', undefined],
    ['fd00:10::/64', 'is not global unicast'],
    ['fe80::/64', 'is not global unicast'],
    ['2600:1f14:abc:100::/56', 'is not a /64'],
    ['fd00::/48', 'is not global unicast (2000::/3); fd00::/48 is not a /64'],
  ])('%s', (cidr, problem) => {
    const out = checkPodCidrForProfile('eks-ipv6', p(cidr), 'podCidrs[0]');
    if (problem === undefined) expect(out).toBeUndefined();
    else expect(out).toEqual({ field: 'podCidrs[0]', message: expect.stringContaining(problem) });
  });
  it('does not apply to generic clusters', () => {
    expect(checkPodCidrForProfile(null, p('fd00:10::/56'), 'podCidrs[0]')).toBeUndefined();
  });
});

describe('checkServiceCidrForProfile', () => {
  it.each([
    ['fd12:3456:789a::/108', true],
    ['fc00:1::/108', true],
    ['2600:1f14::/108', false],
    ['fe80::/108', false],
  ])('%s is ULA: %s', (cidr, ok) => {
    expect(checkServiceCidrForProfile('eks-ipv6', p(cidr), 'serviceCidrs[0]') === undefined).toBe(ok);
  });
  it('does not apply to generic clusters', () => {
    expect(checkServiceCidrForProfile(null, p('2600:1f14::/108'), 'serviceCidrs[0]')).toBeUndefined();
  });
});

describe('checkNodeMaskForProfile', () => {
  it('takes /80 only for eks-ipv6', () => {
    expect(checkNodeMaskForProfile('eks-ipv6', 80)).toBeUndefined();
    expect(checkNodeMaskForProfile('eks-ipv6', 64)).toEqual({ field: 'nodeMaskSizeIPv6', message: expect.stringContaining('/80') });
    expect(checkNodeMaskForProfile(null, 64)).toBeUndefined();
  });
});

describe('checkNotLinkLocal', () => {
  it.each([
    ['169.254.0.0/16', '169.254.0.0/16'],
    ['169.254.172.0/22', '169.254.0.0/16'],
    ['169.0.0.0/8', '169.254.0.0/16'],
    ['fe80::/64', 'fe80::/10'],
    ['fe00::/8', 'fe80::/10'],
    ['10.244.0.0/16', undefined],
    ['169.255.0.0/16', undefined],
    ['fec0::/10', undefined],
    ['2600::/64', undefined],
  ])('%s', (cidr, hit) => {
    const out = checkNotLinkLocal(p(cidr), 'podCidrs[0]');
    if (hit === undefined) expect(out).toBeUndefined();
    else expect(out?.message).toContain(`overlaps link-local ${hit}`);
  });
});

describe('checkNodeLocalCidrs', () => {
  const cluster = [
    { field: 'podCidrs[0]', cidr: p('10.244.0.0/16') },
    { field: 'serviceCidrs[0]', cidr: p('10.96.0.0/16') },
  ];
  it('accepts link-local and other ranges outside the cluster space', () => {
    expect(checkNodeLocalCidrs([p('169.254.172.0/22'), p('100.64.0.0/24')], cluster)).toEqual([]);
  });
  it('refuses overlap with pod and service CIDRs and between node-local ranges', () => {
    expect(checkNodeLocalCidrs([p('10.244.1.0/24'), p('10.96.0.0/12'), p('10.96.0.0/16')], cluster).map((e) => e.field)).toEqual([
      'nodeLocalCidrs[0]',
      'nodeLocalCidrs[1]',
      'nodeLocalCidrs[2]',
      'nodeLocalCidrs[2]',
    ]);
  });
});

describe('ULA global IDs', () => {
  it('places the 40 bits after fd', () => {
    expect(ulaPrefix(0x123456789an).toString()).toBe('fd12:3456:789a::/48');
    expect(ulaPrefix(0n).toString()).toBe('fd00::/48');
    expect(ulaPrefix(0xffffffffffn).toString()).toBe('fdff:ffff:ffff::/48');
    expect(() => ulaPrefix(1n << 40n)).toThrow(RangeError);
    expect(() => ulaPrefix(-1n)).toThrow(RangeError);
  });
  it('takes the service CIDR at the start of subnet 0', () => {
    expect(ulaServiceCidr(0x123456789an, 108).toString()).toBe('fd12:3456:789a::/108');
    expect(ulaServiceCidr(0xabn, 112).toString()).toBe('fd00:0:ab::/112');
  });
  it('reads the global ID back and formats it as ten hex digits', () => {
    expect(globalIdOf(ulaPrefix(0x0102030405n))).toBe(0x0102030405n);
    expect(formatGlobalId(0xabn)).toBe('00000000ab');
  });
  it('draws 40 bits from the random source it is given', () => {
    expect(randomGlobalId(() => Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]))).toBe(0x123456789an);
    const asked: number[] = [];
    randomGlobalId((n) => (asked.push(n), new Uint8Array(n)));
    expect(asked).toEqual([5]);
    for (let i = 0; i < 20; i++) {
      const id = randomGlobalId();
      expect(id >= 0n && id < 1n << 40n).toBe(true);
    }
  });
});

describe('maxPodsPerNode', () => {
  it.each([
    [3, 10, 434], // m5.large: the seed prints 460, which its own formula does not give
    [4, 15, 898], // m5.xlarge
    [1, 1, 2],
  ])('%d ENIs × %d IPs', (enis, ips, pods) => {
    expect(maxPodsPerNode(enis, ips)).toBe(pods);
  });
});

describe('positiveIntegerProblem', () => {
  it.each(['1', '3', '999999'])('accepts %s', (v) => expect(positiveIntegerProblem('enis', v)).toBeUndefined());
  it.each(['0', '-1', '1.5', 'abc', '', '01', '1000000', undefined, ['1', '2'], 0, -3, 2.5, 1e7, NaN])('refuses %j', (v) =>
    expect(positiveIntegerProblem('enis', v)).toContain('enis must be a positive whole number'),
  );
  it('accepts GraphQL Ints', () => expect(positiveIntegerProblem('enis', 3)).toBeUndefined());
});

describe('eniQuery', () => {
  it('takes both figures or neither', () => {
    expect(eniQuery(undefined, undefined)).toBeUndefined();
    expect(eniQuery('3', '10')).toEqual({ enis: 3, ipsPerEni: 10 });
    expect(eniQuery(3, 10)).toEqual({ enis: 3, ipsPerEni: 10 });
  });
  it.each([
    ['3', undefined, 'ipsPerEni must be'],
    [undefined, '10', 'enis must be'],
    ['0', '10', 'enis must be'],
    ['3', 'ten', 'ipsPerEni must be'],
  ])('refuses %j, %j with 400', (enis, ips, message) => {
    expect(() => eniQuery(enis, ips)).toThrow(expect.objectContaining({ status: 400, message: expect.stringContaining(message) }));
  });
});

describe('clusterProfileProblems', () => {
  const eks = {
    profile: 'eks-ipv6' as const,
    podFamilies: ['IPv6' as const],
    serviceFamilies: ['IPv6' as const],
    nodeMaskSizeIPv6: 80,
    nodeLocalCidrs: [p('169.254.172.0/22')],
  };
  it('accepts an EKS IPv6 cluster', () => {
    const cidrs = [
      { kind: 'pod' as const, field: 'podCidrs[0]', cidr: p('2600:1f14:abc:100::/64') },
      { kind: 'service' as const, field: 'serviceCidrs[0]', cidr: p('fd12:3456:789a::/108') },
    ];
    expect(clusterProfileProblems({ ...eks, cidrs })).toEqual([]);
  });
  it('names every broken rule', () => {
    const cidrs = [
      { kind: 'pod' as const, field: 'podCidrs[0]', cidr: p('fe80::/64') },
      { kind: 'service' as const, field: 'serviceCidrs[0]', cidr: p('2600::/108') },
    ];
    const out = clusterProfileProblems({ ...eks, podFamilies: ['IPv4', 'IPv6'], nodeMaskSizeIPv6: 64, cidrs });
    expect(out.map((e) => e.field)).toEqual(['podCidrs', 'nodeMaskSizeIPv6', 'podCidrs[0]', 'podCidrs[0]', 'serviceCidrs[0]']);
  });
  it('checks the length of a pod CIDR still to be carved', () => {
    const pending = [
      { kind: 'pod' as const, field: 'podCidrs[0]', length: 60 },
      { kind: 'service' as const, field: 'serviceCidrs[0]', length: 108 },
    ];
    expect(clusterProfileProblems({ ...eks, cidrs: [], pending })).toEqual([
      { field: 'podCidrs[0]', message: expect.stringContaining('/60 is not a /64') },
    ]);
    expect(clusterProfileProblems({ ...eks, cidrs: [], pending: [{ ...pending[0], length: 64 }] })).toEqual([]);
  });
  it('counts existing CIDRs for the families and the node-local ranges only', () => {
    const existing = [{ kind: 'pod' as const, field: 'podCidrs[0]', cidr: p('169.254.0.0/16') }];
    const added = [{ kind: 'pod' as const, field: 'podCidrs[1]', cidr: p('fd00:1::/56') }];
    const out = clusterProfileProblems({
      ...eks,
      profile: null,
      podFamilies: ['IPv4', 'IPv6'],
      serviceFamilies: ['IPv4', 'IPv6'],
      nodeMaskSizeIPv6: 64,
      cidrs: added,
      existing,
      nodeLocalCidrs: [p('169.254.172.0/22')],
    });
    expect(out).toEqual([{ field: 'nodeLocalCidrs[0]', message: expect.stringContaining('overlaps podCidrs[0] (169.254.0.0/16)') }]);
  });
  it('guards link-local space on generic clusters too, and node-local overlap', () => {
    const cidrs = [{ kind: 'pod' as const, field: 'podCidrs[0]', cidr: p('169.254.0.0/16') }];
    const out = clusterProfileProblems({ ...eks, profile: null, podFamilies: ['IPv4'], serviceFamilies: ['IPv4'], cidrs });
    expect(out.map((e) => e.field)).toEqual(['podCidrs[0]', 'nodeLocalCidrs[0]']);
  });
});

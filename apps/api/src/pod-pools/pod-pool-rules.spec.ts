import { Prefix } from '@kipam/cidr';
import { candidatePools, exhaustedMessage, newPoolProblems, nextOrder, nodePoolsOf, poolOfRequestedBlock } from './pod-pool-rules';

const P = (s: string) => Prefix.parse(s);
const cluster = { node_mask_size_ipv4: 24, node_mask_size_ipv6: 64 };
const cidrs = [
  { kind: 'pod', position: 0, cidr: '10.244.0.0/16', pool_id: '1' },
  { kind: 'service', position: 0, cidr: '10.96.0.0/16', pool_id: '2' },
  { kind: 'pod', position: 1, cidr: 'fd00:244::/56', pool_id: '3' },
];
const extra = [
  { name: 'zb', cidr: '10.246.0.0/16', pool_id: '5', node_mask_size: 25, node_selector: { matchLabels: { zone: 'b' } }, pool_order: -1 },
  { name: 'za', cidr: '10.245.0.0/16', pool_id: '4', node_mask_size: 26, node_selector: { matchLabels: { zone: 'a' } }, pool_order: -1 },
  { name: 'any', cidr: '10.247.0.0/16', pool_id: '6', node_mask_size: 24, node_selector: null, pool_order: 0 },
];
const pools = nodePoolsOf(cluster, cidrs, extra);

describe('pod pool rules', () => {
  it("orders pools by family, order, the cluster's own first among equals, then name", () => {
    expect(pools.map((p) => `${p.name} ${p.order}`)).toEqual(['za -1', 'zb -1', 'default-ipv4 0', 'any 0', 'default-ipv6 0']);
    expect(nextOrder(pools, 'IPv4')).toBe(1);
    expect(nextOrder(pools, 'IPv6')).toBe(1);
  });

  it('tries the pools whose selector matches, in order', () => {
    expect(candidatePools(pools, 'IPv4', { zone: 'a' }).map((p) => p.name)).toEqual(['za', 'default-ipv4', 'any']);
    expect(candidatePools(pools, 'IPv4', {}).map((p) => p.name)).toEqual(['default-ipv4', 'any']);
    expect(candidatePools(pools, 'IPv6', { zone: 'a' }).map((p) => p.name)).toEqual(['default-ipv6']);
  });

  it('places a requested block in its pool, if the pool selects the node and the size fits', () => {
    expect(poolOfRequestedBlock(pools, P('10.245.1.0/26'), { zone: 'a' }, 'c')).toEqual({ pool: pools[0] });
    expect(poolOfRequestedBlock(pools, P('10.245.1.0/26'), { zone: 'b' }, 'c')).toEqual({
      problem: "10.245.1.0/26 lies in pod pool za, whose nodeSelector does not match the node's labels",
    });
    expect(poolOfRequestedBlock(pools, P('10.245.1.0/24'), { zone: 'a' }, 'c')).toEqual({
      problem: '10.245.1.0/24 must be a /26 block: the nodeMaskSize of pod pool za is 26',
    });
    expect(poolOfRequestedBlock(pools, P('10.9.0.0/24'), {}, 'c')).toMatchObject({
      problem: expect.stringContaining('not inside any IPv4 pod pool'),
    });
  });

  it('checks a new pool: a family of the cluster, a node mask that fits', () => {
    expect(newPoolProblems(P('10.1.0.0/16'), 24, ['IPv4'], 'c')).toEqual([]);
    expect(newPoolProblems(P('fd00::/56'), 64, ['IPv4'], 'c')[0].field).toBe('cidr');
    expect(newPoolProblems(P('10.1.0.0/16'), 15, ['IPv4'], 'c')[0].field).toBe('nodeMaskSize');
    expect(newPoolProblems(P('10.2.0.0/15'), 32, ['IPv4'], 'c')[0].message).toContain('at most 16');
  });

  it('names the pools tried when all are full', () => {
    expect(exhaustedMessage('c', 'IPv4', candidatePools(pools, 'IPv4', { zone: 'a' }))).toBe(
      'every IPv4 pod pool of cluster c that selects the node is full: za (10.245.0.0/16, /26), default-ipv4 (10.244.0.0/16, /24), any (10.247.0.0/16, /24)',
    );
    expect(exhaustedMessage('c', 'IPv6', candidatePools(pools, 'IPv6', {}))).toBe(
      'the IPv6 pod CIDR fd00:244::/56 of cluster c has no free /64 node block left (it holds 256)',
    );
  });
});

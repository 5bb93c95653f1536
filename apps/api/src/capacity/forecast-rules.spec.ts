import { deltasOf, forecastWindow } from './forecast-rules';

const at = new Date('2026-12-01T00:00:00Z');
const sample = (resource: string, action: string, before: unknown, after: unknown, clusterId: string | null = null) => ({
  at,
  resource,
  action,
  clusterId,
  before,
  after,
});

describe('forecast rules', () => {
  it('reads what a cluster took from and gave back to its ranges', () => {
    const cluster = {
      podCidrAssignments: [{ family: 'IPv4', cidr: '10.0.0.0/24', rangeId: 'r1' }],
      serviceCidrAssignments: [
        { family: 'IPv4', cidr: '10.1.0.0/28', rangeId: 'r2' },
        { family: 'IPv6', cidr: 'fd00::/112', rangeId: null },
      ],
    };
    expect(deltasOf(sample('cluster', 'create', null, cluster, 'c1'))).toEqual([
      { scope: { kind: 'range', id: 'r1' }, addresses: 256 },
      { scope: { kind: 'range', id: 'r2' }, addresses: 16 },
    ]);
    expect(deltasOf(sample('cluster', 'delete', cluster, null, 'c1'))).toEqual([
      { scope: { kind: 'range', id: 'r1' }, addresses: -256 },
      { scope: { kind: 'range', id: 'r2' }, addresses: -16 },
    ]);
    // a family added: only the new CIDR counts
    const dual = { ...cluster, podCidrAssignments: [...cluster.podCidrAssignments, { family: 'IPv6', cidr: 'fd01::/64', rangeId: 'r6' }] };
    expect(deltasOf(sample('cluster', 'update', cluster, dual, 'c1'))).toEqual([
      { scope: { kind: 'range', id: 'r6' }, addresses: 2 ** 64 },
    ]);
  });

  it('reads child ranges and reservations', () => {
    expect(deltasOf(sample('range', 'create', null, { parent: 'p', cidr: '10.0.0.0/16' }))).toEqual([
      { scope: { kind: 'range', id: 'p' }, addresses: 65536 },
    ]);
    expect(deltasOf(sample('reservation', 'delete', { rangeId: 'p', cidr: '10.0.0.0/30' }, null))).toEqual([
      { scope: { kind: 'range', id: 'p' }, addresses: -4 },
    ]);
    expect(deltasOf(sample('range', 'create', null, { parent: null, cidr: '10.0.0.0/8' }))).toEqual([]);
  });

  it("reads nodes' pod blocks and Services' ClusterIPs per family", () => {
    expect(deltasOf(sample('node', 'create', null, { podCidrs: ['10.244.1.0/24', 'fd00:1::/64'] }, 'c1'))).toEqual([
      { scope: { kind: 'pod', id: 'c1', family: 'IPv4' }, addresses: 256 },
      { scope: { kind: 'pod', id: 'c1', family: 'IPv6' }, addresses: 2 ** 64 },
    ]);
    expect(deltasOf(sample('service', 'create', null, { clusterIPs: ['10.96.0.10', 'fd00::a'] }, 'c1'))).toHaveLength(2);
    expect(deltasOf(sample('service', 'create', null, { clusterIPs: ['None'] }, 'c1'))).toEqual([]);
    // dual to single stack: the second family released
    expect(deltasOf(sample('service', 'update', { clusterIPs: ['10.96.0.10', 'fd00::a'] }, { clusterIPs: ['10.96.0.10'] }, 'c1'))).toEqual([
      { scope: { kind: 'service', id: 'c1', family: 'IPv6' }, addresses: -1 },
    ]);
    expect(deltasOf(sample('node', 'update', { podCidrs: ['10.244.1.0/24'] }, { podCidrs: ['10.244.1.0/24'] }, 'c1'))).toEqual([]);
  });

  it('projects the exhaustion date at the net rate of the window', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    // 10 addresses a day for the last 10 days, 5 released yesterday
    const deltas = Array.from({ length: 10 }, (_, i) => ({ at: new Date(now.getTime() - (i + 0.5) * 86_400_000), addresses: 10 }));
    deltas.push({ at: new Date(now.getTime() - 86_400_000), addresses: -7 });
    const week = forecastWindow(deltas, now, 7, 630);
    expect(week.netAddressesPerDay).toBeCloseTo((70 - 7) / 7);
    expect(week.daysLeft).toBeCloseTo(70);
    expect(week.exhaustionDate).toBe('2027-02-11');
    expect(week.projection).toBe('exhausts');
    const month = forecastWindow(deltas, now, 30, 630);
    expect(month.netAddressesPerDay).toBeCloseTo(93 / 30);
  });

  it('says "not at this rate" when the space does not grow', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    expect(forecastWindow([], now, 7, 100)).toEqual({
      days: 7,
      netAddressesPerDay: 0,
      daysLeft: null,
      exhaustionDate: null,
      projection: 'not at this rate',
    });
    const shrinking = [{ at: new Date(now.getTime() - 3_600_000), addresses: -4 }];
    expect(forecastWindow(shrinking, now, 7, 100).projection).toBe('not at this rate');
    // older than the window: not counted
    expect(forecastWindow([{ at: new Date(now.getTime() - 8 * 86_400_000), addresses: 50 }], now, 7, 100).projection).toBe(
      'not at this rate',
    );
  });

  it('says a full space that still grows is exhausted now', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    expect(forecastWindow([{ at: now, addresses: 1 }], now, 7, 0)).toMatchObject({ daysLeft: 0, exhaustionDate: '2026-12-03' });
  });
});

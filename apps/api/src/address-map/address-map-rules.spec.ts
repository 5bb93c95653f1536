import { Prefix } from '@kipam/cidr';
import { buildGrid, cellIndex, cellLengthOf, supernetsWithin, type CellAggregate } from './address-map-rules';

const p = (s: string) => Prefix.parse(s);
const agg = (cell: string, length: number, count = 1, more: Partial<CellAggregate> = {}): CellAggregate => ({
  cell: p(cell),
  length,
  count,
  reserved: false,
  overlapAllowed: false,
  ...more,
});

describe('address map rules', () => {
  it.each([
    ['10.0.0.0/8', 8, 16],
    ['10.0.0.0/30', 8, 32],
    ['fd00::/64', 10, 74],
    ['fd00::1/128', 4, 128],
  ])('cuts %s at depth %i into cells of /%i', (prefix, depth, length) => {
    expect(cellLengthOf(p(prefix), depth)).toBe(length);
  });

  it('places blocks by index in address order', () => {
    expect(cellIndex(p('10.0.0.0/8'), 16, p('10.244.0.0/16'))).toBe(244);
    expect(cellIndex(p('fd00::/48'), 56, p('fd00:0:0:ff00::/56'))).toBe(255);
  });

  it('sums leases per cell, keeps reservations apart, and leaves empty cells out', () => {
    const grid = buildGrid(p('10.0.0.0/8'), 16, [
      agg('10.1.0.0/16', 24, 3),
      agg('10.1.0.0/16', 32, 2, { reserved: true }),
      agg('10.9.0.0/16', 16),
    ]);
    expect(grid.cells.map((c) => [c.prefix.toString(), c.leased, c.reserved, c.free, c.leaseCount])).toEqual([
      ['10.1.0.0/16', 768n, 2n, 65536n - 770n, 5],
      ['10.9.0.0/16', 65536n, 0n, 0n, 1],
    ]);
    expect(grid).toMatchObject({ total: 16777216n, leased: 768n + 65536n, reserved: 2n, leaseCount: 6, depth: 8 });
  });

  it('fills every cell a lease larger than a cell spans', () => {
    const grid = buildGrid(p('10.0.0.0/16'), 18, [agg('10.0.128.0/17', 17)]);
    expect(grid.cells.map((c) => [c.index, c.leased, c.free])).toEqual([
      [2, 16384n, 0n],
      [3, 16384n, 0n],
    ]);
    expect(grid.leased).toBe(32768n);
  });

  it('counts IPv6 beyond 2^53 exactly and never counts a brownfield overlap twice', () => {
    const grid = buildGrid(p('fd00::/56'), 64, [agg('fd00::/64', 64), agg('fd00::/64', 64, 1, { overlapAllowed: true })]);
    expect(grid.cells[0]).toMatchObject({ leased: 2n ** 64n, free: 0n, leaseCount: 2 });
    expect(grid.free).toBe(2n ** 72n - 2n ** 64n);
  });

  it('gives a view inside one lease wholly to it', () => {
    const grid = buildGrid(p('10.0.1.128/25'), 27, [], { reserved: false });
    expect(grid.cells).toHaveLength(4);
    expect(grid).toMatchObject({ leased: 128n, free: 0n, leaseCount: 1 });
  });

  it('lists the supernets of a view up to the pool', () => {
    expect(supernetsWithin(p('10.0.1.128/25'), p('10.0.0.0/22')).map(String)).toEqual(['10.0.1.0/24', '10.0.0.0/23', '10.0.0.0/22']);
    expect(supernetsWithin(p('10.0.0.0/22'), p('10.0.0.0/22'))).toEqual([]);
  });
});

import { Prefix } from '@kipam/cidr';

/**
 * The arithmetic of an address map: a prefix cut into 2^depth equal cells,
 * each with its leased, reserved and free address counts. It works from
 * per-cell aggregates (how many leases of each length a cell holds), so its
 * cost depends on the number of cells and of distinct lease lengths, never on
 * how many addresses the prefix spans.
 */

export const MAX_MAP_DEPTH = 10;
export const DEFAULT_MAP_DEPTH = 8;

/** How leases of one length in one cell count: `cell` is the cell's network (or the lease itself when it spans cells). */
export interface CellAggregate {
  cell: Prefix;
  /** The prefix length of the leases counted. */
  length: number;
  /** Reservations and the addresses Kubernetes never hands out. */
  reserved: boolean;
  /** A brownfield lease accepted despite an overlap: listed, never counted as used space twice. */
  overlapAllowed: boolean;
  count: number;
}

export interface CellCounts {
  index: number;
  prefix: Prefix;
  leased: bigint;
  reserved: bigint;
  free: bigint;
  leaseCount: number;
}

export interface MapGrid {
  prefix: Prefix;
  depth: number;
  cellLength: number;
  total: bigint;
  leased: bigint;
  reserved: bigint;
  free: bigint;
  leaseCount: number;
  /** Only the cells that hold something, in address order. */
  cells: CellCounts[];
}

/** The cell prefix length for a view: depth bits below the prefix, never past a single address. */
export function cellLengthOf(prefix: Prefix, depth: number): number {
  return Math.min(prefix.length + depth, prefix.bits);
}

/** The position of a cell (or of the first cell a larger block covers) inside the view. */
export function cellIndex(view: Prefix, cellLength: number, block: Prefix): number {
  return Number((block.firstValue - view.firstValue) >> BigInt(view.bits - cellLength));
}

/**
 * The cells of `view` at `cellLength`, from aggregates of the leases inside
 * the view. `covering` is a lease of the same pool that contains the whole
 * view (the view was zoomed past it): then every cell is wholly its.
 */
export function buildGrid(
  view: Prefix,
  cellLength: number,
  aggregates: readonly CellAggregate[],
  covering?: { reserved: boolean },
): MapGrid {
  const bits = view.bits;
  const cellSize = 1n << BigInt(bits - cellLength);
  const cellCount = 1 << (cellLength - view.length);
  const cells = new Map<number, CellCounts>();
  const cellAt = (index: number): CellCounts => {
    let c = cells.get(index);
    if (!c) {
      c = { index, prefix: view.subnet(cellLength, index), leased: 0n, reserved: 0n, free: cellSize, leaseCount: 0 };
      cells.set(index, c);
    }
    return c;
  };
  const add = (c: CellCounts, addresses: bigint, reserved: boolean, leases: number) => {
    if (reserved) c.reserved += addresses;
    else c.leased += addresses;
    c.leaseCount += leases;
  };

  if (covering) {
    for (let i = 0; i < cellCount; i++) add(cellAt(i), cellSize, covering.reserved, 1);
  } else {
    for (const a of aggregates) {
      if (!view.contains(a.cell)) continue;
      const addresses = a.overlapAllowed ? 0n : BigInt(a.count) << BigInt(bits - a.length);
      if (a.length >= cellLength) {
        add(cellAt(cellIndex(view, cellLength, a.cell)), addresses, a.reserved, a.count);
      } else {
        // one lease larger than a cell: it fills every cell it spans
        const first = cellIndex(view, cellLength, a.cell);
        const spans = 1 << (cellLength - a.length);
        for (let i = first; i < first + spans; i++) add(cellAt(i), a.overlapAllowed ? 0n : cellSize * BigInt(a.count), a.reserved, a.count);
      }
    }
  }

  let leased = 0n;
  let reserved = 0n;
  let leaseCount = 0;
  const list = [...cells.values()].sort((x, y) => x.index - y.index);
  for (const c of list) {
    // overlapping brownfield leases are not counted, so a cell never exceeds its size; clamp anyway
    if (c.leased + c.reserved > cellSize) c.leased = cellSize - c.reserved > 0n ? cellSize - c.reserved : 0n;
    if (c.reserved > cellSize) c.reserved = cellSize;
    c.free = cellSize - c.leased - c.reserved;
    leased += c.leased;
    reserved += c.reserved;
    leaseCount += c.leaseCount;
  }
  if (covering) leaseCount = 1;
  return {
    prefix: view,
    depth: cellLength - view.length,
    cellLength,
    total: view.size,
    leased,
    reserved,
    free: view.size - leased - reserved,
    leaseCount,
    cells: list,
  };
}

/** The prefixes strictly containing `view` down to (and including) `outer`: where a covering lease can be. */
export function supernetsWithin(view: Prefix, outer: Prefix): Prefix[] {
  const out: Prefix[] = [];
  for (let p = view.parent(); p && p.length >= outer.length; p = p.parent()) out.push(p);
  return out;
}

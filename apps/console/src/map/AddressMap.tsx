import { useMemo, useState, type KeyboardEvent } from 'react';
import { Prefix } from '@kipam/cidr';
import type { AddressMap as MapData, MapCell, MapLease } from '../api/types';
import { HOLDER_COLORS, holderText } from '../components/HolderLink';
import { exactCount, formatPercent, percent } from '../lib/counts';
import { mapLayout } from './layout';

const CELL = 22;
const FREE = '#e6ebf1';

export interface CellView {
  index: number;
  prefix: string;
  cell: MapCell | undefined;
}

/** What clicking a cell does: go into the pool a lease became, open its holder, or zoom into the cell. */
export type CellAction =
  { kind: 'inner'; lease: MapLease } | { kind: 'open'; lease: MapLease } | { kind: 'zoom'; prefix: string } | { kind: 'none' };

export function actionFor(map: MapData, view: CellView): CellAction {
  const leases = view.cell?.leases ?? [];
  const covers = (l: MapLease) => Prefix.parseAddressOrCidr(l.cidr).length <= map.cellPrefixLength;
  // a lease filling the whole cell (an accepted brownfield overlap only when nothing else does)
  const whole = leases.find((l) => covers(l) && !l.overlapAllowed) ?? leases.find(covers);
  if (whole?.innerPool) return { kind: 'inner', lease: whole };
  if (whole) return { kind: 'open', lease: whole };
  const lease = leases[0];
  if (lease && map.cellPrefixLength === Prefix.parse(map.prefix).bits) return { kind: 'open', lease };
  if (map.cellPrefixLength < Prefix.parse(map.prefix).bits && map.depth > 0) return { kind: 'zoom', prefix: view.prefix };
  return { kind: 'none' };
}

function describe(view: CellView): string {
  const c = view.cell;
  if (!c) return `${view.prefix}: free`;
  const total = BigInt(c.leased) + BigInt(c.reserved) + BigInt(c.free);
  const holders = c.leases.map((l) => holderText(l.holder)).join('; ');
  const more = c.leaseCount > c.leases.length ? ` and ${c.leaseCount - c.leases.length} more` : '';
  return (
    `${view.prefix}: ${formatPercent(percent(c.leased, total))} leased, ${formatPercent(percent(c.reserved, total))} reserved, ` +
    `${exactCount(c.free)} free. ${holders}${more}`
  );
}

function fillOf(cell: MapCell | undefined): { fill: string; opacity: number } {
  if (!cell) return { fill: FREE, opacity: 1 };
  const lease = cell.leases[0];
  const total = BigInt(cell.leased) + BigInt(cell.reserved) + BigInt(cell.free);
  const used = percent(BigInt(cell.leased) + BigInt(cell.reserved), total);
  const kind = BigInt(cell.reserved) > BigInt(cell.leased) ? 'reservation' : (lease?.holder.kind ?? 'cluster');
  // partly used cells are lighter; even one address in a /64 stays visible
  return { fill: HOLDER_COLORS[kind], opacity: 0.35 + 0.65 * Math.min(1, used / 100) };
}

interface Props {
  map: MapData;
  onAction(action: CellAction): void;
}

/**
 * The map drawn as SVG from the API's cells: no charting library draws a
 * Hilbert-curve address map, and the cells are plain rectangles. The SVG is
 * one tab stop; arrow keys move between cells and Enter acts on one, and a
 * live region reads out the cell under the cursor.
 */
export function AddressMap({ map, onAction }: Props) {
  const layout = useMemo(() => mapLayout(map.depth), [map.depth]);
  const count = 2 ** map.depth;
  const view = useMemo(() => Prefix.parse(map.prefix), [map.prefix]);
  const byIndex = useMemo(() => new Map(map.cells.map((c) => [c.index, c])), [map.cells]);
  const [focus, setFocus] = useState<number | null>(null);
  const [hover, setHover] = useState<number | null>(null);

  const cellView = (index: number): CellView => ({
    index,
    cell: byIndex.get(index),
    prefix: view.subnet(map.cellPrefixLength, index).toString(),
  });
  const shown = hover ?? focus;
  const current = shown === null ? null : cellView(shown);

  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    const at = layout.point(focus ?? 0);
    const moves: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[e.key]) {
      e.preventDefault();
      if (focus === null) return setFocus(0);
      const [dx, dy] = moves[e.key];
      const x = Math.min(layout.columns - 1, Math.max(0, at.x + dx));
      const y = Math.min(layout.rows - 1, Math.max(0, at.y + dy));
      setFocus(layout.index(x, y));
    } else if (e.key === 'Home') {
      e.preventDefault();
      setFocus(0);
    } else if (e.key === 'End') {
      e.preventDefault();
      setFocus(count - 1);
    } else if ((e.key === 'Enter' || e.key === ' ') && focus !== null) {
      e.preventDefault();
      onAction(actionFor(map, cellView(focus)));
    }
  };

  const rects = [];
  for (let i = 0; i < count; i++) {
    const p = layout.point(i);
    const cell = byIndex.get(i);
    const { fill, opacity } = fillOf(cell);
    rects.push(
      <rect
        key={i}
        data-index={i}
        data-prefix={cell?.prefix}
        x={p.x * CELL + 1}
        y={p.y * CELL + 1}
        width={CELL - 2}
        height={CELL - 2}
        rx={2}
        fill={fill}
        fillOpacity={opacity}
        className={cell ? 'cell taken' : 'cell'}
        onMouseEnter={() => setHover(i)}
        onMouseLeave={() => setHover((h) => (h === i ? null : h))}
        onClick={() => {
          setFocus(i);
          onAction(actionFor(map, cellView(i)));
        }}
      />,
    );
  }
  const focusPoint = focus === null ? null : layout.point(focus);

  return (
    <div className="map-wrap">
      <svg
        className="address-map"
        role="application"
        aria-roledescription="address map"
        aria-label={`Address map of ${map.prefix}: ${count} cells of /${map.cellPrefixLength}. Arrow keys move, Enter opens or zooms.`}
        aria-describedby="map-cell-status"
        tabIndex={0}
        viewBox={`0 0 ${layout.columns * CELL} ${layout.rows * CELL}`}
        width={Math.min(640, Math.max(384, layout.columns * 32))}
        onKeyDown={onKey}
        onFocus={() => setFocus((f) => f ?? 0)}
        data-testid="address-map"
      >
        {rects}
        {focusPoint && (
          <rect
            x={focusPoint.x * CELL}
            y={focusPoint.y * CELL}
            width={CELL}
            height={CELL}
            fill="none"
            stroke="#111827"
            strokeWidth={2}
            pointerEvents="none"
          />
        )}
      </svg>
      <div className="map-side">
        <p id="map-cell-status" role="status" aria-live="polite" className="cell-status" data-testid="map-cell-status">
          {current ? describe(current) : 'Hover or focus a cell to see who holds it.'}
        </p>
        {current?.cell && (
          <ul className="cell-leases">
            {current.cell.leases.map((l) => (
              <li key={l.id}>
                <span className="swatch" style={{ background: HOLDER_COLORS[l.holder.kind] }} aria-hidden="true" />
                <code>{l.cidr}</code> {holderText(l.holder)}
              </li>
            ))}
          </ul>
        )}
        <ul className="legend" aria-label="Legend">
          {(['cluster', 'range', 'node', 'service', 'reservation', 'system'] as const).map((k) => (
            <li key={k}>
              <span className="swatch" style={{ background: HOLDER_COLORS[k] }} aria-hidden="true" /> {k}
            </li>
          ))}
          <li>
            <span className="swatch" style={{ background: FREE, border: '1px solid #8893a0' }} aria-hidden="true" /> free
          </li>
        </ul>
      </div>
    </div>
  );
}

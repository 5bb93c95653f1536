import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { Prefix } from '@kipam/cidr';
import { rest } from '../api/client';
import type { AddressMap as MapData, MapCell, MapLease } from '../api/types';
import { Count } from '../components/Count';
import { columnsFor, DataTable } from '../components/DataTable';
import { HolderLink, holderHref } from '../components/HolderLink';
import { ProblemAlert } from '../components/ProblemAlert';
import { actionFor, AddressMap, type CellAction } from './AddressMap';

export type MapSource = { type: 'range'; id: string } | { type: 'cluster'; id: string; kind: 'pod' | 'service'; family?: string };

const DEPTHS = [4, 6, 8, 10];

export function innerPoolHref(lease: MapLease): string | null {
  const inner = lease.innerPool;
  if (!inner) return null;
  if (inner.kind === 'range' && inner.rangeId) return `/ranges/${inner.rangeId}`;
  if (inner.clusterId)
    return `/clusters/${inner.clusterId}/map?kind=${inner.kind === 'cluster_service' ? 'service' : 'pod'}&family=${inner.family}`;
  return null;
}

function mapPath(source: MapSource, prefix: string | null, depth: number): string {
  const q = new URLSearchParams();
  if (source.type === 'cluster') {
    q.set('kind', source.kind);
    if (source.family) q.set('family', source.family);
  }
  if (prefix) q.set('prefix', prefix);
  q.set('depth', String(depth));
  return `/v1/${source.type === 'range' ? 'ranges' : 'clusters'}/${source.id}/map?${q}`;
}

/** The ancestors of the view one zoom step apart, from the pool down: a breadcrumb to zoom out. */
function zoomTrail(pool: string, prefix: string, depth: number): Prefix[] {
  const outer = Prefix.parse(pool);
  const view = Prefix.parse(prefix);
  const trail: Prefix[] = [];
  for (let len = outer.length; len < view.length; len += Math.max(1, depth)) {
    trail.push(Prefix.containing(view.first, len));
  }
  trail.push(view);
  return trail;
}

/** What the cell's button in the table says: the same action a click on the map takes. */
function actionLabel(action: CellAction, prefix: string): string | null {
  switch (action.kind) {
    case 'zoom':
      return `Zoom into ${prefix}`;
    case 'inner':
      return `Open the map of ${action.lease.cidr} (${action.lease.holder.kind} ${action.lease.holder.name})`;
    case 'open':
      return `Open ${action.lease.holder.kind} ${action.lease.holder.name}`;
    case 'none':
      return null;
  }
}

/** A row of the cell table: one cell, or the run of cells one larger lease fills (shown once, as that lease). */
type CellRow = MapCell & { cellCount: number };

export function cellRows(map: MapData): CellRow[] {
  const rows: CellRow[] = [];
  for (const cell of map.cells) {
    const only = cell.leases.length === 1 && cell.leaseCount === 1 ? cell.leases[0] : undefined;
    const spans = only && Prefix.parseAddressOrCidr(only.cidr).length < map.cellPrefixLength;
    const last = rows[rows.length - 1];
    if (spans && last?.cellCount && last.leases.length === 1 && last.leases[0].id === only.id) {
      last.cellCount += 1;
      last.leased = (BigInt(last.leased) + BigInt(cell.leased)).toString();
      last.reserved = (BigInt(last.reserved) + BigInt(cell.reserved)).toString();
      last.free = (BigInt(last.free) + BigInt(cell.free)).toString();
      continue;
    }
    rows.push({ ...cell, cellCount: 1 });
  }
  return rows;
}

const cellColumns = (map: MapData | undefined, act: (action: CellAction) => void) => {
  const c = columnsFor<CellRow>();
  return c.columns([
    c.accessor('prefix', {
      header: 'Cell',
      cell: ({ row, getValue }) => {
        const action = map
          ? actionFor(map, { index: row.original.index, prefix: getValue(), cell: row.original })
          : { kind: 'none' as const };
        const label = actionLabel(action, getValue());
        const run =
          row.original.cellCount > 1 ? <span className="muted small"> and the next {row.original.cellCount - 1} cells</span> : null;
        return label ? (
          <button type="button" className="link" onClick={() => act(action)} title={label}>
            <code>{getValue()}</code>
            <span className="sr-only">: {label}</span>
            {run}
          </button>
        ) : (
          <>
            <code>{getValue()}</code>
            {run}
          </>
        );
      },
    }),
    c.accessor('leased', { header: 'Leased', enableSorting: false, cell: (i) => <Count value={i.getValue()} /> }),
    c.accessor('reserved', { header: 'Reserved', enableSorting: false, cell: (i) => <Count value={i.getValue()} /> }),
    c.accessor('free', { header: 'Free', enableSorting: false, cell: (i) => <Count value={i.getValue()} /> }),
    c.accessor('leaseCount', { header: 'Leases', cell: ({ row, getValue }) => (row.original.cellCount > 1 ? 1 : getValue()) }),
    c.display({
      id: 'holders',
      header: 'First leases',
      cell: ({ row }) => (
        <ul className="plain">
          {row.original.leases.map((l) => (
            <li key={l.id}>
              <code>{l.cidr}</code> <HolderLink holder={l.holder} />
              {innerPoolHref(l) && (
                <>
                  {' '}
                  <Link to={innerPoolHref(l)!}>map</Link>
                </>
              )}
            </li>
          ))}
        </ul>
      ),
    }),
  ]);
};

/** An address map with its zoom trail, depth choice and the list of cells that hold leases. */
export function MapView({ source, title }: { source: MapSource; title: string }) {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const prefix = params.get('prefix');
  const depth = Number(params.get('depth') ?? 8);
  const query = useQuery({
    queryKey: ['map', source, prefix, depth],
    queryFn: () => rest<MapData>(mapPath(source, prefix, DEPTHS.includes(depth) ? depth : 8)),
    placeholderData: (previous) => previous,
  });
  const data = query.data;

  const zoom = (to: string | null, d = depth) => {
    const next = new URLSearchParams(params);
    if (to) next.set('prefix', to);
    else next.delete('prefix');
    next.set('depth', String(d));
    setParams(next);
  };
  const onAction = (action: CellAction) => {
    if (action.kind === 'zoom') zoom(action.prefix);
    else if (action.kind === 'inner') void navigate(innerPoolHref(action.lease)!);
    else if (action.kind === 'open') {
      const href = holderHref(action.lease.holder);
      if (href) void navigate(href);
    }
  };
  const columns = useMemo(() => cellColumns(data, onAction), [data, params]);
  const rows = useMemo(() => (data ? cellRows(data) : []), [data]);

  if (query.error) return <ProblemAlert error={query.error} />;
  if (!data) return <p className="muted">Drawing the map…</p>;
  const trail = zoomTrail(data.pool.cidr, data.prefix, depth);

  return (
    <section aria-labelledby="map-h" className="map-section">
      <div className="section-head">
        <h2 id="map-h">{title}</h2>
        <label className="inline">
          Cells{' '}
          <select value={depth} onChange={(e) => zoom(prefix, Number(e.target.value))}>
            {DEPTHS.map((d) => (
              <option key={d} value={d}>
                {2 ** d}
              </option>
            ))}
          </select>
        </label>
      </div>
      <nav aria-label="Zoom" className="trail">
        <ol>
          {trail.map((p, i) => (
            <li key={p.toString()}>
              {i < trail.length - 1 ? (
                <button type="button" className="link" onClick={() => zoom(i === 0 ? null : p.toString())}>
                  {p.toString()}
                </button>
              ) : (
                <span aria-current="location">{p.toString()}</span>
              )}
            </li>
          ))}
        </ol>
      </nav>
      <p className="map-summary" data-testid="map-summary">
        <code>{data.prefix}</code> in {2 ** data.depth} cells of /{data.cellPrefixLength}: <Count value={data.leased} exact /> leased,{' '}
        <Count value={data.reserved} exact /> reserved, <Count value={data.free} exact /> free of <Count value={data.total} exact /> (
        {data.leaseCount} leases)
        {data.coveredBy && (
          <>
            {' '}
            — inside <code>{data.coveredBy.cidr}</code> of <HolderLink holder={data.coveredBy.holder} />
          </>
        )}
      </p>
      <AddressMap map={data} onAction={onAction} />
      <DataTable
        caption="Cells holding leases (every other cell is free)"
        columns={columns}
        data={rows}
        getRowId={(c) => String(c.index)}
        testId="map-cells"
        empty="No lease in this prefix: it is all free."
      />
    </section>
  );
}

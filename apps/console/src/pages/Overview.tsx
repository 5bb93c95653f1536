import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { graphql } from '../api/client';
import { OVERVIEW } from '../api/queries';
import type { ClusterSummary, Conflict, Domain, RangeSummary } from '../api/types';
import { useSession } from '../auth/session';
import { Count } from '../components/Count';
import { columnsFor, DataTable } from '../components/DataTable';
import { ExhaustionChart } from '../components/ExhaustionChart';
import { ProblemAlert } from '../components/ProblemAlert';
import { UsageBar, usageShares } from '../components/UsageBar';
import { compareFullness, formatPercent } from '../lib/counts';

interface OverviewData {
  domains: { nodes: Domain[] };
  ranges: { nodes: RangeSummary[]; pageInfo: { hasNextPage: boolean } };
  clusters: { nodes: ClusterSummary[]; pageInfo: { hasNextPage: boolean } };
  conflicts: { nodes: Conflict[] };
}

type RangeNode = RangeSummary & { children: RangeNode[] };

/** Ranges as a tree (children under their parent), each level in address order. */
function rangeTree(ranges: RangeSummary[]): RangeNode[] {
  const nodes = new Map(ranges.map((r) => [r.id, { ...r, children: [] as RangeNode[] }]));
  const roots: RangeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

const rangeColumns = (() => {
  const c = columnsFor<RangeNode>();
  return c.columns([
    c.accessor('name', {
      header: 'Range',
      cell: ({ row, getValue }) => (
        <span style={{ paddingLeft: `${row.depth * 1.25}rem` }} className="tree-cell">
          {row.getCanExpand() ? (
            <button
              type="button"
              className="twisty"
              aria-expanded={row.getIsExpanded()}
              aria-label={`${row.getIsExpanded() ? 'Collapse' : 'Expand'} ${getValue()}`}
              onClick={row.getToggleExpandedHandler()}
            >
              {row.getIsExpanded() ? '▾' : '▸'}
            </button>
          ) : (
            <span className="twisty-space" />
          )}
          <Link to={`/ranges/${row.original.id}`}>{getValue()}</Link>
        </span>
      ),
    }),
    c.accessor('cidr', { header: 'CIDR', cell: (i) => <code>{i.getValue()}</code> }),
    c.accessor('purpose', { header: 'Purpose' }),
    c.display({ id: 'bar', header: 'Utilisation', cell: ({ row }) => <UsageBar usage={row.original.usage} /> }),
    c.accessor((r) => usageShares(r.usage).used + usageShares(r.usage).reserved, {
      id: 'full',
      header: 'Full',
      cell: (i) => formatPercent(i.getValue()),
    }),
    c.accessor((r) => r.usage.free, {
      id: 'free',
      header: 'Free addresses',
      enableSorting: false,
      cell: (i) => <Count value={i.getValue()} />,
    }),
    c.accessor((r) => r.usage.total, {
      id: 'total',
      header: 'Total',
      enableSorting: false,
      cell: (i) => <Count value={i.getValue()} />,
    }),
  ]);
})();

const clusterColumns = (conflicted: Set<string>) => {
  const c = columnsFor<ClusterSummary>();
  return c.columns([
    c.accessor('name', {
      header: 'Cluster',
      cell: ({ row, getValue }) => (
        <>
          <Link to={`/clusters/${row.original.id}`}>{getValue()}</Link>
          {conflicted.has(row.original.id) && <span className="badge danger">conflict</span>}
        </>
      ),
    }),
    c.accessor('stack', { header: 'Stack', cell: (i) => <span className={`stack stack-${i.getValue()}`}>{i.getValue()}</span> }),
    c.accessor((r) => r.podCidrs.map((p) => p.cidr).join(', '), {
      id: 'pods',
      header: 'Pod CIDRs',
      cell: ({ row }) => <CidrList items={row.original.podCidrs} />,
    }),
    c.accessor((r) => r.serviceCidrs.map((p) => p.cidr).join(', '), {
      id: 'services',
      header: 'Service CIDRs',
      cell: ({ row }) => <CidrList items={row.original.serviceCidrs} />,
    }),
    c.accessor((r) => r.kubernetesVersion ?? '', { id: 'version', header: 'Kubernetes' }),
  ]);
};

function CidrList({ items }: { items: { family: string; cidr: string }[] }) {
  return (
    <ul className="cidrs">
      {items.map((i) => (
        <li key={i.cidr}>
          <code>{i.cidr}</code>
        </li>
      ))}
    </ul>
  );
}

function ConflictSideText({ side }: { side: Conflict['a'] }) {
  return (
    <>
      {side.kind} <code>{side.cidr}</code>{' '}
      {side.clusterId ? (
        <Link to={`/clusters/${side.clusterId}`}>{side.clusterName}</Link>
      ) : side.rangeId ? (
        <Link to={`/ranges/${side.rangeId}`}>range</Link>
      ) : null}
    </>
  );
}

export function Overview() {
  const session = useSession();
  const [domainId, setDomainId] = useState<string>('');
  const query = useQuery({ queryKey: ['overview'], queryFn: () => graphql<OverviewData>(OVERVIEW) });
  const data = query.data;

  const view = useMemo(() => {
    if (!data) return undefined;
    const inDomain = <T extends { domainId: string }>(xs: T[]) => (domainId ? xs.filter((x) => x.domainId === domainId) : xs);
    const ranges = inDomain(data.ranges.nodes);
    const clusters = inDomain(data.clusters.nodes);
    const domainName = data.domains.nodes.find((d) => d.id === domainId)?.name;
    const conflicts = domainName ? data.conflicts.nodes.filter((c) => c.domain === domainName) : data.conflicts.nodes;
    const conflicted = new Set(conflicts.flatMap((c) => [c.a.clusterId, c.b.clusterId]).filter((x): x is string => !!x));
    const fullest = [...ranges].sort((a, b) => compareFullness(a.usage, b.usage)).slice(0, 8);
    return { ranges, clusters, conflicts, conflicted, fullest, tree: rangeTree(ranges) };
  }, [data, domainId]);

  const clusterCols = useMemo(() => clusterColumns(view?.conflicted ?? new Set()), [view]);

  if (query.error) return <ProblemAlert error={query.error} />;
  if (!data || !view) return <p className="muted">Loading the fleet…</p>;

  return (
    <>
      <div className="page-head">
        <h1>Fleet overview</h1>
        <label className="inline">
          Domain{' '}
          <select value={domainId} onChange={(e) => setDomainId(e.target.value)}>
            <option value="">All domains</option>
            {data.domains.nodes.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ul className="stats" aria-label="Totals">
        <li>
          <strong>{view.ranges.length}</strong> ranges
        </li>
        <li>
          <strong>{view.clusters.length}</strong> clusters
        </li>
        <li className={view.conflicts.length ? 'danger' : undefined}>
          <strong>{view.conflicts.length}</strong> open conflicts
        </li>
      </ul>

      {view.conflicts.length > 0 && (
        <section aria-labelledby="conflicts-h" className="conflicts" data-testid="conflicts">
          <h2 id="conflicts-h">Open conflicts</h2>
          <p>These CIDRs overlap inside one routing domain: traffic to the shared space cannot be routed to both.</p>
          <ul>
            {view.conflicts.map((c, i) => (
              <li key={i}>
                <span className="badge danger">{c.relation}</span> <ConflictSideText side={c.a} /> and <ConflictSideText side={c.b} /> in{' '}
                {c.domain}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="exhaustion-h">
        <h2 id="exhaustion-h">Closest to exhaustion</h2>
        {view.fullest.length ? (
          <>
            <ExhaustionChart ranges={view.fullest} />
            <ol className="fullest" data-testid="fullest">
              {view.fullest.map((r) => (
                <li key={r.id}>
                  <Link to={`/ranges/${r.id}`}>{r.name}</Link> <code>{r.cidr}</code>:{' '}
                  {formatPercent(usageShares(r.usage).used + usageShares(r.usage).reserved)} full, <Count value={r.usage.free} /> free
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p className="muted">No ranges yet.</p>
        )}
      </section>

      <section aria-labelledby="ranges-h">
        <h2 id="ranges-h">Ranges</h2>
        <DataTable
          caption="Ranges, nested under their parents"
          columns={rangeColumns}
          data={view.tree}
          getRowId={(r) => r.id}
          getSubRows={(r) => (r.children.length ? r.children : undefined)}
          testId="ranges"
          empty={session.canWriteFleet ? 'No ranges yet: create one with the API (POST /v1/ranges).' : 'No ranges yet.'}
        />
        {data.ranges.pageInfo.hasNextPage && <p className="muted small">Showing the first 500 ranges.</p>}
      </section>

      <section aria-labelledby="clusters-h">
        <div className="section-head">
          <h2 id="clusters-h">Clusters</h2>
          {session.canWriteFleet && (
            <Link className="button" to="/clusters/new">
              Create cluster
            </Link>
          )}
        </div>
        <DataTable
          caption="Clusters with their stack, pod and service CIDRs"
          columns={clusterCols}
          data={view.clusters}
          getRowId={(c) => c.id}
          rowClassName={(c) => (view.conflicted.has(c.id) ? 'row-danger' : undefined)}
          testId="clusters"
        />
      </section>
    </>
  );
}

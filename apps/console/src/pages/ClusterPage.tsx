import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { graphql, rest } from '../api/client';
import { CLUSTER, CLUSTER_AUDIT } from '../api/queries';
import type { AuditRecord, ClusterDetail, ClusterNode, ClusterService, Conflict, LabelSelector, PodPoolDetail } from '../api/types';
import { useSession } from '../auth/session';
import { CapacityChart } from '../components/CapacityChart';
import { CopyButton } from '../components/CopyButton';
import { Count } from '../components/Count';
import { columnsFor, DataTable } from '../components/DataTable';
import { ProblemAlert } from '../components/ProblemAlert';
import { AddNodeForm } from '../forms/AddNodeForm';
import { CreateServiceForm } from '../forms/CreateServiceForm';

/** A pod pool as the page lists it, with the free node blocks of its capacity. */
interface PodPool extends PodPoolDetail {
  free: string | null;
}

/** A ServiceCIDR object as the page lists it; without the ServiceCIDR API, the cluster's own service CIDRs. */
interface ServiceCidrRow {
  name: string;
  default: boolean;
  cidrs: ClusterDetail['serviceCidrs'];
}

/** A label selector as kubectl writes it: `k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`; null selects every node. */
function selectorText(selector: LabelSelector | null): string {
  if (!selector) return 'every node';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator} (${values})`);
  }
  return parts.join(', ') || 'every node';
}

const podPoolColumns = (clusterId: string) => {
  const c = columnsFor<PodPool>();
  return c.columns([
    c.accessor('name', { header: 'Name', cell: ({ row, getValue }) => `${getValue()}${row.original.isDefault ? ' (default)' : ''}` }),
    c.accessor('family', { header: 'Family' }),
    c.accessor('cidr', { header: 'CIDR', cell: (i) => <code>{i.getValue()}</code> }),
    c.accessor('nodeMaskSize', { header: 'Node mask', cell: (i) => `/${i.getValue()}` }),
    c.accessor((p) => selectorText(p.nodeSelector), { id: 'selector', header: 'Node selector', cell: (i) => <code>{i.getValue()}</code> }),
    c.accessor('order', { header: 'Order' }),
    c.accessor('nodeBlocksTotal', {
      header: 'Node blocks',
      enableSorting: false,
      cell: ({ row }) =>
        row.original.free === null ? (
          <Count value={row.original.nodeBlocksTotal} />
        ) : (
          <>
            <Count value={row.original.free} /> free of <Count value={row.original.nodeBlocksTotal} />
          </>
        ),
    }),
    c.display({
      id: 'map',
      header: 'Map',
      cell: ({ row }) =>
        row.original.isDefault ? (
          <Link
            to={`/clusters/${clusterId}/map?kind=pod&family=${row.original.family}`}
            aria-label={`Address map of pod CIDR ${row.original.cidr}`}
          >
            map
          </Link>
        ) : (
          '—'
        ),
    }),
  ]);
};

const serviceCidrColumns = (clusterId: string) => {
  const c = columnsFor<ServiceCidrRow>();
  return c.columns([
    c.accessor('name', { header: 'Name', cell: ({ row, getValue }) => `${getValue()}${row.original.default ? ' (default)' : ''}` }),
    c.accessor((s) => s.cidrs.map((x) => x.cidr).join(', '), {
      id: 'cidrs',
      header: 'CIDRs',
      cell: ({ row }) =>
        row.original.cidrs.map((x, i) => (
          <code key={x.cidr} className="block" title={x.family}>
            {x.cidr}
            {row.original.default && i === 0 ? ' (primary)' : ''}
          </code>
        )),
    }),
    c.display({
      id: 'map',
      header: 'Map',
      cell: ({ row }) =>
        row.original.default
          ? row.original.cidrs.map((x) => (
              <Link
                key={x.cidr}
                className="block"
                to={`/clusters/${clusterId}/map?kind=service&family=${x.family}`}
                aria-label={`Address map of service CIDR ${x.cidr}`}
              >
                map
              </Link>
            ))
          : '—',
    }),
  ]);
};

const nodeColumns = (() => {
  const c = columnsFor<ClusterNode>();
  return c.columns([
    c.accessor('name', { header: 'Node' }),
    c.accessor((n) => n.podCidrs.map((p) => p.cidr).join(', '), {
      id: 'podCidrs',
      header: 'Pod CIDRs',
      cell: ({ row }) =>
        row.original.podCidrs.map((p) => (
          <code key={p.cidr} className="block">
            {p.cidr}
          </code>
        )),
    }),
    c.accessor((n) => n.addresses.map((a) => `${a.type} ${a.address}`).join(', '), { id: 'addresses', header: 'Addresses' }),
  ]);
})();

const serviceColumns = (() => {
  const c = columnsFor<ClusterService>();
  return c.columns([
    c.accessor((s) => `${s.namespace}/${s.name}`, { id: 'name', header: 'Service' }),
    c.accessor('type', { header: 'Type' }),
    c.accessor((s) => s.ipFamilyPolicy ?? '', { id: 'policy', header: 'ipFamilyPolicy' }),
    c.accessor((s) => s.ipFamilies.join(', '), { id: 'families', header: 'ipFamilies' }),
    c.accessor((s) => s.clusterIPs.map((a) => a.address).join(', '), {
      id: 'clusterIPs',
      header: 'ClusterIPs',
      cell: ({ row }) =>
        row.original.headless
          ? 'None (headless)'
          : row.original.clusterIPs.map((a) => (
              <code key={a.address} className="block" title={a.family}>
                {a.address}
              </code>
            )),
    }),
  ]);
})();

function AuditTrail({ clusterId }: { clusterId: string }) {
  const query = useQuery({
    queryKey: ['audit', clusterId],
    queryFn: () => graphql<{ audit: { nodes: AuditRecord[] } }>(CLUSTER_AUDIT, { id: clusterId }),
  });
  if (query.error) return <ProblemAlert error={query.error} />;
  const records = query.data?.audit.nodes ?? [];
  return (
    <ol className="audit" data-testid="audit">
      {records.map((r) => (
        <li key={r.id}>
          <time dateTime={r.at}>{new Date(r.at).toLocaleString()}</time> <strong>{r.actor}</strong> {r.action} {r.resource}{' '}
          <code>{r.resourceId}</code>
        </li>
      ))}
    </ol>
  );
}

export function ClusterPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const query = useQuery({
    queryKey: ['cluster', id],
    queryFn: () => graphql<{ cluster: ClusterDetail; conflicts: { nodes: Conflict[] } }>(CLUSTER, { id }),
  });
  const yaml = useQuery({
    queryKey: ['cluster-yaml', id],
    queryFn: () => rest<string>(`/v1/clusters/${id}/config?format=yaml`, { accept: 'application/yaml' }),
  });
  const poolCols = useMemo(() => podPoolColumns(id), [id]);
  const serviceCidrCols = useMemo(() => serviceCidrColumns(id), [id]);
  if (query.error) return <ProblemAlert error={query.error} />;
  const data = query.data;
  if (!data) return <p className="muted">Loading the cluster…</p>;
  const c = data.cluster;
  const mayChange = session.canChangeCluster(c.id);
  const podPools: PodPool[] = c.podPools.map((p) => ({
    ...p,
    free: c.capacity.pools.find((x) => x.name === p.name)?.nodeBlocksFree ?? null,
  }));
  // the default `kubernetes` ServiceCIDR first; a cluster without the ServiceCIDR API lists its service CIDRs
  const serviceCidrs: ServiceCidrRow[] =
    c.serviceCidrResources.length > 0
      ? [...c.serviceCidrResources].sort((a, b) => Number(b.default) - Number(a.default))
      : [{ name: 'kubernetes', default: true, cidrs: c.serviceCidrs }];

  return (
    <>
      <p className="crumbs">
        <Link to="/">Overview</Link> › cluster
      </p>
      <h1>
        Cluster {c.name} <span className={`stack stack-${c.stack}`}>{c.stack}</span>
      </h1>
      <dl className="facts">
        <dt>Domain</dt>
        <dd>{c.domain.name}</dd>
        <dt>Families</dt>
        <dd>
          {c.ipFamilies.join(', ')} (primary {c.ipFamilies[0]})
        </dd>
        <dt>Kubernetes</dt>
        <dd>{c.kubernetesVersion ?? 'not given'}</dd>
        <dt>Labels</dt>
        <dd>
          {Object.entries(c.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || 'none'}
        </dd>
        {c.profile && (
          <>
            <dt>Profile</dt>
            <dd>{c.profile}</dd>
          </>
        )}
        {c.nodeLocalCidrs.length > 0 && (
          <>
            <dt>Node-local ranges</dt>
            <dd>
              {c.nodeLocalCidrs.map((x) => (
                <code key={x} className="block">
                  {x}
                </code>
              ))}
            </dd>
          </>
        )}
        {c.ulaPrefix && (
          <>
            <dt>ULA prefix</dt>
            <dd>
              <code>{c.ulaPrefix}</code>
            </dd>
          </>
        )}
        <dt>Capacity</dt>
        <dd>
          <Count value={c.capacity.maxNodes} exact /> more nodes fit in every pod family
        </dd>
      </dl>

      {data.conflicts.nodes.length > 0 && (
        <section className="conflicts" aria-labelledby="cluster-conflicts-h">
          <h2 id="cluster-conflicts-h">Open conflicts</h2>
          <ul>
            {data.conflicts.nodes.map((x, i) => (
              <li key={i}>
                <code>{x.a.cidr}</code> ({x.a.kind} of {x.a.clusterName ?? 'a range'}) {x.relation} <code>{x.b.cidr}</code> ({x.b.kind} of{' '}
                {x.b.clusterName ?? 'a range'})
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="pools-h">
        <h2 id="pools-h">Pod pools</h2>
        <DataTable
          caption="Pod pools nodes take their blocks from: the first of its family whose selector matches a node's labels, by order"
          columns={poolCols}
          data={podPools}
          testId="pod-pools"
        />
        <CapacityChart families={c.capacity.families} />
      </section>

      <section aria-labelledby="service-cidrs-h">
        <h2 id="service-cidrs-h">ServiceCIDRs</h2>
        <DataTable
          caption="ServiceCIDRs ClusterIPs come from, the default kubernetes one first; its first CIDR sets the primary family"
          columns={serviceCidrCols}
          data={serviceCidrs}
          testId="service-cidrs"
        />
      </section>

      <section aria-labelledby="nodes-h" id="nodes">
        <h2 id="nodes-h">Nodes</h2>
        <DataTable
          caption={`Nodes (${c.nodes.nodes.length}${c.nodes.pageInfo.hasNextPage ? '+' : ''})`}
          columns={nodeColumns}
          data={c.nodes.nodes}
          getRowId={(n) => n.id}
          testId="nodes"
          empty="No nodes yet."
        />
        {mayChange && <AddNodeForm clusterId={c.id} />}
      </section>

      <section aria-labelledby="services-h" id="services">
        <h2 id="services-h">Services</h2>
        <DataTable
          caption={`Services (${c.services.nodes.length}${c.services.pageInfo.hasNextPage ? '+' : ''})`}
          columns={serviceColumns}
          data={c.services.nodes}
          getRowId={(s) => s.id}
          testId="services"
        />
        {mayChange && <CreateServiceForm clusterId={c.id} />}
      </section>

      <section aria-labelledby="config-h">
        <h2 id="config-h">Configuration</h2>
        <h3>Component flags</h3>
        <pre data-testid="flags" tabIndex={0} aria-label="Component flags">
          {c.config.text}
        </pre>
        <CopyButton text={c.config.text} label="Copy flags" />
        <h3>kubeadm ClusterConfiguration</h3>
        {yaml.error ? (
          <ProblemAlert error={yaml.error} />
        ) : (
          <>
            <pre data-testid="kubeadm" tabIndex={0} aria-label="kubeadm YAML">
              {yaml.data ?? 'Loading…'}
            </pre>
            <CopyButton text={yaml.data ?? ''} label="Copy kubeadm YAML" />
          </>
        )}
      </section>

      <section aria-labelledby="audit-h">
        <h2 id="audit-h">Audit trail</h2>
        {session.isAdmin ? <AuditTrail clusterId={c.id} /> : <p className="muted">The audit trail is shown to admin tokens only.</p>}
      </section>
    </>
  );
}

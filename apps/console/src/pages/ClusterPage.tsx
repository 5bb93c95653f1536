import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { graphql, rest } from '../api/client';
import { CLUSTER, CLUSTER_AUDIT } from '../api/queries';
import type { AuditRecord, ClusterDetail, ClusterNode, ClusterService, Conflict, Family } from '../api/types';
import { useSession } from '../auth/session';
import { CapacityChart } from '../components/CapacityChart';
import { CopyButton } from '../components/CopyButton';
import { Count } from '../components/Count';
import { columnsFor, DataTable } from '../components/DataTable';
import { ProblemAlert } from '../components/ProblemAlert';
import { AddNodeForm } from '../forms/AddNodeForm';
import { CreateServiceForm } from '../forms/CreateServiceForm';

/**
 * A pod address pool as the page lists it. Today a cluster has one pod CIDR
 * per family (kube-controller-manager's --cluster-cidr); the table takes any
 * number of pools per family, each with its node mask and node selector.
 */
interface PodPool {
  family: Family;
  cidr: string;
  nodeMask: number;
  selector: string | null;
  capacity?: ClusterDetail['capacity']['families'][number];
}

/** A service CIDR as the page lists it; the first is the one kube-apiserver calls "kubernetes". */
interface ServiceCidr {
  name: string;
  family: Family;
  cidr: string;
  primary: boolean;
}

const podPoolColumns = (clusterId: string) => {
  const c = columnsFor<PodPool>();
  return c.columns([
    c.accessor('family', { header: 'Family' }),
    c.accessor('cidr', { header: 'CIDR', cell: (i) => <code>{i.getValue()}</code> }),
    c.accessor('nodeMask', { header: 'Node mask', cell: (i) => `/${i.getValue()}` }),
    c.accessor((p) => p.selector ?? 'every node', { id: 'selector', header: 'Node selector' }),
    c.accessor((p) => p.capacity?.nodeBlocksFree ?? '0', {
      id: 'free',
      header: 'Node blocks free',
      enableSorting: false,
      cell: ({ row }) =>
        row.original.capacity ? (
          <>
            <Count value={row.original.capacity.nodeBlocksFree} /> of <Count value={row.original.capacity.nodeBlocksTotal} />
          </>
        ) : (
          '—'
        ),
    }),
    c.display({
      id: 'map',
      header: 'Map',
      cell: ({ row }) => (
        <Link
          to={`/clusters/${clusterId}/map?kind=pod&family=${row.original.family}`}
          aria-label={`Address map of pod CIDR ${row.original.cidr}`}
        >
          map
        </Link>
      ),
    }),
  ]);
};

const serviceCidrColumns = (clusterId: string) => {
  const c = columnsFor<ServiceCidr>();
  return c.columns([
    c.accessor('name', { header: 'Name' }),
    c.accessor('family', { header: 'Family', cell: ({ row, getValue }) => `${getValue()}${row.original.primary ? ' (primary)' : ''}` }),
    c.accessor('cidr', { header: 'CIDR', cell: (i) => <code>{i.getValue()}</code> }),
    c.display({
      id: 'map',
      header: 'Map',
      cell: ({ row }) => (
        <Link
          to={`/clusters/${clusterId}/map?kind=service&family=${row.original.family}`}
          aria-label={`Address map of service CIDR ${row.original.cidr}`}
        >
          map
        </Link>
      ),
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
  const podPools: PodPool[] = c.podCidrs.map((p) => ({
    family: p.family,
    cidr: p.cidr,
    nodeMask: p.family === 'IPv4' ? c.nodeMaskSizeIPv4 : c.nodeMaskSizeIPv6,
    selector: null,
    capacity: c.capacity.families.find((f) => f.podCidr === p.cidr),
  }));
  const serviceCidrs: ServiceCidr[] = c.serviceCidrs.map((s, i) => ({
    name: i === 0 ? 'kubernetes' : `${s.family.toLowerCase()} secondary`,
    family: s.family,
    cidr: s.cidr,
    primary: i === 0,
  }));

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
        <h2 id="pools-h">Pod address pools</h2>
        <DataTable
          caption="Pod CIDRs nodes take their blocks from, in the order nodes get them"
          columns={poolCols}
          data={podPools}
          testId="pod-pools"
        />
        <CapacityChart families={c.capacity.families} />
      </section>

      <section aria-labelledby="service-cidrs-h">
        <h2 id="service-cidrs-h">Service CIDRs</h2>
        <DataTable
          caption="Service CIDRs ClusterIPs come from; the first sets the primary family"
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

import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { Address, Prefix } from '@kipam/cidr';
import { rest } from '../api/client';
import type { ClusterCidrOwner, Lease, NodeLocalOwner, WhoIs } from '../api/types';
import { columnsFor, DataTable } from '../components/DataTable';
import { HolderLink } from '../components/HolderLink';
import { ProblemAlert } from '../components/ProblemAlert';

interface Answer {
  query: string;
  containing: Lease[];
  inside: Lease[];
  insideMore: boolean;
  nodeAddresses: WhoIs['nodeAddresses'];
  clusterCidrs: ClusterCidrOwner[];
  nodeLocal: NodeLocalOwner[];
  nodeLocalMore: boolean;
}

/** An address: who-owns. A CIDR: the leases containing all of it, and the leases inside it. */
async function ask(q: string): Promise<Answer> {
  if (q.includes('/')) {
    const cidr = Prefix.parse(q);
    const [who, inside] = await Promise.all([
      rest<WhoIs>(`/v1/whois?address=${encodeURIComponent(cidr.first.toString())}`),
      rest<{ items: Lease[]; nextCursor: string | null }>(`/v1/leases?within=${encodeURIComponent(cidr.toString())}&limit=200`),
    ]);
    const holds = (c: string) => Prefix.parseAddressOrCidr(c).contains(cidr);
    const containing = who.leases.filter((l) => holds(l.cidr));
    return {
      query: cidr.toString(),
      containing,
      inside: inside.items.filter((l) => l.cidr !== cidr.toString()),
      insideMore: inside.nextCursor !== null,
      nodeAddresses: [],
      clusterCidrs: who.clusterCidrs.filter((c) => holds(c.cidr)),
      nodeLocal: who.nodeLocal.filter((n) => holds(n.cidr)),
      nodeLocalMore: false,
    };
  }
  const address = Address.parse(q);
  const who = await rest<WhoIs>(`/v1/whois?address=${encodeURIComponent(address.toString())}`);
  return {
    query: who.address,
    containing: who.leases,
    inside: [],
    insideMore: false,
    nodeAddresses: who.nodeAddresses,
    clusterCidrs: who.clusterCidrs,
    nodeLocal: who.nodeLocal,
    nodeLocalMore: who.nodeLocalMore,
  };
}

function poolLink(l: Lease) {
  if (l.pool.rangeId && l.pool.kind === 'range') return <Link to={`/ranges/${l.pool.rangeId}`}>range {l.pool.rangeName}</Link>;
  if (l.pool.clusterId) {
    const kind = l.pool.kind === 'cluster_service' ? 'service' : 'pod';
    return (
      <Link to={`/clusters/${l.pool.clusterId}/map?kind=${kind}&family=${l.family}`}>
        {kind} CIDR <code>{l.pool.cidr}</code>
      </Link>
    );
  }
  return <code>{l.pool.cidr}</code>;
}

const leaseColumns = (() => {
  const c = columnsFor<Lease>();
  return c.columns([
    c.accessor('cidr', { header: 'Lease', cell: (i) => <code>{i.getValue()}</code> }),
    c.accessor((l) => l.holder.name, { id: 'holder', header: 'Holder', cell: ({ row }) => <HolderLink holder={row.original.holder} /> }),
    c.accessor((l) => l.pool.cidr, { id: 'pool', header: 'Leased from', cell: ({ row }) => poolLink(row.original) }),
    c.accessor('family', { header: 'Family' }),
    c.accessor('createdAt', { header: 'Since', cell: (i) => new Date(i.getValue()).toLocaleString() }),
  ]);
})();

const KIND_NAMES: Record<string, string> = { pod: 'pod CIDR', service: 'service CIDR', pod_pool: 'pod pool' };

const clusterCidrColumns = (() => {
  const c = columnsFor<ClusterCidrOwner>();
  return c.columns([
    c.accessor('clusterName', {
      header: 'Cluster',
      cell: ({ row }) => <Link to={`/clusters/${row.original.clusterId}`}>cluster {row.original.clusterName}</Link>,
    }),
    c.accessor((x) => KIND_NAMES[x.kind] ?? x.kind, { id: 'kind', header: 'Kind' }),
    c.accessor('cidr', { header: 'CIDR', cell: (i) => <code>{i.getValue()}</code> }),
    c.accessor((x) => x.rangeName ?? 'declared', {
      id: 'range',
      header: 'Range',
      cell: ({ row }) =>
        row.original.rangeId ? <Link to={`/ranges/${row.original.rangeId}`}>range {row.original.rangeName}</Link> : 'declared',
    }),
    c.accessor('domainName', { header: 'Domain' }),
  ]);
})();

export function WhoOwns() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const [inputError, setInputError] = useState<string | null>(null);
  const answer = useQuery({ queryKey: ['who-owns', q], queryFn: () => ask(q), enabled: q !== '' && inputError === null });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    try {
      if (value.includes('/')) Prefix.parse(value);
      else Address.parse(value);
      setInputError(null);
      setParams({ q: value });
    } catch (error) {
      setInputError(error instanceof Error ? error.message : 'not an address or CIDR');
    }
  };

  const a = answer.data;
  return (
    <>
      <h1>Who owns</h1>
      <form role="search" onSubmit={submit} className="search" aria-label="Who owns an address or CIDR">
        <label htmlFor="who-q">Address or CIDR</label>
        <input
          id="who-q"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="10.96.0.10 or 10.244.0.0/16"
          spellCheck={false}
          aria-invalid={inputError ? true : undefined}
          aria-describedby={inputError ? 'who-q-error' : undefined}
        />
        <button type="submit" className="primary">
          Search
        </button>
        {inputError && (
          <p id="who-q-error" role="alert" className="field-error">
            {inputError}
          </p>
        )}
      </form>
      {answer.error && <ProblemAlert error={answer.error} />}
      {a && (
        <section aria-labelledby="who-h" data-testid="who-owns">
          <h2 id="who-h">
            <code>{a.query}</code>
          </h2>
          <DataTable
            caption={
              a.query.includes('/')
                ? 'Leases containing the whole CIDR, largest first'
                : 'Every lease containing the address, largest first'
            }
            columns={leaseColumns}
            data={a.containing}
            getRowId={(l) => l.id}
            empty="No lease contains it: it is not allocated anywhere."
          />
          {a.query.includes('/') && (
            <DataTable
              caption={`Leases inside ${a.query}${a.insideMore ? ' (first 200)' : ''}`}
              columns={leaseColumns}
              data={a.inside}
              getRowId={(l) => l.id}
              empty="No lease inside it."
            />
          )}
          {a.clusterCidrs.length > 0 && (
            <DataTable
              caption={`Cluster CIDRs containing ${a.query.includes('/') ? 'the whole CIDR' : 'the address'}, declared ones included`}
              columns={clusterCidrColumns}
              data={a.clusterCidrs}
              getRowId={(x) => `${x.clusterId} ${x.kind} ${x.cidr}`}
              testId="cluster-cidrs"
            />
          )}
          {a.nodeLocal.length > 0 && (
            <>
              <h3>Node-local ranges holding it</h3>
              <ul data-testid="node-local">
                {a.nodeLocal.map((n) => (
                  <li key={n.clusterId}>
                    <code>{n.cidr}</code>: <Link to={`/clusters/${n.clusterId}`}>{n.description}</Link>
                  </li>
                ))}
                {a.nodeLocalMore && <li className="muted">and more clusters</li>}
              </ul>
            </>
          )}
          {a.nodeAddresses.length > 0 && (
            <>
              <h3>Nodes reporting it</h3>
              <ul>
                {a.nodeAddresses.map((n) => (
                  <li key={n.nodeId}>
                    {n.type} of node {n.nodeName} in <Link to={`/clusters/${n.clusterId}#nodes`}>{n.clusterName}</Link>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </>
  );
}

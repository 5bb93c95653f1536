import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { graphql } from '../api/client';
import { RANGE } from '../api/queries';
import type { RangeSummary } from '../api/types';
import { useSession } from '../auth/session';
import { Count } from '../components/Count';
import { ProblemAlert } from '../components/ProblemAlert';
import { UsageBar, usageLabel } from '../components/UsageBar';
import { ReserveForm } from '../forms/ReserveForm';
import { MapView } from '../map/MapView';

interface RangeDetail extends RangeSummary {
  description: string;
  minPrefixLength: number | null;
  maxPrefixLength: number | null;
  domain: { name: string };
  parent: { id: string; name: string; cidr: string } | null;
  children: { id: string; name: string; cidr: string }[];
  reservations: { id: string; cidr: string; reason: string; createdAt: string }[];
}

export function RangePage() {
  const { id = '' } = useParams();
  const session = useSession();
  const query = useQuery({ queryKey: ['range', id], queryFn: () => graphql<{ range: RangeDetail }>(RANGE, { id }) });
  if (query.error) return <ProblemAlert error={query.error} />;
  const r = query.data?.range;
  if (!r) return <p className="muted">Loading the range…</p>;
  return (
    <>
      <p className="crumbs">
        <Link to="/">Overview</Link> › range
      </p>
      <h1>
        Range {r.name} <code>{r.cidr}</code>
      </h1>
      <dl className="facts">
        <dt>Domain</dt>
        <dd>{r.domain.name}</dd>
        <dt>Purpose</dt>
        <dd>{r.purpose}</dd>
        <dt>Prefix lengths</dt>
        <dd>
          default {r.defaultPrefixLength ?? '—'}, min {r.minPrefixLength ?? '—'}, max {r.maxPrefixLength ?? '—'}
        </dd>
        {r.parent && (
          <>
            <dt>Parent</dt>
            <dd>
              <Link to={`/ranges/${r.parent.id}`}>{r.parent.name}</Link> <code>{r.parent.cidr}</code>
            </dd>
          </>
        )}
        <dt>Usage</dt>
        <dd>
          <UsageBar usage={r.usage} width={240} /> {usageLabel(r.usage)}; <Count value={r.usage.free} exact /> of{' '}
          <Count value={r.usage.total} exact /> addresses free; largest free block {r.usage.largestFreePrefix ?? 'none'}
        </dd>
      </dl>
      {r.children.length > 0 && (
        <section aria-labelledby="children-h">
          <h2 id="children-h">Child ranges</h2>
          <ul>
            {r.children.map((c) => (
              <li key={c.id}>
                <Link to={`/ranges/${c.id}`}>{c.name}</Link> <code>{c.cidr}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
      <MapView source={{ type: 'range', id: r.id }} title="Address map" />
      <section aria-labelledby="reservations-h">
        <h2 id="reservations-h">Reservations</h2>
        {r.reservations.length ? (
          <ul>
            {r.reservations.map((x) => (
              <li key={x.id}>
                <code>{x.cidr}</code> {x.reason}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">None.</p>
        )}
        {session.canWriteFleet && <ReserveForm rangeId={r.id} />}
      </section>
    </>
  );
}

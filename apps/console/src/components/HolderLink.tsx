import { Link } from 'react-router-dom';
import type { LeaseHolder } from '../api/types';

export const HOLDER_COLORS: Record<LeaseHolder['kind'], string> = {
  cluster: '#1f5fbf',
  range: '#5b3cc4',
  node: '#0d7563',
  service: '#8a2d8f',
  reservation: '#a35200',
  system: '#5f6b7a',
};

/** Where a holder is shown in the console. */
export function holderHref(h: LeaseHolder): string | null {
  switch (h.kind) {
    case 'cluster':
      return `/clusters/${h.id}`;
    case 'node':
      return h.clusterId ? `/clusters/${h.clusterId}#nodes` : null;
    case 'service':
      return h.clusterId ? `/clusters/${h.clusterId}#services` : null;
    case 'range':
      return `/ranges/${h.id}`;
    case 'system':
      return h.clusterId ? `/clusters/${h.clusterId}` : null;
    case 'reservation':
      return null;
  }
}

export function holderText(h: LeaseHolder): string {
  const where = h.clusterName && h.kind !== 'cluster' ? ` (cluster ${h.clusterName})` : '';
  return `${h.kind} ${h.name}${where}`;
}

export function HolderLink({ holder }: { holder: LeaseHolder }) {
  const href = holderHref(holder);
  const text = holderText(holder);
  return (
    <span className="holder">
      <span className="swatch" style={{ background: HOLDER_COLORS[holder.kind] }} aria-hidden="true" />
      {href ? <Link to={href}>{text}</Link> : text}
    </span>
  );
}

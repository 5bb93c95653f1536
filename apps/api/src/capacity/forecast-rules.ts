import { Address, Prefix } from '@kipam/cidr';

/**
 * Exhaustion forecasts (pure): what each audited change allocated or released
 * in which space, the net rate over a window, and the day the free space runs
 * out at that rate. The audit trail is the history: its records carry the
 * resource before and after each change.
 */

/** A space whose use is forecast: a range, or a cluster's pod or service space of one family. */
export type ForecastScope = { kind: 'range'; id: string } | { kind: 'pod' | 'service'; id: string; family: 'IPv4' | 'IPv6' };

export interface AuditSample {
  at: Date;
  resource: string;
  action: string;
  clusterId: string | null;
  before: unknown;
  after: unknown;
}

export interface Delta {
  scope: ForecastScope;
  /** Addresses allocated (positive) or released (negative). */
  addresses: number;
}

const size = (cidr: string): number => {
  const p = Prefix.parseAddressOrCidr(cidr);
  return 2 ** ((p.family === 'IPv4' ? 32 : 128) - p.length);
};
const familyOfCidr = (cidr: string): 'IPv4' | 'IPv6' => Prefix.parseAddressOrCidr(cidr).family;
const addressFamily = (ip: string): 'IPv4' | 'IPv6' | undefined => {
  try {
    return Address.parse(ip).family;
  } catch {
    return undefined;
  }
};
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Range id → addresses held in it by one resource state (a cluster's CIDRs, a child range, a reservation). */
function rangeHoldings(resource: string, state: unknown): Map<string, number> {
  const held = new Map<string, number>();
  const add = (rangeId: unknown, cidr: unknown) => {
    if (typeof rangeId !== 'string' || typeof cidr !== 'string') return;
    held.set(rangeId, (held.get(rangeId) ?? 0) + size(cidr));
  };
  const s = obj(state);
  if (resource === 'cluster') {
    for (const a of [...list(s.podCidrAssignments), ...list(s.serviceCidrAssignments)]) add(obj(a).rangeId, obj(a).cidr);
  } else if (resource === 'range') {
    add(s.parent, s.cidr);
  } else if (resource === 'reservation') {
    add(s.rangeId, s.cidr);
  }
  return held;
}

/** `kind/family` → addresses held in a cluster's spaces by one node or Service state. */
function clusterHoldings(resource: string, state: unknown): Map<string, number> {
  const held = new Map<string, number>();
  const s = obj(state);
  if (resource === 'node') {
    for (const c of list(s.podCidrs))
      if (typeof c === 'string') held.set(`pod/${familyOfCidr(c)}`, (held.get(`pod/${familyOfCidr(c)}`) ?? 0) + size(c));
  } else if (resource === 'service') {
    for (const ip of list(s.clusterIPs)) {
      const family = typeof ip === 'string' ? addressFamily(ip) : undefined;
      if (!family) continue; // headless ("None")
      const key = `service/${family}`;
      held.set(key, (held.get(key) ?? 0) + 1);
    }
  }
  return held;
}

/** What one audited change did to each space it touched: after minus before. */
export function deltasOf(s: AuditSample): Delta[] {
  const out: Delta[] = [];
  const diff = (before: Map<string, number>, after: Map<string, number>, scopeOf: (key: string) => ForecastScope) => {
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const n = (after.get(key) ?? 0) - (before.get(key) ?? 0);
      if (n !== 0) out.push({ scope: scopeOf(key), addresses: n });
    }
  };
  diff(rangeHoldings(s.resource, s.before), rangeHoldings(s.resource, s.after), (id) => ({ kind: 'range', id }));
  if (s.clusterId) {
    const clusterId = s.clusterId;
    diff(clusterHoldings(s.resource, s.before), clusterHoldings(s.resource, s.after), (key) => {
      const [kind, family] = key.split('/') as ['pod' | 'service', 'IPv4' | 'IPv6'];
      return { kind, id: clusterId, family };
    });
  }
  return out;
}

export function scopeKey(scope: ForecastScope): string {
  return scope.kind === 'range' ? `range/${scope.id}` : `${scope.kind}/${scope.id}/${scope.family}`;
}

export interface WindowForecast {
  days: number;
  /** Net addresses allocated per day over the window (allocations minus releases). */
  netAddressesPerDay: number;
  /** Days until the free space is gone at that rate; null: not at this rate (no net growth). */
  daysLeft: number | null;
  /** The day (UTC, YYYY-MM-DD) the space runs out at that rate; null: not at this rate. */
  exhaustionDate: string | null;
  projection: 'exhausts' | 'not at this rate';
}

/** The forecast over the `days` before `now` of a space with `free` addresses, from its deltas. */
export function forecastWindow(deltas: { at: Date; addresses: number }[], now: Date, days: number, free: number): WindowForecast {
  const since = now.getTime() - days * 86_400_000;
  const net = deltas.filter((d) => d.at.getTime() > since && d.at.getTime() <= now.getTime()).reduce((sum, d) => sum + d.addresses, 0);
  const rate = net / days;
  if (rate <= 0) return { days, netAddressesPerDay: rate, daysLeft: null, exhaustionDate: null, projection: 'not at this rate' };
  const daysLeft = Math.max(0, free) / rate;
  const when = new Date(now.getTime() + daysLeft * 86_400_000);
  return {
    days,
    netAddressesPerDay: rate,
    daysLeft,
    exhaustionDate: Number.isFinite(when.getTime()) && when.getUTCFullYear() <= 9999 ? when.toISOString().slice(0, 10) : null,
    projection: 'exhausts',
  };
}

/** Deltas per space (by scopeKey) from audit rows as the database returns them. */
export function deltasByScope(
  rows: { at: Date; resource: string; action: string; cluster_id: string | null; before: unknown; after: unknown }[],
): Map<string, { at: Date; addresses: number }[]> {
  const by = new Map<string, { at: Date; addresses: number }[]>();
  for (const row of rows) {
    for (const d of deltasOf({
      at: row.at,
      resource: row.resource,
      action: row.action,
      clusterId: row.cluster_id,
      before: row.before,
      after: row.after,
    })) {
      const key = scopeKey(d.scope);
      const list = by.get(key) ?? [];
      list.push({ at: row.at, addresses: d.addresses });
      by.set(key, list);
    }
  }
  return by;
}

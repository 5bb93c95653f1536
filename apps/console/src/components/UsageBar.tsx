import { Bar, BarChart, XAxis, YAxis } from 'recharts';
import { formatPercent, percent } from '../lib/counts';

export const COLORS = {
  used: '#1f5fbf',
  reserved: '#a35200',
  free: '#dfe5ec',
} as const;

export interface UsageCounts {
  total: string;
  leased: string;
  reserved: string;
}

/** Used (leased minus reservations), reserved and free, in percent, computed from the bigint counts. */
export function usageShares(u: UsageCounts): { used: number; reserved: number; free: number } {
  const leased = BigInt(u.leased);
  const reserved = BigInt(u.reserved);
  const used = percent(leased - reserved, u.total);
  const res = percent(reserved, u.total);
  return { used, reserved: res, free: Math.max(0, 100 - used - res) };
}

export function usageLabel(u: UsageCounts): string {
  const s = usageShares(u);
  return `${formatPercent(s.used)} used, ${formatPercent(s.reserved)} reserved, ${formatPercent(s.free)} free`;
}

/** A one-row stacked bar (recharts) of used, reserved and free space. */
export function UsageBar({ usage, width = 160 }: { usage: UsageCounts; width?: number }) {
  const shares = usageShares(usage);
  return (
    <span className="usage-bar" role="img" aria-label={usageLabel(usage)} title={usageLabel(usage)}>
      <BarChart
        width={width}
        height={12}
        data={[{ name: 'usage', ...shares }]}
        layout="vertical"
        margin={{ top: 0, right: 0, bottom: 0, left: 0 }}
        barCategoryGap={0}
        accessibilityLayer={false}
      >
        <XAxis type="number" domain={[0, 100]} hide />
        <YAxis type="category" dataKey="name" hide />
        <Bar dataKey="used" stackId="u" fill={COLORS.used} isAnimationActive={false} />
        <Bar dataKey="reserved" stackId="u" fill={COLORS.reserved} isAnimationActive={false} />
        <Bar dataKey="free" stackId="u" fill={COLORS.free} isAnimationActive={false} />
      </BarChart>
    </span>
  );
}

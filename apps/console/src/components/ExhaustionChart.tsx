import { Tooltip, type TooltipContentProps } from 'recharts';
import type { NameType, ValueType } from 'recharts/types/component/DefaultTooltipContent';
import type { RangeSummary } from '../api/types';
import { exactCount, formatPercent } from '../lib/counts';
import { PercentBars } from './PercentBars';
import { COLORS, usageShares } from './UsageBar';

interface Row {
  name: string;
  cidr: string;
  used: number;
  reserved: number;
  free: number;
  freeExact: string;
}

function RangeTooltip({ active, payload }: TooltipContentProps<ValueType, NameType>) {
  const row = active ? (payload?.[0]?.payload as Row | undefined) : undefined;
  if (!row) return null;
  return (
    <div className="chart-tip">
      <strong>{row.name}</strong> {row.cidr}
      <div>
        {formatPercent(row.used)} used, {formatPercent(row.reserved)} reserved
      </div>
      <div>{exactCount(row.freeExact)} addresses free</div>
    </div>
  );
}

/** The ranges with the least free space, as stacked horizontal bars. */
export function ExhaustionChart({ ranges }: { ranges: RangeSummary[] }) {
  const data: Row[] = ranges.map((r) => ({ name: r.name, cidr: r.cidr, freeExact: r.usage.free, ...usageShares(r.usage) }));
  const summary = data.map((d) => `${d.name} ${formatPercent(d.used + d.reserved)} full`).join(', ');
  return (
    <PercentBars
      data={data}
      label={`Ranges closest to exhaustion: ${summary}`}
      categoryWidth={150}
      tooltip={<Tooltip content={RangeTooltip} cursor={{ fill: 'rgba(31,95,191,0.08)' }} />}
      series={[
        { key: 'used', name: 'Used', color: COLORS.used },
        { key: 'reserved', name: 'Reserved', color: COLORS.reserved },
        { key: 'free', name: 'Free', color: '#c3ccd6' },
      ]}
    />
  );
}

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import type { NameType, ValueType } from 'recharts/types/component/DefaultTooltipContent';
import type { RangeSummary } from '../api/types';
import { exactCount, formatPercent } from '../lib/counts';
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

/** The ranges with the least free space, as stacked horizontal bars (recharts). */
export function ExhaustionChart({ ranges }: { ranges: RangeSummary[] }) {
  const data: Row[] = ranges.map((r) => ({ name: r.name, cidr: r.cidr, freeExact: r.usage.free, ...usageShares(r.usage) }));
  const summary = data.map((d) => `${d.name} ${formatPercent(d.used + d.reserved)} full`).join(', ');
  return (
    <figure className="chart" role="img" aria-label={`Ranges closest to exhaustion: ${summary}`}>
      <BarChart
        width={560}
        height={40 + data.length * 30}
        data={data}
        layout="vertical"
        margin={{ top: 4, right: 24, bottom: 4, left: 8 }}
        accessibilityLayer={false}
      >
        <CartesianGrid horizontal={false} stroke="#c9d1db" />
        <XAxis type="number" domain={[0, 100]} unit="%" tick={{ fill: '#333d49', fontSize: 12 }} />
        <YAxis type="category" dataKey="name" width={150} tick={{ fill: '#1d2530', fontSize: 12 }} />
        <Tooltip content={RangeTooltip} cursor={{ fill: 'rgba(31,95,191,0.08)' }} />
        <Legend wrapperStyle={{ fontSize: 12, color: '#1d2530' }} />
        <Bar dataKey="used" name="Used" stackId="u" fill={COLORS.used} isAnimationActive={false} />
        <Bar dataKey="reserved" name="Reserved" stackId="u" fill={COLORS.reserved} isAnimationActive={false} />
        <Bar dataKey="free" name="Free" stackId="u" fill="#c3ccd6" isAnimationActive={false} />
      </BarChart>
    </figure>
  );
}

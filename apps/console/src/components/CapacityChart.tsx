import { Bar, BarChart, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { FamilyCapacity } from '../api/types';
import { exactCount, formatPercent, percent } from '../lib/counts';
import { COLORS } from './UsageBar';

/** Node blocks used and free per pod family (recharts), from the bigint counts. */
export function CapacityChart({ families }: { families: FamilyCapacity[] }) {
  const data = families.map((f) => {
    const used = percent(f.nodeBlocksUsed, f.nodeBlocksTotal);
    return { name: `${f.family} /${f.nodeMaskSize}`, used, free: 100 - used, f };
  });
  const label = data
    .map(
      (d) =>
        `${d.name}: ${exactCount(d.f.nodeBlocksUsed)} of ${exactCount(d.f.nodeBlocksTotal)} node blocks used (${formatPercent(d.used)})`,
    )
    .join('; ');
  return (
    <figure className="chart" role="img" aria-label={label}>
      <BarChart
        width={520}
        height={40 + data.length * 34}
        data={data}
        layout="vertical"
        margin={{ top: 4, right: 24, bottom: 4, left: 8 }}
        accessibilityLayer={false}
      >
        <XAxis type="number" domain={[0, 100]} unit="%" tick={{ fill: '#333d49', fontSize: 12 }} />
        <YAxis type="category" dataKey="name" width={90} tick={{ fill: '#1d2530', fontSize: 12 }} />
        <Tooltip formatter={(value) => `${Number(value).toFixed(2)}%`} />
        <Legend wrapperStyle={{ fontSize: 12, color: '#1d2530' }} />
        <Bar dataKey="used" name="Node blocks used" stackId="c" fill={COLORS.used} isAnimationActive={false} />
        <Bar dataKey="free" name="Free" stackId="c" fill="#c3ccd6" isAnimationActive={false} />
      </BarChart>
    </figure>
  );
}

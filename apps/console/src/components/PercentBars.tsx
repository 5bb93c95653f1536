import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';

export interface PercentSeries {
  key: string;
  name: string;
  color: string;
}

/**
 * Horizontal bars of percentages stacked to 100 (recharts), one row per
 * item, inside a figure whose label says in words what the bars show.
 */
export function PercentBars<T extends { name: string }>({
  data,
  series,
  label,
  categoryWidth,
  tooltip,
}: {
  data: T[];
  series: PercentSeries[];
  label: string;
  categoryWidth: number;
  tooltip?: ReactNode;
}) {
  return (
    <figure className="chart" role="img" aria-label={label}>
      <BarChart
        width={categoryWidth + 420}
        height={40 + data.length * 32}
        data={data}
        layout="vertical"
        margin={{ top: 4, right: 24, bottom: 4, left: 8 }}
        accessibilityLayer={false}
      >
        <CartesianGrid horizontal={false} stroke="#c9d1db" />
        <XAxis type="number" domain={[0, 100]} unit="%" tick={{ fill: '#333d49', fontSize: 12 }} />
        <YAxis type="category" dataKey="name" width={categoryWidth} tick={{ fill: '#1d2530', fontSize: 12 }} />
        {tooltip ?? <Tooltip formatter={(value) => `${Number(value).toFixed(2)}%`} />}
        <Legend wrapperStyle={{ fontSize: 12, color: '#1d2530' }} />
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.name} stackId="stack" fill={s.color} isAnimationActive={false} />
        ))}
      </BarChart>
    </figure>
  );
}

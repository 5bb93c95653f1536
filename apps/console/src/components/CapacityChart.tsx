import type { FamilyCapacity } from '../api/types';
import { exactCount, formatPercent, percent } from '../lib/counts';
import { PercentBars } from './PercentBars';
import { COLORS } from './UsageBar';

/** Node blocks used and free per pod family, from the bigint counts. */
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
    <PercentBars
      data={data}
      label={label}
      categoryWidth={90}
      series={[
        { key: 'used', name: 'Node blocks used', color: COLORS.used },
        { key: 'free', name: 'Free', color: '#c3ccd6' },
      ]}
    />
  );
}

import { exactCount, shortCount } from '../lib/counts';

/** A count shown short, with the exact value for hover and for screen readers. */
export function Count({ value, exact = false }: { value: string; exact?: boolean }) {
  const full = exactCount(value);
  if (exact) return <data value={value}>{full}</data>;
  const short = shortCount(value);
  return (
    <data value={value} title={full} aria-label={short === full ? undefined : full}>
      {short}
    </data>
  );
}

/**
 * Address counts arrive as decimal strings (IPv6 counts exceed 2^53) and are
 * handled as bigints: never converted to a JS number before display.
 */

const GROUPED = new Intl.NumberFormat('en-US');

/** The exact count with digit grouping: 18,446,744,073,709,551,616. */
export function exactCount(value: string | bigint): string {
  return GROUPED.format(BigInt(value));
}

const SHORT_UNITS: [bigint, string][] = [
  [10n ** 12n, 'T'],
  [10n ** 9n, 'G'],
  [10n ** 6n, 'M'],
  [10n ** 3n, 'k'],
];

/** log2 of a positive bigint, to one decimal, from its leading bits. */
function log2(value: bigint): number {
  const bits = value.toString(2).length;
  const shift = bits > 53 ? BigInt(bits - 53) : 0n;
  return Math.log2(Number(value >> shift)) + Number(shift);
}

/**
 * A short form for tables: exact below 10,000; then k/M/G/T; from 2^40 a power
 * of two (2^64, or ≈2^71.6 when not exact). The exact value goes in a title.
 */
export function shortCount(value: string | bigint): string {
  const n = BigInt(value);
  if (n < 10_000n) return GROUPED.format(n);
  if (n >= 1n << 40n) {
    const isPower = (n & (n - 1n)) === 0n;
    return isPower ? `2^${n.toString(2).length - 1}` : `≈2^${log2(n).toFixed(1)}`;
  }
  for (const [unit, suffix] of SHORT_UNITS) {
    if (n >= unit) {
      const tenths = (n * 10n) / unit;
      const whole = tenths / 10n;
      const frac = tenths % 10n;
      return `${whole}${frac && whole < 100n ? `.${frac}` : ''}${suffix}`;
    }
  }
  return GROUPED.format(n);
}

/** part / whole as a percentage with two decimals, computed in bigints. */
export function percent(part: string | bigint, whole: string | bigint): number {
  const w = BigInt(whole);
  if (w === 0n) return 0;
  return Number((BigInt(part) * 10_000n) / w) / 100;
}

export function formatPercent(p: number): string {
  if (p > 0 && p < 0.01) return '<0.01%';
  return `${p.toFixed(p >= 10 || p === 0 ? 1 : 2)}%`;
}

/** Compares free/total of two usages exactly (a / b < c / d ⇔ a·d < c·b): the fullest first. */
export function compareFullness(a: { free: string; total: string }, b: { free: string; total: string }): number {
  const left = BigInt(a.free) * BigInt(b.total);
  const right = BigInt(b.free) * BigInt(a.total);
  return left < right ? -1 : left > right ? 1 : 0;
}

import type { FieldError } from '../common/errors';

/**
 * Utilisation thresholds (pure): the levels a space (a range, a cluster's pod
 * or service CIDR of one family, later a pod pool) is in, and which settings
 * are valid. The database applies the same levels at COMMIT
 * (prisma/sql/events/kipam_capacity_check.sql).
 */
export const DEFAULT_WARN_AT = 0.8;
export const DEFAULT_CRITICAL_AT = 0.95;

export type CapacityLevel = 'ok' | 'warning' | 'critical';

export function levelOf(utilization: number, warnAt: number, criticalAt: number): CapacityLevel {
  if (utilization >= criticalAt) return 'critical';
  if (utilization >= warnAt) return 'warning';
  return 'ok';
}

/** 0 < warnAt ≤ criticalAt ≤ 1, each given or the current value. */
export function thresholdProblems(field: string, warnAt: number, criticalAt: number): FieldError[] {
  const problems: FieldError[] = [];
  const inRange = (v: number) => Number.isFinite(v) && v > 0 && v <= 1;
  if (!inRange(warnAt)) problems.push({ field: `${field}warnAt`, message: 'must be a ratio above 0 and at most 1 (0.8 = 80 % used)' });
  if (!inRange(criticalAt))
    problems.push({ field: `${field}criticalAt`, message: 'must be a ratio above 0 and at most 1 (0.95 = 95 % used)' });
  if (!problems.length && warnAt > criticalAt)
    problems.push({ field: `${field}warnAt`, message: `must not be above criticalAt (${criticalAt})` });
  return problems;
}

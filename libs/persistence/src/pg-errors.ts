/** SQLSTATE codes Kipam reacts to. KP* are raised by the lease engine's SQL functions. */
export const PgCode = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  rangeExhausted: 'KP001',
  blockTaken: 'KP002',
  outsidePool: 'KP003',
  leaseLength: 'KP004',
} as const;

export interface PgError {
  code: string;
  message: string;
  constraint?: string;
  detail?: string;
}

export function isPgError(error: unknown, code?: string): error is PgError {
  const c = (error as { code?: unknown } | null)?.code;
  return typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c) && (code === undefined || c === code);
}

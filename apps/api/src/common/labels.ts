import { ValidationError } from './errors';

/** Kubernetes-style label keys and values (prefix/name, 63-character names). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
export const MAX_LABELS = 64;

export type Labels = Record<string, string>;

export function labelProblems(labels: unknown): string[] {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return ['must be an object of string values'];
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > MAX_LABELS) return [`has more than ${MAX_LABELS} labels`];
  const problems: string[] = [];
  for (const [key, value] of entries) {
    if (key.length > 253 || !LABEL_KEY.test(key)) problems.push(`key ${JSON.stringify(key).slice(0, 80)} is not a valid label key`);
    else if (typeof value !== 'string' || !LABEL_VALUE.test(value))
      problems.push(`value of ${key} must be a label value (at most 63 characters: letters, digits, - _ .)`);
  }
  return problems;
}

/** One requirement of a label selector. */
export type LabelRequirement =
  | { op: 'eq'; key: string; value: string }
  | { op: 'neq'; key: string; value: string }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string };

/**
 * Parses `?label=` values: `key=value`, `key!=value`, `key`, `!key`; several
 * requirements may be comma-separated or repeated, and all must hold.
 */
export function parseLabelSelector(input: string | string[] | undefined): LabelRequirement[] {
  if (input === undefined) return [];
  const parts = (Array.isArray(input) ? input : [input]).flatMap((s) => s.split(','));
  return parts.map((raw) => {
    const part = raw.trim();
    let req: LabelRequirement;
    const neq = /^([^!=]+)!=(.*)$/.exec(part);
    const eq = /^([^!=]+)==?(.*)$/.exec(part);
    if (neq) req = { op: 'neq', key: neq[1], value: neq[2] };
    else if (eq) req = { op: 'eq', key: eq[1], value: eq[2] };
    else if (part.startsWith('!')) req = { op: 'absent', key: part.slice(1) };
    else req = { op: 'exists', key: part };
    if (!LABEL_KEY.test(req.key) || ('value' in req && !LABEL_VALUE.test(req.value))) {
      throw ValidationError.field(
        'label',
        `${JSON.stringify(part).slice(0, 80)} is not a label selector (key=value, key!=value, key or !key)`,
      );
    }
    return req;
  });
}

/**
 * SQL conditions for a selector over a jsonb `labels` column; parameters are
 * appended to `params`. The SQL text is the same whatever the selector holds
 * (the requirements travel as four arrays), so list queries stay a handful of
 * prepared statements.
 */
export function labelSql(column: string, reqs: LabelRequirement[], params: unknown[]): string[] {
  if (!reqs.length) return [];
  const add = (value: unknown) => `$${params.push(value)}`;
  const pairs = (op: 'eq' | 'neq') => reqs.flatMap((r) => (r.op === op ? [JSON.stringify({ [r.key]: r.value })] : []));
  const keys = (op: 'exists' | 'absent') => reqs.flatMap((r) => (r.op === op ? [r.key] : []));
  return [
    `${column} @> ALL(${add(pairs('eq'))}::jsonb[])`,
    `NOT (${column} @> ANY(${add(pairs('neq'))}::jsonb[]))`,
    `${column} ?& ${add(keys('exists'))}::text[]`,
    `NOT (${column} ?| ${add(keys('absent'))}::text[])`,
  ];
}

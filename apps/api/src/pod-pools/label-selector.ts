import type { FieldError } from '../common/errors';
import { labelProblems } from '../common/labels';

/**
 * Kubernetes' LabelSelector (k8s.io/apimachinery/pkg/apis/meta/v1, `LabelSelector`
 * and `LabelSelectorRequirement`) as pure functions: validated as
 * `LabelSelectorAsSelector` (apimachinery pkg/apis/meta/v1/helpers.go) does,
 * matched against a node's labels as `labels.Selector.Matches` does, and
 * rendered in Calico's selector syntax
 * (https://docs.tigera.io/calico/latest/reference/resources/ippool, `nodeSelector`;
 * https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors).
 */

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** At most this many requirements in one selector (matchLabels and matchExpressions together). */
export const MAX_REQUIREMENTS = 64;
/** At most this many values in one In/NotIn requirement. */
export const MAX_VALUES = 64;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * What LabelSelectorAsSelector refuses in a selector, each naming its field
 * under `field`: label keys and values that are not valid, an unknown
 * operator, In/NotIn without values, Exists/DoesNotExist with values.
 * Unknown fields are refused too (the API is strict about shapes).
 */
export function selectorProblems(input: unknown, field = 'nodeSelector'): FieldError[] {
  if (!isObject(input)) return [{ field, message: 'must be an object {matchLabels?, matchExpressions?}' }];
  const problems: FieldError[] = [];
  const unknown = Object.keys(input).filter((k) => k !== 'matchLabels' && k !== 'matchExpressions');
  if (unknown.length)
    problems.push({ field, message: `has unknown field(s) ${unknown.join(', ')} (expected matchLabels, matchExpressions)` });
  const { matchLabels, matchExpressions } = input;
  if (matchLabels !== undefined) {
    for (const message of labelProblems(matchLabels)) problems.push({ field: `${field}.matchLabels`, message });
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) {
      problems.push({ field: `${field}.matchExpressions`, message: 'must be an array of {key, operator, values?}' });
    } else {
      if (matchExpressions.length + (isObject(matchLabels) ? Object.keys(matchLabels).length : 0) > MAX_REQUIREMENTS)
        problems.push({ field, message: `has more than ${MAX_REQUIREMENTS} requirements` });
      for (const [i, e] of matchExpressions.slice(0, MAX_REQUIREMENTS + 1).entries()) {
        problems.push(...requirementProblems(e, `${field}.matchExpressions[${i}]`));
      }
    }
  }
  return problems;
}

function requirementProblems(e: unknown, field: string): FieldError[] {
  if (!isObject(e)) return [{ field, message: 'must be an object {key, operator, values?}' }];
  const problems: FieldError[] = [];
  const unknown = Object.keys(e).filter((k) => k !== 'key' && k !== 'operator' && k !== 'values');
  if (unknown.length) problems.push({ field, message: `has unknown field(s) ${unknown.join(', ')} (expected key, operator, values)` });
  if (typeof e.key !== 'string' || labelProblems({ [e.key]: '' }).length) {
    problems.push({ field: `${field}.key`, message: 'must be a valid label key (an optional DNS-subdomain prefix and a name)' });
  }
  if (!SELECTOR_OPERATORS.includes(e.operator as SelectorOperator)) {
    problems.push({
      field: `${field}.operator`,
      message: `${JSON.stringify(e.operator)} is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`,
    });
    return problems;
  }
  const values = e.values;
  if (values !== undefined && (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))) {
    problems.push({ field: `${field}.values`, message: 'must be an array of label values' });
    return problems;
  }
  const list = (values ?? []) as string[];
  if (e.operator === 'In' || e.operator === 'NotIn') {
    // apimachinery: "for 'in', 'notin' operators, values set can't be empty"
    if (!list.length) problems.push({ field: `${field}.values`, message: `must be non-empty for the ${e.operator} operator` });
    if (list.length > MAX_VALUES) problems.push({ field: `${field}.values`, message: `has more than ${MAX_VALUES} values` });
  } else if (list.length) {
    // apimachinery: "values set must be empty for exists and does not exist"
    problems.push({ field: `${field}.values`, message: `must be empty for the ${e.operator} operator` });
  }
  for (const [j, v] of list.entries()) {
    if (labelProblems({ k: v }).length)
      problems.push({ field: `${field}.values[${j}]`, message: `${JSON.stringify(v).slice(0, 80)} is not a valid label value` });
  }
  return problems;
}

/** A valid selector in canonical form: empty parts dropped, values sorted and deduplicated, null when it selects everything. */
export function normalizeSelector(s: LabelSelector | null | undefined): LabelSelector | null {
  if (!s) return null;
  const out: LabelSelector = {};
  const labels = Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length) out.matchLabels = Object.fromEntries(labels);
  const expressions = (s.matchExpressions ?? []).map((e) =>
    e.operator === 'In' || e.operator === 'NotIn'
      ? { key: e.key, operator: e.operator, values: [...new Set(e.values ?? [])].sort() }
      : { key: e.key, operator: e.operator },
  );
  if (expressions.length) out.matchExpressions = expressions;
  return out.matchLabels || out.matchExpressions ? out : null;
}

/**
 * Whether a node with these labels is selected. A null (absent) selector
 * selects every node, as does an empty one (`labels.Everything()`); the
 * requirements are ANDed. NotIn and DoesNotExist hold for a node without the
 * key, as in Kubernetes.
 */
export function selectorMatches(s: LabelSelector | null, labels: Record<string, string>): boolean {
  if (!s) return true;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (!has(k) || labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has(e.key) || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has(e.key) && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has(e.key)) return false;
        break;
      case 'DoesNotExist':
        if (has(e.key)) return false;
        break;
    }
  }
  return true;
}

const quote = (v: string) => `'${v}'`;

/**
 * The selector in Calico's syntax: `all()` for every node; otherwise the
 * requirements joined with `&&` — `k == 'v'` (matchLabels), `k in {'a', 'b'}`,
 * `k not in {'a', 'b'}` (true as well without the label, like NotIn),
 * `has(k)`, `!has(k)`. Label keys and values cannot hold quotes (label syntax),
 * so no escaping is needed.
 */
export function calicoSelector(s: LabelSelector | null): string {
  if (!s) return 'all()';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push(`${k} == ${quote(v)}`);
  for (const e of s.matchExpressions ?? []) {
    const set = `{${(e.values ?? []).map(quote).join(', ')}}`;
    if (e.operator === 'In') parts.push(`${e.key} in ${set}`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} not in ${set}`);
    else if (e.operator === 'Exists') parts.push(`has(${e.key})`);
    else parts.push(`!has(${e.key})`);
  }
  return parts.length ? parts.join(' && ') : 'all()';
}

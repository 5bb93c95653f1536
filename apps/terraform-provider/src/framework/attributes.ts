import { Address, Prefix } from '@kipam/cidr';
import { DiagnosticsError, error, type Diagnostic, type Path } from '../protocol/diagnostics';
import { listOf, mapOf, STRING, type Attribute } from '../protocol/schema';
import { isObject, isUnknown, sameValue, type ObjectValue, type Value } from '../protocol/values';

/** Equal as CIDRs whatever the spelling (`FD00:0::/56` is `fd00::/56`). */
export function sameCidr(a: Value, b: Value): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return sameValue(a, b);
  const pa = Prefix.tryParse(a);
  const pb = Prefix.tryParse(b);
  return pa !== null && pb !== null ? pa.family === pb.family && pa.network === pb.network && pa.length === pb.length : a === b;
}

/** Equal as IP addresses whatever the spelling; other strings ("None") compare as text. */
export function sameAddress(a: Value, b: Value): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return sameValue(a, b);
  const pa = Address.tryParse(a);
  const pb = Address.tryParse(b);
  return pa !== null && pb !== null ? pa.equals(pb) : a === b;
}

export const sameCidrList = (a: Value, b: Value) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => sameCidr(x, b[i])) : sameValue(a, b);
export const sameAddressList = (a: Value, b: Value) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => sameAddress(x, b[i])) : sameValue(a, b);

/** A map where null and {} are the same (no labels, no selector). */
export const sameMap = (a: Value, b: Value) => sameValue(emptyToNull(a), emptyToNull(b));
const emptyToNull = (v: Value) => (isObject(v) && Object.keys(v).length === 0 ? null : v);

export const id = (what: string): Attribute => ({ type: STRING, computed: true, description: `The ${what}'s server id (a UUID).` });

export const labels = (what: string): Attribute => ({
  type: mapOf(STRING),
  optional: true,
  computed: true,
  default: {},
  equal: sameMap,
  description: `Labels of the ${what} (Kubernetes label syntax). Changed in place; left out means none.`,
});

export const stringList = (description: string, extra: Partial<Attribute> = {}): Attribute => ({
  type: listOf(STRING),
  description,
  ...extra,
});

/** Known string value of an attribute, or undefined (null or unknown). */
export function str(v: Value | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: Value | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Validation of a CIDR attribute that is known (unknown and null pass). */
export function checkCidr(value: Value | undefined, path: Path, out: Diagnostic[]): void {
  if (typeof value !== 'string' || isUnknown(value)) return;
  try {
    Prefix.parse(value);
  } catch (e) {
    out.push(error('Invalid CIDR', (e as Error).message, path));
  }
}

export function checkAddress(value: Value | undefined, path: Path, out: Diagnostic[]): void {
  if (typeof value !== 'string' || value === 'None') return;
  if (!Address.tryParse(value)) out.push(error('Invalid IP address', `${JSON.stringify(value)} is not an IPv4 or IPv6 address`, path));
}

export function checkOneOf(value: Value | undefined, allowed: readonly string[], path: Path, out: Diagnostic[]): void {
  if (typeof value !== 'string') return;
  if (!allowed.includes(value))
    out.push(error('Invalid value', `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`, path));
}

/** The state object with every attribute of the schema present (null where absent). */
export function complete(attributes: Record<string, Attribute>, values: ObjectValue): ObjectValue {
  return Object.fromEntries(Object.keys(attributes).map((k) => [k, values[k] ?? null]));
}

/** Sets a known, non-null value on a request body (an unknown or null one is left to the server). */
export function optional(body: Record<string, unknown>, key: string, value: Value | undefined): void {
  if (value !== null && value !== undefined && !isUnknown(value)) body[key] = value;
}

/** Splits an import id of the form `PARENT_ID/CHILD_ID`. */
export function splitImportId(importId: string, form: string): [string, string] {
  const parts = importId.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new DiagnosticsError([error('Invalid import id', `expected ${form}, got ${JSON.stringify(importId)}`)]);
  return [parts[0], parts[1]];
}

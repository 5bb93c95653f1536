import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { CidrError, Prefix } from '@kipam/cidr';

/** A cluster CIDR as requested: declared (`"10.244.0.0/16"`) or carved from a range (`{range, prefixLength?}`). */
export type CidrEntry = string | CarveRequest;

export interface CarveRequest {
  /** Range id or name, in the cluster's domain. */
  range: string;
  /** Prefix length to carve; the range's default when omitted. */
  prefixLength?: number;
}

export function isCarveRequest(entry: CidrEntry): entry is CarveRequest {
  return typeof entry === 'object';
}

/** Why an entry is malformed, or null. */
export function entryProblem(entry: unknown): string | null {
  if (typeof entry === 'string') {
    try {
      Prefix.parse(entry);
      return null;
    } catch (error) {
      return error instanceof CidrError ? error.message : 'is not a CIDR';
    }
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return 'must be a CIDR string or an object {range, prefixLength?}';
  }
  const o = entry as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => k !== 'range' && k !== 'prefixLength');
  if (unknown.length) return `has unknown field(s) ${unknown.join(', ')} (expected range, prefixLength)`;
  if (typeof o.range !== 'string' || o.range.length === 0 || o.range.length > 63) return 'range must be a range id or name';
  if (
    o.prefixLength !== undefined &&
    (typeof o.prefixLength !== 'number' || !Number.isInteger(o.prefixLength) || o.prefixLength < 0 || o.prefixLength > 128)
  ) {
    return 'prefixLength must be a whole number from 0 to 128';
  }
  return null;
}

/** An array of one or two cluster CIDR entries. */
export function IsCidrEntries(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCidrEntries',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => problemOf(value) === null,
        defaultMessage: (args: ValidationArguments) => problemOf(args.value) ?? 'is invalid',
      },
    });
}

function problemOf(value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be an array of one or two entries (one per IP family)';
  if (value.length < 1 || value.length > 2) return 'must hold one or two entries (at most one per IP family)';
  for (const [i, entry] of value.entries()) {
    const p = entryProblem(entry);
    if (p) return `[${i}] ${p}`;
  }
  return null;
}

import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { CidrError, Prefix } from '@kipam/cidr';
import type { GenerateRequest } from '../cluster-profile';

/**
 * A cluster CIDR as requested: declared (`"10.244.0.0/16"`), carved from a
 * range (`{range, prefixLength?}`) or, for service CIDRs, generated
 * (`{generate: "ula", prefixLength?}`).
 */
export type CidrEntry = string | CarveRequest | GenerateRequest;

export interface CarveRequest {
  /** Range id or name, in the cluster's domain. */
  range: string;
  /** Prefix length to carve; the range's default when omitted. */
  prefixLength?: number;
}

export function isCarveRequest(entry: CidrEntry): entry is CarveRequest {
  return typeof entry === 'object' && 'range' in entry;
}

export function isGenerateRequest(entry: CidrEntry): entry is GenerateRequest {
  return typeof entry === 'object' && 'generate' in entry;
}

/** Why a generate request is malformed, or null. */
function generateProblem(o: Record<string, unknown>): string | null {
  const unknown = Object.keys(o).filter((k) => k !== 'generate' && k !== 'prefixLength');
  if (unknown.length) return `has unknown field(s) ${unknown.join(', ')} (expected generate, prefixLength)`;
  if (o.generate !== 'ula') return 'generate must be "ula" (an RFC 4193 unique local range)';
  if (
    o.prefixLength !== undefined &&
    (typeof o.prefixLength !== 'number' || !Number.isInteger(o.prefixLength) || o.prefixLength < 48 || o.prefixLength > 128)
  ) {
    return 'prefixLength must be a whole number from 48 to 128 (inside the generated /48)';
  }
  return null;
}

/** Why an entry is malformed, or null; `generate` says whether generate requests are allowed. */
export function entryProblem(entry: unknown, generate = false): string | null {
  if (typeof entry === 'string') {
    try {
      Prefix.parse(entry);
      return null;
    } catch (error) {
      return error instanceof CidrError ? error.message : 'is not a CIDR';
    }
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return generate
      ? 'must be a CIDR string, an object {range, prefixLength?} or {generate: "ula", prefixLength?}'
      : 'must be a CIDR string or an object {range, prefixLength?}';
  }
  const o = entry as Record<string, unknown>;
  if ('generate' in o) return generate ? generateProblem(o) : 'generate requests are for service CIDRs only';
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

/** An array of one or two cluster CIDR entries; `generate` admits `{generate: "ula"}` entries (service CIDRs). */
export function IsCidrEntries(options?: ValidationOptions & { generate?: boolean }) {
  const generate = options?.generate ?? false;
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCidrEntries',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => problemOf(value, generate) === null,
        defaultMessage: (args: ValidationArguments) => problemOf(args.value, generate) ?? 'is invalid',
      },
    });
}

function problemOf(value: unknown, generate: boolean): string | null {
  if (!Array.isArray(value)) return 'must be an array of one or two entries (one per IP family)';
  if (value.length < 1 || value.length > 2) return 'must hold one or two entries (at most one per IP family)';
  for (const [i, entry] of value.entries()) {
    const p = entryProblem(entry, generate);
    if (p) return `[${i}] ${p}`;
  }
  return null;
}

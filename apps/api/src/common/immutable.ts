import { Prefix } from '@kipam/cidr';
import { ValidationError, type FieldError } from './errors';

/**
 * A PATCH may repeat immutable fields (Terraform sends its whole configuration)
 * as long as they equal the current value; a different value is a 422 naming
 * the field. `same` compares given and current; absent (undefined) passes.
 */
export function refuseImmutableChanges(
  resource: string,
  checks: { field: string; given: unknown; same: (given: unknown) => boolean }[],
): void {
  const problems: FieldError[] = checks
    .filter((c) => c.given !== undefined && !c.same(c.given))
    .map((c) => ({ field: c.field, message: `is immutable: delete and recreate the ${resource} to change it` }));
  if (problems.length) throw new ValidationError(problems);
}

/** Equal as CIDRs, whatever the spelling (an unparsable value is never equal). */
export const sameCidr = (current: string) => (given: unknown) =>
  Prefix.tryParse(given)?.equals(Prefix.parseAddressOrCidr(current)) === true;

/** One of the accepted spellings (an id or a name). */
export const oneOf =
  (...accepted: (string | number | null)[]) =>
  (given: unknown) =>
    accepted.includes(given as string | number | null);

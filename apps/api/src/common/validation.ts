import { getMetadataStorage, IsOptional, registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { Address, CidrError, Prefix } from '@kipam/cidr';
import type { FieldError } from './errors';
import { labelProblems } from './labels';

/**
 * Validation decorators for request shapes. Address checks call @kipam/cidr,
 * so the edge and the domain agree on what a CIDR is.
 */

function cidrProblem(value: unknown): string | null {
  try {
    Prefix.parse(value);
    return null;
  } catch (error) {
    return error instanceof CidrError ? error.message : 'is not a CIDR';
  }
}

function addressProblem(value: unknown): string | null {
  try {
    Address.parse(value);
    return null;
  } catch (error) {
    return error instanceof CidrError ? error.message : 'is not an IP address';
  }
}

/** A property decorator from a function that says what is wrong with a value (null when nothing is). */
export function validatorFrom(name: string, problem: (value: unknown) => string | null, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name,
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args: ValidationArguments) => problem(args.value) ?? `${args.property} is invalid`,
      },
    });
}

/** A CIDR in standard notation with no host bits set (`10.244.0.0/16`, `fd00:10::/56`). */
export const IsCidr = (options?: ValidationOptions) => validatorFrom('isCidr', cidrProblem, options);

/** An IPv4 or IPv6 address in standard notation. */
export const IsIpAddress = (options?: ValidationOptions) => validatorFrom('isIpAddress', addressProblem, options);

/** Kubernetes-style labels: an object of label keys to label values. */
export const IsLabels = (options?: ValidationOptions) =>
  validatorFrom(
    'isLabels',
    (v) => {
      const problems = labelProblems(v);
      return problems.length ? problems.join('; ') : null;
    },
    options,
  );

/** DNS-label-like names: lower case letters, digits and '-', 1-63 characters. */
export const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const IsResourceName = (options?: ValidationOptions) =>
  validatorFrom(
    'isResourceName',
    (v) =>
      typeof v === 'string' && NAME_PATTERN.test(v)
        ? null
        : 'must be 1-63 lower case letters, digits or "-", starting and ending with a letter or digit',
    options,
  );

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: string) => UUID_PATTERN.test(v);

/**
 * Null versus absent in request bodies. Leaving a field out keeps its default
 * (create) or its current value (update); sending it as null is accepted only
 * where null means something, an update's "clear" (labels, description,
 * addresses, a Service's selector), and those fields say so with `@Nullable()`.
 * Any other null is a 422 naming the field, before the service sees it, so no
 * rule ever has to guess what a null list or a null number means.
 */
const NULLABLE = new WeakMap<object, Set<string>>();

/** The field may be null (its reset), or left out; implies `@IsOptional()`. Document it `nullable: true`. */
export function Nullable(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    IsOptional()(target, propertyName);
    const own = NULLABLE.get(target.constructor) ?? new Set<string>();
    own.add(String(propertyName));
    NULLABLE.set(target.constructor, own);
  };
}

/** The fields of a request class (or its parents) that accept null. */
export function nullableFields(dto: unknown): Set<string> {
  const out = new Set<string>();
  for (let c = dto; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const f of NULLABLE.get(c) ?? []) out.add(f);
  }
  return out;
}

/** The top-level fields of a body sent as null that may not be (unknown fields are left to the whitelist). */
export function nullProblems(dto: unknown, body: unknown): FieldError[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof dto !== 'function') return [];
  const allowed = nullableFields(dto);
  const known = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(dto, '', true, false)
      .map((m) => m.propertyName),
  );
  return Object.entries(body)
    .filter(([k, v]) => v === null && known.has(k) && !allowed.has(k))
    .map(([field]) => ({ field, message: 'must not be null: leave the field out to keep its current (or default) value' }));
}

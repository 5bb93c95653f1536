import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { Address, CidrError, Prefix } from '@kipam/cidr';
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

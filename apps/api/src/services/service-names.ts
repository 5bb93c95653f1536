import type { ValidationOptions } from 'class-validator';
import { validatorFrom } from '../common/validation';

/** RFC 1123 label: Kubernetes namespace names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1035 label (starts with a letter): Kubernetes Service names (apimachinery NameIsDNS1035Label). */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function namespaceProblem(v: unknown): string | null {
  return typeof v === 'string' && DNS1123_LABEL.test(v)
    ? null
    : 'must be a DNS-1123 label: 1-63 lower case letters, digits or "-", starting and ending with a letter or digit';
}

export function serviceNameProblem(v: unknown): string | null {
  return typeof v === 'string' && DNS1035_LABEL.test(v)
    ? null
    : 'must be a DNS-1035 label, as Kubernetes requires of Service names: 1-63 lower case letters, digits or "-", starting with a letter and ending with a letter or digit';
}

export const IsNamespaceName = (options?: ValidationOptions) => validatorFrom('isNamespaceName', namespaceProblem, options);
export const IsServiceName = (options?: ValidationOptions) => validatorFrom('isServiceName', serviceNameProblem, options);

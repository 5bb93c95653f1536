import { ValidationError, type FieldError } from '../../src/common/errors';

/** The field errors of the 422 that `fn` throws, or [] when it returns (for the unit specs of pure rules). */
export function fieldErrorsOf(fn: () => unknown): FieldError[] {
  try {
    fn();
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.extra.errors as FieldError[];
    throw error;
  }
}

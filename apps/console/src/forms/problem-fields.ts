import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { ApiProblem } from '../api/client';

/**
 * Puts the API's problem on the form field it is about: each `errors[].field`
 * of a 422 goes to the field `fieldFor` maps it to; a problem without fields
 * (a 409 conflict, say) goes to the field whose value the detail names, or to
 * `fallback`. Returns the message for the form-level alert when no field
 * took it.
 */
export function applyProblem<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fieldFor: (apiField: string) => Path<T> | undefined,
  values: Partial<Record<Path<T>, unknown>>,
  fallback?: Path<T>,
): string | null {
  if (!(error instanceof ApiProblem)) return error instanceof Error ? error.message : String(error);
  let placed = false;
  for (const e of error.errors) {
    const field = fieldFor(e.field);
    if (field) {
      setError(field, { type: 'server', message: e.message });
      placed = true;
    }
  }
  if (placed) return null;
  const conflictField = error.field ? fieldFor(error.field) : undefined;
  if (conflictField) {
    setError(conflictField, { type: 'server', message: `${error.title}: ${error.detail}` });
    return null;
  }
  const named = (Object.entries(values) as [Path<T>, unknown][]).find(
    ([, v]) => typeof v === 'string' && v.trim() !== '' && error.detail.includes(v.trim()),
  );
  const target = named?.[0] ?? fallback;
  if (target) {
    setError(target, { type: 'server', message: `${error.title}: ${error.detail}` });
    return null;
  }
  return `${error.title}: ${error.detail}`;
}

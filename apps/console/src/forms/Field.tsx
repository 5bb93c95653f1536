import type { ReactNode } from 'react';
import type { FieldError } from 'react-hook-form';

/** A labelled control with its hint and its error, linked for screen readers. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: FieldError;
  children: ReactNode;
}) {
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="muted small">
          {hint}
        </p>
      )}
      {error?.message && (
        <p id={`${id}-error`} className="field-error" role="alert" data-testid={`${id}-error`}>
          {error.message}
        </p>
      )}
    </div>
  );
}

/** aria attributes for a control rendered inside Field. */
export function describedBy(id: string, error?: FieldError, hint?: boolean) {
  const ids = [hint ? `${id}-hint` : null, error?.message ? `${id}-error` : null].filter(Boolean).join(' ');
  return { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': ids || undefined };
}

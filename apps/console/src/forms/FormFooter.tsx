/** The end of a form: the problem no field took, what the last submission did, and the submit button. */
export function FormFooter({ alert, done, busy, label }: { alert: string | null; done?: string | null; busy: boolean; label: string }) {
  return (
    <>
      {alert && (
        <p role="alert" className="alert">
          {alert}
        </p>
      )}
      {done && <p role="status">{done}</p>}
      <button type="submit" className="primary" disabled={busy}>
        {label}
      </button>
    </>
  );
}

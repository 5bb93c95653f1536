import { useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { ApiProblem } from '../api/client';
import { useSession } from '../auth/session';

export function SignIn() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(token.trim(), remember);
      const from = (location.state as { from?: string } | null)?.from;
      void navigate(from && from !== '/sign-in' ? from : '/', { replace: true });
    } catch (e) {
      setError(e instanceof ApiProblem ? `${e.title}: ${e.detail}` : 'The API could not be reached.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Kipam console</h1>
      <p>The address space of the fleet: ranges, clusters, nodes and Services, as the Kipam API sees them.</p>
      {session.endedBecause && (
        <p role="status" className="notice">
          {session.endedBecause}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'token-error token-help' : 'token-help'}
          required
        />
        <p id="token-help" className="muted small">
          A reader, writer or admin token (Authorization: Bearer). It is kept in this tab&apos;s memory only, and is never written to
          localStorage or a cookie.
        </p>
        {error && (
          <p id="token-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Keep me signed in while this tab is open (sessionStorage)
        </label>
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

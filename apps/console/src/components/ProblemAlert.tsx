import { ApiProblem } from '../api/client';

/** What the API answered, as it said it: title, detail and the problem type. */
export function ProblemAlert({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof ApiProblem) {
    return (
      <div role="alert" className="alert">
        <strong>{error.title}</strong> ({error.status}){error.detail ? `: ${error.detail}` : ''}
        <div className="muted small">{error.type}</div>
      </div>
    );
  }
  return (
    <div role="alert" className="alert">
      <strong>Request failed</strong>: {error instanceof Error ? error.message : 'unknown error'}
    </div>
  );
}

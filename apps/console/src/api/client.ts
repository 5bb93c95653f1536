/**
 * The console talks to Kipam only through its public API, with the signed-in
 * user's token: REST under /v1 (problem+json errors) and GraphQL at /graphql.
 */

export interface FieldProblem {
  field: string;
  message: string;
}

/** An RFC 9457 problem the API answered (REST), or the same fields from a GraphQL error's extensions. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
    /** The request field a conflict is about (409 cidr-conflict, address-taken), when the API names one. */
    readonly field?: string,
  ) {
    super(detail || title);
    this.name = 'ApiProblem';
  }

  get slug(): string {
    return this.type.replace(/^\/problems\//, '');
  }
}

type TokenSource = () => string | null;
let tokenOf: TokenSource = () => null;
let onUnauthorized: () => void = () => undefined;

/** Set by the session: where the token comes from, and what to do when the API refuses it. */
export function configureClient(source: TokenSource, unauthorized: () => void): void {
  tokenOf = source;
  onUnauthorized = unauthorized;
}

function headers(token: string | null, extra: Record<string, string> = {}): Record<string, string> {
  return { Accept: 'application/json, application/problem+json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

async function problemOf(response: Response): Promise<ApiProblem> {
  let body: Partial<{ type: string; title: string; detail: string; errors: FieldProblem[]; field: string }> = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // a proxy's HTML error page: keep the status
  }
  return new ApiProblem(
    response.status,
    body.type ?? '/problems/unknown',
    body.title ?? response.statusText,
    body.detail ?? '',
    Array.isArray(body.errors) ? body.errors : [],
    typeof body.field === 'string' ? body.field : undefined,
  );
}

export interface RestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Allocating POSTs carry one, so a retried click never allocates twice. */
  idempotencyKey?: string;
  accept?: string;
  /** A token to use instead of the session's (signing in). */
  token?: string;
}

export async function rest<T>(path: string, options: RestOptions = {}): Promise<T> {
  const token = options.token ?? tokenOf();
  const extra: Record<string, string> = {};
  if (options.body !== undefined) extra['Content-Type'] = 'application/json';
  if (options.idempotencyKey) extra['Idempotency-Key'] = options.idempotencyKey;
  if (options.accept) extra.Accept = options.accept;
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers: headers(token, extra),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (response.status === 401 && !options.token) onUnauthorized();
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

interface GraphqlError {
  message: string;
  extensions?: Partial<{ status: number; type: string; title: string; errors: FieldProblem[]; code: string; field: string }>;
}

export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: headers(tokenOf(), { 'Content-Type': 'application/json' }),
    body: JSON.stringify({ query, variables }),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (response.status === 401) {
    onUnauthorized();
    throw await problemOf(response);
  }
  const body = (await response.json()) as { data?: T; errors?: GraphqlError[] };
  const first = body.errors?.[0];
  if (first) {
    const x = first.extensions ?? {};
    throw new ApiProblem(
      x.status ?? response.status,
      x.type ?? '/problems/graphql',
      x.title ?? 'GraphQL error',
      first.message,
      x.errors ?? [],
      x.field,
    );
  }
  if (!response.ok || !body.data) throw new ApiProblem(response.status, '/problems/unknown', response.statusText, 'no data');
  return body.data;
}

/** A key per submitted form: the same submission retried replays the first answer. */
export function newIdempotencyKey(): string {
  // getRandomValues works over plain http too (randomUUID needs a secure context)
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

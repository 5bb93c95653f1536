import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { error, type Diagnostic, type Path } from '../protocol/diagnostics';

export type Json = Record<string, unknown>;

/** An RFC 9457 problem document as Kipam answers errors. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${method} ${path}: ${status} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`);
  }

  get slug(): string {
    return (this.problem.type ?? '').replace(/^.*\/problems\//, '');
  }

  /**
   * The problem as Terraform diagnostics: one for the problem itself (title
   * and detail), one per field error on the attribute it names. `fieldPath`
   * turns a REST field (`podCidrs[1].prefixLength`) into the resource's
   * attribute path, or undefined when the field is no attribute.
   */
  diagnostics(fieldPath: (field: string) => Path | undefined = defaultFieldPath): Diagnostic[] {
    const title = this.problem.title ?? `HTTP ${this.status}`;
    const where = `(${this.method} ${this.path}: ${this.status}${this.problem.type ? ` ${this.problem.type}` : ''})`;
    const fields = Array.isArray(this.problem.errors) ? this.problem.errors : [];
    if (fields.length === 0) {
      // a detail that starts by naming its field ("podCidrs[0]: range … has no free /8 left") belongs on that attribute
      const detail = this.problem.detail ?? this.message;
      const named = /^([A-Za-z][A-Za-z0-9_.[\]]*): (.*)$/s.exec(detail);
      const path = named ? fieldPath(named[1]) : undefined;
      if (named && path) return [error(title, `${printPath(path)}: ${named[2]} ${where}`, path)];
      return [error(title, `${detail} ${where}`)];
    }
    return fields.map((f) => {
      const path = fieldPath(f.field);
      return error(title, `${path ? printPath(path) : f.field}: ${f.message} ${where}`, path);
    });
  }
}

/** `['pod_cidrs', 0, 'cidr']` → `pod_cidrs[0].cidr`. */
export function printPath(path: Path): string {
  return path
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : typeof s === 'string' ? `${i ? '.' : ''}${s}` : `[${JSON.stringify(s.key)}]`))
    .join('');
}

/** camelCase REST names to the snake_case attribute names (clusterIPs → cluster_ips, nodeMaskSizeIPv4 → node_mask_size_ipv4). */
export function snakeCase(name: string): string {
  return name
    .replace(/IPv([46])/g, 'Ipv$1')
    .replace(/IPs/g, 'Ips')
    .replace(/IP/g, 'Ip')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** `podCidrs[1].prefixLength` → ['pod_cidrs', 1, 'prefix_length']. */
export function defaultFieldPath(field: string): Path | undefined {
  const path: Path = [];
  for (const part of field.split('.')) {
    const m = /^([A-Za-z0-9_]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    path.push(snakeCase(m[1]));
    for (const index of m[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

export interface Response<T = Json> {
  status: number;
  body: T;
  etag?: string;
  location?: string;
  replayed: boolean;
}

interface RequestOptions {
  body?: unknown;
  ifMatch?: string;
  idempotencyKey?: string;
  /** Answer these statuses instead of throwing (e.g. 404 on a read). */
  accept?: number[];
  /** The body as text, not JSON (e.g. a YAML rendering). */
  raw?: boolean;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 6;

/**
 * The REST client the resources use: bearer token, problem+json errors as
 * ApiError, retries for what is safe to retry (reads and deletes; POSTs that
 * carry an Idempotency-Key; anything refused before it ran: 429 and 503 mean
 * nothing was committed).
 */
export class KipamClient {
  constructor(
    readonly endpoint: string,
    private readonly token: string,
    private readonly userAgent: string,
  ) {}

  async request<T = Json>(method: string, path: string, options: RequestOptions = {}): Promise<Response<T>> {
    const url = new URL(path, this.endpoint.endsWith('/') ? this.endpoint : `${this.endpoint}/`);
    const headers: Record<string, string> = {
      accept: options.raw ? '*/*' : 'application/json',
      authorization: `Bearer ${this.token}`,
      'user-agent': this.userAgent,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch) headers['if-match'] = options.ifMatch;
    if (options.idempotencyKey) headers['idempotency-key'] = `"${options.idempotencyKey}"`;
    const retryable = method === 'GET' || method === 'DELETE' || options.idempotencyKey !== undefined;
    for (let attempt = 1; ; attempt++) {
      let res: globalThis.Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (cause) {
        const code = (cause as { cause?: { code?: string } }).cause?.code;
        // a refused connection never reached the server; other failures may have
        if ((retryable || code === 'ECONNREFUSED') && attempt < MAX_ATTEMPTS) {
          await sleep(backoff(attempt));
          continue;
        }
        throw new Error(`${method} ${url.href}: ${(cause as Error).message}${code ? ` (${code})` : ''}`);
      }
      const text = await res.text();
      let body: unknown = undefined;
      if (options.raw && res.ok) body = text;
      else if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = { detail: text.slice(0, 500) };
        }
      }
      const inUse = res.status === 409 && (body as Problem | undefined)?.type?.endsWith('/idempotency-key-in-use');
      if ((RETRY_STATUSES.has(res.status) || inUse) && attempt < MAX_ATTEMPTS) {
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : backoff(attempt));
        continue;
      }
      if (res.status >= 400 && !options.accept?.includes(res.status)) {
        throw new ApiError(method, url.pathname, res.status, (body ?? {}) as Problem);
      }
      return {
        status: res.status,
        body: body as T,
        etag: res.headers.get('etag') ?? undefined,
        location: res.headers.get('location') ?? undefined,
        replayed: res.headers.get('idempotent-replayed') === 'true',
      };
    }
  }

  get<T = Json>(path: string): Promise<Response<T>> {
    return this.request<T>('GET', path);
  }

  async text(path: string): Promise<string> {
    return (await this.request<string>('GET', path, { raw: true })).body;
  }

  /** A read that answers null on 404 (the object is gone). */
  async find<T = Json>(path: string): Promise<Response<T> | null> {
    const res = await this.request<T>('GET', path, { accept: [404] });
    return res.status === 404 ? null : res;
  }

  /**
   * An allocating POST with an Idempotency-Key derived from what is created
   * (resource type, collection and body): a retry, by this client or by a
   * later `terraform apply` after a lost response, replays the first answer
   * instead of allocating again. A replayed object that has since been
   * deleted is not adopted: the key moves on to a new generation.
   */
  async create<T extends Json = Json>(resourceType: string, collection: string, body: Json): Promise<Response<T>> {
    const base = idempotencyKey(resourceType, collection, body);
    for (let generation = 0; ; generation++) {
      const key = generation === 0 ? base : `${base}.${generation}`;
      const res = await this.request<T>('POST', collection, { body, idempotencyKey: key });
      if (!res.replayed || generation >= 20) return res;
      const location = res.location ?? `${collection}/${String(res.body.id)}`;
      const current = await this.find<T>(location);
      if (current) return { ...current, status: res.status, location, replayed: true };
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 4000);
}

/** Stable for the same create: the type, the collection and the body (keys in any order). */
export function idempotencyKey(resourceType: string, collection: string, body: Json): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([resourceType, collection, canonical(body)]))
    .digest('hex');
  return `terraform-${resourceType}-${digest.slice(0, 40)}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Json)[k])]),
    );
  }
  return value;
}

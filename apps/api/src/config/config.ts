import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { bool, cleanEnv, makeValidator, str, EnvError, EnvMissingError } from 'envalid';
import { Prefix } from '@kipam/cidr';

/** Everything Kipam reads from its environment, validated once at start-up. */
export interface KipamConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  logLevel: string;
  /** Connections of the whole server (all its workers together), shared out by workerPoolSize. */
  databasePoolSize: number;
  /** API processes serving the port: 1 = a single process, no cluster primary. */
  workers: number;
  shutdownTimeoutMs: number;
  /** Requests per minute per token (per process); 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  /** Seconds a valid token's principal is reused without a database round trip; 0 = every request asks. */
  tokenCacheSeconds: number;
  /** Megabytes of parsed GraphQL documents kept per process; 0 = none. */
  graphqlCacheMegabytes: number;
  /** REST pages larger than the default page size served at once per process (the rest wait their turn). */
  largePageConcurrency: number;
  /** When set, /metrics asks for `Authorization: Bearer <this>`; unset, it is open like /healthz. */
  metricsToken: string | undefined;
  /** Webhook delivery (events.ts, webhook-delivery.ts). */
  webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** Whether this process runs a delivery loop (every replica and worker may: they share the work). */
  delivery: boolean;
  /** Deliver to loopback, link-local and private addresses too (the SSRF guard off). */
  allowPrivate: boolean;
  /** Networks delivered to even when private (the SSRF guard's allow-list). */
  allowCidrs: string[];
  /** How long a delivery is retried before it is marked failed. */
  retryHours: number;
  /** The first retry's delay; each next one doubles, with jitter, up to an hour. */
  backoffBaseMs: number;
  /** How long one delivery attempt may take. */
  timeoutMs: number;
  /** How often an idle loop looks for deliveries due. */
  pollMs: number;
}

const postgresUrl = makeValidator<string>((value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvError('must be a URL such as postgresql://user:password@host:5432/kipam');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new EnvError('must start with postgresql:// or postgres://');
  }
  if (!url.pathname || url.pathname === '/') throw new EnvError('must name a database (…/kipam)');
  return value;
});

const adminToken = makeValidator<string>((value) => {
  if (value.length < 32) throw new EnvError('must be at least 32 characters');
  if (/\s/.test(value)) throw new EnvError('must not contain white space');
  return value;
});

const port = makeValidator<number>((value) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new EnvError('must be a TCP port from 1 to 65535');
  return n;
});

const logLevel = makeValidator<string>((value) => {
  if (!LOG_LEVELS.includes(value)) throw new EnvError(`must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const positiveInt = (min: number, max: number) =>
  makeValidator<number>((value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new EnvError(`must be a whole number from ${min} to ${max}`);
    return n;
  });

const cidrList = makeValidator<string[]>((value) => {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    try {
      Prefix.parseAddressOrCidr(item);
    } catch {
      throw new EnvError(`must be a comma-separated list of CIDRs or addresses: ${JSON.stringify(item)} is neither`);
    }
  }
  return items;
});

export class ConfigError extends Error {}

/** Reads and validates the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): KipamConfig {
  const problems: string[] = [];
  // An empty variable means "not set" (as in `FOO= npm start`), never an empty value.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const clean = cleanEnv(
    given,
    {
      PORT: port({ default: 3000 }),
      HOST: str({ default: '0.0.0.0' }),
      DATABASE_URL: postgresUrl({ default: undefined }),
      KIPAM_DATA_DIR: str({ default: './.data' }),
      KIPAM_ADMIN_TOKEN: adminToken({ default: undefined }),
      LOG_LEVEL: logLevel({ default: 'info' }),
      DATABASE_POOL_SIZE: positiveInt(1, 500)({ default: 20 }),
      KIPAM_WORKERS: positiveInt(1, 256)({ default: defaultWorkers() }),
      SHUTDOWN_TIMEOUT_MS: positiveInt(100, 600_000)({ default: 10000 }),
      KIPAM_RATE_LIMIT_PER_MINUTE: positiveInt(0, 10_000_000)({ default: 6000 }),
      KIPAM_TOKEN_CACHE_SECONDS: positiveInt(0, 3600)({ default: 10 }),
      KIPAM_GRAPHQL_CACHE_MB: positiveInt(0, 4096)({ default: 32 }),
      KIPAM_LARGE_PAGE_CONCURRENCY: positiveInt(1, 1000)({ default: 2 }),
      KIPAM_METRICS_TOKEN: adminToken({ default: undefined }),
      KIPAM_WEBHOOK_DELIVERY: bool({ default: true }),
      KIPAM_WEBHOOK_ALLOW_PRIVATE: bool({ default: false }),
      KIPAM_WEBHOOK_ALLOW_CIDRS: cidrList({ default: [] }),
      KIPAM_WEBHOOK_RETRY_HOURS: positiveInt(24, 24 * 30)({ default: 24 }),
      KIPAM_WEBHOOK_BACKOFF_BASE_MS: positiveInt(1, 3_600_000)({ default: 5000 }),
      KIPAM_WEBHOOK_TIMEOUT_MS: positiveInt(100, 120_000)({ default: 10_000 }),
      KIPAM_WEBHOOK_POLL_MS: positiveInt(10, 60_000)({ default: 1000 }),
    },
    {
      reporter: ({ errors }) => {
        for (const [name, error] of Object.entries(errors)) {
          const reason = error instanceof EnvMissingError ? 'is required' : (error?.message ?? 'is invalid');
          problems.push(`${name} ${reason.replace(/^Invalid \w+ input: /, 'is invalid: ')}`);
        }
      },
    },
  );
  if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return {
    port: clean.PORT,
    host: clean.HOST,
    databaseUrl: clean.DATABASE_URL,
    dataDir: clean.KIPAM_DATA_DIR,
    adminToken: clean.KIPAM_ADMIN_TOKEN,
    logLevel: clean.LOG_LEVEL,
    databasePoolSize: clean.DATABASE_POOL_SIZE,
    workers: clean.KIPAM_WORKERS,
    shutdownTimeoutMs: clean.SHUTDOWN_TIMEOUT_MS,
    rateLimitPerMinute: clean.KIPAM_RATE_LIMIT_PER_MINUTE,
    tokenCacheSeconds: clean.KIPAM_TOKEN_CACHE_SECONDS,
    graphqlCacheMegabytes: clean.KIPAM_GRAPHQL_CACHE_MB,
    largePageConcurrency: clean.KIPAM_LARGE_PAGE_CONCURRENCY,
    metricsToken: clean.KIPAM_METRICS_TOKEN,
    webhooks: {
      delivery: clean.KIPAM_WEBHOOK_DELIVERY,
      allowPrivate: clean.KIPAM_WEBHOOK_ALLOW_PRIVATE,
      allowCidrs: clean.KIPAM_WEBHOOK_ALLOW_CIDRS,
      retryHours: clean.KIPAM_WEBHOOK_RETRY_HOURS,
      backoffBaseMs: clean.KIPAM_WEBHOOK_BACKOFF_BASE_MS,
      timeoutMs: clean.KIPAM_WEBHOOK_TIMEOUT_MS,
      pollMs: clean.KIPAM_WEBHOOK_POLL_MS,
    },
  };
}

/**
 * One worker per core this process may use: the cores it is allowed to run on,
 * and no more than a cgroup CPU quota grants (a container limited to 2 CPUs on
 * a 64-core host gets 2 workers, not 64).
 */
export function defaultWorkers(cpuMax = readCpuMax()): number {
  const cores = availableParallelism();
  const [quota, period] = (cpuMax ?? '').trim().split(/\s+/).map(Number);
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return cores;
  return Math.max(1, Math.min(cores, Math.ceil(quota / period)));
}

/** cgroup v2's `cpu.max` ("max 100000" when unlimited), if there is one. */
function readCpuMax(): string | undefined {
  try {
    return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A worker's share of DATABASE_POOL_SIZE: the pool is the server's, so N
 * workers open about as many connections as one process did (at least 2 each,
 * so that a long transaction does not hold a worker's only connection).
 */
export function workerPoolSize(config: Pick<KipamConfig, 'databasePoolSize' | 'workers'>): number {
  return config.workers <= 1 ? config.databasePoolSize : Math.max(2, Math.ceil(config.databasePoolSize / config.workers));
}

/** Injection token for the validated configuration. */
export const KIPAM_CONFIG = Symbol('KIPAM_CONFIG');

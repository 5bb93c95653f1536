import { ConfigError, defaultWorkers, loadConfig, workerPoolSize } from './config';

/** The ConfigError loadConfig throws for `env` (fails the test when it does not throw one). */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('has a default for every variable, so an empty environment starts Kipam', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './.data',
      adminToken: undefined,
      logLevel: 'info',
      databasePoolSize: 20,
      workers: defaultWorkers(),
      shutdownTimeoutMs: 10000,
      rateLimitPerMinute: 6000,
      tokenCacheSeconds: 10,
      graphqlCacheMegabytes: 32,
      largePageConcurrency: 2,
      metricsToken: undefined,
      webhooks: {
        delivery: true,
        allowPrivate: false,
        allowCidrs: [],
        retryHours: 24,
        backoffBaseMs: 5000,
        timeoutMs: 10000,
        pollMs: 1000,
      },
    });
  });

  it('reads every variable it knows and ignores the others', () => {
    const token = 'a'.repeat(32);
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '127.0.0.1',
        DATABASE_URL: 'postgres://kipam:secret@db.example:5433/kipam?sslmode=require',
        KIPAM_DATA_DIR: '/var/lib/kipam',
        KIPAM_ADMIN_TOKEN: token,
        LOG_LEVEL: 'debug',
        DATABASE_POOL_SIZE: '5',
        KIPAM_WORKERS: '3',
        SHUTDOWN_TIMEOUT_MS: '2500',
        KIPAM_RATE_LIMIT_PER_MINUTE: '0',
        KIPAM_TOKEN_CACHE_SECONDS: '0',
        KIPAM_GRAPHQL_CACHE_MB: '0',
        KIPAM_LARGE_PAGE_CONCURRENCY: '8',
        KIPAM_METRICS_TOKEN: 'm'.repeat(32),
        SOMETHING_ELSE: 'x',
      }),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://kipam:secret@db.example:5433/kipam?sslmode=require',
      dataDir: '/var/lib/kipam',
      adminToken: token,
      logLevel: 'debug',
      databasePoolSize: 5,
      workers: 3,
      shutdownTimeoutMs: 2500,
      rateLimitPerMinute: 0,
      tokenCacheSeconds: 0,
      graphqlCacheMegabytes: 0,
      largePageConcurrency: 8,
      metricsToken: 'm'.repeat(32),
      webhooks: {
        delivery: true,
        allowPrivate: false,
        allowCidrs: [],
        retryHours: 24,
        backoffBaseMs: 5000,
        timeoutMs: 10000,
        pollMs: 1000,
      },
    });
  });

  it('accepts both postgresql:// and postgres:// URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/kipam' }).databaseUrl).toBe('postgresql://u@h/kipam');
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/kipam' }).databaseUrl).toBe('postgres://u@h/kipam');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '0'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'postgresql://host:5432'],
    ['KIPAM_ADMIN_TOKEN', 'too-short-0123456789'],
    ['KIPAM_ADMIN_TOKEN', `${'a'.repeat(20)} ${'b'.repeat(20)}`],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '501'],
    ['DATABASE_POOL_SIZE', '2.5'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['KIPAM_RATE_LIMIT_PER_MINUTE', '-1'],
    ['KIPAM_RATE_LIMIT_PER_MINUTE', 'lots'],
    ['KIPAM_TOKEN_CACHE_SECONDS', '3601'],
    ['KIPAM_TOKEN_CACHE_SECONDS', '0.5'],
    ['KIPAM_GRAPHQL_CACHE_MB', '4097'],
    ['KIPAM_LARGE_PAGE_CONCURRENCY', '0'],
    ['KIPAM_METRICS_TOKEN', 'short'],
    ['KIPAM_WORKERS', '0'],
    ['KIPAM_WORKERS', 'auto'],
  ])('rejects %s=%j with one line naming the variable', (name, value) => {
    const error = configErrorFor({ [name]: value });
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(new RegExp(`\\b${name}\\b`));
    // no other variable is blamed
    for (const other of [
      'PORT',
      'DATABASE_URL',
      'KIPAM_ADMIN_TOKEN',
      'LOG_LEVEL',
      'DATABASE_POOL_SIZE',
      'SHUTDOWN_TIMEOUT_MS',
      'KIPAM_RATE_LIMIT_PER_MINUTE',
      'KIPAM_TOKEN_CACHE_SECONDS',
      'KIPAM_WORKERS',
    ]) {
      if (other !== name) expect(error.message).not.toMatch(new RegExp(`\\b${other}\\b`));
    }
  });

  it('names every bad variable at once, still on one line', () => {
    const error = configErrorFor({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_POOL_SIZE: '0' });
    expect(error.message).not.toContain('\n');
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_POOL_SIZE']) expect(error.message).toContain(name);
  });

  it('does not echo a rejected admin token or database password', () => {
    const token = `${'s'.repeat(20)} ${'t'.repeat(20)}`;
    expect(configErrorFor({ KIPAM_ADMIN_TOKEN: token }).message).not.toContain(token);
    expect(configErrorFor({ DATABASE_URL: 'mysql://kipam:hunter2@db/kipam' }).message).not.toContain('hunter2');
  });
});

describe(defaultWorkers.name, () => {
  it('is one worker per core, bounded by a cgroup CPU quota', () => {
    const cores = defaultWorkers(undefined);
    expect(cores).toBeGreaterThanOrEqual(1);
    expect(defaultWorkers('max 100000\n')).toBe(cores);
    expect(defaultWorkers('100000 100000\n')).toBe(1);
    expect(defaultWorkers('150000 100000')).toBe(Math.min(cores, 2)); // 1.5 CPUs: the second core is used half the time
    expect(defaultWorkers('1000000000 100000')).toBe(cores);
    expect(defaultWorkers('garbage')).toBe(cores);
  });
});

describe(workerPoolSize.name, () => {
  it.each([
    [20, 1, 20],
    [20, 2, 10],
    [20, 3, 7],
    [24, 4, 6],
    [4, 8, 2], // never a single connection per worker
  ])('shares DATABASE_POOL_SIZE=%i among %i workers: %i each', (databasePoolSize, workers, each) => {
    expect(workerPoolSize({ databasePoolSize, workers })).toBe(each);
  });

  it('reads the webhook settings and names bad ones', () => {
    const config = loadConfig({
      KIPAM_WEBHOOK_DELIVERY: 'false',
      KIPAM_WEBHOOK_ALLOW_PRIVATE: 'true',
      KIPAM_WEBHOOK_ALLOW_CIDRS: '10.0.0.0/8, ::1',
      KIPAM_WEBHOOK_RETRY_HOURS: '48',
    });
    expect(config.webhooks).toMatchObject({ delivery: false, allowPrivate: true, allowCidrs: ['10.0.0.0/8', '::1'], retryHours: 48 });
    expect(() => loadConfig({ KIPAM_WEBHOOK_RETRY_HOURS: '1' })).toThrow(/KIPAM_WEBHOOK_RETRY_HOURS .*24/);
    expect(() => loadConfig({ KIPAM_WEBHOOK_ALLOW_CIDRS: '10.0.0.0/8,nope' })).toThrow(/KIPAM_WEBHOOK_ALLOW_CIDRS .*nope/);
  });
});

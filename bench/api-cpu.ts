/**
 * The API's own CPU per request, without sockets on the HTTP side:
 *
 *   npm run build && npx tsx bench/api-cpu.ts [--n=3000] [--concurrency=16] [--log-level=warn] [--rounds=3]
 *     [--only=Service,whois] [--dist=../.tmp/dist-before]
 *
 * Runs the built application in this process (dist/), on a fresh database
 * (DATABASE_URL's server, else an embedded PostgreSQL), and sends it requests
 * with Fastify's inject (no HTTP parsing, no socket writes for the response):
 * dual-stack Service creations, REST whoIs, GraphQL whoIs. Prints this
 * process's CPU µs per request (the framework, the application, the pg
 * client: what the API process spends beside its HTTP socket) and the
 * PostgreSQL backends' CPU per request. Quick to rerun after a change to the
 * framework layers; `npm run bench:http` gives the figures with real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { applyMigrations, connectionConfig, startEmbeddedPostgres, withDatabase } from '@kipam/persistence';
import { CpuMeter } from './lib/cpu';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def;
const N = Number(arg('n', '3000'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const ROUNDS = Number(arg('rounds', '3'));
const LOG_LEVEL = arg('log-level', 'warn');
/** another build of the API to measure (e.g. a copy of dist/ from before a change, under the worktree) */
const DIST = arg('dist', '../dist');
const ONLY = arg('only', '');
const TOKEN = 'bench-admin-token-0123456789abcdef0123456789';

interface InjectResponse {
  statusCode: number;
  body: string;
}
interface Injectable {
  inject(o: { method: string; url: string; headers: Record<string, string>; payload?: string }): Promise<InjectResponse>;
}

async function main(): Promise<void> {
  let dataDir: string | undefined;
  let stop: (() => Promise<void>) | undefined;
  let server = process.env.DATABASE_URL;
  if (!server) {
    dataDir = mkdtempSync(join(tmpdir(), 'kipam-bench-cpu-'));
    const pg = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    server = pg.url;
    stop = pg.stop;
  }
  const dbName = `kipam_bench_cpu_${process.pid}`;
  const admin = new Client(connectionConfig(server));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = withDatabase(server, dbName);
  try {
    await applyMigrations(url);
    /* eslint-disable @typescript-eslint/no-require-imports -- the built application, as the server runs it */
    require('reflect-metadata');
    const { createApp } = require(`${DIST}/apps/api/src/app.factory`) as typeof import('../apps/api/src/app.factory');
    const { loadConfig } = require(`${DIST}/apps/api/src/config/config`) as typeof import('../apps/api/src/config/config');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const config = loadConfig({
      KIPAM_ADMIN_TOKEN: TOKEN,
      LOG_LEVEL,
      DATABASE_POOL_SIZE: String(Math.min(24, CONCURRENCY)),
      KIPAM_RATE_LIMIT_PER_MINUTE: '10000000',
      KIPAM_WORKERS: '1',
    });
    const { app } = await createApp({ ...config, databaseUrl: url });
    const fastify = app.getHttpAdapter().getInstance() as unknown as Injectable & { ready(): Promise<void> };
    await fastify.ready();
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const call = async (method: string, path: string, body?: unknown, expect = 200) => {
      const r = await fastify.inject({ method, url: path, headers, payload: body === undefined ? undefined : JSON.stringify(body) });
      if (r.statusCode !== expect) throw new Error(`${method} ${path}: ${r.statusCode} ${r.body}`);
      return JSON.parse(r.body || 'null') as Record<string, unknown>;
    };
    const cluster = await call(
      'POST',
      '/v1/clusters',
      { name: 'cpu', podCidrs: ['10.128.0.0/9', 'fd10::/48'], serviceCidrs: ['172.16.0.0/12', 'fd20::/108'] },
      201,
    );
    const monitor = new Client(connectionConfig(url));
    await monitor.connect();
    const backends = async () =>
      (
        await monitor.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        )
      ).rows.map((r) => r.pid);
    let seq = 0;
    const workloads: [string, () => Promise<unknown>][] = [
      // floors: the framework around no work (no token), and around one small query
      ['GET /healthz', () => call('GET', '/healthz')],
      ['GET /v1/domains', () => call('GET', '/v1/domains')],
      [
        'POST Service (RequireDualStack)',
        () =>
          call(
            'POST',
            `/v1/clusters/${cluster.id as string}/services`,
            { namespace: 'cpu', name: `s${seq++}`, ipFamilyPolicy: 'RequireDualStack' },
            201,
          ),
      ],
      ['GET /v1/whois', () => call('GET', `/v1/whois?address=172.16.${(seq++ >> 8) % 16}.${seq % 256}`)],
      [
        'GraphQL whoIs',
        () =>
          call('POST', '/graphql', {
            query: 'query WhoIs($address: String!) { whoIs(address: $address) { leases { cidr holder { kind name } } } }',
            variables: { address: `172.16.0.${seq++ % 256}` },
          }),
      ],
    ];
    const run = async (fn: () => Promise<unknown>, n: number) => {
      let left = n;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (left-- > 0) await fn();
        }),
      );
    };
    console.log(`in-process API CPU per request (inject, ${CONCURRENCY} at a time, ${N} requests per round, LOG_LEVEL=${LOG_LEVEL})`);
    for (const [name, fn] of workloads.filter(([w]) => !ONLY || ONLY.split(',').some((o) => w.includes(o)))) {
      await run(fn, Math.min(N, 2000)); // warm-up: the JIT settles
      const api: number[] = [];
      const pg: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const meter = new CpuMeter(backends);
        await meter.start();
        const before = process.cpuUsage();
        await run(fn, N);
        const used = process.cpuUsage(before);
        api.push((used.user + used.system) / N);
        pg.push((await meter.stop()).micros / N);
      }
      const f = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
      console.log(`  ${name.padEnd(34)} API ${f(api)} µs   PostgreSQL ${f(pg)} µs`);
    }
    await monitor.end();
    await app.close();
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await stop?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * Address map benchmark: `npm run bench:map [-- --leases=1000,10000,100000 --requests=30]` (builds the API first).
 *
 * What one GET /v1/clusters/{id}/map costs as the pool fills: a cluster with
 * a /64 service CIDR (Kubernetes 1.34, 2^64 addresses) and a /48 pod CIDR is
 * filled with ClusterIP and node-block leases by the lease engine's own SQL
 * function, then the map of the whole pool (256 and 1,024 cells) and of a
 * zoomed prefix is asked for through the app (Fastify inject, no network).
 * Prints the median and p95 latency and the API process's CPU µs per request
 * (the database's own time is inside the latency).
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL in a temp
 * folder; either way a fresh database, dropped at the end.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { applyMigrations, connectionConfig, startEmbeddedPostgres, withDatabase, type EmbeddedDatabase } from '@kipam/persistence';
import type { createApp as CreateApp } from '../apps/api/src/app.factory';
import type { loadConfig as LoadConfig } from '../apps/api/src/config/config';

// the built server (npm run build:api): Nest needs the decorator metadata swc emits, which tsx does not
const ROOT = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createApp } = require(join(ROOT, 'dist/apps/api/src/app.factory.js')) as { createApp: typeof CreateApp };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadConfig } = require(join(ROOT, 'dist/apps/api/src/config/config.js')) as { loadConfig: typeof LoadConfig };

const TOKEN = 'bench-admin-token-0123456789abcdefghijklmnop';

function flag(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function main(): Promise<void> {
  const steps = flag('leases', '1000,10000,100000').split(',').map(Number);
  const requests = Number(flag('requests', '30'));
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'kipam-bench-map-'));
    embedded = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    serverUrl = embedded.url;
  }
  const dbName = `kipam_bench_map_${process.pid}`;
  const admin = new Client(connectionConfig(serverUrl));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = withDatabase(serverUrl, dbName);
  const sql = new Client(connectionConfig(url));
  try {
    await applyMigrations(url);
    await sql.connect();
    const config = loadConfig({ KIPAM_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent', KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    const { app } = await createApp({ ...config, databaseUrl: url }, { logger: false });
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.ready();
    const auth = { authorization: `Bearer ${TOKEN}` };
    const created = await fastify.inject({
      method: 'POST',
      url: '/v1/clusters',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: { name: 'bench', podCidrs: ['fd00:200::/48'], serviceCidrs: ['fd00:300::/64'], kubernetesVersion: '1.34' },
    });
    if (created.statusCode !== 201) throw new Error(`creating the cluster: ${created.statusCode} ${created.body}`);
    const clusterId = created.json<{ id: string }>().id;
    const pools = await sql.query<{ kind: string; pool_id: string }>(
      'SELECT kind::text AS kind, pool_id::text AS pool_id FROM cluster_cidr WHERE cluster_id = $1',
      [clusterId],
    );
    const poolOf = (kind: string) => pools.rows.find((p) => p.kind === kind)!.pool_id;

    const views = [
      { name: 'service /64, 256 cells', path: `/v1/clusters/${clusterId}/map?kind=service&depth=8` },
      { name: 'service /64, 1024 cells', path: `/v1/clusters/${clusterId}/map?kind=service&depth=10` },
      { name: 'service /120 zoomed, 256 cells', path: `/v1/clusters/${clusterId}/map?kind=service&prefix=fd00:300::ff00/120&depth=8` },
      { name: 'pod /48, 256 cells', path: `/v1/clusters/${clusterId}/map?kind=pod&depth=8` },
    ];
    let filled = 0;
    console.log('| leases per pool | view | median ms | p95 ms | API CPU µs/request | cells listed |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
    for (const target of steps) {
      const add = target - filled;
      // ClusterIPs (single addresses) and node blocks (/64 of the /48: at most 65,536), leased by the engine's function
      // in batches: each lease takes a transaction-scoped advisory lock
      const lease = async (kind: string, length: number, holder: string, count: number) => {
        for (let done = 0; done < count; done += 5_000) {
          await sql.query(
            `SELECT kipam_lease_next($1::bigint, $2, NULL, $3::holder_kind, gen_random_uuid(), 'bench') FROM generate_series(1, $4)`,
            [poolOf(kind), length, holder, Math.min(5_000, count - done)],
          );
        }
      };
      await lease('service', 128, 'service', add);
      await lease('pod', 64, 'node', Math.min(target, 65_536) - Math.min(filled, 65_536));
      filled = target;
      await sql.query('ANALYZE lease');
      for (const view of views) {
        const times: number[] = [];
        let cells = 0;
        for (let i = 0; i < 3; i++) await fastify.inject({ method: 'GET', url: view.path, headers: auth });
        const cpu = process.cpuUsage();
        for (let i = 0; i < requests; i++) {
          const t0 = process.hrtime.bigint();
          const res = await fastify.inject({ method: 'GET', url: view.path, headers: auth });
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.statusCode !== 200) throw new Error(`${view.path}: ${res.statusCode} ${res.body}`);
          cells = res.json<{ cells: unknown[] }>().cells.length;
        }
        const used = process.cpuUsage(cpu);
        const cpuPer = (used.user + used.system) / requests;
        const leases = view.name.startsWith('pod') ? Math.min(target, 65_536) : target;
        console.log(
          `| ${leases.toLocaleString('en-US')} | ${view.name} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} | ${Math.round(cpuPer).toLocaleString('en-US')} | ${cells} |`,
        );
      }
    }
    await app.close();
  } finally {
    await sql.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    if (embedded) await embedded.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});

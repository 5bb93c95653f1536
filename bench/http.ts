/**
 * HTTP benchmark: `npm run bench:http [-- flags]` (see --help).
 *
 * Starts the built API (dist/) as a separate process on a fresh database
 * (DATABASE_URL's server, else an embedded PostgreSQL), drives it with
 * autocannon, and prints, in one run:
 *   - the ceiling: plain single-row INSERT transactions at the same concurrency;
 *   - POST Service (dual-stack, two leases each) and POST Node (dual-stack) at
 *     16 and 64 connections: requests/s, p50/p99 and the ratio to the ceiling;
 *   - the same Service run spread over 100 clusters versus all on one cluster;
 *   - whoIs lookups and GraphQL `conflicts` over a generated fleet of 10,000 clusters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client, Pool } from 'pg';
import {
  applyMigrations,
  connectionConfig,
  freePort,
  startEmbeddedPostgres,
  withDatabase,
  type EmbeddedDatabase,
} from '@kipam/persistence';

const TOKEN = 'bench-admin-token-0123456789abcdef0123456789';

interface Options {
  duration: number;
  connections: number[];
  fleet: number;
  poolSize: number;
  json?: string;
  /** Parts of the benchmark to run. */
  only: Set<string>;
  keep?: boolean;
}

const HELP = `Usage: npm run bench:http -- [flags]
  --duration=10          seconds per measured run (after a 2 s warm-up)
  --connections=16,64    HTTP connections (and ceiling concurrency) per allocation run
  --fleet=10000          clusters generated for the whoIs and conflicts runs
  --pool=24              DATABASE_POOL_SIZE of the API (and of the ceiling's pool)
  --quick                3 s runs, a fleet of 2,000
  --only=a,b             run only these parts: allocation (ceiling, Service, Node), contention
                         (100 clusters versus one), fleet (whoIs and conflicts); default all
  --json=path            also write the results as JSON
  --keep                 keep the database at the end, to look into it (with an embedded
                         PostgreSQL, its data folder is kept)
Environment: DATABASE_URL (a server to use; a fresh database is created on it and dropped),
  BENCH_API_NODE_ARGS (extra node flags for the API process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").`;

const PARTS = ['allocation', 'contention', 'fleet'];

const WHOIS_QUERY = 'query WhoIs($address: String!) { whoIs(address: $address) { leases { cidr holder { kind name } } } }';

function options(argv: string[]): Options {
  const o: Options = { duration: 10, connections: [16, 64], fleet: 10_000, poolSize: 24, only: new Set(PARTS) };
  for (const arg of argv) {
    const [k, v] = arg.replace(/^--/, '').split('=');
    if (k === 'help') {
      console.log(HELP);
      process.exit(0);
    } else if (k === 'duration') o.duration = Number(v);
    else if (k === 'connections') o.connections = v.split(',').map(Number);
    else if (k === 'fleet') o.fleet = Number(v);
    else if (k === 'pool') o.poolSize = Number(v);
    else if (k === 'quick') Object.assign(o, { duration: 3, fleet: 2000 });
    else if (k === 'json') o.json = v;
    else if (k === 'keep') o.keep = true;
    else if (k === 'only') {
      o.only = new Set((v ?? '').split(','));
      for (const part of o.only) if (!PARTS.includes(part)) throw new Error(`unknown part ${part} (${PARTS.join(', ')})\n${HELP}`);
    } else throw new Error(`unknown flag ${arg}\n${HELP}`);
  }
  return o;
}

interface Run {
  name: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  ratio?: number;
}

async function ceiling(url: string, concurrency: number, seconds: number, poolSize: number): Promise<number> {
  const pool = new Pool({ ...connectionConfig(url), max: Math.min(concurrency, poolSize) });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text)');
  let done = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('INSERT INTO bench_ceiling (note) VALUES ($1)', ['x']);
        await c.query('COMMIT');
        done++;
      } finally {
        c.release();
      }
    }
  };
  const warm = setTimeout(() => (done = 0), 1000);
  const started = Date.now() + 1000;
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, (seconds + 1) * 1000));
  stop = true;
  await Promise.all(workers);
  clearTimeout(warm);
  await pool.end();
  return done / ((Date.now() - started) / 1000);
}

async function drive(
  base: string,
  name: string,
  connections: number,
  seconds: number,
  request: () => { method: 'GET' | 'POST'; path: string; body?: string },
): Promise<Run> {
  const make = () => ({
    setupRequest: (req: Record<string, unknown>) => {
      const r = request();
      return { ...req, method: r.method, path: r.path, body: r.body };
    },
  });
  const opts = {
    url: base,
    connections,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requests: [make()],
  };
  await autocannon({ ...opts, duration: 2 }); // warm-up
  const result = await autocannon({ ...opts, duration: seconds });
  console.log(
    `  ${name} @${connections}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`,
  );
  return {
    name,
    connections,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function startServer(url: string, port: number, poolSize: number): Promise<ChildProcess> {
  const nodeArgs = process.env.BENCH_API_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/apps/api/src/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      KIPAM_ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: String(poolSize),
      // the benchmark measures throughput, not the per-token rate limit
      KIPAM_RATE_LIMIT_PER_MINUTE: '10000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (r.ok) return resolve(child);
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) return reject(new Error('the API did not become ready'));
      setTimeout(() => void poll(), 250);
    };
    child.once('exit', (code) => reject(new Error(`the API exited with ${code}`)));
    void poll();
  });
}

/** A fleet of dual-stack clusters with declared, mostly disjoint CIDRs (1% imported duplicates), written in SQL. */
async function generateFleet(url: string, n: number): Promise<void> {
  const c = new Client(connectionConfig(url));
  await c.connect();
  try {
    await c.query(`INSERT INTO domain (id, name) VALUES ('00000000-0000-4000-8000-0000000000f1', 'fleet') ON CONFLICT DO NOTHING`);
    await c.query(
      `CREATE OR REPLACE FUNCTION pg_temp.fleet(n int) RETURNS void LANGUAGE plpgsql AS $$
       DECLARE
         i int; slot int; cid uuid; pid bigint; k record;
       BEGIN
         FOR i IN 1..n LOOP
           slot := CASE WHEN i % 100 = 0 THEN i - 1 ELSE i END; -- every 100th cluster is an imported duplicate
           cid := gen_random_uuid();
           INSERT INTO cluster (id, domain_id, name, ip_families, allow_conflicts)
             VALUES (cid, '00000000-0000-4000-8000-0000000000f1', 'fleet-' || i, ARRAY['IPv4','IPv6'], i % 100 = 0);
           FOR k IN SELECT * FROM (VALUES
               ('pod', 4, 0, set_masklen('10.0.0.0/32'::inet + (slot::bigint << 12), 20)),
               ('pod', 6, 1, ('fd00:' || to_hex(slot) || '::/48')::inet),
               ('service', 4, 0, set_masklen('100.64.0.0/32'::inet + (i::bigint << 8), 24)),
               ('service', 6, 1, ('fd01:' || to_hex(i) || '::/112')::inet)) AS v(kind, fam, pos, cidr) LOOP
             INSERT INTO pool (kind, cidr, family, lease_length)
               VALUES ((CASE k.kind WHEN 'pod' THEN 'cluster_pod' ELSE 'cluster_service' END)::pool_kind, k.cidr, k.fam,
                       CASE WHEN k.kind = 'service' THEN CASE k.fam WHEN 4 THEN 32 ELSE 128 END WHEN k.fam = 4 THEN 24 ELSE 64 END)
               RETURNING id INTO pid;
             PERFORM kipam_pool_init(pid);
             INSERT INTO cluster_cidr (id, cluster_id, domain_id, kind, family, position, cidr, pool_id, overlap_allowed)
               VALUES (gen_random_uuid(), cid, '00000000-0000-4000-8000-0000000000f1', k.kind::cidr_kind, k.fam, k.pos, k.cidr, pid, i % 100 = 0);
           END LOOP;
         END LOOP;
       END $$`,
    );
    await c.query('SELECT pg_temp.fleet($1)', [n]);
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

function table(runs: Run[]): void {
  console.log(['workload'.padEnd(44), 'conns', 'req/s'.padStart(8), 'p50 ms', 'p99 ms', 'vs ceiling', 'non-2xx', 'errors'].join('  '));
  for (const r of runs) {
    console.log(
      [
        r.name.padEnd(44),
        String(r.connections).padStart(5),
        r.rps.toFixed(0).padStart(8),
        String(r.p50).padStart(6),
        String(r.p99).padStart(6),
        (r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(0)}%`).padStart(10),
        String(r.non2xx).padStart(7),
        String(r.errors).padStart(6),
      ].join('  '),
    );
  }
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let server = process.env.DATABASE_URL;
  if (!server) {
    dataDir = mkdtempSync(join(tmpdir(), 'kipam-bench-http-'));
    embedded = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    server = embedded.url;
  }
  const dbName = `kipam_bench_http_${process.pid}`;
  const admin = new Client(connectionConfig(server));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = withDatabase(server, dbName);
  let child: ChildProcess | undefined;
  try {
    await applyMigrations(url);
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    console.log(
      `Kipam HTTP benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${rows[0].server_version}${embedded ? ' (embedded)' : ''}`,
    );
    const port = await freePort();
    child = await startServer(url, port, o.poolSize);
    const base = `http://127.0.0.1:${port}`;
    const runs: Run[] = [];

    // Allocation runs
    const ds = await api<{ id: string }>(base, 'POST', '/v1/clusters', {
      name: 'bench-services',
      podCidrs: ['10.128.0.0/9', 'fd10::/48'],
      serviceCidrs: ['172.16.0.0/12', 'fd20::/108'],
      kubernetesVersion: '1.34',
    });
    const nodes = await api<{ id: string }>(base, 'POST', '/v1/clusters', {
      name: 'bench-nodes',
      podCidrs: ['11.0.0.0/8', 'fd30::/32'],
      serviceCidrs: ['192.168.0.0/16', 'fd40::/112'],
      nodeMaskSizeIPv4: 24,
      nodeMaskSizeIPv6: 48,
    });
    let seq = 0;
    for (const connections of o.only.has('allocation') ? o.connections : []) {
      const limit = await ceiling(url, connections, o.duration, o.poolSize);
      console.log(`ceiling at ${connections}: ${limit.toFixed(0)} INSERT transactions/s`);
      runs.push({ name: 'ceiling: single-row INSERT transactions', connections, rps: limit, p50: 0, p99: 0, non2xx: 0, errors: 0 });
      const svc = await drive(base, 'POST Service (RequireDualStack)', connections, o.duration, () => ({
        method: 'POST',
        path: `/v1/clusters/${ds.id}/services`,
        body: JSON.stringify({ namespace: 'bench', name: `s${seq++}`, ipFamilyPolicy: 'RequireDualStack' }),
      }));
      svc.ratio = svc.rps / limit;
      runs.push(svc);
      const node = await drive(base, 'POST Node (dual-stack)', connections, o.duration, () => ({
        method: 'POST',
        path: `/v1/clusters/${nodes.id}/nodes`,
        body: JSON.stringify({ name: `n${seq++}` }),
      }));
      node.ratio = node.rps / limit;
      runs.push(node);
    }

    // Contention: one cluster versus 100
    if (o.only.has('contention')) await contention();
    async function contention() {
      const spread: string[] = [];
      for (let i = 0; i < 100; i++) {
        const c = await api<{ id: string }>(base, 'POST', '/v1/clusters', {
          name: `spread-${i}`,
          podCidrs: [`12.${i}.0.0/16`, `fd50:${i.toString(16)}::/56`],
          serviceCidrs: [`13.${i}.0.0/16`, `fd60:${i.toString(16)}::/112`],
        });
        spread.push(c.id);
      }
      const c64 = o.connections[o.connections.length - 1];
      runs.push(
        await drive(base, 'POST Service spread over 100 clusters', c64, o.duration, () => ({
          method: 'POST',
          path: `/v1/clusters/${spread[seq % 100]}/services`,
          body: JSON.stringify({ namespace: 'bench', name: `s${seq++}`, ipFamilyPolicy: 'RequireDualStack' }),
        })),
      );
      runs.push(
        await drive(base, 'POST Service all on one cluster', c64, o.duration, () => ({
          method: 'POST',
          path: `/v1/clusters/${spread[0]}/services`,
          body: JSON.stringify({ namespace: 'bench', name: `s${seq++}`, ipFamilyPolicy: 'RequireDualStack' }),
        })),
      );
    }

    // Fleet reads
    if (o.only.has('fleet')) await fleet();
    async function fleet() {
      const t0 = Date.now();
      await generateFleet(url, o.fleet);
      console.log(`generated a fleet of ${o.fleet} clusters in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const whois = () => {
        const i = 1 + Math.floor(Math.random() * o.fleet);
        const v = 10 * 2 ** 24 + i * 4096 + 7; // inside fleet-i's pod CIDR
        return { method: 'GET', path: `/v1/whois?address=${[24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.')}` };
      };
      runs.push(await drive(base, `GET /v1/whois over ${o.fleet} clusters`, 16, o.duration, whois));
      // the same with fewer callers: the lookup's own time, with less queueing on a small machine
      runs.push(await drive(base, `GET /v1/whois over ${o.fleet} clusters`, 4, o.duration, whois));
      runs.push(
        await drive(base, `GraphQL whoIs over ${o.fleet} clusters`, 16, o.duration, () => {
          const i = 1 + Math.floor(Math.random() * o.fleet);
          const v = 100 * 2 ** 24 + 64 * 2 ** 16 + i * 256 + 9; // inside fleet-i's service CIDR
          const address = [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
          return {
            method: 'POST',
            path: '/graphql',
            // one document, the address as a variable: as a client sends it (the server caches parsed documents)
            body: JSON.stringify({ query: WHOIS_QUERY, variables: { address } }),
          };
        }),
      );
      const started = Date.now();
      const once = await api<{ data: { conflicts: { nodes: unknown[] } } }>(base, 'POST', '/graphql', {
        query: '{ conflicts(domain: "fleet", first: 1000) { nodes { relation a { cidr clusterName } b { cidr clusterName } } } }',
      });
      console.log(
        `GraphQL conflicts over ${o.fleet} clusters: ${once.data.conflicts.nodes.length} pairs (the first page of 1,000) in ${Date.now() - started} ms (one request)`,
      );
      runs.push(
        await drive(base, `GraphQL conflicts over ${o.fleet} clusters`, 4, o.duration, () => ({
          method: 'POST',
          path: '/graphql',
          body: JSON.stringify({
            query: '{ conflicts(domain: "fleet", first: 1000) { nodes { relation a { cidr clusterName } b { cidr clusterName } } } }',
          }),
        })),
      );
    }

    console.log('');
    table(runs);
    if (o.json) writeFileSync(o.json, JSON.stringify({ runs }, null, 2));
  } finally {
    child?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    if (!o.keep) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
    if (o.keep) console.log(`kept database ${dbName}${dataDir ? ` in the embedded PostgreSQL data folder ${dataDir}` : `: ${url}`}`);
    else if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

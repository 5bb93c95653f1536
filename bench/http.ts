/**
 * HTTP benchmark: `npm run bench:http [-- flags]` (see --help).
 *
 * Starts the built API (dist/) as a separate process on a fresh database
 * (DATABASE_URL's server, else an embedded PostgreSQL), drives it with
 * autocannon, and prints for every workload requests/s, p50/p99 and the work
 * each request cost: CPU µs of the API processes and of the PostgreSQL
 * backends (from /proc), round trips and statements sent to PostgreSQL
 * (the API's own counters). Parts:
 *   - allocation: the INSERT ceiling (a reference line), POST Service
 *     (dual-stack, two leases each) and POST Node at 16 and 64 connections;
 *   - contention: the same Service run spread over 100 clusters versus one;
 *   - fleet: whoIs and GraphQL `conflicts` over a generated fleet;
 *   - pgbench: the SQL one Service creation sends, captured on the wire and
 *     replayed with pgbench at the same concurrency (the ceiling for that work);
 *   - scale: conflicts, whoIs and cluster listing at growing fleet sizes;
 *   - soak: API memory over a long mixed load (--soak=seconds).
 * Each part runs once per worker count (--workers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
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
import { Meters, type Work } from './lib/measure';
import { processTree, rssMiB } from './lib/cpu';
import { captureServiceCreation, pgbenchAvailable, PGBENCH_HINT, runPgbench, type Capture } from './lib/pgbench';
import { generateFleet, scaleFleet, scalePodAddress, SCALE_DOMAIN } from './lib/fleet';

const TOKEN = 'bench-admin-token-0123456789abcdef0123456789';

interface Options {
  duration: number;
  connections: number[];
  fleet: number;
  poolSize: number;
  workers: number[];
  repeat: number;
  logLevel: string;
  json?: string;
  /** Parts of the benchmark to run. */
  only: Set<string>;
  keep?: boolean;
  scale: number[];
  soak: number;
}

const PARTS = ['allocation', 'contention', 'fleet', 'pgbench', 'scale', 'soak'];
const DEFAULT_PARTS = ['allocation', 'contention', 'fleet', 'pgbench'];

const HELP = `Usage: npm run bench:http -- [flags]
  --duration=10          seconds per measured run (after a 2 s warm-up)
  --connections=16,64    HTTP connections (and ceiling/pgbench concurrency) per allocation run
  --fleet=10000          clusters generated for the whoIs and conflicts runs
  --pool=24              DATABASE_POOL_SIZE of the API (split among its workers) and of the ceiling's pool
  --workers=1,N          KIPAM_WORKERS of the API: every part runs once per value (default 1 and one per core)
  --repeat=1             measured runs per workload (after one warm-up): the table shows the median and the
                         spread (min-max) of each figure
  --log-level=warn       LOG_LEVEL of the API (info writes an access log line per request, to /dev/null)
  --quick                3 s runs, a fleet of 2,000
  --only=a,b             parts to run: ${PARTS.join(', ')} (default ${DEFAULT_PARTS.join(',')})
  --scale=10000,100000   fleet sizes for the scale part (each adds clusters to the last: 10 leases each)
  --soak=600             run the soak part for that many seconds (a mixed load at 64 connections,
                         API memory sampled every 10 s)
  --json=path            also write the results as JSON
  --keep                 keep the database at the end, to look into it (with an embedded
                         PostgreSQL, its data folder is kept)
Environment: DATABASE_URL (a server to use; a fresh database is created on it and dropped; without it
  an embedded PostgreSQL runs, and its whole-server CPU is reported too),
  BENCH_API_NODE_ARGS (extra node flags for the API process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
  BENCH_PG_FLAGS (extra flags of the embedded PostgreSQL, e.g. "-c track_functions=all -c pg_stat_statements.track=all
  -c pg_stat_statements.track_planning=on", for a look at pg_stat_user_functions and pg_stat_statements after --keep).
The pgbench part needs pgbench: ${PGBENCH_HINT}.
CPU figures come from /proc/<pid>/stat (Linux): the API's process tree, and the PostgreSQL backends whose
pg_stat_activity row names the benchmark's database. They are the figures to compare between runs: on a
shared machine the rates and latencies move with other load, CPU per request much less.`;

const WHOIS_QUERY = 'query WhoIs($address: String!) { whoIs(address: $address) { leases { cidr holder { kind name } } } }';
const CONFLICTS_QUERY = '{ conflicts(domain: "fleet", first: 1000) { nodes { relation a { cidr clusterName } b { cidr clusterName } } } }';

function options(argv: string[]): Options {
  const cores = availableParallelism();
  const o: Options = {
    duration: 10,
    connections: [16, 64],
    fleet: 10_000,
    poolSize: 24,
    workers: [...new Set([1, cores])],
    repeat: 1,
    logLevel: 'warn',
    only: new Set(DEFAULT_PARTS),
    scale: [10_000, 100_000],
    soak: 0,
  };
  for (const arg of argv) {
    const [k, v] = arg.replace(/^--/, '').split('=');
    const list = () => v.split(',').map(Number);
    if (k === 'help') {
      console.log(HELP);
      process.exit(0);
    } else if (k === 'duration') o.duration = Number(v);
    else if (k === 'connections') o.connections = list();
    else if (k === 'fleet') o.fleet = Number(v);
    else if (k === 'pool') o.poolSize = Number(v);
    else if (k === 'workers') o.workers = list();
    else if (k === 'repeat') o.repeat = Math.max(1, Number(v));
    else if (k === 'log-level') o.logLevel = v;
    else if (k === 'quick') Object.assign(o, { duration: 3, fleet: 2000 });
    else if (k === 'json') o.json = v;
    else if (k === 'keep') o.keep = true;
    else if (k === 'scale') {
      o.scale = list();
      o.only.add('scale');
    } else if (k === 'soak') {
      o.soak = Number(v ?? 600);
      o.only = new Set(['soak']);
    } else if (k === 'only') {
      o.only = new Set((v ?? '').split(','));
      for (const part of o.only) if (!PARTS.includes(part)) throw new Error(`unknown part ${part} (${PARTS.join(', ')})\n${HELP}`);
    } else throw new Error(`unknown flag ${arg}\n${HELP}`);
  }
  if (o.only.has('soak') && !o.soak) o.soak = 600;
  return o;
}

/** One workload's measured runs. */
export interface Run {
  name: string;
  workers: number;
  connections: number;
  rps: number[];
  p50: number[];
  p99: number[];
  non2xx: number;
  errors: number;
  work: Work[];
  /** requests/s of the reference this run is compared with (the INSERT ceiling, the pgbench replay) */
  reference?: { name: string; rps: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

export interface Server {
  base: string;
  child: ChildProcess;
  workers: number;
  stop(): Promise<void>;
}

interface Bench {
  o: Options;
  url: string;
  server: Server;
  meters: Meters;
  runs: Run[];
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

type Request = { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: string };

async function drive(b: Bench, name: string, connections: number, request: () => Request, seconds = b.o.duration): Promise<Run> {
  const opts = {
    url: b.server.base,
    connections,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const r = request();
          return { ...req, method: r.method, path: r.path, body: r.body };
        },
      },
    ],
  };
  await autocannon({ ...opts, duration: 2 }); // warm-up
  const run: Run = { name, workers: b.server.workers, connections, rps: [], p50: [], p99: [], non2xx: 0, errors: 0, work: [] };
  for (let i = 0; i < b.o.repeat; i++) {
    await b.meters.begin();
    const result = await autocannon({ ...opts, duration: seconds });
    const work = await b.meters.end(result.requests.total);
    run.rps.push(result.requests.average);
    run.p50.push(result.latency.p50);
    run.p99.push(result.latency.p99);
    run.non2xx += result.non2xx;
    run.errors += result.errors + result.timeouts;
    run.work.push(work);
    console.log(
      `  ${name} @${connections} (${b.server.workers} worker${b.server.workers > 1 ? 's' : ''}): ${result.requests.average.toFixed(0)} req/s, ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, API ${work.apiCpu.toFixed(0)} µs, PostgreSQL ${work.pgCpu.toFixed(0)} µs` +
        `${work.pgServerCpu === undefined ? '' : ` (server ${work.pgServerCpu.toFixed(0)} µs)`}, ` +
        `${work.roundTrips?.toFixed(2) ?? '?'} round trips per request, non-2xx ${result.non2xx}`,
    );
  }
  b.runs.push(run);
  return run;
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

/** GET on a new connection each time (the cluster primary hands connections to its workers in turn). */
async function freshGet(base: string, path: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers: { connection: 'close' } }).catch(() => undefined);
  await res?.text();
  return res?.status ?? 0;
}

export async function startServer(
  url: string,
  o: { poolSize: number; workers: number; logLevel?: string; env?: Record<string, string> },
): Promise<Server> {
  const port = await freePort();
  const nodeArgs = process.env.BENCH_API_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/apps/api/src/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      KIPAM_ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: o.logLevel ?? 'warn',
      DATABASE_POOL_SIZE: String(o.poolSize),
      KIPAM_WORKERS: String(o.workers),
      // the benchmark measures throughput, not the per-token rate limit (which still runs: its work counts)
      KIPAM_RATE_LIMIT_PER_MINUTE: '10000000',
      ...o.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + 90_000;
  // ready when every worker answers: 2N consecutive readiness checks on new connections
  for (let ok = 0; ok < 2 * o.workers;) {
    if (exited !== undefined) throw new Error(`the API exited with ${exited}`);
    if (Date.now() > deadline) throw new Error('the API did not become ready');
    if ((await freshGet(base, '/readyz')) === 200 && processTree(child.pid!).length >= o.workers + (o.workers > 1 ? 1 : 0)) ok++;
    else {
      ok = 0;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    base,
    child,
    workers: o.workers,
    stop: async () => {
      if (exited !== undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 20_000))]);
    },
  };
}

function fmt(xs: number[], digits = 0, spread = true): string {
  const m = median(xs);
  if (!Number.isFinite(m)) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const f = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return spread && xs.length > 1 && f(lo) !== f(hi) ? `${f(m)} (${f(lo)}–${f(hi)})` : f(m);
}

function table(runs: Run[]): void {
  const cols: [string, (r: Run) => string, number][] = [
    ['workload', (r) => r.name, 46],
    ['wk', (r) => String(r.workers), 2],
    ['conns', (r) => String(r.connections), 5],
    ['req/s', (r) => fmt(r.rps), 8],
    ['p50 ms', (r) => fmt(r.p50, 0, false), 6],
    ['p99 ms', (r) => fmt(r.p99, 0, false), 6],
    ['API µs', (r) => fmt(r.work.map((w) => w.apiCpu)), 7],
    ['PG µs', (r) => fmt(r.work.map((w) => w.pgCpu)), 7],
    ['PG srv µs', (r) => fmt(r.work.flatMap((w) => (w.pgServerCpu === undefined ? [] : [w.pgServerCpu]))), 9],
    ['bench µs', (r) => fmt(r.work.map((w) => w.clientCpu)), 8],
    [
      'trips',
      (r) =>
        fmt(
          r.work.flatMap((w) => (w.roundTrips === undefined ? [] : [w.roundTrips])),
          2,
        ),
      5,
    ],
    [
      'stmts',
      (r) =>
        fmt(
          r.work.flatMap((w) => (w.statements === undefined ? [] : [w.statements])),
          2,
        ),
      5,
    ],
    ['RSS MiB', (r) => fmt(r.work.map((w) => w.apiRssPeak)), 7],
    ['vs ref', (r) => (r.reference ? `${((median(r.rps) / r.reference.rps) * 100).toFixed(0)}% of ${r.reference.name}` : ''), 6],
    ['non-2xx', (r) => String(r.non2xx), 7],
    ['errors', (r) => String(r.errors), 6],
  ];
  console.log(cols.map(([h, , w], i) => (i === 0 ? h.padEnd(w) : h.padStart(w))).join('  '));
  for (const r of runs) console.log(cols.map(([, f, w], i) => (i === 0 ? f(r).padEnd(w) : f(r).padStart(w))).join('  '));
}

async function allocation(b: Bench, clusters: { services: string; nodes: string }, seq: { n: number }): Promise<void> {
  for (const connections of b.o.connections) {
    const limit = await ceiling(b.url, connections, b.o.duration, b.o.poolSize);
    console.log(`ceiling at ${connections}: ${limit.toFixed(0)} INSERT transactions/s (a reference line)`);
    b.runs.push({
      name: 'ceiling: single-row INSERT transactions',
      workers: b.server.workers,
      connections,
      rps: [limit],
      p50: [],
      p99: [],
      non2xx: 0,
      errors: 0,
      work: [],
    });
    const svc = await drive(b, 'POST Service (RequireDualStack)', connections, () => ({
      method: 'POST',
      path: `/v1/clusters/${clusters.services}/services`,
      body: JSON.stringify({ namespace: 'bench', name: `s${seq.n++}`, ipFamilyPolicy: 'RequireDualStack' }),
    }));
    svc.reference = { name: 'INSERT', rps: limit };
    const node = await drive(b, 'POST Node (dual-stack)', connections, () => ({
      method: 'POST',
      path: `/v1/clusters/${clusters.nodes}/nodes`,
      body: JSON.stringify({ name: `n${seq.n++}` }),
    }));
    node.reference = { name: 'INSERT', rps: limit };
  }
}

async function contention(b: Bench, seq: { n: number }): Promise<void> {
  const spread: string[] = [];
  for (let i = 0; i < 100; i++) {
    const c = await api<{ id: string }>(b.server.base, 'POST', '/v1/clusters', {
      name: `spread-${i}`,
      podCidrs: [`12.${i}.0.0/16`, `fd50:${i.toString(16)}::/56`],
      serviceCidrs: [`13.${i}.0.0/16`, `fd60:${i.toString(16)}::/112`],
    });
    spread.push(c.id);
  }
  const c64 = b.o.connections[b.o.connections.length - 1];
  await drive(b, 'POST Service spread over 100 clusters', c64, () => ({
    method: 'POST',
    path: `/v1/clusters/${spread[seq.n % 100]}/services`,
    body: JSON.stringify({ namespace: 'bench', name: `s${seq.n++}`, ipFamilyPolicy: 'RequireDualStack' }),
  }));
  await drive(b, 'POST Service all on one cluster', c64, () => ({
    method: 'POST',
    path: `/v1/clusters/${spread[0]}/services`,
    body: JSON.stringify({ namespace: 'bench', name: `s${seq.n++}`, ipFamilyPolicy: 'RequireDualStack' }),
  }));
}

const dotted = (v: number) => [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
/** An address inside fleet cluster i's pod CIDR (10.0.0.0/8 cut into /20s). */
const podAddress = (i: number) => dotted(10 * 2 ** 24 + i * 4096 + 7);
/** An address inside fleet cluster i's IPv4 service CIDR (100.64.0.0/10 cut into /24s). */
const serviceAddress = (i: number) => dotted(100 * 2 ** 24 + 64 * 2 ** 16 + i * 256 + 9);

async function fleet(b: Bench): Promise<void> {
  const t0 = Date.now();
  await generateFleet(b.url, b.o.fleet);
  console.log(`generated a fleet of ${b.o.fleet} clusters in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const n = b.o.fleet;
  const whois = (): Request => ({ method: 'GET', path: `/v1/whois?address=${podAddress(1 + Math.floor(Math.random() * n))}` });
  await drive(b, `GET /v1/whois over ${n} clusters`, 16, whois);
  // the same with fewer callers: the lookup's own time, with less queueing on a small machine
  await drive(b, `GET /v1/whois over ${n} clusters`, 4, whois);
  await drive(b, `GraphQL whoIs over ${n} clusters`, 16, () => ({
    method: 'POST',
    path: '/graphql',
    // one document, the address as a variable: as a client sends it (the server caches parsed documents)
    body: JSON.stringify({ query: WHOIS_QUERY, variables: { address: serviceAddress(1 + Math.floor(Math.random() * n)) } }),
  }));
  const started = Date.now();
  const once = await api<{ data: { conflicts: { nodes: unknown[] } } }>(b.server.base, 'POST', '/graphql', { query: CONFLICTS_QUERY });
  console.log(
    `GraphQL conflicts over ${n} clusters: ${once.data.conflicts.nodes.length} pairs (the first page of 1,000) in ${Date.now() - started} ms (one request)`,
  );
  await drive(b, `GraphQL conflicts over ${n} clusters`, 4, () => ({
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({ query: CONFLICTS_QUERY }),
  }));
}

async function pgbench(b: Bench, cluster: string, captured: { capture?: Capture }): Promise<void> {
  if (!pgbenchAvailable()) {
    console.log(`pgbench part skipped: pgbench is not installed (${PGBENCH_HINT})`);
    return;
  }
  // captured for this pass's database, through a second API process connected through a recording proxy
  captured.capture = await captureServiceCreation(b.url, cluster, TOKEN, (url) => startServer(url, { poolSize: 4, workers: 1 }));
  const capture = captured.capture;
  if (b.server.workers === b.o.workers[0]) {
    console.log(`one dual-stack Service creation sends ${capture.roundTrips} round trips (${capture.statements} statements):`);
    for (const line of capture.describe()) console.log(`    ${line}`);
  }
  let seq = 0;
  for (const connections of b.o.connections) {
    let replay: Awaited<ReturnType<typeof runPgbench>> | undefined;
    for (const [name, oneRoundTrip] of [
      ['pgbench: the SQL of one Service creation', false],
      ['pgbench: the same SQL in one round trip', true],
    ] as const) {
      const r = await runPgbench(b.url, capture, connections, b.o.duration, b.meters, oneRoundTrip);
      replay ??= r;
      console.log(
        `  ${name} @${connections}: ${r.tps.toFixed(0)} transactions/s, PostgreSQL ${r.work.pgCpu.toFixed(0)} µs per transaction`,
      );
      b.runs.push({
        name,
        workers: b.server.workers,
        connections,
        rps: [r.tps],
        p50: [r.latencyMs],
        p99: [],
        non2xx: 0,
        errors: r.failed,
        work: [r.work],
      });
    }
    const http = await drive(b, 'POST Service (RequireDualStack), same cluster', connections, () => ({
      method: 'POST',
      path: `/v1/clusters/${cluster}/services`,
      body: JSON.stringify({ namespace: 'bench-http', name: `h${seq++}`, ipFamilyPolicy: 'RequireDualStack' }),
    }));
    http.reference = { name: 'pgbench', rps: replay!.tps };
  }
}

async function scale(b: Bench): Promise<void> {
  const conflicts = `{ conflicts(domain: "${SCALE_DOMAIN}", first: 1000) { nodes { relation a { cidr clusterName } b { cidr clusterName } } } }`;
  const c = new Client(connectionConfig(b.url));
  await c.connect();
  let have = 0;
  try {
    for (const size of [...b.o.scale].sort((x, y) => x - y)) {
      const t0 = Date.now();
      await scaleFleet(b.url, have, size);
      const { rows } = await c.query<{ leases: number }>('SELECT count(*)::int AS leases FROM lease');
      console.log(
        `scale: ${size} clusters, ${rows[0].leases} leases in the database (added ${size - have} clusters in ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
      have = size;
      const label = `${size.toLocaleString('en-US')} clusters`;
      const t1 = Date.now();
      const once = await api<{ data: { conflicts: { nodes: unknown[] } } }>(b.server.base, 'POST', '/graphql', { query: conflicts });
      console.log(
        `  GraphQL conflicts over ${label}: ${once.data.conflicts.nodes.length} pairs (first page) in ${Date.now() - t1} ms (one request)`,
      );
      await drive(b, `scale: GraphQL conflicts, ${label}`, 1, () => ({
        method: 'POST',
        path: '/graphql',
        body: JSON.stringify({ query: conflicts }),
      }));
      await drive(b, `scale: GET /v1/whois, ${label}`, 16, () => ({
        method: 'GET',
        path: `/v1/whois?address=${scalePodAddress(1 + Math.floor(Math.random() * size))}`,
      }));
      await drive(b, `scale: GET /v1/clusters?limit=100, ${label}`, 16, () => ({ method: 'GET', path: '/v1/clusters?limit=100' }));
      await drive(b, `scale: GET /v1/clusters?name=…, ${label}`, 16, () => ({
        method: 'GET',
        path: `/v1/clusters?name=scale-${1 + Math.floor(Math.random() * size)}`,
      }));
    }
  } finally {
    await c.end();
  }
}

/** A mixed load (create a Service, look up an address, delete the Service) with the API's memory sampled. */
async function soak(b: Bench, clusterId: string): Promise<void> {
  const samples: { t: number; rss: number; heap?: number }[] = [];
  const started = Date.now();
  const heapOf = async () => {
    const res = await fetch(`${b.server.base}/metrics?name[]=nodejs_heap_size_used_bytes`).catch(() => undefined);
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec((await res?.text()) ?? '');
    return m ? Number(m[1]) / 2 ** 20 : undefined;
  };
  const sample = async () => {
    samples.push({ t: (Date.now() - started) / 1000, rss: rssMiB(processTree(b.server.child.pid!)), heap: await heapOf() });
  };
  await sample();
  const timer = setInterval(() => void sample(), 10_000);
  let seq = 0;
  const result = await autocannon({
    url: b.server.base,
    connections: 64,
    duration: b.o.soak,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: `/v1/clusters/${clusterId}/services`,
        setupRequest: (req: Record<string, unknown>) => ({
          ...req,
          body: JSON.stringify({ namespace: 'soak', name: `k${seq++}`, ipFamilyPolicy: 'RequireDualStack' }),
        }),
        onResponse: (status: number, body: string, context: Record<string, unknown>) => {
          if (status === 201) context.service = (JSON.parse(body) as { id: string }).id;
        },
      },
      { method: 'GET', path: '/v1/whois?address=172.16.0.10' },
      {
        method: 'DELETE',
        setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) =>
          context.service ? { ...req, path: `/v1/clusters/${clusterId}/services/${context.service as string}` } : undefined,
      },
    ],
  } as autocannon.Options);
  clearInterval(timer);
  await sample();
  await new Promise((r) => setTimeout(r, 15_000)); // after the load: what stays
  await sample();
  console.log(`soak: ${b.o.soak} s at 64 connections, ${result.requests.average.toFixed(0)} req/s, non-2xx ${result.non2xx}`);
  console.log('  t (s)   API RSS MiB   heap used MiB (one worker)');
  for (const s of samples) console.log(`  ${s.t.toFixed(0).padStart(5)}   ${s.rss.toFixed(0).padStart(11)}   ${s.heap?.toFixed(0) ?? '?'}`);
  const loaded = samples.slice(1, -2);
  if (loaded.length >= 4) {
    const q = Math.max(1, Math.floor(loaded.length / 4));
    const first = median(loaded.slice(0, q).map((s) => s.rss));
    const last = median(loaded.slice(-q).map((s) => s.rss));
    console.log(
      `  RSS, first quarter of the load ${first.toFixed(0)} MiB, last quarter ${last.toFixed(0)} MiB (${(((last - first) / first) * 100).toFixed(1)} %)`,
    );
  }
  if (b.o.json) writeFileSync(b.o.json.replace(/(\.json)?$/, '.soak.json'), JSON.stringify(samples, null, 2));
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'kipam-bench-http-'));
    // pg_stat_statements, for a look at the server's side after a --keep run
    // BENCH_PG_FLAGS: more server flags, e.g. "-c track_functions=all -c pg_stat_statements.track=all"
    const extra = (process.env.BENCH_PG_FLAGS ?? '').split(/\s+/).filter(Boolean);
    embedded = await startEmbeddedPostgres(dataDir, {
      database: 'postgres',
      flags: ['-c', 'shared_preload_libraries=pg_stat_statements', ...extra],
    });
    serverUrl = embedded.url;
  }
  const admin = new Client(connectionConfig(serverUrl));
  await admin.connect();
  const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
  console.log(
    `Kipam HTTP benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
      `PostgreSQL ${rows[0].server_version}${embedded ? ' (embedded)' : ''}; parts ${[...o.only].join(', ')}; workers ${o.workers.join(', ')}`,
  );
  const runs: Run[] = [];
  const databases: string[] = [];
  let server: Server | undefined;
  let monitor: Client | undefined;
  const captured: { capture?: Capture } = {};
  try {
    for (const workers of o.workers) {
      // a fresh database per worker count: every pass starts from the same state
      const dbName = `kipam_bench_http_${process.pid}_${workers}`;
      await admin.query(`CREATE DATABASE "${dbName}"`);
      databases.push(dbName);
      const url = withDatabase(serverUrl, dbName);
      await applyMigrations(url);
      server = await startServer(url, { poolSize: o.poolSize, workers, logLevel: o.logLevel });
      monitor = new Client(connectionConfig(url));
      await monitor.connect();
      const s = server;
      const meters = new Meters({ apiPid: () => s.child.pid!, base: () => s.base, monitor, serverIsOurs: Boolean(embedded) });
      const b: Bench = { o, url, server, meters, runs };
      const services = await api<{ id: string }>(server.base, 'POST', '/v1/clusters', {
        name: 'bench-services',
        podCidrs: ['10.128.0.0/9', 'fd10::/48'],
        serviceCidrs: ['172.16.0.0/12', 'fd20::/108'],
        kubernetesVersion: '1.34',
      });
      const nodes = await api<{ id: string }>(server.base, 'POST', '/v1/clusters', {
        name: 'bench-nodes',
        podCidrs: ['11.0.0.0/8', 'fd30::/32'],
        serviceCidrs: ['192.168.0.0/16', 'fd40::/112'],
        nodeMaskSizeIPv4: 24,
        nodeMaskSizeIPv6: 48,
      });
      const seq = { n: 0 };
      if (o.only.has('allocation')) await allocation(b, { services: services.id, nodes: nodes.id }, seq);
      if (o.only.has('pgbench')) {
        const replayed = await api<{ id: string }>(server.base, 'POST', '/v1/clusters', {
          name: 'bench-replay',
          podCidrs: ['14.0.0.0/8', 'fd70::/48'],
          serviceCidrs: ['15.0.0.0/12', 'fd80::/108'],
        });
        await pgbench(b, replayed.id, captured);
      }
      if (o.only.has('contention')) await contention(b, seq);
      if (o.only.has('fleet')) await fleet(b);
      if (o.only.has('scale')) await scale(b);
      if (o.only.has('soak')) await soak(b, services.id);
      await monitor.end();
      monitor = undefined;
      await server.stop();
      server = undefined;
    }
    console.log('');
    console.log(
      `Per request: API µs = CPU of the API's process tree (all workers), PG µs = CPU of the PostgreSQL backends of the benchmark's` +
        ` database (pg_stat_activity pids, /proc/<pid>/stat)${embedded ? ', PG srv µs = the whole embedded server (WAL writer, checkpointer, autovacuum too)' : ''},` +
        ` bench µs = this process (autocannon), trips/stmts = round trips and statements the API sent to PostgreSQL.` +
        `${o.repeat > 1 ? ` Median of ${o.repeat} runs (min–max).` : ''}`,
    );
    table(runs);
    if (o.json) writeFileSync(o.json, JSON.stringify({ options: { ...o, only: [...o.only] }, runs }, null, 2));
  } finally {
    await monitor?.end().catch(() => undefined);
    await server?.stop();
    if (!o.keep) for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
    if (o.keep)
      console.log(
        `kept databases ${databases.join(', ')}${dataDir ? ` in the embedded PostgreSQL data folder ${dataDir}` : ` on ${serverUrl}`}`,
      );
    else if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);

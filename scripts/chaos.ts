/**
 * Chaos run: `npm run chaos [-- --long | --seconds=N]`.
 *
 * Three API servers (a primary and two workers each) share one (embedded) PostgreSQL. 64 clients create and
 * delete clusters, nodes and Services through them, every POST with an
 * Idempotency-Key and retried with the same key after any 5xx or lost
 * connection. Every few seconds one API server's primary is SIGKILLed (its
 * workers then exit) and the server restarted, or one of its workers is
 * SIGKILLed and its primary replaces it;
 * once, mid-run, PostgreSQL itself is restarted. At the end an invariant
 * checker proves, from the database:
 *   - no two leases of a pool overlap;
 *   - every allocation acknowledged with a 2xx exists, unless its deletion was
 *     acknowledged too;
 *   - no lease without a holder, and no holder without its leases;
 *   - the audit trail has a record for every acknowledged change.
 * It prints the counts and exits 1 on any violation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { applyMigrations, connectionConfig, freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '@kipam/persistence';

const TOKEN = 'chaos-admin-token-0123456789abcdef0123456789';
const argv = process.argv.slice(2);
const SECONDS = Number(argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? (argv.includes('--long') ? 300 : 30));
const CLIENTS = Number(argv.find((a) => a.startsWith('--clients='))?.split('=')[1] ?? 64);
const KILL_EVERY_MS = 3000;

interface Counts {
  requests: number;
  acknowledged: number;
  retried: number;
  killed: number;
  refused: number;
}
const counts: Counts = { requests: 0, acknowledged: 0, retried: 0, killed: 0, refused: 0 };
/** Clusters whose deletion was acknowledged (204, or 404 on a retry). */
const deletedClusters = new Set<string>();

/** What the clients were told succeeded. */
interface Acked {
  kind: 'cluster' | 'node' | 'service';
  id: string;
  clusterId?: string;
  deleted: boolean;
  /** the addresses/CIDRs the 2xx said it holds */
  held: string[];
}
const acked = new Map<string, Acked>();

class Api {
  child?: ChildProcess;
  constructor(
    readonly port: number,
    private readonly databaseUrl: string,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
      env: {
        ...process.env,
        DATABASE_URL: this.databaseUrl,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        KIPAM_ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: 'error',
        DATABASE_POOL_SIZE: '12',
        // a primary and two workers: the kills below hit either
        KIPAM_WORKERS: '2',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.base}/readyz`)).ok) return;
      } catch {
        // starting
      }
      await sleep(200);
    }
    throw new Error(`API on ${this.port} did not become ready`);
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  /** SIGKILLs one of the process's workers (its primary replaces it); false when it has none. */
  killWorker(): boolean {
    const primary = this.child?.pid;
    if (!primary) return false;
    const workers = readdirSync('/proc').filter((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return (
          Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === primary &&
          readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('main.js')
        );
      } catch {
        return false;
      }
    });
    if (!workers.length) return false;
    process.kill(Number(pick(workers)), 'SIGKILL');
    return true;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

/** One logical request, retried with the same Idempotency-Key until it gets a definite answer. */
async function call(
  apis: Api[],
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | null; location?: string }> {
  const key = randomUUID();
  for (let attempt = 0; attempt < 40; attempt++) {
    if (attempt > 0) counts.retried++;
    counts.requests++;
    const api = pick(apis);
    try {
      const res = await fetch(`${api.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(method === 'POST' ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      if (res.status >= 500 || (res.status === 409 && /idempotency-key-in-use/.test(text))) {
        await sleep(100 + Math.random() * 200);
        continue;
      }
      return {
        status: res.status,
        json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
        location: res.headers.get('location') ?? undefined,
      };
    } catch {
      await sleep(100 + Math.random() * 200); // connection refused or reset: the process was killed
    }
  }
  return { status: 0, json: null };
}

async function client(apis: Api[], until: number, n: number): Promise<void> {
  let seq = 0;
  while (Date.now() < until) {
    const live = [...acked.values()].filter((a) => !a.deleted);
    const clusters = live.filter((a) => a.kind === 'cluster');
    const r = Math.random();
    if (clusters.length < 8 || r < 0.08) {
      // now and then a brownfield import whose CIDRs overlap other imports' (outside the ranges): its overlaps are
      // kept as pairs as clusters come and go (checked against a sweep at the end)
      const imported = Math.random() < 0.25;
      const res = await call(
        apis,
        'POST',
        '/v1/clusters',
        imported
          ? {
              name: `c-${n}-${seq++}`,
              podCidrs: [`192.168.${Math.floor(Math.random() * 4) * 64}.0/${pick([18, 20])}`],
              serviceCidrs: [`100.64.${Math.floor(Math.random() * 4)}.0/24`],
              allowConflicts: true,
            }
          : {
              name: `c-${n}-${seq++}`,
              podCidrs: [{ range: 'pods' }, { range: 'pods6' }],
              serviceCidrs: [{ range: 'svc' }, { range: 'svc6' }],
            },
      );
      if (res.status === 201 && res.json) {
        counts.acknowledged++;
        acked.set(res.json.id as string, {
          kind: 'cluster',
          id: res.json.id as string,
          deleted: false,
          held: [...(res.json.podCidrs as string[]), ...(res.json.serviceCidrs as string[])],
        });
      } else if (res.status === 409 || res.status === 422) counts.refused++;
    } else if (r < 0.5) {
      const c = pick(clusters);
      const res = await call(apis, 'POST', `/v1/clusters/${c.id}/nodes`, { name: `n-${n}-${seq++}` });
      if (res.status === 201 && res.json) {
        counts.acknowledged++;
        acked.set(res.json.id as string, {
          kind: 'node',
          id: res.json.id as string,
          clusterId: c.id,
          deleted: false,
          held: res.json.podCidrs as string[],
        });
      } else counts.refused++;
    } else if (r < 0.85) {
      const c = pick(clusters);
      const res = await call(apis, 'POST', `/v1/clusters/${c.id}/services`, {
        namespace: 'chaos',
        name: `s-${n}-${seq++}`,
        ipFamilyPolicy: 'PreferDualStack',
      });
      if (res.status === 201 && res.json) {
        counts.acknowledged++;
        acked.set(res.json.id as string, {
          kind: 'service',
          id: res.json.id as string,
          clusterId: c.id,
          deleted: false,
          held: res.json.clusterIPs as string[],
        });
      } else counts.refused++;
    } else {
      const victims = live.filter((a) => a.kind !== 'cluster' || r > 0.97);
      if (!victims.length) continue;
      const v = pick(victims);
      const path = v.kind === 'cluster' ? `/v1/clusters/${v.id}` : `/v1/clusters/${v.clusterId}/${v.kind}s/${v.id}`;
      const res = await call(apis, 'DELETE', path);
      if (res.status === 204 || res.status === 404) {
        if (res.status === 204) counts.acknowledged++;
        v.deleted = true;
        if (v.kind === 'cluster') deletedClusters.add(v.id);
      }
    }
  }
}

async function check(url: string): Promise<string[]> {
  const db = new Client(connectionConfig(url));
  await db.connect();
  const violations: string[] = [];
  const q = async <R>(sql: string, params?: unknown[]) => (await db.query(sql, params)).rows as R[];
  try {
    const overlaps = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM lease a JOIN lease b ON a.pool_id = b.pool_id AND a.id < b.id AND a.cidr && b.cidr
        WHERE NOT a.overlap_allowed AND NOT b.overlap_allowed`,
    );
    if (overlaps[0].n) violations.push(`${overlaps[0].n} pairs of overlapping leases`);

    const orphans = await q<{ kind: string; n: number }>(
      `SELECT holder_kind::text AS kind, count(*)::int AS n FROM lease l WHERE NOT CASE l.holder_kind
         WHEN 'cluster' THEN EXISTS (SELECT 1 FROM cluster WHERE id = l.holder_id)
         WHEN 'node' THEN EXISTS (SELECT 1 FROM node WHERE id = l.holder_id)
         WHEN 'service' THEN EXISTS (SELECT 1 FROM service WHERE id = l.holder_id)
         WHEN 'range' THEN EXISTS (SELECT 1 FROM range WHERE id = l.holder_id)
         WHEN 'reservation' THEN EXISTS (SELECT 1 FROM reservation WHERE id = l.holder_id)
         WHEN 'system' THEN EXISTS (SELECT 1 FROM cluster_cidr WHERE id = l.holder_id) END
       GROUP BY 1`,
    );
    for (const o of orphans) violations.push(`${o.n} ${o.kind} leases without their holder`);

    const nodesWithout = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM node n
        WHERE (SELECT count(*) FROM lease l WHERE l.holder_kind = 'node' AND l.holder_id = n.id)
           <> (SELECT count(*) FROM cluster_cidr cc WHERE cc.cluster_id = n.cluster_id AND cc.kind = 'pod')`,
    );
    if (nodesWithout[0].n) violations.push(`${nodesWithout[0].n} nodes without one pod CIDR per family`);
    const servicesWithout = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM service s
        WHERE NOT s.headless AND s.type <> 'ExternalName'
          AND (SELECT count(*) FROM lease l WHERE l.holder_kind = 'service' AND l.holder_id = s.id) <> cardinality(s.ip_families)`,
    );
    if (servicesWithout[0].n) violations.push(`${servicesWithout[0].n} Services without one ClusterIP per family`);
    const clustersWithout = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM cluster_cidr cc WHERE cc.range_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lease WHERE id = cc.lease_id)`,
    );
    if (clustersWithout[0].n) violations.push(`${clustersWithout[0].n} cluster CIDRs without their range lease`);

    // Deleting a cluster deletes its nodes and Services, including those whose
    // creation was acknowledged to another client after the deletion was.
    for (const a of acked.values()) if (a.clusterId && deletedClusters.has(a.clusterId)) a.deleted = true;
    for (const a of acked.values()) {
      const table = a.kind === 'cluster' ? 'cluster' : a.kind === 'node' ? 'node' : 'service';
      const [row] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [a.id]);
      if (!a.deleted && row.n === 0) {
        const trail = await q<{ action: string; resource: string }>(
          `SELECT action, resource FROM audit_record WHERE resource_id = $1 OR resource_id = $2 ORDER BY id`,
          [a.id, a.clusterId ?? a.id],
        );
        violations.push(
          `acknowledged ${a.kind} ${a.id} is missing (audit: ${trail.map((t) => `${t.resource} ${t.action}`).join(', ') || 'none'})`,
        );
      }
      if (!a.deleted && row.n === 1 && a.kind !== 'cluster') {
        const leases = await q<{ cidr: string }>(
          `SELECT host(cidr) || '/' || masklen(cidr) AS cidr, host(cidr) AS host FROM lease WHERE holder_id = $1`,
          [a.id],
        );
        const held = new Set(leases.flatMap((l) => [l.cidr, (l as unknown as { host: string }).host]));
        for (const h of a.held) if (!held.has(h)) violations.push(`acknowledged ${a.kind} ${a.id} lost ${h}`);
      }
    }

    const audited = await q<{ exists: boolean }>(`SELECT to_regclass('audit_record') IS NOT NULL AS exists`);
    if (audited[0].exists) {
      const ids = [...acked.values()].map((a) => a.id);
      const missing = await q<{ id: string }>(
        `SELECT u.rid AS id FROM unnest($1::text[]) AS u(rid) WHERE NOT EXISTS (SELECT 1 FROM audit_record r WHERE r.resource_id = u.rid)`,
        [ids],
      );
      if (missing.length) violations.push(`${missing.length} acknowledged changes have no audit record (e.g. ${missing[0].id})`);
    }
    const outbox = await q<{ exists: boolean }>(`SELECT to_regclass('event_outbox') IS NOT NULL AS exists`);
    if (outbox[0].exists) {
      // every committed lease change has its event, and only those: a lease held now was announced created and
      // never released; one announced created and gone now was announced released
      const [ev] = await q<{ live: number; gone: number }>(OUTBOX_CHECK);
      if (ev.live) violations.push(`${ev.live} leases held without their lease.created event (or with a lease.released one)`);
      if (ev.gone) violations.push(`${ev.gone} released leases without their lease.released event`);
      const unannounced = await q<{ id: string; kind: string }>(
        `SELECT u.rid AS id, u.kind FROM unnest($1::text[], $2::text[]) AS u(rid, kind)
          WHERE NOT EXISTS (SELECT 1 FROM event_outbox e WHERE e.type = u.kind || '.created' AND e.subject = u.kind || 's/' || u.rid)`,
        [[...acked.values()].map((a) => a.id), [...acked.values()].map((a) => a.kind)],
      );
      if (unannounced.length)
        violations.push(`${unannounced.length} acknowledged creations have no event (e.g. ${unannounced[0].kind} ${unannounced[0].id})`);
    }
    const counted = await q<{ exists: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'capacity_scope' AND column_name = 'free_addresses') AS exists`,
    );
    if (counted[0].exists) {
      // the free count each scope keeps at COMMIT is the free blocks' sum, after kills and a restart mid-transaction
      const drifted = await q<{ pool_id: string; kept: string; actual: string }>(FREE_COUNT_CHECK);
      for (const d of drifted) violations.push(`pool ${d.pool_id} keeps ${d.kept} free addresses, its free blocks hold ${d.actual}`);
    }
    const paired = await q<{ exists: boolean }>(`SELECT to_regclass('cidr_overlap') IS NOT NULL AS exists`);
    if (paired[0].exists) {
      // the overlapping pairs kept as CIDRs came and went are those a sweep of every CIDR finds
      const [p] = await q<{ missing: number; extra: number }>(OVERLAP_CHECK);
      if (p.missing) violations.push(`${p.missing} overlapping pairs of CIDRs are not kept in cidr_overlap`);
      if (p.extra) violations.push(`${p.extra} pairs kept in cidr_overlap do not overlap (or are gone)`);
    }
  } finally {
    await db.end();
  }
  return violations;
}

/** Scopes whose kept free count differs from the sum of their pool's free blocks (none when the counts are whole). */
const FREE_COUNT_CHECK = `
  SELECT s.pool_id::text AS pool_id, s.free_addresses::text AS kept, coalesce(f.free, 0)::text AS actual
    FROM capacity_scope s JOIN pool p ON p.id = s.pool_id
    LEFT JOIN LATERAL (SELECT sum(power(2::numeric, CASE p.family WHEN 4 THEN 32 ELSE 128 END - b.prefix_len)) AS free
                         FROM free_block b WHERE b.pool_id = s.pool_id) f ON true
   WHERE s.free_addresses IS NOT NULL AND s.free_addresses <> coalesce(f.free, 0)`;

/** Overlapping pairs the sweep finds and cidr_overlap lacks, and kept pairs it does not find (0 and 0 when kept right). */
const OVERLAP_CHECK = `
  WITH swept AS (SELECT a_id, b_id FROM kipam_overlaps_swept())
  SELECT (SELECT count(*)::int FROM (SELECT * FROM swept EXCEPT SELECT a_id, b_id FROM cidr_overlap) m) AS missing,
         (SELECT count(*)::int FROM (SELECT a_id, b_id FROM cidr_overlap EXCEPT SELECT * FROM swept) e) AS extra`;

/** Leases held without their creation event, and leases gone without their release event (0 and 0 when the outbox is whole). */
const OUTBOX_CHECK = `
  WITH ev AS (
    SELECT data->>'leaseId' AS lease_id, bool_or(type = 'lease.created') AS created, bool_or(type = 'lease.released') AS released
      FROM event_outbox WHERE type IN ('lease.created', 'lease.released') GROUP BY 1)
  SELECT (SELECT count(*)::int FROM lease l LEFT JOIN ev ON ev.lease_id = l.id::text WHERE ev.created IS NOT TRUE OR ev.released) AS live,
         (SELECT count(*)::int FROM ev WHERE ev.created AND NOT ev.released
             AND NOT EXISTS (SELECT 1 FROM lease l WHERE l.id::text = ev.lease_id)) AS gone`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kipam-chaos-'));
  const pgPort = await freePort();
  let pg: EmbeddedDatabase | undefined = await startEmbeddedPostgres(dataDir, { port: pgPort });
  const url = pg.url;
  const apis: Api[] = [];
  try {
    await applyMigrations(url);
    for (let i = 0; i < 3; i++) apis.push(new Api(await freePort(), url));
    await Promise.all(apis.map((a) => a.start()));
    const setup = async (body: object) => {
      const r = await call(apis, 'POST', '/v1/ranges', body);
      if (r.status !== 201) throw new Error(`setup failed: ${JSON.stringify(r.json)}`);
    };
    await setup({ name: 'pods', cidr: '10.0.0.0/8', defaultPrefixLength: 20 });
    await setup({ name: 'pods6', cidr: 'fd00::/40', defaultPrefixLength: 56 });
    await setup({ name: 'svc', cidr: '172.16.0.0/12', defaultPrefixLength: 24 });
    await setup({ name: 'svc6', cidr: 'fd01::/48', defaultPrefixLength: 112 });

    const until = Date.now() + SECONDS * 1000;
    console.log(`chaos: ${CLIENTS} clients, 3 API processes, ${SECONDS} s`);
    let pgRestarted = false;
    const killer = (async () => {
      for (let round = 0; Date.now() < until; round++) {
        await sleep(KILL_EVERY_MS);
        const victim = pick(apis);
        // every other round a worker only: its primary starts another while the rest serve on
        if (round % 2 === 1 && victim.killWorker()) {
          counts.killed++;
          continue;
        }
        victim.kill();
        counts.killed++;
        if (!pgRestarted && Date.now() > until - (SECONDS * 1000) / 2) {
          pgRestarted = true;
          console.log('chaos: restarting PostgreSQL');
          await pg.stop();
          pg = await startEmbeddedPostgres(dataDir, { port: pgPort });
        }
        await sleep(1000);
        await victim.start();
      }
    })();
    await Promise.all([...Array.from({ length: CLIENTS }, (_, n) => client(apis, until, n)), killer]);
    // every process up again, and settled
    await Promise.all(apis.filter((a) => !a.child).map((a) => a.start()));

    const violations = await check(url);
    const deletions = [...acked.values()].filter((a) => a.deleted).length;
    console.log(
      `chaos: ${deletions} resources deleted; ${counts.requests} requests, ${counts.acknowledged} acknowledged, ${counts.retried} retried, ${counts.refused} refused, ` +
        `${counts.killed} API processes killed (primaries and workers), PostgreSQL restarted ${pgRestarted ? 'once' : 'never'}; ` +
        `${[...acked.values()].filter((a) => !a.deleted).length} live resources checked`,
    );
    if (violations.length) {
      for (const v of violations) console.log(`VIOLATION: ${v}`);
      process.exitCode = 1;
    } else {
      console.log('chaos: all invariants hold');
    }
  } finally {
    for (const a of apis) a.kill();
    await pg?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);

/**
 * Work per request, for the HTTP benchmark: CPU time of the API processes and
 * of PostgreSQL, and the round trips the API sent, over one measured run.
 */
import { readFileSync } from 'node:fs';
import type { Client } from 'pg';
import { CpuMeter, processTree, rssMiB } from './cpu';

export interface Work {
  /** CPU µs per request of the API: its process and every descendant (cluster workers). */
  apiCpu: number;
  /** CPU µs per request of the PostgreSQL backends connected to the benchmark's database. */
  pgCpu: number;
  /** CPU µs per request of the whole PostgreSQL server (WAL writer, checkpointer, autovacuum too), when it is ours alone. */
  pgServerCpu?: number;
  /** CPU µs per request of the benchmark process itself (load generator, sampling). */
  clientCpu: number;
  /** Round trips to PostgreSQL per request, counted by the API (`kipam_db_round_trips_total`). */
  roundTrips?: number;
  /** SQL statements per request (`kipam_db_statements_total`, BEGIN/COMMIT not counted). */
  statements?: number;
  /** Resident memory of the API processes: the highest sample during the run, MiB. */
  apiRssPeak: number;
  /** ... and at the end of the run. */
  apiRssEnd: number;
}

const COUNTERS = ['kipam_db_round_trips_total', 'kipam_db_statements_total'] as const;

/** The API's database counters, summed over its workers (the exposition is aggregated). */
export async function dbCounters(base: string): Promise<Record<(typeof COUNTERS)[number], number> | undefined> {
  try {
    const res = await fetch(`${base}/metrics?${COUNTERS.map((n) => `name[]=${n}`).join('&')}`);
    if (!res.ok) return undefined;
    const text = await res.text();
    const out = {} as Record<(typeof COUNTERS)[number], number>;
    for (const name of COUNTERS) {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      if (!m) return undefined;
      out[name] = Number(m[1]);
    }
    return out;
  } catch {
    return undefined;
  }
}

export interface MeterTargets {
  /** The API's top process (the cluster primary, or the one process). */
  apiPid: () => number;
  base: () => string;
  /** A connection to the benchmark's database, for pg_stat_activity (its own backend is left out). */
  monitor: Client;
  /** Count the whole server's processes too: only when nothing else uses it. */
  serverIsOurs: boolean;
}

export class Meters {
  private api?: CpuMeter;
  private pg?: CpuMeter;
  private server?: CpuMeter;
  private client?: NodeJS.CpuUsage;
  private counters?: Awaited<ReturnType<typeof dbCounters>>;
  private rssPeak = 0;
  private rssTimer?: NodeJS.Timeout;
  private postmaster?: number;
  private monitorPid?: number;

  constructor(private readonly t: MeterTargets) {}

  private async backends(): Promise<number[]> {
    const { rows } = await this.t.monitor.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    return rows.map((r) => r.pid);
  }

  async begin(): Promise<void> {
    this.monitorPid ??= (await this.t.monitor.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    if (this.t.serverIsOurs && this.postmaster === undefined) {
      // the postmaster is every backend's parent
      const stat = readFileSync(`/proc/${this.monitorPid}/stat`, 'utf8');
      this.postmaster = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    }
    this.counters = await dbCounters(this.t.base());
    const apiPid = this.t.apiPid();
    this.api = new CpuMeter(() => processTree(apiPid));
    this.pg = new CpuMeter(() => this.backends());
    const postmaster = this.postmaster;
    this.server = postmaster ? new CpuMeter(() => processTree(postmaster).filter((p) => p !== this.monitorPid)) : undefined;
    this.rssPeak = 0;
    this.rssTimer = setInterval(() => (this.rssPeak = Math.max(this.rssPeak, rssMiB(processTree(apiPid)))), 500);
    await Promise.all([this.api.start(), this.pg.start(), this.server?.start()]);
    this.client = process.cpuUsage();
  }

  async end(requests: number): Promise<Work> {
    const client = process.cpuUsage(this.client);
    const [api, pg, server] = await Promise.all([this.api!.stop(), this.pg!.stop(), this.server?.stop()]);
    clearInterval(this.rssTimer);
    const apiRssEnd = rssMiB(processTree(this.t.apiPid()));
    const after = await dbCounters(this.t.base());
    const n = Math.max(1, requests);
    const before = this.counters;
    return {
      apiCpu: api.micros / n,
      pgCpu: pg.micros / n,
      pgServerCpu: server ? server.micros / n : undefined,
      clientCpu: (client.user + client.system) / n,
      roundTrips: before && after ? (after.kipam_db_round_trips_total - before.kipam_db_round_trips_total) / n : undefined,
      statements: before && after ? (after.kipam_db_statements_total - before.kipam_db_statements_total) / n : undefined,
      apiRssPeak: Math.max(this.rssPeak, apiRssEnd),
      apiRssEnd,
    };
  }
}

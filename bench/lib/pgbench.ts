/**
 * The same work without HTTP: the SQL one Service creation sends, recorded on
 * the wire between the API and PostgreSQL, replayed with pgbench.
 *
 * A recording proxy sits between a second API process and the server. The
 * API creates a few Services to warm up (its token check is cached, its
 * statements are prepared on each connection), then two more while the proxy
 * records: every round trip (a simple Query message, or the extended-protocol
 * messages up to a Sync) with its SQL and parameters. The values that differ
 * between the two creations (the Service's uuid, its name, the request id) are
 * the ones the replay must vary; the rest is replayed as recorded.
 *
 * The pgbench script keeps the round trips as they are: a simple Query
 * message stays one command (its statements joined with `\;`), and an
 * extended-protocol one becomes `EXECUTE` of a statement the script prepares
 * once per connection, as the API's pg client does. pgbench runs in simple
 * mode, so the varying values are written into the text.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuMeter } from './cpu';
import type { Meters, Work } from './measure';

export const PGBENCH_HINT = 'apt-get install postgresql-client (Debian/Ubuntu: pgbench comes with it), or set PGBENCH=/path/to/pgbench';

const pgbenchPath = () => process.env.PGBENCH ?? 'pgbench';

export function pgbenchAvailable(): boolean {
  try {
    execFileSync(pgbenchPath(), ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One message from the API to PostgreSQL. */
interface Message {
  type: string;
  body: Buffer;
}

/** One round trip: what the API sent before it waited for PostgreSQL's answer. */
interface RoundTrip {
  /** A simple Query message's text (its statements, literals inlined). */
  query?: string;
  /** Or an extended-protocol statement: its prepared name, text and parameters (text format). */
  statement?: { name: string; text: string; params: (string | null)[] };
}

interface Recorded {
  trips: RoundTrip[];
}

const cstring = (buf: Buffer, at: number): [string, number] => {
  const end = buf.indexOf(0, at);
  return [buf.toString('utf8', at, end), end + 1];
};

/** Splits a stream of frontend messages (after the start-up message) into messages. */
class FrontendParser {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;

  constructor(private readonly onMessage: (m: Message) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (!this.started) {
        // start-up (or SSLRequest): length, then the body, no type byte
        if (this.pending.length < 4) return;
        const len = this.pending.readInt32BE(0);
        if (this.pending.length < len) return;
        const code = this.pending.readInt32BE(4);
        this.pending = this.pending.subarray(len);
        if (code !== 80877103) this.started = true; // an SSLRequest is followed by the real start-up message
        continue;
      }
      if (this.pending.length < 5) return;
      const len = this.pending.readInt32BE(1);
      if (this.pending.length < 1 + len) return;
      this.onMessage({ type: String.fromCharCode(this.pending[0]), body: this.pending.subarray(5, 1 + len) });
      this.pending = this.pending.subarray(1 + len);
    }
  }
}

/** A TCP proxy to PostgreSQL that records, while `recording`, every round trip of every connection. */
class RecordingProxy {
  recording = false;
  readonly recorded: Recorded = { trips: [] };
  /** prepared statement texts by name, from every Parse seen (a statement is parsed once per connection) */
  private readonly texts = new Map<string, string>();
  private server?: NetServer;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async listen(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: this.host, port: this.port });
      this.sockets.add(client).add(upstream);
      let current: { name?: string; params?: (string | null)[] } = {};
      const parser = new FrontendParser((m) => {
        if (m.type === 'P') {
          const [name, at] = cstring(m.body, 0);
          const [text] = cstring(m.body, at);
          this.texts.set(name, text);
          current.name = name;
        } else if (m.type === 'B') {
          const [, afterPortal] = cstring(m.body, 0);
          const [name, afterName] = cstring(m.body, afterPortal);
          let at = afterName;
          const formats = m.body.readInt16BE(at);
          at += 2 + 2 * formats;
          const n = m.body.readInt16BE(at);
          at += 2;
          const params: (string | null)[] = [];
          for (let i = 0; i < n; i++) {
            const len = m.body.readInt32BE(at);
            at += 4;
            if (len < 0) params.push(null);
            else {
              params.push(m.body.toString('utf8', at, at + len));
              at += len;
            }
          }
          current = { name, params };
        } else if (m.type === 'S') {
          if (this.recording && current.name !== undefined) {
            this.recorded.trips.push({
              statement: { name: current.name, text: this.texts.get(current.name) ?? '', params: current.params ?? [] },
            });
          }
          current = {};
        } else if (m.type === 'Q') {
          if (this.recording) this.recorded.trips.push({ query: cstring(m.body, 0)[0] });
        }
      });
      client.on('data', (chunk: Buffer) => {
        parser.push(chunk);
        upstream.write(chunk);
      });
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export interface Capture {
  trips: RoundTrip[];
  roundTrips: number;
  statements: number;
  /** the values the replay varies: uuid → pgbench variable, and the Service name */
  uuids: Map<string, string>;
  name: string;
  describe(): string[];
}

function statementsOf(trip: RoundTrip): number {
  if (trip.statement) return 1;
  // a simple query's statements: count the top-level semicolons outside quotes
  let n = 1;
  let quoted = false;
  const q = trip.query!.trim().replace(/;$/, '');
  for (const ch of q) {
    if (ch === "'") quoted = !quoted;
    else if (ch === ';' && !quoted) n++;
  }
  return n;
}

const brief = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 110);

/**
 * Records two Service creations on `clusterId` by an API process started on a
 * recording proxy; the first is the one replayed, the second tells which
 * values vary.
 */
export async function captureServiceCreation(
  url: string,
  clusterId: string,
  token: string,
  start: (url: string) => Promise<{ base: string; stop(): Promise<void> }>,
): Promise<Capture> {
  const target = new URL(url);
  const proxy = new RecordingProxy(target.hostname, Number(target.port || 5432));
  const port = await proxy.listen();
  const proxied = new URL(url);
  proxied.port = String(port);
  const server = await start(proxied.toString());
  const create = async (name: string) => {
    const res = await fetch(`${server.base}/v1/clusters/${clusterId}/services`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: 'bench-capture', name, ipFamilyPolicy: 'RequireDualStack' }),
    });
    if (res.status !== 201) throw new Error(`capture: POST Service answered ${res.status} ${await res.text()}`);
    await res.text();
  };
  const one = async (name: string) => {
    proxy.recorded.trips = [];
    proxy.recording = true;
    await create(name);
    await new Promise((r) => setTimeout(r, 50));
    proxy.recording = false;
    return proxy.recorded.trips;
  };
  let a: RoundTrip[];
  let b: RoundTrip[];
  try {
    // a pool of 4: every connection has prepared the statements after a dozen requests
    for (let i = 0; i < 12; i++) await create(`warm-${i}`);
    a = await one('capture-a');
    b = await one('capture-b');
  } finally {
    await server.stop();
    await proxy.close();
  }
  const flat = (trips: RoundTrip[]) =>
    trips.map((t) => t.query ?? [t.statement!.text, ...t.statement!.params].join('\u0000')).join('\u0001');
  const inB = new Set(flat(b).match(UUID) ?? []);
  const uuids = new Map<string, string>();
  for (const u of flat(a).match(UUID) ?? []) {
    if (!inB.has(u) && !uuids.has(u)) uuids.set(u, `u${uuids.size + 1}`);
  }
  const statements = a.reduce((n, t) => n + statementsOf(t), 0);
  return {
    trips: a,
    roundTrips: a.length,
    statements,
    uuids,
    name: 'capture-a',
    describe: () =>
      a.map(
        (t, i) =>
          `${i + 1}. ${t.query ? `simple query (${statementsOf(t)} statements): ${brief(t.query)}` : `prepared ${t.statement!.name}: ${brief(t.statement!.text)}`}`,
      ),
  };
}

const literal = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`);

/**
 * The pgbench script replaying one captured Service creation, with fresh uuids
 * and a fresh name each time. With `oneRoundTrip`, the same statements go in
 * one message (joined with `\;`): what the work costs PostgreSQL when it is
 * one call instead of several round trips (a prototype of that refactor).
 */
export function pgbenchScript(capture: Capture, oneRoundTrip = false): string {
  const vary = (text: string) => {
    let out = text.replace(UUID, (u) => {
      const v = capture.uuids.get(u);
      // 12 decimal digits are 12 valid hex digits: a fresh uuid per transaction
      return v ? `${u.slice(0, 24)}:${v}` : u;
    });
    out = out.split(capture.name).join('pgbench-:name');
    return out;
  };
  const prepared = new Map<string, string>();
  const lines: string[] = [];
  for (const t of capture.trips) {
    if (t.query) {
      // one simple Query message, as the API sent it: one round trip
      lines.push(
        `${vary(t.query)
          .trim()
          .replace(/;\s*$/, '')
          .replace(/;\s*(?=(?:[^']*'[^']*')*[^']*$)/g, '\\; ')
          .replace(/\s*\n\s*/g, ' ')};`,
      );
    } else {
      const s = t.statement!;
      const name = s.name || `unnamed_${prepared.size + 1}`;
      prepared.set(name, s.text);
      lines.push(`EXECUTE ${name}(${s.params.map((p) => vary(literal(p))).join(', ')});`);
    }
  }
  const body = oneRoundTrip ? [lines.map((l) => l.replace(/;$/, '')).join('\\; ') + ';'] : lines;
  const header = [
    `\\if :prepared = 0`,
    ...[...prepared].map(([name, text]) => `PREPARE ${name} AS ${text.replace(/\s*\n\s*/g, ' ')};`),
    `\\set prepared 1`,
    `\\endif`,
    ...[...capture.uuids.values()].map((v) => `\\set ${v} random(100000000000, 999999999999)`),
    `\\set name random(1, 9000000000000000000)`,
  ];
  return [...header, ...body].join('\n') + '\n';
}

export interface Replay {
  tps: number;
  latencyMs: number;
  failed: number;
  work: Work;
}

function pgbenchOnce(url: string, script: string, clients: number, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      pgbenchPath(),
      ['-n', '-M', 'simple', '-f', script, '-D', 'prepared=0', '-c', String(clients), '-j', '2', '-T', String(seconds), url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`pgbench exited with ${code}:\n${out}`))));
    (pgbenchOnce as { last?: number }).last = child.pid;
  });
}

/** Runs the replay at `clients` for `seconds` (after a 2 s warm-up), with PostgreSQL's CPU measured like an HTTP run's. */
export async function runPgbench(
  url: string,
  capture: Capture,
  clients: number,
  seconds: number,
  meters: Meters,
  oneRoundTrip = false,
): Promise<Replay> {
  const script = join(tmpdir(), `kipam-bench-service-${process.pid}${oneRoundTrip ? '-one' : ''}.pgb`);
  writeFileSync(script, pgbenchScript(capture, oneRoundTrip));
  await pgbenchOnce(url, script, clients, 2);
  await meters.begin();
  const run = pgbenchOnce(url, script, clients, seconds);
  const pid = (pgbenchOnce as { last?: number }).last!;
  const own = new CpuMeter(() => [pid]);
  await own.start();
  const client = own.stop.bind(own);
  const text = await run;
  const tps = Number(/tps = ([0-9.]+)/.exec(text)?.[1] ?? NaN);
  const done = Number(/number of transactions actually processed: (\d+)/.exec(text)?.[1] ?? 0);
  const work = await meters.end(done);
  work.clientCpu = (await client()).micros / Math.max(1, done);
  work.roundTrips = oneRoundTrip ? 1 : capture.roundTrips;
  work.statements = capture.statements;
  return {
    tps,
    latencyMs: Number(/latency average = ([0-9.]+) ms/.exec(text)?.[1] ?? NaN),
    failed: Number(/number of failed transactions: (\d+)/.exec(text)?.[1] ?? 0),
    work,
  };
}

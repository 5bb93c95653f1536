/**
 * CPU time of processes, from /proc/<pid>/stat (Linux): user + system time of
 * the process itself, all threads included. Sampled while a run goes on, so
 * that a process that starts during the run (a new PostgreSQL backend) counts
 * from its start and one that ends keeps what it had used when last seen.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ: the unit of /proc times (100 on every Linux seen so far; asked once). */
function hz(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface Stat {
  ppid: number;
  /** utime + stime, in ticks */
  ticks: number;
  /** start time since boot, in ticks: tells a reused pid from the process that had it */
  start: number;
  /** resident set size, in pages */
  rssPages: number;
}

function stat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // the command name (field 2) may hold spaces and parentheses: fields resume after the last ')'
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): field n is f[n - 3]
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), start: Number(f[19]), rssPages: Number(f[21]) };
}

/** A process and all its descendants, found by scanning /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(entry));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Resident memory of the processes, in MiB (summed). */
export function rssMiB(pids: number[]): number {
  const page = 4096;
  return pids.reduce((sum, pid) => sum + (stat(pid)?.rssPages ?? 0), 0) * (page / 2 ** 20);
}

/**
 * Measures the CPU time a changing set of processes uses between start() and
 * stop(). `pids` is asked again at every sample.
 */
export class CpuMeter {
  private readonly seen = new Map<string, { first: number; last: number }>();
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(
    private readonly pids: () => number[] | Promise<number[]>,
    private readonly intervalMs = 250,
  ) {}

  async start(): Promise<void> {
    this.seen.clear();
    await this.sample(true);
    this.timer = setInterval(() => {
      this.sampling ??= this.sample(false).finally(() => (this.sampling = undefined));
    }, this.intervalMs);
  }

  /** CPU µs used since start() and the number of processes that used it. */
  async stop(): Promise<{ micros: number; processes: number }> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample(false);
    let ticks = 0;
    let processes = 0;
    for (const { first, last } of this.seen.values()) {
      ticks += last - first;
      if (last > first) processes++;
    }
    return { micros: (ticks / hz()) * 1e6, processes };
  }

  private async sample(initial: boolean): Promise<void> {
    for (const pid of await this.pids()) {
      const s = stat(pid);
      if (!s) continue;
      const key = `${pid}/${s.start}`;
      const known = this.seen.get(key);
      // a process first seen after start() began during the run: all its time counts
      if (known) known.last = s.ticks;
      else this.seen.set(key, { first: initial ? s.ticks : 0, last: s.ticks });
    }
  }
}

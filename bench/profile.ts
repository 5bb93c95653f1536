/**
 * Summarises V8 CPU profiles (`node --cpu-prof`, e.g. the API under
 * `BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:http`):
 *
 *   npx tsx bench/profile.ts /tmp/prof/*.cpuprofile [--top=40] [--self]
 *
 * Prints the share of samples by package (node_modules/<name>, the project's
 * own folders, node internals, GC, idle) and the functions with the most self
 * time; with several files (one per worker) the samples are added up.
 * Inclusive ("total") time per function counts each function once per sample.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const top = Number(args.find((a) => a.startsWith('--top='))?.split('=')[1] ?? 40);
const files = args.filter((a) => !a.startsWith('--'));
/** --callers=name: who calls functions whose label contains name (three frames up), by self time */
const callersOf = args.find((a) => a.startsWith('--callers='))?.split('=')[1];
const callers = new Map<string, number>();

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /dist\/((?:apps\/api\/src|libs)\/[^/]+)/.exec(url);
  return own ? own[1] : url;
}

const selfByFn = new Map<string, number>();
const totalByFn = new Map<string, number>();
const selfByArea = new Map<string, number>();
let all = 0;
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: Node) =>
    `${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const n = byId.get(id)!;
    all += dt;
    const l = label(n);
    selfByFn.set(l, (selfByFn.get(l) ?? 0) + dt);
    const a = area(n.callFrame.url, n.callFrame.functionName);
    selfByArea.set(a, (selfByArea.get(a) ?? 0) + dt);
    if (callersOf && l.includes(callersOf)) {
      const chain: string[] = [];
      for (let cur = parent.get(id); cur !== undefined && chain.length < 4; cur = parent.get(cur)) chain.push(label(byId.get(cur)!));
      const key = chain.join(' < ');
      callers.set(key, (callers.get(key) ?? 0) + dt);
    }
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur)!);
      if (seen.has(cl)) continue;
      seen.add(cl);
      totalByFn.set(cl, (totalByFn.get(cl) ?? 0) + dt);
    }
  });
}

const idle = selfByArea.get('(idle)') ?? 0;
const busy = all - idle;
const pct = (x: number) => `${((x / busy) * 100).toFixed(1).padStart(5)} %`;
console.log(
  `${files.length} profile(s), ${(all / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of busy time)\n`,
);
console.log('self time by package or folder:');
for (const [a, t] of [...selfByArea]
  .filter(([a]) => a !== '(idle)')
  .sort((x, y) => y[1] - x[1])
  .slice(0, 30))
  console.log(`  ${pct(t)}  ${a}`);
console.log(`\nfunctions by self time (top ${top}):`);
for (const [f, t] of [...selfByFn]
  .filter(([f]) => !f.startsWith('(idle)'))
  .sort((x, y) => y[1] - x[1])
  .slice(0, top))
  console.log(`  ${pct(t)}  ${f}`);
if (args.includes('--total')) {
  console.log(`\nfunctions by total time (top ${top}):`);
  for (const [f, t] of [...totalByFn]
    .filter(([f]) => !f.startsWith('('))
    .sort((x, y) => y[1] - x[1])
    .slice(0, top))
    console.log(`  ${pct(t)}  ${f}`);
}
if (callersOf) {
  console.log(`\ncallers of ${callersOf}:`);
  for (const [c, t] of [...callers].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`  ${pct(t)}  ${c}`);
}

import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from './setup/test-app';

/** One GET on the listening app, the body read and dropped; resolves to the milliseconds it took. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ ms: number; status: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** CLIENTS loops, each asking for /v1/domains?limit=1000 again as soon as the last answer is read; prints counts on SIGTERM. */
const LOAD_SCRIPT = `
  const http = require('node:http');
  let served = 0, stop = false;
  const statuses = new Set();
  const one = () => new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: Number(process.env.PORT), path: '/v1/domains?limit=1000',
      headers: { authorization: process.env.AUTH }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => { statuses.add(res.statusCode); served++; resolve(); });
    });
    req.on('error', () => { statuses.add(0); resolve(); });
    req.end();
  });
  const worker = async () => { while (!stop) await one(); };
  for (let i = 0; i < Number(process.env.CLIENTS); i++) void worker();
  process.on('SIGTERM', () => {
    stop = true;
    process.stdout.write(JSON.stringify({ served, statuses: [...statuses] }), () => process.exit(0));
  });
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Health and small requests stay responsive while many of the largest pages
 * are served: /healthz under load within a generous multiple of its idle
 * latency (the machine is small and shared, so the budget is a ratio, not a
 * number of milliseconds).
 */
describe('Large pages', () => {
  let t: TestApp;
  let port: number;
  const PAGES_IN_FLIGHT = 100;

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    // 1,000 domains with 2 KB descriptions: a limit=1000 page is about 2 MB of JSON
    await t.sql(`INSERT INTO domain (id, name, description, updated_at)
                 SELECT gen_random_uuid(), 'large-' || lpad(g::text, 4, '0'), repeat('x', 2000), now() FROM generate_series(1, 1000) g`);
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('keeps /healthz and a small read responsive while 100 pages of 1,000 are being served', async () => {
    const auth = t.auth;
    const page = await get(port, '/v1/domains?limit=1000', auth);
    expect(page.status).toBe(200);

    const idle: number[] = [];
    for (let i = 0; i < 30; i++) idle.push((await get(port, '/healthz')).ms);
    const idleSmall: number[] = [];
    for (let i = 0; i < 10; i++) idleSmall.push((await get(port, '/v1/domains?limit=1', auth)).ms);

    // the load comes from another process, as it would from other clients: reading 2 MB answers here
    // would compete with the server for this event loop
    const load = spawn(process.execPath, ['-e', LOAD_SCRIPT], {
      env: { ...process.env, PORT: String(port), AUTH: auth.Authorization, CLIENTS: String(PAGES_IN_FLIGHT) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    load.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((r) => setTimeout(r, 1500)); // let the load build up
    const loaded: number[] = [];
    const loadedSmall: number[] = [];
    for (let i = 0; i < 10; i++) {
      loaded.push((await get(port, '/healthz')).ms);
      loadedSmall.push((await get(port, '/v1/domains?limit=1', auth)).ms);
    }
    load.kill('SIGTERM');
    await new Promise((r) => load.once('exit', r));
    const { served, statuses } = JSON.parse(output) as { served: number; statuses: number[] };

    const report = {
      idleHealthz: median(idle),
      loadedHealthz: median(loaded),
      idleSmall: median(idleSmall),
      loadedSmall: median(loadedSmall),
      pagesServed: served,
    };
    if (process.env.KIPAM_TEST_VERBOSE) process.stdout.write(`large pages: ${JSON.stringify(report)}\n`);
    expect(statuses).toEqual([200]);
    expect(served).toBeGreaterThan(20);
    // Generous, for a small shared machine whose other test files run at the same time: without
    // the cap each /healthz sample took more than ten seconds here (the test ran past its
    // timeout); with two large pages at a time it took 0.1-0.9 s on a quiet machine and up to
    // 1.8 s beside the rest of the suite (docs/security.md, Limits).
    expect(report.loadedHealthz).toBeLessThan(Math.max(100 * report.idleHealthz, 4000));
    expect(report.loadedSmall).toBeLessThan(Math.max(100 * report.idleSmall, 5000));
  }, 180_000);
});

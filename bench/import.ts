/**
 * Brownfield import benchmark: `npm run bench:import [-- --nodes=200 --services=2000 --runs=3]` (builds the API first).
 *
 * How long POST /v1/clusters:import takes for a cluster of that size, and then
 * a drift report (dry run) and an adopt with nothing to do on the imported
 * cluster. The observation is what kubectl prints: the Node, Service and
 * kubeadm-config ConfigMap fixtures (apps/api/test/fixtures/k8s) copied with
 * other names and addresses. Through the app (Fastify inject, no network);
 * the times include parsing the JSON body and every database round trip.
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL in a temp
 * folder; either way a fresh database, dropped at the end.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { applyMigrations, connectionConfig, startEmbeddedPostgres, withDatabase, type EmbeddedDatabase } from '@kipam/persistence';
import type { createApp as CreateApp } from '../apps/api/src/app.factory';
import type { loadConfig as LoadConfig } from '../apps/api/src/config/config';

const ROOT = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createApp } = require(join(ROOT, 'dist/apps/api/src/app.factory.js')) as { createApp: typeof CreateApp };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadConfig } = require(join(ROOT, 'dist/apps/api/src/config/config.js')) as { loadConfig: typeof LoadConfig };

const TOKEN = 'bench-admin-token-0123456789abcdefghijklmnop';
const FIXTURES = join(ROOT, 'apps/api/test/fixtures/k8s');

type Json = Record<string, unknown>;

function flag(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A cluster of `nodes` nodes (one /24 each of 10.0.0.0/14) and `services` Services (10.96.0.0/16), as kubectl prints it. */
function observation(nodes: number, services: number): Json[] {
  const nodeTemplate = (fixture('nodes.json').items as Json[])[0];
  const serviceTemplate = (fixture('services.json').items as Json[])[2];
  const kubernetes = (fixture('services.json').items as Json[])[0];
  const config = fixture('kubeadm-config-v1beta3.json');
  const data = config.data as Record<string, string>;
  data.ClusterConfiguration = data.ClusterConfiguration.replace('10.244.0.0/16', '10.0.0.0/14');
  const nodeItems = Array.from({ length: nodes }, (_, i) => {
    const n = structuredClone(nodeTemplate) as { metadata: { name: string }; spec: { podCIDR: string; podCIDRs: string[] } };
    const block = `10.${i >> 8}.${i & 255}.0/24`;
    n.metadata.name = `node-${i}`;
    n.spec.podCIDR = block;
    n.spec.podCIDRs = [block];
    return n;
  });
  const serviceItems = Array.from({ length: services }, (_, i) => {
    const s = structuredClone(serviceTemplate) as {
      metadata: { name: string; namespace: string };
      spec: { clusterIP: string; clusterIPs: string[] };
    };
    // 250 addresses per /24 of the upper band: never a network or broadcast address
    const ip = `10.96.${16 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    s.metadata.name = `svc-${i}`;
    s.metadata.namespace = `team-${i % 20}`;
    s.spec.clusterIP = ip;
    s.spec.clusterIPs = [ip];
    return s;
  });
  return [
    { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: nodeItems },
    { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [kubernetes, ...serviceItems] },
    config,
  ];
}

async function main(): Promise<void> {
  const nodes = Number(flag('nodes', '200'));
  const services = Number(flag('services', '2000'));
  const runs = Number(flag('runs', '3'));
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'kipam-bench-import-'));
    embedded = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    serverUrl = embedded.url;
  }
  const dbName = `kipam_bench_import_${process.pid}`;
  const admin = new Client(connectionConfig(serverUrl));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = withDatabase(serverUrl, dbName);
  try {
    await applyMigrations(url);
    const config = loadConfig({ KIPAM_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent', KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    const { app } = await createApp({ ...config, databaseUrl: url }, { logger: false });
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.ready();
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const observed = observation(nodes, services);
    const observedText = JSON.stringify(observed);
    const times = { import: [] as number[], drift: [] as number[], adopt: [] as number[] };
    for (let run = 0; run < runs; run++) {
      // each run in a domain of its own: the same space, no conflicts
      await fastify.inject({ method: 'POST', url: '/v1/domains', headers, payload: { name: `bench-${run}` } });
      const body = `{"name":"imported","domain":"bench-${run}","observation":${observedText}}`;
      let t0 = process.hrtime.bigint();
      const imported = await fastify.inject({ method: 'POST', url: '/v1/clusters:import', headers, payload: body });
      times.import.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (imported.statusCode !== 201) throw new Error(`import: ${imported.statusCode} ${imported.body.slice(0, 500)}`);
      const result = imported.json<{ cluster: { id: string }; report: { adopted: number; counts: Record<string, number> } }>();
      if (result.report.adopted !== nodes + services) throw new Error(`adopted ${result.report.adopted}, expected ${nodes + services}`);
      for (const [key, apply] of [
        ['drift', ''],
        ['adopt', '?apply=adopt'],
      ] as const) {
        t0 = process.hrtime.bigint();
        const res = await fastify.inject({
          method: 'POST',
          url: `/v1/clusters/${result.cluster.id}/observations${apply}`,
          headers,
          payload: observedText,
        });
        times[key].push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.statusCode !== 200) throw new Error(`${key}: ${res.statusCode} ${res.body.slice(0, 500)}`);
        const counts = res.json<{ counts: { inSync: number } }>().counts;
        if (counts.inSync !== nodes + services + 2) throw new Error(`${key}: ${JSON.stringify(counts)}`);
      }
    }
    const mb = (Buffer.byteLength(observedText) / 1024 / 1024).toFixed(1);
    console.log(`observation: ${nodes} nodes, ${services + 1} Services, kubeadm-config (${mb} MB of kubectl JSON); median of ${runs} runs`);
    console.log('| request | median ms | runs (ms) |');
    console.log('| --- | --- | --- |');
    for (const [name, xs] of [
      ['POST /v1/clusters:import', times.import],
      ['POST /v1/clusters/{id}/observations (dry run)', times.drift],
      ['POST /v1/clusters/{id}/observations?apply=adopt (nothing to adopt)', times.adopt],
    ] as const) {
      console.log(`| ${name} | ${median(xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`);
    }
    await app.close();
  } finally {
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

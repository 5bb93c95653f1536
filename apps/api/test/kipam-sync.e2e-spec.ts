import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ADMIN_TOKEN, startTestApp, type TestApp } from './setup/test-app';

/**
 * kipam-sync against a Kubernetes API server stand-in: a local HTTP server
 * answering the list endpoints with the kubectl-made fixtures, reached through
 * the real client library (@kubernetes/client-node) with a kubeconfig's token.
 */
const ROOT = join(__dirname, '../../..');
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, 'fixtures/k8s', name), 'utf8')) as Record<string, unknown>;
/** An API list response: the items without kind and apiVersion, as kube-apiserver serves them. */
const apiList = (name: string, kind: string, apiVersion = 'v1') => ({
  kind,
  apiVersion,
  metadata: { resourceVersion: '42' },
  items: (fixture(name).items as Record<string, unknown>[]).map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
});

const K8S_TOKEN = 'k8s-bearer-token-that-must-stay-local';

describe('kipam-sync', () => {
  let t: TestApp;
  let kipam: string;
  let k8s: Server;
  let dir: string;
  let kubeconfig: string;
  let clusterId: string;
  const seen: { path: string; auth: string | undefined }[] = [];
  let serviceCidrs = false;

  const sync = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'apps/kipam-sync/src/main.ts'), '--kubeconfig', kubeconfig, ...args],
        { cwd: ROOT, env: { ...process.env, KIPAM_ENDPOINT: kipam, KIPAM_TOKEN: ADMIN_TOKEN, ...env }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    kipam = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    k8s = createServer((req: IncomingMessage, res) => {
      const path = (req.url ?? '').split('?')[0];
      seen.push({ path, auth: req.headers.authorization });
      const answer: Record<string, unknown> = {
        '/api/v1/nodes': apiList('nodes.json', 'NodeList'),
        '/api/v1/services': apiList('services.json', 'ServiceList'),
        '/api/v1/namespaces/kube-system/configmaps/kubeadm-config': fixture('kubeadm-config-v1beta3.json'),
        ...(serviceCidrs
          ? { '/apis/networking.k8s.io/v1/servicecidrs': apiList('servicecidrs.json', 'ServiceCIDRList', 'networking.k8s.io/v1') }
          : {}),
      };
      const body = answer[path];
      res.setHeader('content-type', 'application/json');
      if (body === undefined) {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      } else res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => k8s.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'kipam-sync-'));
    kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- name: brown
  cluster:
    server: http://127.0.0.1:${(k8s.address() as AddressInfo).port}
    # the client library takes plain HTTP only with this (the stand-in server has no certificate)
    insecure-skip-tls-verify: true
users:
- name: ops
  user:
    token: ${K8S_TOKEN}
contexts:
- name: other
  context: {cluster: brown, user: nobody}
- name: brown-ops
  context: {cluster: brown, user: ops}
current-context: other
`,
    );
    const created = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'brown', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
      .expect(201);
    clusterId = created.body.id as string;
  });
  afterAll(async () => {
    await new Promise((resolve) => k8s.close(resolve));
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the cluster through the kubeconfig context, posts it and prints the report as a table (404 on ServiceCIDRs tolerated)', async () => {
    seen.length = 0;
    const res = await sync(['--context', 'brown-ops', '--cluster', clusterId]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAME\s+STATUS\s+KIPAM\s+OBSERVED\s+ACTION\s+NOTE$/);
    expect(lines.find((l) => l.startsWith('Node ') && l.includes('10.240.79.157'))).toMatch(/unmanaged\s+-\s+10\.244\.0\.0\/24/);
    expect(lines.find((l) => l.includes('default/kubernetes'))).toMatch(/in-sync\s+10\.96\.0\.1\s+10\.96\.0\.1/);
    expect(res.stdout).toMatch(/2 in-sync, 6 unmanaged, 0 leaked, 0 mismatched, 0 conflicting; dry run, nothing changed/);
    // the kubeconfig's own auth went to the API server, and only there
    expect(new Set(seen.map((s) => s.path))).toEqual(
      new Set([
        '/api/v1/nodes',
        '/api/v1/services',
        '/apis/networking.k8s.io/v1/servicecidrs',
        '/api/v1/namespaces/kube-system/configmaps/kubeadm-config',
      ]),
    );
    expect(new Set(seen.map((s) => s.auth))).toEqual(new Set([`Bearer ${K8S_TOKEN}`]));
    const leaked = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_record WHERE before::text LIKE $1 OR after::text LIKE $1`,
      [`%${K8S_TOKEN}%`],
    );
    expect(leaked[0].n).toBe(0);
    expect((await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM node'))[0].n).toBe(0);
  });

  it('adopts with --apply=adopt and prints JSON or YAML', async () => {
    serviceCidrs = true;
    const adopted = await sync(['--context', 'brown-ops', '--cluster', clusterId, '--apply', 'adopt', '-o', 'json']);
    expect(adopted.code).toBe(0);
    const report = JSON.parse(adopted.stdout) as {
      applied: string;
      adopted: number;
      items: { kind: string; name: string; status: string }[];
    };
    expect([report.applied, report.adopted]).toEqual(['adopt', 6]);
    expect(report.items.filter((i) => i.kind === 'ServiceCIDR').map((i) => `${i.name}: ${i.status}`)).toEqual([
      'kubernetes: in-sync',
      'newcidr1: unmanaged',
    ]);
    const yaml = await sync(['--context', 'brown-ops', '--cluster', clusterId, '-o', 'yaml']);
    expect(yaml.code).toBe(0);
    const again = parseYaml(yaml.stdout) as { applied: null; counts: Record<string, number> };
    expect(again.applied).toBeNull();
    expect(again.counts).toMatchObject({ inSync: 9, unmanaged: 1, leaked: 0 });
    serviceCidrs = false;
  });

  it('repeats with --watch until interrupted', async () => {
    seen.length = 0;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'apps/kipam-sync/src/main.ts'),
        '--kubeconfig',
        kubeconfig,
        '--context',
        'brown-ops',
        '--cluster',
        clusterId,
        '--watch',
        '0.5',
      ],
      { cwd: ROOT, env: { ...process.env, KIPAM_ENDPOINT: kipam, KIPAM_TOKEN: ADMIN_TOKEN } },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no second report: ${out}`)), 50_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if ((out.match(/dry run, nothing changed/g) ?? []).length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    expect(seen.filter((s) => s.path === '/api/v1/nodes').length).toBeGreaterThanOrEqual(2);
  });

  it('names a kubeconfig context that does not exist', async () => {
    const res = await sync(['--context', 'nowhere', '--cluster', clusterId]);
    expect([res.code, res.stderr]).toEqual([1, 'kipam-sync: the kubeconfig has no context nowhere\n']);
  });

  it('fails with Kipam problem details, and on bad flags with usage', async () => {
    const denied = await sync(['--context', 'brown-ops', '--cluster', clusterId], { KIPAM_TOKEN: 'not-a-valid-token-at-all-0123456789' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/Kipam answered 401/);
    const missing = await sync(['--context', 'brown-ops', '--cluster', '00000000-0000-4000-8000-000000000000']);
    expect(missing.stderr).toMatch(/Kipam answered 404: Not found: cluster 00000000-0000-4000-8000-000000000000 does not exist/);
    const usage = await sync(['--context', 'brown-ops', '--cluster', clusterId, '--apply', 'merge']);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringMatching(/--apply is adopt or release[\s\S]*usage: kipam-sync/)]);
  });
});

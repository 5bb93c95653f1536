import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, type TestApp } from '../../api/test/setup/test-app';
import { startKipam } from './kipam-server';
import { providerMirror } from './provider-build';

const TERRAFORM = process.env.TERRAFORM_BINARY ?? '/usr/local/bin/terraform';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The provider driven by the real Terraform CLI against a real Kipam on
 * PostgreSQL: init from the filesystem mirror, apply, an empty plan, an
 * in-place update, a replacement, drift, import into an empty state, a failed
 * apply, destroy.
 */
describe('kipam/kipam with Terraform', () => {
  let t: TestApp;
  let endpoint: string;
  let mirror: string;
  let root: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!existsSync(TERRAFORM)) throw new Error(`Terraform is not installed at ${TERRAFORM} (set TERRAFORM_BINARY)`);
    ({ mirror } = await providerMirror());
    ({ t, endpoint } = await startKipam());
    root = mkdtempSync(join(tmpdir(), 'kipam-terraform-'));
    const cliConfig = join(root, 'terraform.rc');
    writeFileSync(
      cliConfig,
      `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/kipam/kipam"]
  }
  direct {
    exclude = ["registry.terraform.io/kipam/kipam"]
  }
}
`,
    );
    env = {
      PATH: process.env.PATH,
      HOME: root,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      // the endpoint is in the configuration; the token comes from the environment
      KIPAM_TOKEN: ADMIN_TOKEN,
    };
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function terraform(dir: string, ...args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(TERRAFORM, [...args, '-no-color'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async function ok(dir: string, ...args: string[]): Promise<Run> {
    const run = await terraform(dir, ...args);
    if (run.code !== 0) throw new Error(`terraform ${args.join(' ')} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  async function outputs(dir: string): Promise<Record<string, any>> {
    const run = await ok(dir, 'output', '-json');
    return Object.fromEntries(Object.entries(JSON.parse(run.stdout) as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]));
  }

  /** The configuration under test: spellings a user may write (upper-case IPv6, a range by name). */
  function config(v: { clusterLabels: string; nodeName: string; cidrV6: string; extra?: string }): string {
    return `
terraform {
  required_providers {
    kipam = { source = "kipam/kipam" }
  }
}

provider "kipam" {
  endpoint = ${JSON.stringify(endpoint)}
}

resource "kipam_domain" "prod" {
  name        = "prod"
  description = "production routing domain"
}

resource "kipam_range" "pods_v4" {
  name                  = "pods-v4"
  domain                = kipam_domain.prod.name
  cidr                  = "10.0.0.0/8"
  purpose               = "pod"
  default_prefix_length = 16
}

resource "kipam_range_reservation" "vpc" {
  range_id = kipam_range.pods_v4.id
  cidr     = "10.255.0.0/16"
  reason   = "VPC"
}

resource "kipam_cluster" "eu1" {
  name               = "eu-1"
  domain             = kipam_domain.prod.name
  pod_cidrs          = [{ range = kipam_range.pods_v4.name, prefix_length = 16 }, { cidr = ${JSON.stringify(v.cidrV6)} }]
  service_cidrs      = [{ cidr = "10.96.0.0/16" }, { cidr = "fd00:96::/112" }]
  kubernetes_version = "1.31"
  labels             = ${v.clusterLabels}
}

resource "kipam_node" "w1" {
  cluster_id = kipam_cluster.eu1.id
  name       = ${JSON.stringify(v.nodeName)}
  addresses  = [{ type = "InternalIP", address = "192.168.1.10" }]
}

resource "kipam_service" "api" {
  cluster_id       = kipam_cluster.eu1.id
  namespace        = "web"
  name             = "api"
  ip_family_policy = "PreferDualStack"
  selector         = { app = "api" }
}

data "kipam_whois" "api" {
  address = kipam_service.api.cluster_ip
}

data "kipam_cluster_config" "eu1" {
  cluster_id = kipam_cluster.eu1.id
}

data "kipam_cluster" "by_name" {
  name   = kipam_cluster.eu1.name
  domain = kipam_domain.prod.name
}

output "cluster_id" { value = kipam_cluster.eu1.id }
output "pod_cidrs" { value = kipam_cluster.eu1.pod_cidrs }
output "node_id" { value = kipam_node.w1.id }
output "node_pod_cidrs" { value = kipam_node.w1.pod_cidrs }
output "service_id" { value = kipam_service.api.id }
output "api_ips" { value = kipam_service.api.cluster_ips }
output "whois_holder" { value = data.kipam_whois.api.leases[length(data.kipam_whois.api.leases) - 1].holder_name }
output "controller_manager_flags" { value = data.kipam_cluster_config.eu1.kube_controller_manager }
output "looked_up_stack" { value = data.kipam_cluster.by_name.stack }
${v.extra ?? ''}
`;
  }

  const v1 = { clusterLabels: '{ env = "prod" }', nodeName: 'worker-1', cidrV6: 'FD00:10:0::/56' };

  it('runs the whole lifecycle of a dual-stack cluster', async () => {
    const dir = join(root, 'main');
    const write = (text: string) => writeFileSync(join(dir, 'main.tf'), text);
    mkdirSync(dir);
    write(config(v1));

    // init finds the provider in the filesystem mirror, offline
    const init = await ok(dir, 'init', '-input=false');
    expect(init.stdout).toMatch(/Installing kipam\/kipam v0\.1\.0/);

    // apply: everything created, computed values known
    const apply = await ok(dir, 'apply', '-auto-approve', '-input=false');
    expect(apply.stdout).toMatch(/Apply complete! Resources: 6 added, 0 changed, 0 destroyed/);
    const out = await outputs(dir);
    expect(out.pod_cidrs).toEqual([
      { cidr: '10.0.0.0/16', range: 'pods-v4', prefix_length: 16, family: 'IPv4', range_id: expect.any(String) },
      // the configuration's spelling stays in state
      { cidr: 'FD00:10:0::/56', range: null, prefix_length: 56, family: 'IPv6', range_id: null },
    ]);
    expect(out.node_pod_cidrs).toEqual(['10.0.0.0/24', 'fd00:10::/64']);
    expect(out.api_ips).toHaveLength(2);
    expect(out.whois_holder).toBe('web/api');
    expect(out.controller_manager_flags).toContain('--cluster-cidr=10.0.0.0/16,fd00:10::/56');
    expect(out.looked_up_stack).toBe('DualStack');
    const cluster = await t.http.get(`/v1/clusters/${out.cluster_id}`).set(t.auth).expect(200);
    expect(cluster.body).toMatchObject({
      name: 'eu-1',
      domain: 'prod',
      podCidrs: ['10.0.0.0/16', 'fd00:10::/56'],
      labels: { env: 'prod' },
    });
    // every allocating create carried an Idempotency-Key
    const keyed = await t.sql<{ path: string }>(`SELECT path FROM idempotency_record ORDER BY path`);
    expect(keyed.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/v1/domains',
        '/v1/ranges',
        '/v1/clusters',
        `/v1/clusters/${out.cluster_id}/nodes`,
        `/v1/clusters/${out.cluster_id}/services`,
      ]),
    );

    // plan right after apply: no changes (upper-case IPv6, label maps, defaults, family order)
    const clean = await terraform(dir, 'plan', '-detailed-exitcode', '-input=false');
    expect({ code: clean.code, stdout: clean.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/No changes/) });

    // an in-place update (labels), PATCHed with If-Match: same id, new ETag
    write(config({ ...v1, clusterLabels: '{ env = "staging", team = "net" }' }));
    const update = await ok(dir, 'apply', '-auto-approve', '-input=false');
    expect(update.stdout).toMatch(/kipam_cluster\.eu1 will be updated in-place/);
    expect(update.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
    const relabelled = await t.http.get(`/v1/clusters/${out.cluster_id}`).set(t.auth).expect(200);
    expect(relabelled.body.labels).toEqual({ env: 'staging', team: 'net' });
    expect(relabelled.headers.etag).not.toBe(cluster.headers.etag);
    expect((await terraform(dir, 'plan', '-detailed-exitcode')).code).toBe(0);

    // a replacement (the node name is immutable): the old node is gone, a new one holds the block
    const v2 = { ...v1, clusterLabels: '{ env = "staging", team = "net" }', nodeName: 'worker-2' };
    write(config(v2));
    const replace = await ok(dir, 'apply', '-auto-approve', '-input=false');
    expect(replace.stdout).toMatch(/kipam_node\.w1 must be replaced/);
    expect(replace.stdout).toMatch(/name += "worker-1" -> "worker-2" # forces replacement/);
    const after = await outputs(dir);
    expect(after.node_id).not.toBe(out.node_id);
    await t.http.get(`/v1/clusters/${out.cluster_id}/nodes/${out.node_id}`).set(t.auth).expect(404);
    expect((await terraform(dir, 'plan', '-detailed-exitcode')).code).toBe(0);

    // drift: the Service deleted behind Terraform's back is planned for creation again
    await t.http.delete(`/v1/clusters/${out.cluster_id}/services/${after.service_id}`).set(t.auth).expect(204);
    const drift = await terraform(dir, 'plan', '-detailed-exitcode', '-input=false');
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/kipam_service\.api has been deleted/);
    expect(drift.stdout).toMatch(/kipam_service\.api will be created/);
    const healed = await ok(dir, 'apply', '-auto-approve', '-input=false');
    expect(healed.stdout).toMatch(/Resources: 1 added, 0 changed, 0 destroyed/);
    const recreated = await outputs(dir);
    // the same create body replays a deleted Service's response: the provider saw it was gone and created anew
    expect(recreated.service_id).not.toBe(after.service_id);
    await t.http.get(`/v1/clusters/${out.cluster_id}/services/${recreated.service_id}`).set(t.auth).expect(200);
    expect((await terraform(dir, 'plan', '-detailed-exitcode')).code).toBe(0);

    // import into an empty state: the same objects, adopted by a second configuration
    const adopt = join(root, 'import');
    mkdirSync(adopt);
    writeFileSync(join(adopt, 'main.tf'), config({ ...v2, cidrV6: 'fd00:10::/56' }));
    await ok(adopt, 'init', '-input=false');
    const ids = {
      domain: (await t.http.get('/v1/domains/prod').set(t.auth)).body.id as string,
      range: cluster.body.podCidrAssignments[0].rangeId as string,
      reservation: (
        (await t.http.get(`/v1/ranges/${cluster.body.podCidrAssignments[0].rangeId}/reservations`).set(t.auth)).body.items[0] as {
          id: string;
        }
      ).id,
    };
    await ok(adopt, 'import', '-input=false', 'kipam_domain.prod', ids.domain);
    await ok(adopt, 'import', '-input=false', 'kipam_range.pods_v4', ids.range);
    await ok(adopt, 'import', '-input=false', 'kipam_range_reservation.vpc', `${ids.range}/${ids.reservation}`);
    await ok(adopt, 'import', '-input=false', 'kipam_cluster.eu1', out.cluster_id);
    await ok(adopt, 'import', '-input=false', 'kipam_node.w1', `${out.cluster_id}/${after.node_id}`);
    await ok(adopt, 'import', '-input=false', 'kipam_service.api', `${out.cluster_id}/${recreated.service_id}`);
    const adopted = await terraform(adopt, 'plan', '-detailed-exitcode', '-input=false');
    expect({ code: adopted.code, stdout: adopted.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/No changes/) });
    const badImport = await terraform(adopt, 'import', '-input=false', 'kipam_node.w1', after.node_id);
    expect(badImport.code).toBe(1);
    expect(badImport.stderr).toMatch(/Invalid import id[\s\S]*CLUSTER_ID\/NODE_ID/);

    // a failed apply: the range has no free /8; a clear diagnostic on the attribute, nothing created
    write(
      config({
        ...v2,
        extra: `
resource "kipam_cluster" "big" {
  name          = "big"
  domain        = kipam_domain.prod.name
  pod_cidrs     = [{ range = kipam_range.pods_v4.id, prefix_length = 8 }]
  service_cidrs = [{ cidr = "172.16.0.0/16" }]
}
`,
      }),
    );
    const failed = await terraform(dir, 'apply', '-auto-approve', '-input=false');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/Error: Range exhausted/);
    expect(failed.stderr).toMatch(/pod_cidrs\[0\]: range pods-v4 \(10\.0\.0\.0\/8\) has no free \/8 left/);
    expect(failed.stderr).toMatch(/409 \/problems\/range-exhausted/);
    expect((await t.http.get('/v1/clusters?name=big&domain=prod').set(t.auth)).body.items).toEqual([]);
    const state = await ok(dir, 'state', 'list');
    expect(state.stdout).not.toMatch(/kipam_cluster\.big/);

    // destroy: everything released
    write(config(v2));
    const destroy = await ok(dir, 'destroy', '-auto-approve', '-input=false');
    expect(destroy.stdout).toMatch(/Destroy complete! Resources: 6 destroyed/);
    await t.http.get(`/v1/clusters/${out.cluster_id}`).set(t.auth).expect(404);
    await t.http.get('/v1/domains/prod').set(t.auth).expect(404);
    const leases = await t.http.get('/v1/leases').set(t.auth).expect(200);
    expect(leases.body.items).toEqual([]);
  }, 300_000);

  /** A cluster that grows: an EKS IPv6 profile, a generated ULA service range, a zone pod pool and an extra ServiceCIDR. */
  function grown(v: { zone: string }): string {
    return `
terraform {
  required_providers {
    kipam = { source = "kipam/kipam" }
  }
}

provider "kipam" {
  endpoint = ${JSON.stringify(endpoint)}
}

resource "kipam_range" "vpc" {
  name                  = "vpc-eks"
  cidr                  = "2600:1f14:abc:ff00::/56"
  purpose               = "pod"
  default_prefix_length = 64
}

resource "kipam_cluster" "eks" {
  name               = "eks-prod"
  profile            = "eks-ipv6"
  kubernetes_version = "1.33"
  pod_cidrs          = [{ range = kipam_range.vpc.name }]
  service_cidrs      = [{ generate = "ula", prefix_length = 108 }]
}

resource "kipam_pod_pool" "zone_b" {
  cluster_id    = kipam_cluster.eks.id
  name          = "eu-west-1b"
  range         = kipam_range.vpc.name
  prefix_length = 64
  order         = -1
  node_selector = { match_labels = { "topology.kubernetes.io/zone" = ${JSON.stringify(v.zone)} } }
}

resource "kipam_service_cidr" "extra" {
  cluster_id = kipam_cluster.eks.id
  name       = "extra"
  cidrs      = [{ cidr = "fd00:97::/112" }]
}

resource "kipam_node" "b1" {
  cluster_id = kipam_cluster.eks.id
  name       = "ip-10-0-2-10"
  labels     = { "topology.kubernetes.io/zone" = "eu-west-1b" }
  # a pool holding node blocks cannot go before its nodes
  depends_on = [kipam_pod_pool.zone_b]
}

output "cluster_id" { value = kipam_cluster.eks.id }
output "service_cidrs" { value = kipam_cluster.eks.service_cidrs }
output "ula_prefix" { value = kipam_cluster.eks.ula_prefix }
output "node_local" { value = kipam_cluster.eks.node_local_cidrs }
output "pool_cidr" { value = kipam_pod_pool.zone_b.cidr }
output "extra_cidrs" { value = kipam_service_cidr.extra.cidrs }
output "node_pod_cidrs" { value = kipam_node.b1.pod_cidrs }
`;
  }

  it('grows a cluster: EKS IPv6 profile, generated ULA service range, zone pod pool, extra ServiceCIDR', async () => {
    const dir = join(root, 'grown');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.tf'), grown({ zone: 'eu-west-1b' }));
    await ok(dir, 'init', '-input=false');
    const apply = await ok(dir, 'apply', '-auto-approve', '-input=false');
    expect(apply.stdout).toMatch(/Resources: 5 added, 0 changed, 0 destroyed/);
    const out = await outputs(dir);
    expect(out.service_cidrs).toEqual([
      {
        cidr: expect.stringMatching(/^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/108$/),
        range: null,
        prefix_length: 108,
        generate: 'ula',
        family: 'IPv6',
        range_id: null,
      },
    ]);
    expect(out.ula_prefix).toMatch(/^fd[0-9a-f:]+::\/48$/);
    expect(out.node_local).toEqual(['169.254.172.0/22']);
    expect(out.pool_cidr).toBe('2600:1f14:abc:ff01::/64');
    expect(out.extra_cidrs).toEqual([{ cidr: 'fd00:97::/112', range: null, prefix_length: 112, family: 'IPv6', range_id: null }]);
    expect(out.node_pod_cidrs).toEqual(['2600:1f14:abc:ff01::/80']);
    const serviceCidrs = await t.http.get(`/v1/clusters/${out.cluster_id}/service-cidrs`).set(t.auth).expect(200);
    expect(serviceCidrs.body.items.map((s: { name: string }) => s.name)).toEqual(['kubernetes', 'extra']);

    // no diff right after apply (the generate request and the upper-case CIDR stay as written)
    const clean = await terraform(dir, 'plan', '-detailed-exitcode', '-input=false');
    expect({ code: clean.code, stdout: clean.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/No changes/) });

    // the pool's selector changes in place
    writeFileSync(join(dir, 'main.tf'), grown({ zone: 'eu-west-1c' }));
    const update = await ok(dir, 'apply', '-auto-approve', '-input=false');
    expect(update.stdout).toMatch(/kipam_pod_pool\.zone_b will be updated in-place/);
    expect(update.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
    const pool = await t.http.get(`/v1/clusters/${out.cluster_id}/pod-pools/eu-west-1b`).set(t.auth).expect(200);
    expect(pool.body.nodeSelector).toEqual({ matchLabels: { 'topology.kubernetes.io/zone': 'eu-west-1c' } });

    // import: forgotten from state, adopted again by id, no diff
    await ok(dir, 'state', 'rm', 'kipam_pod_pool.zone_b', 'kipam_service_cidr.extra');
    await ok(dir, 'import', '-input=false', 'kipam_pod_pool.zone_b', `${out.cluster_id}/eu-west-1b`);
    await ok(dir, 'import', '-input=false', 'kipam_service_cidr.extra', `${out.cluster_id}/extra`);
    const adopted = await terraform(dir, 'plan', '-detailed-exitcode', '-input=false');
    expect({ code: adopted.code, stdout: adopted.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/No changes/) });

    const destroy = await ok(dir, 'destroy', '-auto-approve', '-input=false');
    expect(destroy.stdout).toMatch(/Destroy complete! Resources: 5 destroyed/);
    await t.http.get(`/v1/clusters/${out.cluster_id}`).set(t.auth).expect(404);
    expect((await t.http.get('/v1/leases').set(t.auth).expect(200)).body.items).toEqual([]);
  }, 300_000);
});

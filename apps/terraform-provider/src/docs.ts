import { DATA_SOURCES } from './data-sources/data-sources';
import type { Attribute, Block, TypeSpec } from './protocol/schema';
import { providerSchema, PROVIDER_VERSION, RESOURCES } from './provider';

/**
 * docs/terraform.md, written from the provider's own schemas (so the
 * reference cannot drift from the code): `npm run docs:terraform` rewrites it,
 * a unit spec fails when it is stale.
 */

function typeName(t: TypeSpec | undefined): string {
  if (t === undefined) return '';
  if (typeof t === 'string') return t;
  if (t[0] === 'object') return 'object';
  return `${t[0]}(${typeName(t[1])})`;
}

function kind(a: Attribute): string {
  const flags = [a.required ? 'required' : a.optional ? 'optional' : '', a.computed ? 'computed' : ''].filter(Boolean).join(', ');
  return [flags, a.sensitive ? 'sensitive' : '', a.forceNew ? 'forces replacement' : ''].filter(Boolean).join('; ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function attributeRows(attributes: Record<string, Attribute>, prefix = ''): string[] {
  return Object.entries(attributes).flatMap(([name, a]) => {
    const type = a.nested ? (a.nested.nesting === 'list' ? 'list(object)' : 'object') : typeName(a.type);
    const dflt = a.default === undefined ? '' : ` Default: \`${JSON.stringify(a.default)}\`.`;
    const row = `| \`${prefix}${name}\` | ${type} | ${kind(a)} | ${cell(a.description + dflt)} |`;
    return [row, ...(a.nested ? attributeRows(a.nested.attributes, `${prefix}${name}[*].`) : [])];
  });
}

function table(block: Block): string {
  return ['| Attribute | Type | | Description |', '| --- | --- | --- | --- |', ...attributeRows(block.attributes)].join('\n');
}

export function terraformDocs(): string {
  const resources = RESOURCES.map(
    (r) => `### \`${r.name}\`

${r.schema.description}

${table(r.schema)}

Import: \`terraform import ${r.name}.NAME ${r.importId}\`${r.importNote ? ` (${r.importNote})` : ''}.
`,
  ).join('\n');
  const dataSources = DATA_SOURCES.map(
    (d) => `### \`data.${d.name}\`

${d.schema.description}

${table(d.schema)}
`,
  ).join('\n');
  return `${HEADER(PROVIDER_VERSION)}
## Provider

${table(providerSchema)}

## Resources

${resources}
## Data sources

${dataSources}
${FOOTER}`;
}

const HEADER = (version: string) => `# The Terraform provider kipam/kipam

<!-- Written by \`npm run docs:terraform\` from the provider's schemas (apps/terraform-provider/src/docs.ts); edit there. -->

Kipam ships its own Terraform provider, \`kipam/kipam\` (version ${version}), in
\`apps/terraform-provider/\`. It speaks Terraform's plugin protocol 6 and calls the
same REST API every client uses. Terraform 1.0 or later.

## Installing it

\`npm run build:terraform-provider\` writes a filesystem mirror:

\`\`\`
dist/terraform-mirror/registry.terraform.io/kipam/kipam/${version}/linux_amd64/terraform-provider-kipam_v${version}
\`\`\`

The file is a self-contained executable (a Node.js single executable
application): copy the \`dist/terraform-mirror\` folder to any Linux amd64
machine, Node.js is not needed there. Point Terraform at it with a CLI
configuration file (\`~/.terraformrc\`, or the file named by \`TF_CLI_CONFIG_FILE\`):

\`\`\`hcl
provider_installation {
  filesystem_mirror {
    path    = "/path/to/dist/terraform-mirror"
    include = ["registry.terraform.io/kipam/kipam"]
  }
  direct {
    exclude = ["registry.terraform.io/kipam/kipam"]
  }
}
\`\`\`

\`terraform init\` then installs it offline and records its checksum in
\`.terraform.lock.hcl\`.

## Using it

\`\`\`hcl
terraform {
  required_providers {
    kipam = { source = "kipam/kipam" }
  }
}

provider "kipam" {
  endpoint = "https://kipam.example.internal" # or KIPAM_ENDPOINT
  token    = var.kipam_token                 # or KIPAM_TOKEN
}

resource "kipam_range" "pods_v4" {
  name                  = "pods-v4"
  cidr                  = "10.0.0.0/8"
  purpose               = "pod"
  default_prefix_length = 16
}

resource "kipam_cluster" "eu1" {
  name               = "eu-1"
  pod_cidrs          = [{ range = kipam_range.pods_v4.name, prefix_length = 16 }, { cidr = "fd00:10::/56" }]
  service_cidrs      = [{ cidr = "10.96.0.0/16" }, { cidr = "fd00:96::/112" }]
  kubernetes_version = "1.31"
  labels             = { env = "prod" }
}

resource "kipam_node" "w1" {
  cluster_id = kipam_cluster.eu1.id
  name       = "worker-1"
}

resource "kipam_service" "api" {
  cluster_id       = kipam_cluster.eu1.id
  namespace        = "web"
  name             = "api"
  ip_family_policy = "PreferDualStack"
  selector         = { app = "api" }
}

data "kipam_whois" "dns" {
  address = "10.96.0.10"
}

data "kipam_cluster_config" "eu1" {
  cluster_id = kipam_cluster.eu1.id
}

output "api_ips" { value = kipam_service.api.cluster_ips }
output "kubeadm" { value = data.kipam_cluster_config.eu1.kubeadm_yaml }
\`\`\`

Use a \`writer\` token (\`admin\` for \`kipam_token\`); a writer scoped to
clusters manages only their nodes and Services.

A cluster that grows, EKS IPv6 style: a generated ULA service range, one VPC
subnet per zone as pod pools chosen by node labels, and an extra ServiceCIDR
(Kubernetes 1.33+). A node depends on the pools it may take blocks from, so a
destroy removes it first (a pool holding node blocks is not deleted).

\`\`\`hcl
resource "kipam_range" "vpc" {
  name                  = "vpc-prod"
  cidr                  = "2600:1f14:abc:ff00::/56"
  purpose               = "pod"
  default_prefix_length = 64
}

resource "kipam_cluster" "eks" {
  name               = "eks-prod"
  profile            = "eks-ipv6" # /80 nodes, node-local egress 169.254.172.0/22
  kubernetes_version = "1.33"
  pod_cidrs          = [{ range = kipam_range.vpc.name }]
  service_cidrs      = [{ generate = "ula", prefix_length = 108 }]
}

resource "kipam_pod_pool" "zone_b" {
  cluster_id    = kipam_cluster.eks.id
  name          = "eu-west-1b"
  range         = kipam_range.vpc.name
  prefix_length = 64
  order         = -1 # before the cluster's own pod CIDR, which takes every node
  node_selector = { match_labels = { "topology.kubernetes.io/zone" = "eu-west-1b" } }
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
  depends_on = [kipam_pod_pool.zone_b]
}
\`\`\`

## How it behaves

- **Names.** Attributes are the REST fields in snake_case (\`podCidrs\` →
  \`pod_cidrs\`, \`clusterIPs\` → \`cluster_ips\`, \`nodeMaskSizeIPv4\` →
  \`node_mask_size_ipv4\`).
- **Computed values.** What Kipam allocates (ids, carved CIDRs, node pod CIDRs,
  ClusterIPs, families, stack) is known after apply. A value you may also set
  (\`cluster_ip\`, \`cluster_ips\`, \`ip_families\`, \`ip_family_policy\`, a node's
  \`pod_cidrs\`) is optional and computed: left out, Kipam chooses it and it then
  stays as chosen.
- **No perpetual diff.** Right after \`apply\`, \`plan\` shows no changes: a CIDR
  or address keeps the spelling you wrote (\`FD00:10:0::/56\` is the same block as
  Kipam's canonical \`fd00:10::/56\`), family order is kept, label maps and
  defaults (\`domain = "default"\`, \`purpose = "any"\`, empty labels, node mask
  sizes 24 and 64) are planned as Kipam stores them. Writing another spelling of
  the same value later is an in-place update that changes nothing in Kipam.
- **Replacement.** An attribute marked *forces replacement* cannot change in
  place: the plan says so and Terraform deletes and creates the object. A
  cluster gains its missing IP family in place (add one pod and one service CIDR
  entry of the new family); changing or removing an existing entry replaces it.
  A Service's secondary ClusterIP is added or released in place when its
  \`ip_family_policy\` changes; its primary family never changes.
- **Updates** are a \`PATCH\` with \`If-Match\` (the ETag the last read returned,
  kept in the provider's private state): an object changed outside Terraform
  since the plan fails the apply with *changed outside Terraform*, and nothing
  changes; run \`apply\` again to plan from its current state.
- **Idempotent creates.** Every allocating create sends an \`Idempotency-Key\`
  derived from the resource type, the collection and the request body: a retry
  (by the provider after a lost connection or a 503, or by a later \`apply\`
  after a lost response) gets the first answer back instead of a second
  allocation. When the replayed object has since been deleted, the provider
  creates a new one. \`kipam_token\` is the exception: Kipam never stores a
  response carrying a secret, and a retry meets *already exists* on the name.
- **Drift.** An object deleted outside Terraform (404 on refresh) leaves the
  state and is planned for creation again; changed attributes show as changes.
- **Errors** become diagnostics: the problem's \`title\` is the summary, its
  \`detail\` and each field error (on the attribute it names, e.g.
  \`pod_cidrs[0]\`) the detail, with the request, status and problem type.
- **Import.** Every resource imports by its id; a nested one as
  \`PARENT_ID/CHILD_ID\`. A token's secret cannot be imported (it is null).
- **Destroy** deletes (a token is revoked) and releases every lease in the same
  transaction; a cluster's nodes and Services go with it.
`;

const FOOTER = `## Building and testing it

- \`npm run build:terraform-provider\` bundles \`apps/terraform-provider/src\` with
  esbuild, makes a single executable application blob and injects it into a copy
  of the Node.js binary with postject (a few seconds; \`--out DIR\` writes the
  mirror elsewhere).
- \`apps/terraform-provider/test/protocol.e2e-spec.ts\` starts the executable as
  Terraform does (magic cookie, automatic mTLS) and calls the protocol over gRPC.
- \`apps/terraform-provider/test/terraform.e2e-spec.ts\` drives Terraform itself
  (\`/usr/local/bin/terraform\`, or \`TERRAFORM_BINARY\`) against a Kipam on
  PostgreSQL: init from the mirror, apply, an empty plan, an in-place update, a
  replacement, drift, import into an empty state, an exhausted range, destroy.
  Both run in \`npm test\`; the mirror is built once per source state and cached
  in \`node_modules/.cache/kipam-terraform-provider/\`.
- The protocol definitions the provider serves are in
  \`apps/terraform-provider/proto/\` (with where they come from).
`;

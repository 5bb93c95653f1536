import type { Json, Response } from '../client/kipam-client';
import { checkCidr, optional, sameCidr, splitImportId } from '../framework/attributes';
import { reconcileBlock } from '../framework/plan';
import type { ResourceType, Stored } from '../framework/resource';
import { error, type Diagnostic } from '../protocol/diagnostics';
import { NUMBER, STRING, type Block } from '../protocol/schema';
import { isObject, isUnknown, type ObjectValue, type Value } from '../protocol/values';
import { deleteObject } from './domain';

export const serviceCidrSchema: Block = {
  description:
    "An extra ServiceCIDR of a cluster (networking.k8s.io/v1, Kubernetes 1.33+): more ClusterIP space, one CIDR per family. The cluster's own `service_cidrs` are the default ServiceCIDR, `kubernetes`. Every attribute is immutable: a change replaces it, and its deletion is refused while Services hold ClusterIPs of it.",
  attributes: {
    id: { type: STRING, computed: true, description: '`CLUSTER_ID/NAME`.' },
    cluster_id: {
      type: STRING,
      required: true,
      forceNew: true,
      description: 'The cluster (id); its `kubernetes_version` must be 1.33 or later.',
    },
    name: { type: STRING, required: true, forceNew: true, description: 'A DNS-1123 subdomain, unique in the cluster (not `kubernetes`).' },
    cidrs: {
      required: true,
      forceNew: true,
      description:
        'One or two CIDRs, one per family of the cluster; each declared (`{ cidr = "…" }`) or carved from a range (`{ range = "…", prefix_length = N }`).',
      nested: {
        nesting: 'list',
        attributes: {
          cidr: {
            type: STRING,
            optional: true,
            computed: true,
            equal: sameCidr,
            description: 'A declared CIDR; for a carved entry, the block it was given.',
          },
          range: {
            type: STRING,
            optional: true,
            computed: true,
            description: 'Range (name or id, in the cluster domain) to carve from; for a declared CIDR, the range holding it, if any.',
          },
          prefix_length: {
            type: NUMBER,
            optional: true,
            computed: true,
            description: "Prefix length to carve (the range's default when left out).",
          },
          family: { type: STRING, computed: true, description: '`IPv4` or `IPv6`.' },
          range_id: { type: STRING, computed: true, description: 'The id of the range the CIDR is leased from, or null.' },
        },
      },
    },
  },
};

interface Assignment {
  family: string;
  cidr: string;
  rangeId: string | null;
  rangeName: string | null;
}

function toState(res: Response, planned: ObjectValue | null): Stored {
  const b = res.body;
  const plannedCidrs = planned && Array.isArray(planned.cidrs) ? (planned.cidrs as ObjectValue[]) : [];
  const api: ObjectValue = {
    id: `${b.clusterId as string}/${b.name as string}`,
    cluster_id: b.clusterId as string,
    name: b.name as string,
    cidrs: (b.cidrAssignments as Assignment[]).map((a, i) => {
      const p = isObject(plannedCidrs[i]) ? plannedCidrs[i] : undefined;
      return {
        cidr: p && typeof p.cidr === 'string' && sameCidr(p.cidr, a.cidr) ? p.cidr : a.cidr,
        range: p && typeof p.range === 'string' && (p.range === a.rangeId || p.range === a.rangeName) ? p.range : a.rangeName,
        prefix_length: Number(a.cidr.split('/')[1]),
        family: a.family,
        range_id: a.rangeId,
      };
    }),
  };
  const state = reconcileBlock(serviceCidrSchema, api, planned);
  state.cidrs = api.cidrs;
  return { state, private: { etag: res.etag } };
}

const collection = (clusterId: string) => `/v1/clusters/${encodeURIComponent(clusterId)}/service-cidrs`;
const path = (s: ObjectValue) => `${collection(s.cluster_id as string)}/${encodeURIComponent(s.name as string)}`;

export const serviceCidrResource: ResourceType = {
  name: 'kipam_service_cidr',
  schema: serviceCidrSchema,
  importId: 'CLUSTER_ID/NAME',

  validate(config) {
    const out: Diagnostic[] = [];
    const entries = config.cidrs;
    if (!Array.isArray(entries)) return out;
    if (entries.length < 1 || entries.length > 2)
      out.push(error('Invalid CIDR list', 'give one or two entries, one per IP family', ['cidrs']));
    entries.forEach((e: Value, i) => {
      if (!isObject(e)) return;
      if (e.cidr !== null && e.range !== null && !isUnknown(e.cidr) && !isUnknown(e.range)) {
        out.push(error('Invalid CIDR entry', 'give either cidr (declared) or range (carved), not both', ['cidrs', i]));
      } else if (e.cidr === null && e.range === null) {
        out.push(error('Invalid CIDR entry', 'give cidr (a declared CIDR) or range (a range to carve from)', ['cidrs', i]));
      }
      checkCidr(e.cidr, ['cidrs', i, 'cidr'], out);
    });
    return out;
  },

  async create(client, planned) {
    const cidrs = (planned.cidrs as ObjectValue[]).map((e) => {
      if (typeof e.cidr === 'string') return e.cidr;
      const carve: Json = { range: e.range };
      optional(carve, 'prefixLength', e.prefix_length);
      return carve;
    });
    return toState(
      await client.create('kipam_service_cidr', collection(planned.cluster_id as string), { name: planned.name, cidrs }),
      planned,
    );
  },

  async read(client, prior) {
    const res = await client.find(path(prior));
    return res && toState(res, prior);
  },

  async update(client, _prior, planned) {
    // nothing changes in place (every attribute replaces it)
    const res = await client.find(path(planned));
    if (!res) throw new Error(`ServiceCIDR ${planned.name as string} is gone`);
    return toState(res, planned);
  },

  async delete(client, prior, priv) {
    await deleteObject(client, path(prior), priv.etag);
  },

  async import(client, importId) {
    const [clusterId, name] = splitImportId(importId, 'CLUSTER_ID/NAME');
    const res = await client.find(`${collection(clusterId)}/${encodeURIComponent(name)}`);
    return res && toState(res, null);
  },
};

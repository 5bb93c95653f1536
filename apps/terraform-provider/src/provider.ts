import { ApiError, defaultFieldPath as defaultPath, KipamClient } from './client/kipam-client';
import { DATA_SOURCES } from './data-sources/data-sources';
import { complete } from './framework/attributes';
import { planBlock } from './framework/plan';
import type { DataSourceType, PrivateState, ResourceType } from './framework/resource';
import { DiagnosticsError, error, protoDiagnostics, protoPath, type Diagnostic, type Path } from './protocol/diagnostics';
import { protoSchema, STRING, type Block } from './protocol/schema';
import { fromDynamic, isObject, isUnknown, toDynamic, type DynamicValue, type ObjectValue, type Value } from './protocol/values';
import { clusterResource } from './resources/cluster';
import { domainResource } from './resources/domain';
import { nodeResource } from './resources/node';
import { podPoolResource } from './resources/pod-pool';
import { rangeResource } from './resources/range';
import { reservationResource } from './resources/range-reservation';
import { serviceResource } from './resources/service';
import { serviceCidrResource } from './resources/service-cidr';
import { tokenResource } from './resources/token';

export const PROVIDER_VERSION = '0.1.0';

export const RESOURCES: ResourceType[] = [
  domainResource,
  rangeResource,
  reservationResource,
  clusterResource,
  podPoolResource,
  serviceCidrResource,
  nodeResource,
  serviceResource,
  tokenResource,
];

export const providerSchema: Block = {
  description: 'Kipam, the IP address management authority for a fleet of Kubernetes clusters.',
  attributes: {
    endpoint: {
      type: STRING,
      optional: true,
      description: 'Base URL of the Kipam API, e.g. `https://kipam.example.internal`. Default: the `KIPAM_ENDPOINT` environment variable.',
    },
    token: {
      type: STRING,
      optional: true,
      sensitive: true,
      description: 'API token (a `writer`; `admin` for `kipam_token`). Default: the `KIPAM_TOKEN` environment variable.',
    },
  },
};

/** A decoded protocol message (fields by their proto names). */
export type Request = Record<string, unknown>;

/**
 * The provider behind the gRPC calls: decodes DynamicValues, runs the
 * resource's plan or REST lifecycle, and answers errors as diagnostics (never
 * as gRPC errors, which Terraform would show without context).
 */
export class KipamProvider {
  private client?: KipamClient;
  private readonly resources = new Map(RESOURCES.map((r) => [r.name, r]));
  private readonly dataSources = new Map(DATA_SOURCES.map((d) => [d.name, d]));

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  getMetadata() {
    return {
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
      diagnostics: [],
      resources: RESOURCES.map((r) => ({ type_name: r.name })),
      data_sources: DATA_SOURCES.map((d) => ({ type_name: d.name })),
    };
  }

  getProviderSchema() {
    return {
      provider: protoSchema(providerSchema),
      resource_schemas: Object.fromEntries(RESOURCES.map((r) => [r.name, protoSchema(r.schema)])),
      data_source_schemas: Object.fromEntries(DATA_SOURCES.map((d) => [d.name, protoSchema(d.schema)])),
      diagnostics: [],
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false, move_resource_state: false },
    };
  }

  getResourceIdentitySchemas() {
    return { identity_schemas: {}, diagnostics: [] };
  }

  validateProviderConfig(req: Request) {
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    const diagnostics: Diagnostic[] = [];
    if (typeof config.endpoint === 'string' && !validUrl(config.endpoint)) {
      diagnostics.push(error('Invalid endpoint', `${JSON.stringify(config.endpoint)} is not an http(s) URL`, ['endpoint']));
    }
    return { diagnostics: protoDiagnostics(diagnostics) };
  }

  configureProvider(req: Request) {
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    const diagnostics: Diagnostic[] = [];
    const endpoint = typeof config.endpoint === 'string' ? config.endpoint : this.env.KIPAM_ENDPOINT;
    const token = typeof config.token === 'string' ? config.token : this.env.KIPAM_TOKEN;
    if (isUnknown(config.endpoint) || isUnknown(config.token)) {
      diagnostics.push(
        error('Provider configuration not known', 'endpoint and token must be known before plan (not computed from resources)'),
      );
    } else if (!endpoint) {
      diagnostics.push(error('Missing endpoint', 'set endpoint in the provider block or KIPAM_ENDPOINT', ['endpoint']));
    } else if (!validUrl(endpoint)) {
      diagnostics.push(error('Invalid endpoint', `${JSON.stringify(endpoint)} is not an http(s) URL`, ['endpoint']));
    } else if (!token) {
      diagnostics.push(error('Missing token', 'set token in the provider block or KIPAM_TOKEN', ['token']));
    } else {
      const agent = `terraform-provider-kipam/${PROVIDER_VERSION} terraform/${typeof req.terraform_version === 'string' && req.terraform_version ? req.terraform_version : 'unknown'}`;
      this.client = new KipamClient(endpoint, token, agent);
    }
    return { diagnostics: protoDiagnostics(diagnostics) };
  }

  validateResourceConfig(req: Request) {
    const resource = this.resource(req.type_name as string);
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    return { diagnostics: protoDiagnostics(resource?.validate?.(config) ?? []) };
  }

  validateDataResourceConfig(req: Request) {
    const source = this.dataSources.get(req.type_name as string);
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    return { diagnostics: protoDiagnostics(source?.validate?.(config) ?? []) };
  }

  /** State written by this provider's one schema version: attributes are matched by name. */
  upgradeResourceState(req: Request) {
    const resource = this.resource(req.type_name as string);
    const raw = (req.raw_state as { json?: Buffer } | undefined)?.json;
    if (!resource || !raw?.length) return { upgraded_state: toDynamic(null), diagnostics: [] };
    const state = JSON.parse(raw.toString('utf8')) as ObjectValue;
    return { upgraded_state: toDynamic(complete(resource.schema.attributes, state)), diagnostics: [] };
  }

  async readResource(req: Request) {
    const resource = this.resource(req.type_name as string)!;
    const prior = objectOf(fromDynamic(req.current_state as DynamicValue));
    const priv = privateOf(req.private as Buffer);
    try {
      const stored = await resource.read(this.requireClient(), prior, priv);
      if (!stored) return { new_state: toDynamic(null), diagnostics: [], private: Buffer.alloc(0) };
      return { new_state: this.encode(resource, stored.state), diagnostics: [], private: encodePrivate(stored.private) };
    } catch (e) {
      return { new_state: req.current_state as DynamicValue, diagnostics: this.diagnose(e, resource), private: req.private as Buffer };
    }
  }

  planResourceChange(req: Request) {
    const resource = this.resource(req.type_name as string)!;
    const proposed = fromDynamic(req.proposed_new_state as DynamicValue);
    if (proposed === null)
      return { planned_state: toDynamic(null), requires_replace: [], planned_private: req.prior_private as Buffer, diagnostics: [] };
    const priorValue = fromDynamic(req.prior_state as DynamicValue);
    const prior = isObject(priorValue) ? priorValue : null;
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    try {
      const change = planBlock(resource.schema, config, prior);
      resource.plan?.({ config, prior, change, client: this.client });
      return {
        planned_state: this.encode(resource, change.planned),
        requires_replace: change.requiresReplace.map(protoPath),
        planned_private: req.prior_private as Buffer,
        diagnostics: [],
      };
    } catch (e) {
      return { planned_state: req.proposed_new_state as DynamicValue, requires_replace: [], diagnostics: this.diagnose(e, resource) };
    }
  }

  async applyResourceChange(req: Request) {
    const resource = this.resource(req.type_name as string)!;
    const priorValue = fromDynamic(req.prior_state as DynamicValue);
    const plannedValue = fromDynamic(req.planned_state as DynamicValue);
    const prior = isObject(priorValue) ? priorValue : null;
    const planned = isObject(plannedValue) ? plannedValue : null;
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    const priv = privateOf(req.planned_private as Buffer);
    try {
      const client = this.requireClient();
      if (!planned) {
        await resource.delete(client, prior!, priv);
        return { new_state: toDynamic(null), private: Buffer.alloc(0), diagnostics: [] };
      }
      const stored = prior ? await resource.update(client, prior, planned, priv, config) : await resource.create(client, planned);
      return { new_state: this.encode(resource, stored.state), private: encodePrivate(stored.private), diagnostics: [] };
    } catch (e) {
      // Kipam changes nothing on an error: the object is as it was (absent, for a create)
      let diagnostics = this.diagnose(e, resource);
      if (e instanceof ApiError && e.status === 412) {
        diagnostics = protoDiagnostics([
          error(
            `${resource.name} changed outside Terraform`,
            'it was modified since Terraform last read it (ETag mismatch); run terraform apply again to plan from its current state',
          ),
        ]);
      }
      return {
        new_state: prior ? this.encode(resource, prior) : toDynamic(null),
        private: req.planned_private as Buffer,
        diagnostics,
      };
    }
  }

  async importResourceState(req: Request) {
    const resource = this.resource(req.type_name as string)!;
    try {
      const stored = await resource.import(this.requireClient(), String(req.id));
      if (!stored) {
        return {
          imported_resources: [],
          diagnostics: protoDiagnostics([
            error(
              'Cannot import non-existent remote object',
              `no ${resource.name} has the id ${JSON.stringify(req.id)} (import id: ${resource.importId})`,
            ),
          ]),
        };
      }
      return {
        imported_resources: [
          { type_name: resource.name, state: this.encode(resource, stored.state), private: encodePrivate(stored.private) },
        ],
        diagnostics: [],
      };
    } catch (e) {
      return { imported_resources: [], diagnostics: this.diagnose(e, resource) };
    }
  }

  async readDataSource(req: Request) {
    const source = this.dataSources.get(req.type_name as string)!;
    const config = objectOf(fromDynamic(req.config as DynamicValue));
    try {
      const state = await source.read(this.requireClient(), config);
      return { state: toDynamic(complete(source.schema.attributes, state)), diagnostics: [] };
    } catch (e) {
      return { state: req.config as DynamicValue, diagnostics: this.diagnose(e, source) };
    }
  }

  stopProvider() {
    return { Error: '' };
  }

  private resource(name: string): ResourceType | undefined {
    return this.resources.get(name);
  }

  private requireClient(): KipamClient {
    if (!this.client) throw new DiagnosticsError([error('Provider not configured', 'the kipam provider has no endpoint and token')]);
    return this.client;
  }

  private encode(resource: ResourceType, state: ObjectValue) {
    return toDynamic(complete(resource.schema.attributes, state));
  }

  private diagnose(e: unknown, type: ResourceType | DataSourceType) {
    if (e instanceof DiagnosticsError) return protoDiagnostics(e.diagnostics);
    if (e instanceof ApiError) {
      const fieldPath = ('fieldPath' in type && type.fieldPath) || undefined;
      return protoDiagnostics(e.diagnostics((field) => inSchema(type.schema, (fieldPath ?? defaultPath)(field))));
    }
    return protoDiagnostics([error('Kipam request failed', e instanceof Error ? e.message : String(e))]);
  }
}

/** A path is kept only when it names an attribute of the schema (else the diagnostic is the resource's). */
function inSchema(block: Block, path: Path | undefined): Path | undefined {
  if (!path?.length || typeof path[0] !== 'string') return undefined;
  const attribute = block.attributes[path[0]];
  if (!attribute) return undefined;
  if (path.length > 1 && typeof path[1] === 'number' && attribute.nested && typeof path[2] === 'string') {
    return path[2] in attribute.nested.attributes ? path.slice(0, 3) : path.slice(0, 2);
  }
  return path.slice(0, typeof path[1] === 'number' ? 2 : 1);
}

function objectOf(value: Value): ObjectValue {
  return isObject(value) ? value : {};
}

function validUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function privateOf(bytes: Buffer | undefined): PrivateState {
  if (!bytes?.length) return {};
  try {
    return JSON.parse(bytes.toString('utf8')) as PrivateState;
  } catch {
    return {};
  }
}

function encodePrivate(priv: PrivateState): Buffer {
  return Buffer.from(JSON.stringify(priv));
}
